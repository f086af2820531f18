import { bytesPerElement, checkDType, type DType } from '../base/dtype.js';
import type { Backend } from './backend.js';

/**
 * What outlives a storage that was garbage-collected: enough to account for it and to return its
 * memory (`handle`), but never its elements, so a JS array dies with its storage even in a loop
 * that never yields to the event loop (finalizers run only between tasks).
 */
export class Allocation {
  freed = false;
  /** Counted in nb.memory() (see track). */
  counted = true;

  constructor(readonly backend: Backend, readonly bytes: number, readonly handle: unknown) {}
}

/**
 * A handle to `size` elements of `dtype` that one backend owns. Tensors share a storage when they
 * are views of each other (reshape, detach, Parameter). `handle` is what the backend needs to free
 * the memory after the storage itself is gone (a WebAssembly pointer; nothing for JS arrays).
 */
export class Storage<B = unknown> {
  readonly allocation: Allocation;
  /**
   * PyTorch's version counter: bumped by every in-place write into the elements (Tensor.add_ and
   * the other in-place ops, loadStateDict, Module.to), so that backward can tell that a tensor an
   * op recorded was changed since (see record in src/autograd/graph.ts). Views share it with the
   * storage.
   */
  version = 0;

  constructor(readonly backend: Backend<B>, readonly buffer: B, readonly dtype: DType, readonly size: number, handle?: unknown) {
    this.allocation = new Allocation(backend as Backend, size * bytesPerElement(dtype), handle);
  }

  get freed(): boolean {
    return this.allocation.freed;
  }
}

/** The backstop for storages that users simply drop: when one is collected, its memory is returned. */
const finalizer = new FinalizationRegistry<Allocation>((allocation) => {
  pending--;
  if (allocation.freed) return;
  allocation.freed = true;
  uncount(allocation);
  allocation.backend.release?.(allocation.handle);
});

/**
 * Finalizers run only between tasks, so a loop that never yields to the event loop piles up the
 * finalizer's records (about 100 bytes each). Past this many, storages whose memory the garbage
 * collector reclaims anyway stop being tracked, so that tracking cannot grow memory itself.
 */
const MAX_PENDING = 1 << 15;
let pending = 0;
let untracked = 0;

/** Registers a storage with the finalizer, or leaves it to the garbage collector uncounted (see MAX_PENDING). */
function track(storage: Storage): void {
  if (pending >= MAX_PENDING && storage.backend.release === undefined) {
    uncount(storage.allocation);
    untracked++;
    return;
  }
  pending++;
  finalizer.register(storage, storage.allocation);
}

function uncount(allocation: Allocation): void {
  if (!allocation.counted) return;
  allocation.counted = false;
  account(allocation, -1);
}

/** Live storages and their bytes, per backend name. */
export interface MemoryInfo {
  storages: number;
  bytes: number;
  backends: Record<string, { storages: number; bytes: number }>;
  /**
   * Storages left to the garbage collector without being counted, because the program had not
   * yielded to the event loop for a long while (see MAX_PENDING); 0 in loops that await now and then.
   */
  untracked: number;
}

const live = new Map<string, { storages: number; bytes: number }>();

/** What is allocated now: live storages and bytes, in total and per backend. */
export function memory(): MemoryInfo {
  const backends: MemoryInfo['backends'] = {};
  let storages = 0;
  let bytes = 0;
  for (const [name, usage] of live) {
    backends[name] = { ...usage };
    storages += usage.storages;
    bytes += usage.bytes;
  }
  return { storages, bytes, backends, untracked };
}

function account(allocation: Allocation, sign: 1 | -1): void {
  let usage = live.get(allocation.backend.name);
  if (usage === undefined) live.set(allocation.backend.name, (usage = { storages: 0, bytes: 0 }));
  usage.storages += sign;
  usage.bytes += sign * allocation.bytes;
}

/** Storages allocated while a releasing scope runs (see ReleasingScope). */
let scope: Storage[] | null = null;

/** A new zero-filled storage on `backend`, with a clear error for a dtype the backend lacks. */
export function allocStorage(backend: Backend, dtype: DType, size: number): Storage {
  if (!backend.dtypes.includes(dtype)) {
    checkDType(dtype);
    throw new TypeError(`backend '${backend.name}' cannot store ${dtype} (it has ${backend.dtypes.join(', ')})`);
  }
  const storage = backend.alloc(dtype, size);
  account(storage.allocation, 1);
  adopt(storage, scope);
  return storage;
}

/**
 * Hands a storage to whoever frees it: the open releasing scope, or else the finalizer. Storages
 * that a scope frees never meet the finalizer, which saves its cost (about a microsecond each).
 */
function adopt(storage: Storage, owner: Storage[] | null): void {
  if (owner !== null) owner.push(storage);
  else track(storage);
}

/** Frees a storage once; later calls do nothing. */
export function releaseStorage(storage: Storage): void {
  const { allocation } = storage;
  if (allocation.freed) return;
  allocation.freed = true;
  uncount(allocation);
  storage.backend.free(storage);
}

/**
 * Frees memory at the end of each `run(fn)` without waiting for the garbage collector: what fn
 * allocated, and what an earlier run kept that is no longer kept (a gradient replaced by the next
 * batch's), except the storages of `keep()` (read when fn returns). How fit and evaluate end each
 * batch. Survivors go to the enclosing scope, or else to the finalizer; so does everything a run
 * allocated when fn throws.
 */
export class ReleasingScope {
  private carried = new Set<Storage>();

  constructor(private readonly keep: () => Iterable<Storage>) {}

  run<T>(fn: () => T): T {
    const outer = scope;
    const allocated: Storage[] = [];
    scope = allocated;
    let finished = false;
    try {
      const result = fn();
      finished = true;
      return result;
    } finally {
      scope = outer;
      if (finished) this.release(allocated, outer);
      else for (const storage of allocated) adopt(storage, outer);
    }
  }

  private release(allocated: readonly Storage[], outer: Storage[] | null): void {
    const kept = new Set(this.keep());
    const carried = new Set<Storage>();
    for (const storage of this.carried) {
      if (kept.has(storage)) carried.add(storage);
      else releaseStorage(storage);
    }
    for (const storage of allocated) {
      if (!kept.has(storage)) releaseStorage(storage);
      else if (outer !== null) outer.push(storage);
      else {
        carried.add(storage);
        track(storage);
      }
    }
    this.carried = carried;
  }
}
