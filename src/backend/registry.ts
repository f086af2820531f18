import type { Backend } from './backend.js';
import { checkingBackend } from './checking/index.js';
import { jsBackend } from './js/index.js';
import { WASM_AVAILABLE, wasmBackend } from './wasm/index.js';

const BUILT_IN: Record<string, Backend> = { js: jsBackend, checking: checkingBackend, ...(WASM_AVAILABLE ? { wasm: wasmBackend } : {}) };

/** The names setBackend and NABLA_BACKEND accept. */
export const BACKEND_NAMES = Object.keys(BUILT_IN);

/** A backend given by object or by name; `where` names the caller in the error for an unknown name. */
export function resolveBackend(backend: Backend | string, where: string): Backend {
  if (typeof backend !== 'string') return backend;
  const found = BUILT_IN[backend];
  if (found === undefined) throw new Error(`${where}: unknown backend '${backend}' (available: ${BACKEND_NAMES.join(', ')})`);
  return found;
}

/**
 * NABLA_BACKEND where a process environment exists (Node; read without importing any Node module),
 * else the WebAssembly backend wherever WebAssembly SIMD validates, else the TypeScript kernels.
 */
function fromEnvironment(): Backend {
  const name = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.NABLA_BACKEND;
  if (name !== undefined && name !== '') return resolveBackend(name, 'NABLA_BACKEND');
  return WASM_AVAILABLE ? wasmBackend : jsBackend;
}

let active: Backend = fromEnvironment();

/** The backend on which new tensors are created; ops run on the backend of their inputs. */
export function getBackend(): Backend {
  return active;
}

/** Chooses the backend for tensors created from now on, by object or by name ('js', 'checking'). */
export function setBackend(backend: Backend | string): void {
  active = resolveBackend(backend, 'setBackend');
}
