import { noGrad } from '../autograd/graph.js';
import { isFloat, type TypedArray } from '../base/dtype.js';
import { formatShape, shapesEqual } from '../base/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { run } from '../tensor/dispatch.js';

/** A hyperparameter value: a number, a flag, or a tuple such as Adam's betas. */
export type HyperParameter = number | boolean | readonly number[];

/** The hyperparameters every optimizer has. */
export interface OptimizerOptions {
  lr: number;
}

/**
 * One parameter group: its tensors and its own values of every hyperparameter (the optimizer's
 * defaults filled in). Change `lr` (or any other field) between steps to adjust that group.
 * `initialLr` is set by the first learning-rate scheduler attached to the optimizer, like PyTorch's
 * `initial_lr`, so that several schedulers share the same base learning rate.
 */
export type ParamGroup<O extends OptimizerOptions = OptimizerOptions> = O & {
  params: Tensor[];
  initialLr?: number;
};

/** A parameter group as given to a constructor or to addParamGroup: missing options take the defaults. */
export type ParamGroupInput<O extends OptimizerOptions = OptimizerOptions> = Partial<O> & {
  params: Tensor | Iterable<Tensor>;
};

/** What an optimizer accepts: tensors, or parameter groups with per-group overrides. */
export type ParamsInput<O extends OptimizerOptions = OptimizerOptions> =
  | Tensor
  | Iterable<Tensor>
  | Iterable<ParamGroupInput<O>>;

/** One value of per-parameter optimizer state: a step count or a buffer tensor the shape of the parameter. */
export type StateValue = number | Tensor;
/** A parameter's state; entries that only some options need (AMSGrad's maximum, RMSprop's momentum buffer) may be absent. */
export type ParamState = Record<string, StateValue | undefined>;
/** The same state in a snapshot: buffers as host typed arrays, so it can be serialized. */
export type SavedParamState = Record<string, number | TypedArray>;

/** How a state entry is checked when loaded: a plain number or a buffer with one element per parameter element. */
export type StateSchema = Record<string, 'number' | 'buffer'>;

/**
 * A snapshot of an optimizer, shaped like PyTorch's: parameters are referred to by their index in
 * the order of `optimizer.params`; buffers are copies, so the snapshot does not change as training
 * goes on.
 */
export interface OptimizerStateDict {
  state: Record<number, SavedParamState>;
  paramGroups: Array<Record<string, HyperParameter | undefined> & { params: number[] }>;
}

/**
 * The base of every optimizer, following torch.optim.Optimizer: parameter groups with their own
 * hyperparameters, per-parameter state, zeroGrad(), step() and a state dict. The numeric update of
 * one parameter is a single kernel (sgdStep, adamStep, rmspropStep, adagradStep), so a faster
 * backend speeds up training without changes here.
 */
export abstract class Optimizer<O extends OptimizerOptions = OptimizerOptions, S extends ParamState = ParamState> {
  /** The hyperparameters a group gets when it does not override them. */
  readonly defaults: Readonly<O>;
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state (momentum buffers, moment estimates, step counts), created on the first update. */
  readonly state = new Map<Tensor, S>();
  private readonly knownOptions: readonly string[];

  /** Describes the state entries a parameter of a group with these options has, to validate loadStateDict input. */
  protected abstract stateSchema(options: O): StateSchema;

  /**
   * `builtinDefaults` are the class's defaults (they also define which options exist); `options`
   * overrides them for every group that does not override them itself.
   */
  constructor(params: ParamsInput<O>, builtinDefaults: O, options: Partial<O> = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError(`${this.name}: options must be an object, got ${describe(options)}`);
    this.knownOptions = Object.keys(builtinDefaults);
    const defaults = { ...builtinDefaults, ...copyOptions(options as Record<string, unknown>) } as O;
    this.checkKnown(defaults, 'options');
    this.checkOptions(defaults, 'options');
    this.defaults = Object.freeze(defaults);
    for (const group of normalizeParams(params, this.name)) this.addParamGroup(group);
    if (this.params.length === 0) throw new Error(`${this.name}: got an empty parameter list`);
  }

  /** The class name used in error messages (subclasses override it, so minified builds keep it). */
  protected get name(): string {
    return this.constructor.name;
  }

  /** Throws a descriptive error when a group's hyperparameters are invalid. `where` names the group. */
  protected abstract validateOptions(options: O, where: string): void;

  /** Updates one parameter in place from its gradient; called only for parameters with a gradient. */
  protected abstract updateParameter(param: Tensor, grad: Tensor, group: ParamGroup<O>): void;

  /** Every parameter of every group, in order (the indices a state dict uses). */
  get params(): Tensor[] {
    return this.paramGroups.flatMap((group) => group.params);
  }

  /** The learning rate, when all groups share one; use `paramGroups[i].lr` when they differ. */
  get lr(): number {
    const lr = this.paramGroups[0].lr;
    const different = this.paramGroups.findIndex((group) => group.lr !== lr);
    if (different !== -1) {
      throw new Error(`${this.name}: the parameter groups have different learning rates (${lr} and ${this.paramGroups[different].lr}); read paramGroups[i].lr instead`);
    }
    return lr;
  }

  /** Sets the learning rate of every group. */
  set lr(value: number) {
    checkLr(value, this.name);
    for (const group of this.paramGroups) group.lr = value;
  }

  /** Adds a group of parameters with its own hyperparameters (missing ones take the defaults). */
  addParamGroup(input: ParamGroupInput<O>): void {
    const index = this.paramGroups.length;
    const where = `parameter group ${index}`;
    if (input === null || typeof input !== 'object') throw new TypeError(`${this.name}: ${where} must be an object with a "params" field`);
    const { params, ...overrides } = input;
    if (params === undefined) throw new TypeError(`${this.name}: ${where} has no "params" field`);
    const tensors = params instanceof Tensor ? [params] : Array.from(params as Iterable<Tensor>);
    const seen = new Set(this.params);
    tensors.forEach((p, i) => {
      const what = `${where}, parameter ${i}`;
      if (!(p instanceof Tensor)) throw new TypeError(`${this.name}: ${what} is not a Tensor`);
      if (!isFloat(p.dtype)) throw new TypeError(`${this.name}: ${what} has dtype ${p.dtype}; only floating-point tensors can be optimized`);
      if (!p.requiresGrad) throw new Error(`${this.name}: ${what} does not require grad; create it with requiresGrad: true or call requiresGrad_()`);
      if (!p.isLeaf) throw new Error(`${this.name}: ${what} is not a leaf tensor (it was computed from other tensors); optimize the leaves, or detach() it and call requiresGrad_()`);
      if (seen.has(p)) throw new Error(`${this.name}: ${what} appears more than once in the parameter groups`);
      seen.add(p);
    });
    const group = { ...this.defaults, ...copyOptions(overrides as Record<string, unknown>) } as unknown as O;
    this.checkKnown(group, where);
    this.checkOptions(group, where);
    this.paramGroups.push({ ...group, params: tensors });
  }

  /** Clears the gradients: sets `.grad` to null (the default, as in PyTorch), or fills it with zeros. */
  zeroGrad(setToNone = true): void {
    for (const p of this.params) {
      if (setToNone) p.grad = null;
      else if (p.grad !== null) run({ op: 'fill', value: 0, offset: 0, stride: 1, count: p.grad.size }, [], [p.grad]);
    }
  }

  /**
   * One update of every parameter that has a gradient; parameters whose `.grad` is null are
   * skipped. `closure`, if given, is called first (it should recompute the loss and its gradients)
   * and its result returned.
   */
  step<L = undefined>(closure?: () => L): L | undefined {
    const loss = closure === undefined ? undefined : closure();
    noGrad(() => {
      this.paramGroups.forEach((group, g) => {
        this.checkOptions(group, `parameter group ${g}`);
        for (const p of group.params) {
          if (p.grad === null) continue;
          if (!shapesEqual(p.grad.shape, p.shape)) {
            throw new Error(`${this.name}: a parameter of shape ${formatShape(p.shape)} has a gradient of shape ${formatShape(p.grad.shape)}`);
          }
          // A graph that mixes dtypes can leave e.g. a float64 gradient on a float32 parameter; the kernels take one dtype.
          this.updateParameter(p, p.grad.dtype === p.dtype ? p.grad : p.grad.to(p.dtype), group);
        }
      });
    });
    return loss;
  }

  /** A copy of the state and hyperparameters; parameters are referred to by index. */
  stateDict(): OptimizerStateDict {
    const index = new Map(this.params.map((p, i) => [p, i]));
    const state: Record<number, SavedParamState> = {};
    for (const [p, s] of this.state) state[index.get(p)!] = snapshot(s);
    let next = 0;
    const paramGroups = this.paramGroups.map(({ params, ...options }) => ({
      ...copyOptions(options as Record<string, unknown>),
      params: params.map(() => next++),
    }));
    return { state, paramGroups };
  }

  /**
   * Restores a stateDict() snapshot into this optimizer, which must have the same number of groups
   * with the same number and sizes of parameters. Hyperparameters are taken from the snapshot;
   * buffers are copied into arrays of each parameter's dtype.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    if (dict === null || typeof dict !== 'object' || !Array.isArray(dict.paramGroups) || dict.state === null || typeof dict.state !== 'object') {
      throw new TypeError(`${this.name}.loadStateDict: expected an object with "state" and "paramGroups", as returned by stateDict()`);
    }
    if (dict.paramGroups.length !== this.paramGroups.length) {
      throw new Error(`${this.name}.loadStateDict: the state dict has ${dict.paramGroups.length} parameter groups, this optimizer has ${this.paramGroups.length}`);
    }
    const byIndex = new Map<number, { param: Tensor; options: O }>();
    const groups = dict.paramGroups.map((saved, g) => {
      const current = this.paramGroups[g];
      if (!Array.isArray(saved.params) || saved.params.length !== current.params.length) {
        throw new Error(`${this.name}.loadStateDict: parameter group ${g} has ${saved.params?.length} parameters in the state dict and ${current.params.length} here`);
      }
      const { params: _ignored, ...options } = saved;
      const merged = { ...this.defaults, ...copyOptions(options) } as unknown as O;
      this.checkKnown(merged, `parameter group ${g} of the state dict`);
      this.checkOptions(merged, `parameter group ${g} of the state dict`);
      saved.params.forEach((index, i) => byIndex.set(index, { param: current.params[i], options: merged }));
      return merged;
    });
    const state = new Map<Tensor, S>();
    for (const [key, saved] of Object.entries(dict.state)) {
      const target = byIndex.get(Number(key));
      if (target === undefined) throw new Error(`${this.name}.loadStateDict: the state dict has state for parameter ${key}, which is in no parameter group`);
      state.set(target.param, this.loadParamState(saved, target.param, key, this.stateSchema(target.options)));
    }
    // Everything validated: now commit.
    groups.forEach((options, g) => Object.assign(this.paramGroups[g], options));
    this.state.clear();
    for (const [p, s] of state) this.state.set(p, s);
  }

  /** A zero-filled buffer of the parameter's shape, dtype and backend. */
  protected allocLike(param: Tensor): Tensor {
    return Tensor.empty(param.shape, param.dtype, param.backend);
  }

  /** The tensors this optimizer keeps between steps (fit keeps them alive when a batch's temporaries are freed). */
  stateTensors(): Tensor[] {
    return [...this.state.values()].flatMap((s) => Object.values(s).filter((v): v is Tensor => v instanceof Tensor));
  }

  private loadParamState(saved: SavedParamState, p: Tensor, key: string, schema: StateSchema): S {
    const what = `${this.name}.loadStateDict: state of parameter ${key}`;
    if (saved === null || typeof saved !== 'object') throw new TypeError(`${what} is not an object`);
    const out: Record<string, StateValue> = {};
    for (const name of Object.keys(saved)) {
      if (!(name in schema)) throw new Error(`${what} has an unknown entry "${name}" (expected ${Object.keys(schema).join(', ')})`);
    }
    for (const [name, kind] of Object.entries(schema)) {
      const value = saved[name];
      if (kind === 'number') {
        if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${what}: "${name}" must be a finite number, got ${describe(value)}`);
        out[name] = value;
      } else {
        if (!ArrayBuffer.isView(value) || typeof (value as TypedArray).length !== 'number') throw new TypeError(`${what}: "${name}" must be a typed array, got ${describe(value)}`);
        if (value.length !== p.size) throw new Error(`${what}: "${name}" has ${value.length} elements, the parameter has ${p.size} (shape ${formatShape(p.shape)})`);
        out[name] = Tensor.fromValues(value, p.shape, p.dtype, p.backend);
      }
    }
    return out as S;
  }

  private checkKnown(options: O, where: string): void {
    for (const key of Object.keys(options)) {
      if (key !== 'params' && key !== 'initialLr' && !this.knownOptions.includes(key)) {
        throw new Error(`${this.name}: ${where} has an unknown option "${key}" (known: ${this.knownOptions.join(', ')})`);
      }
    }
  }

  private checkOptions(options: O, where: string): void {
    checkLr(options.lr, this.name, where);
    this.validateOptions(options, where);
  }
}

/** Throws unless `lr` is a finite number >= 0; `where` names the options or group it came from. */
export function checkLr(lr: unknown, owner: string, where?: string): void {
  if (typeof lr !== 'number' || !(lr >= 0) || !Number.isFinite(lr)) {
    throw new RangeError(`${owner}: invalid learning rate ${describe(lr)}${where ? ` in ${where}` : ''} (must be a finite number >= 0)`);
  }
}

/** Throws unless `value` is a finite number >= 0 (weight decay, momentum, eps...). */
export function checkNonNegative(value: unknown, owner: string, label: string, where: string): void {
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`${owner}: invalid ${label} ${describe(value)} in ${where} (must be a finite number >= 0)`);
  }
}

export function describe(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function normalizeParams<O extends OptimizerOptions>(params: ParamsInput<O>, name: string): ParamGroupInput<O>[] {
  if (params instanceof Tensor) return [{ params: [params] } as unknown as ParamGroupInput<O>];
  if (params === null || typeof params !== 'object' || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${name}: params must be an iterable of Tensors or of parameter groups ({ params, lr?, ... }), got ${describe(params)}`);
  }
  const items = Array.from(params as Iterable<Tensor | ParamGroupInput<O>>);
  if (items.length === 0) throw new Error(`${name}: got an empty parameter list`);
  if (items.every((item) => item instanceof Tensor)) return [{ params: items as Tensor[] } as unknown as ParamGroupInput<O>];
  if (items.some((item) => item instanceof Tensor)) {
    throw new TypeError(`${name}: params mixes Tensors and parameter groups; pass either Tensors or { params, ... } groups`);
  }
  return items as ParamGroupInput<O>[];
}

function copyOptions(options: Record<string, unknown>): Record<string, HyperParameter> {
  const out: Record<string, HyperParameter> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    out[key] = Array.isArray(value) ? [...value] : (value as HyperParameter);
  }
  return out;
}

function snapshot(state: ParamState): SavedParamState {
  const out: SavedParamState = {};
  for (const [key, value] of Object.entries(state)) if (value !== undefined) out[key] = typeof value === 'number' ? value : value.toTypedArray();
  return out;
}
