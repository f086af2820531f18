import type { DType } from '../base/dtype.js';
import { describeValue } from '../base/options.js';
import type { AnyModule } from '../nn/module.js';
import { Tensor } from '../tensor/tensor.js';
import { decodeSafetensors, encodeSafetensors, type RawTensor, type SafetensorsDType, SafetensorsError } from './safetensors.js';
import { decodeTrainingState, encodeTrainingState, OPTIMIZER_PREFIX, TRAINING_KEYS, type TrainingState } from './training-state.js';

const TO_SAFETENSORS: Record<DType, SafetensorsDType> = { float32: 'F32', float64: 'F64', int32: 'I32' };

export interface EncodeModelOptions {
  /** Any JSON value that rebuilds the model (an mlp config, a model spec), stored as the metadata's "config". */
  config?: unknown;
  /** Extra string metadata. */
  metadata?: Record<string, string>;
  /** The optimizer, schedule, generators and epoch, to resume training from the bytes (see TrainingState). */
  training?: TrainingState;
}

/** What a checkpoint holds: the model's state dict, its config and metadata, and the training state if it was saved. */
export interface Checkpoint<C = unknown> {
  /** Undefined when the bytes carry no config. */
  config: C | undefined;
  metadata: Record<string, string>;
  stateDict: Record<string, Tensor>;
  training: TrainingState | null;
}

/**
 * The bytes of a safetensors file of the model's state dict under PyTorch's names (`0.weight`),
 * with `config` and `metadata` in the header: what saveModel writes, for browsers and workers
 * (post them, store them in IndexedDB, offer them for download).
 */
export function encodeModel(model: AnyModule, options: EncodeModelOptions = {}, label = 'encodeModel'): Uint8Array {
  const { config, metadata = {}, training } = options;
  const tensors: Record<string, RawTensor> = {};
  for (const [name, t] of Object.entries(model.stateDict())) {
    if (training !== undefined && name.startsWith(OPTIMIZER_PREFIX)) {
      throw new SafetensorsError(`${label}: the model's state dict entry ${JSON.stringify(name)} would be read back as optimizer state; rename that module`);
    }
    tensors[name] = { dtype: TO_SAFETENSORS[t.dtype], shape: [...t.shape], data: t.dataSync() };
  }
  const written: Record<string, string> = { format: 'nabla' };
  if (config !== undefined) written.config = JSON.stringify(config);
  if (training !== undefined) {
    const state = encodeTrainingState(training, label);
    Object.assign(tensors, state.tensors);
    Object.assign(written, state.metadata);
  }
  const clash = Object.keys(metadata).find((key) => key in written || (training !== undefined && (TRAINING_KEYS as readonly string[]).includes(key)));
  if (clash !== undefined) throw new SafetensorsError(`${label}: metadata key ${JSON.stringify(clash)} is written by nabla itself; choose another name`);
  return encodeSafetensors(tensors, { ...metadata, ...written }, label);
}

/** Reads bytes written by encodeModel or saveModel; `label` (a file name) prefixes errors. */
export function decodeCheckpoint<C = unknown>(bytes: Uint8Array, label = '<buffer>'): Checkpoint<C> {
  const { tensors, metadata } = decodeSafetensors(bytes, label);
  let config: C | undefined;
  if (metadata.config !== undefined) {
    try {
      config = JSON.parse(metadata.config) as C;
    } catch {
      throw new SafetensorsError(`${label}: the model config in the metadata is not valid JSON`);
    }
  }
  const training = decodeTrainingState(tensors, metadata, label);
  const stateDict: Record<string, Tensor> = {};
  for (const [name, raw] of Object.entries(tensors)) {
    if (training === null || !name.startsWith(OPTIMIZER_PREFIX)) stateDict[name] = new Tensor(raw.data, raw.shape);
  }
  return { config, metadata, stateDict, training };
}

/** A model to load the weights into, or a function that builds one from the stored config. */
export type ModelOrBuilder<M extends AnyModule, C> = M | ((config: C, metadata: Record<string, string>) => M);

/**
 * The model that bytes from encodeModel describe: `modelOrBuilder` is a model of the same
 * architecture (its weights are replaced) or a function of the stored config that builds one, such
 * as `(config) => nb.mlp(config)`. Every name and shape must match, as in loadStateDict.
 */
export function decodeModel<M extends AnyModule, C = unknown>(bytes: Uint8Array, modelOrBuilder: ModelOrBuilder<M, C>, label = 'decodeModel'): Checkpoint<C> & { model: M } {
  const checkpoint = decodeCheckpoint<C>(bytes, label);
  let model: M;
  if (typeof modelOrBuilder === 'function') {
    if (checkpoint.config === undefined) throw new SafetensorsError(`${label}: no model config in the metadata to build the model from; pass the model itself`);
    model = modelOrBuilder(checkpoint.config, checkpoint.metadata);
  } else {
    model = modelOrBuilder;
  }
  if (model === null || typeof model !== 'object' || typeof model.loadStateDict !== 'function') {
    throw new TypeError(`${label}: expected a Module or a function (config, metadata) => Module${typeof modelOrBuilder === 'function' ? ' that returns one' : ''}, got ${describeValue(model)}`);
  }
  try {
    model.loadStateDict(checkpoint.stateDict);
  } catch (error) {
    throw new SafetensorsError(`${label}: the weights do not fit the model: ${(error as Error).message}`);
  }
  return { ...checkpoint, model };
}
