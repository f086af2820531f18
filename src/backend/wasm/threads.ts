import type { PackedProduct, ThreadKernels } from './gemm-kernel.js';

/** Workers that take column panels of large products (see WasmGemm). */
export interface ThreadPool {
  readonly threads: number;
  /** Computes every column panel of `product`, part of them on this thread; returns when all are done. */
  run(product: PackedProduct, kernels: ThreadKernels): void;
  /** Stops the workers (when the thread count changes). */
  close(): void;
}

type PoolFactory = (threads: number, memory: WebAssembly.Memory, module: WebAssembly.Module) => ThreadPool;

/**
 * Threads exist where a runtime-specific module installed a pool factory (the Node entry point
 * does, with worker_threads); the portable core alone runs on the calling thread.
 */
let factory: PoolFactory | null = null;
let threads = 1;
let available = 1;

export function installThreadPool(create: PoolFactory, cores: number, requested: string | undefined): void {
  factory = create;
  available = cores;
  threads = requested === undefined || requested === '' ? cores : parseThreads(requested, 'NABLA_THREADS');
}

function parseThreads(value: unknown, where: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new RangeError(`${where}: the thread count must be a positive integer, got ${String(value)}`);
  return n;
}

/** How many threads large products use (NABLA_THREADS, or the available cores, in Node). */
export function getThreads(): number {
  return threads;
}

/** Sets the thread count of large products; more than 1 needs a runtime with workers (Node). */
export function setThreads(n: number): void {
  const count = parseThreads(n, 'setThreads');
  if (count > 1 && factory === null) {
    throw new Error(`setThreads: ${count} threads need worker threads, which this entry point has not set up (import 'nabla' in Node; 'nabla/core' runs on one thread)`);
  }
  threads = count;
}

/** The cores the pool could use. */
export function availableThreads(): number {
  return available;
}

export function threadPool(count: number, memory: WebAssembly.Memory, module: WebAssembly.Module): ThreadPool | null {
  return count > 1 && factory !== null ? factory(count, memory, module) : null;
}
