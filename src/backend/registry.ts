import type { Backend } from './backend.js';
import { jsBackend } from './js/index.js';

let active: Backend = jsBackend;

/** The backend that allocates new tensors and runs their kernels. */
export function getBackend(): Backend {
  return active;
}

export function setBackend(backend: Backend): void {
  active = backend;
}
