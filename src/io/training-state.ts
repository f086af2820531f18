import type { TypedArray } from '../base/dtype.js';
import type { OptimizerStateDict, SavedParamState } from '../optim/optimizer.js';
import type { LRSchedulerStateDict } from '../optim/schedules.js';
import type { GeneratorState } from '../tensor/random.js';
import { type RawTensor, type SafetensorsDType, SafetensorsError } from './safetensors.js';

/**
 * What a checkpoint needs beyond the weights to continue a run exactly, as the dict a PyTorch
 * script passes to torch.save: the epochs done, the optimizer's and the schedule's state dicts and
 * the random generators' states.
 */
export interface TrainingState {
  /** Epochs completed. */
  epoch: number;
  optimizer: OptimizerStateDict;
  scheduler?: LRSchedulerStateDict;
  /** Generator states by any name, e.g. { default: defaultGenerator.getState() }. */
  generators?: Record<string, GeneratorState>;
}

/**
 * In the file, optimizer buffers are tensors named as the entries of PyTorch's
 * optimizer.state_dict(), `optimizer.state.<param index>.<name>` (`optimizer.state.0.exp_avg`); step
 * counts and param_groups go into the metadata as JSON, with PyTorch's snake_case keys.
 */
export const OPTIMIZER_PREFIX = 'optimizer.state.';

/** The metadata keys a training state occupies. */
export const TRAINING_KEYS = ['epoch', 'optimizer', 'lr_scheduler', 'rng_state'] as const;

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const renameKeys = (object: object, rename: (key: string) => string): Record<string, unknown> =>
  Object.fromEntries(Object.entries(object).map(([key, value]) => [rename(key), value]));

// JSON has no Infinity or NaN (a plateau scheduler's best loss starts at Infinity): they are stored as the strings JavaScript prints.
const NON_FINITE = new Map([['Infinity', Infinity], ['-Infinity', -Infinity], ['NaN', NaN]]);
const stringify = (value: unknown) => JSON.stringify(value, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
const revive = (_: string, v: unknown) => (typeof v === 'string' && NON_FINITE.has(v) ? NON_FINITE.get(v) : v);

const DTYPE_OF: Record<string, SafetensorsDType> = { Float32Array: 'F32', Float64Array: 'F64', Int32Array: 'I32' };

/** The tensors and metadata entries that store `state`. */
export function encodeTrainingState(state: TrainingState, label: string): { tensors: Record<string, RawTensor>; metadata: Record<string, string> } {
  const fail = (problem: string): never => {
    throw new SafetensorsError(`${label}: ${problem}`);
  };
  if (!Number.isInteger(state.epoch) || state.epoch < 0) fail(`training state: epoch must be a non-negative integer, got ${String(state.epoch)}`);
  const { optimizer } = state;
  if (optimizer === null || typeof optimizer !== 'object' || !Array.isArray(optimizer.paramGroups)) {
    fail('training state: optimizer must be an optimizer.stateDict()');
  }
  const tensors: Record<string, RawTensor> = {};
  const scalars: Record<string, Record<string, number>> = {};
  for (const [index, entries] of Object.entries(optimizer.state)) {
    for (const [name, value] of Object.entries(entries)) {
      if (typeof value === 'number') (scalars[index] ??= {})[snake(name)] = value;
      else tensors[`${OPTIMIZER_PREFIX}${index}.${snake(name)}`] = { dtype: DTYPE_OF[value.constructor.name], shape: [value.length], data: value };
    }
  }
  const paramGroups = optimizer.paramGroups.map((group) => renameKeys(group, snake));
  const metadata: Record<string, string> = {
    epoch: String(state.epoch),
    optimizer: stringify({ state: scalars, param_groups: paramGroups }),
  };
  if (state.scheduler !== undefined) metadata.lr_scheduler = stringify(renameKeys(state.scheduler, snake));
  if (state.generators !== undefined) metadata.rng_state = JSON.stringify(state.generators);
  return { tensors, metadata };
}

/**
 * The training state stored in a file's tensors and metadata, or null when it has none (a file of
 * weights only). The optimizer's buffers come back as flat typed arrays, which
 * optimizer.loadStateDict() checks against the parameters and reshapes.
 */
export function decodeTrainingState(tensors: Record<string, RawTensor>, metadata: Record<string, string>, label: string): TrainingState | null {
  if (metadata.optimizer === undefined) return null;
  const fail = (problem: string): never => {
    throw new SafetensorsError(`${label}: ${problem}`);
  };
  const json = (key: string): unknown => {
    try {
      return JSON.parse(metadata[key], revive);
    } catch {
      return fail(`the ${key} entry of the metadata is not valid JSON`);
    }
  };
  const epoch = Number(metadata.epoch);
  if (metadata.epoch === undefined || !Number.isInteger(epoch) || epoch < 0) {
    fail(`the metadata has an optimizer state but no epoch count (epoch: ${JSON.stringify(metadata.epoch)})`);
  }
  const saved = json('optimizer') as { state?: unknown; param_groups?: unknown };
  if (saved === null || typeof saved !== 'object' || !isObject(saved.state) || !Array.isArray(saved.param_groups) || !saved.param_groups.every(isObject)) {
    fail('the optimizer entry of the metadata is not { "state": {...}, "param_groups": [...] }');
  }
  const state: Record<number, SavedParamState> = {};
  for (const [index, entries] of Object.entries(saved.state as Record<string, unknown>)) {
    if (!isObject(entries)) fail(`optimizer state of parameter ${index} is not an object`);
    state[paramIndex(index, fail)] = renameKeys(entries as object, camel) as SavedParamState;
  }
  for (const [name, raw] of Object.entries(tensors)) {
    if (!name.startsWith(OPTIMIZER_PREFIX)) continue;
    const [index, entry, ...rest] = name.slice(OPTIMIZER_PREFIX.length).split('.');
    if (entry === undefined || entry === '' || rest.length > 0) fail(`tensor ${JSON.stringify(name)} is not named ${OPTIMIZER_PREFIX}<param index>.<state name>`);
    (state[paramIndex(index, fail)] ??= {})[camel(entry)] = raw.data as TypedArray;
  }
  const paramGroups = (saved.param_groups as object[]).map((group) => renameKeys(group, camel)) as OptimizerStateDict['paramGroups'];
  const result: TrainingState = { epoch, optimizer: { state, paramGroups } };
  if (metadata.lr_scheduler !== undefined) {
    const scheduler = json('lr_scheduler');
    if (!isObject(scheduler)) fail('the lr_scheduler entry of the metadata is not an object');
    result.scheduler = renameKeys(scheduler as object, camel) as unknown as LRSchedulerStateDict;
  }
  if (metadata.rng_state !== undefined) {
    const generators = json('rng_state');
    if (!isObject(generators)) fail('the rng_state entry of the metadata is not an object of generator states');
    result.generators = generators as Record<string, GeneratorState>;
  }
  return result;
}

function paramIndex(text: string, fail: (problem: string) => never): number {
  if (!/^\d+$/.test(text)) fail(`optimizer state for ${JSON.stringify(text)}, which is not a parameter index`);
  return Number(text);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
