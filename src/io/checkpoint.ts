import type { AnyModule } from '../nn/module.js';
import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../base/dtype.js';
import { type RawTensor, type SafetensorsDType, SafetensorsError } from './safetensors.js';
import { loadSafetensors, saveSafetensors } from './safetensors-file.js';

const TO_SAFETENSORS: Record<DType, SafetensorsDType> = { float32: 'F32', float64: 'F64', int32: 'I32' };

/**
 * Writes a model's parameters as safetensors, named as in PyTorch's state_dict, with `config` (any
 * JSON value) and extra string `metadata` in the header; atomic (temp file, then rename).
 */
export function saveModel(path: string, model: AnyModule, config: unknown, metadata: Record<string, string> = {}): void {
  const tensors: Record<string, RawTensor> = {};
  for (const [name, t] of Object.entries(model.stateDict())) {
    tensors[name] = { dtype: TO_SAFETENSORS[t.dtype], shape: [...t.shape], data: t.dataSync() };
  }
  saveSafetensors(path, tensors, { ...metadata, format: 'nabla', config: JSON.stringify(config) });
}

export interface LoadedCheckpoint<C> {
  config: C;
  metadata: Record<string, string>;
  stateDict: Record<string, Tensor>;
}

/** Reads a file written by saveModel; the caller rebuilds the model from `config` and loads `stateDict`. */
export function loadCheckpoint<C>(path: string): LoadedCheckpoint<C> {
  const { tensors, metadata } = loadSafetensors(path);
  if (metadata.config === undefined) throw new SafetensorsError(`${path}: no model config in the metadata (not written by nabla's saveModel?)`);
  let config: C;
  try {
    config = JSON.parse(metadata.config) as C;
  } catch {
    throw new SafetensorsError(`${path}: the model config in the metadata is not valid JSON`);
  }
  const stateDict = Object.fromEntries(Object.entries(tensors).map(([name, raw]) => [name, new Tensor(raw.data, raw.shape)]));
  return { config, metadata, stateDict };
}
