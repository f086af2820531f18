import type { Backend } from '../backend/backend.js';
import type { Kernel } from '../backend/kernels.js';
import { getBackend } from '../backend/registry.js';
import type { Storage } from '../backend/storage.js';
import type { Tensor } from './tensor.js';

/**
 * Runs one kernel on the tensors' storages. Every tensor must live on one backend; the error names
 * both when they do not (outputs are allocated on the inputs' backend, see backendOf).
 */
export function run(kernel: Kernel, inputs: readonly Tensor[], outputs: readonly Tensor[]): void {
  const backend = outputs[0].storage.backend;
  backend.run(kernel, storagesOn(backend, kernel, inputs), storagesOn(backend, kernel, outputs));
}

function storagesOn(backend: Backend, kernel: Kernel, tensors: readonly Tensor[]): Storage[] {
  const storages = new Array<Storage>(tensors.length);
  for (let i = 0; i < tensors.length; i++) {
    const storage = tensors[i].storage;
    if (storage.backend !== backend) throw mixedBackends(kernel.op, backend, storage.backend);
    if (storage.allocation.freed) throw useAfterFree(kernel.op);
    storages[i] = storage;
  }
  return storages;
}

/** The backend all of `tensors` live on (the active backend when there are none). */
export function backendOf(op: string, tensors: readonly Tensor[]): Backend {
  if (tensors.length === 0) return getBackend();
  const backend = tensors[0].storage.backend;
  for (const t of tensors) {
    if (t.storage.backend !== backend) throw mixedBackends(op, backend, t.storage.backend);
  }
  return backend;
}

/** The error for reading a freed storage, by the op or method that tried. */
export function useAfterFree(op: string): Error {
  return new Error(
    `${op}: a tensor's memory was already freed. fit, evaluate and other releasing scopes free what a batch allocated when it ends, ` +
      'and backward its intermediate gradients: create a tensor that must outlive a batch before the loop, or keep it in a field of a module',
  );
}

function mixedBackends(op: string, a: Backend, b: Backend): Error {
  return new Error(`${op}: the tensors live on different backends, '${a.name}' and '${b.name}'; move one with tensor.toBackend(...)`);
}
