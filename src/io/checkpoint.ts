import type { AnyModule } from '../nn/module.js';
import { type Checkpoint, decodeCheckpoint, encodeModel } from './model-bytes.js';
import { SafetensorsError } from './safetensors.js';
import { readFileBytes, writeFileAtomically } from './safetensors-file.js';
import type { TrainingState } from './training-state.js';

/**
 * Writes a model's parameters as safetensors, named as in PyTorch's state_dict, with `config` (any
 * JSON value) and extra string `metadata` in the header, and with `training` the state that resumes
 * the run (optimizer, schedule, generators, epoch); atomic (temp file, then rename).
 */
export function saveModel(path: string, model: AnyModule, config: unknown, metadata: Record<string, string> = {}, training?: TrainingState): void {
  writeFileAtomically(path, encodeModel(model, { config, metadata, training }, path));
}

export interface LoadedCheckpoint<C> extends Checkpoint<C> {
  config: C;
}

/** Reads a file written by saveModel; the caller rebuilds the model from `config` and loads `stateDict`. */
export function loadCheckpoint<C>(path: string): LoadedCheckpoint<C> {
  const checkpoint = decodeCheckpoint<C>(readFileBytes(path), path);
  if (checkpoint.config === undefined) throw new SafetensorsError(`${path}: no model config in the metadata (not written by nabla's saveModel?)`);
  return checkpoint as LoadedCheckpoint<C>;
}
