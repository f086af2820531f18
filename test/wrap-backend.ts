import { type Backend, type Kernel, Storage } from '../src/index.js';

/**
 * A backend of its own (its own storages, its own name) that runs everything on `inner`: the
 * storages it hands out hold inner's storages. `onRun` sees every kernel; `overrides` change what
 * a test needs (dtypes, hostArray).
 */
export function wrapBackend(inner: Backend, name: string, overrides: Partial<Backend> = {}, onRun?: (kernel: Kernel) => void): Backend {
  const unwrap = (s: Storage) => s.buffer as Storage;
  const wrapper: Backend = {
    name,
    dtypes: inner.dtypes,
    alloc: (dtype, size) => new Storage(wrapper, inner.alloc(dtype, size), dtype, size),
    free: (s) => inner.free(unwrap(s)),
    write: (s, values, offset) => inner.write(unwrap(s), values, offset),
    readSync: (s) => inner.readSync(unwrap(s)),
    read: (s) => inner.read(unwrap(s)),
    run: (kernel, inputs, outputs) => {
      onRun?.(kernel);
      inner.run(kernel, inputs.map(unwrap), outputs.map(unwrap));
    },
    ...(inner.hostArray ? { hostArray: (s: Storage) => inner.hostArray!(unwrap(s)) } : {}),
    ...overrides,
  };
  return wrapper;
}
