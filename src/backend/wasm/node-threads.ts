import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { multiplyColumns, NR, type PackedProduct, type ThreadKernels } from './gemm-kernel.js';
import { chunkPanels, FAILED, GENERATION, NEXT, PENDING, PRODUCT, SLOTS } from './thread-control.js';
import { installThreadPool, type ThreadPool } from './threads.js';

/**
 * The worker: it instantiates the module on the shared memory and, each time the generation
 * counter moves, takes chunks of the column panels of the published product (gathering those left
 * to gather) until none are left. Plain
 * JavaScript source, so that it runs the same from the built package and from the TypeScript
 * sources; the chunk size is chunkPanels()'s and the call multiplyColumns()'s.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { memory, module, control: buffer, threads, slots } = workerData;
const control = new Int32Array(buffer);
let exports = null;
try {
  exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
} catch {
  Atomics.store(control, slots.FAILED, 1);
}
let seen = 0;
while (exports !== null) {
  Atomics.wait(control, slots.GENERATION, seen, 1000); // timed, so that terminating never waits on a product
  const generation = Atomics.load(control, slots.GENERATION);
  if (generation === seen) continue;
  seen = generation;
  const [a, b, c, rowPanels, colPanels, k, src, taps, columns, panels] = control.subarray(slots.PRODUCT, slots.PRODUCT + 10);
  const chunk = (${chunkPanels.toString()})(threads, colPanels);
  try {
    for (let from = Atomics.add(control, slots.NEXT, chunk); from < colPanels; from = Atomics.add(control, slots.NEXT, chunk)) {
      const to = Math.min(from + chunk, colPanels);
      if (from < panels) exports.gatherPanels(src, taps, columns + from * ${NR * 4}, b + from * k * ${NR * 4}, k, Math.min(to, panels) - from);
      exports.gemm(a, b + from * k * ${NR * 4}, c + from * ${NR * 4}, rowPanels, to - from, k, colPanels * ${NR * 4});
    }
  } catch {
    Atomics.store(control, slots.FAILED, 1);
  }
  if (Atomics.sub(control, slots.PENDING, 1) === 1) Atomics.notify(control, slots.PENDING);
}
`;

/** How long the calling thread waits for the workers before it gives up with an error. */
const TIMEOUT_MS = 60_000;

/**
 * worker_threads sharing the GEMM module's memory. The workers block on a shared counter between
 * products and are unref'd, so they never keep the process alive.
 */
class NodeThreadPool implements ThreadPool {
  private readonly control = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
  private readonly workers: Worker[];

  constructor(readonly threads: number, memory: WebAssembly.Memory, module: WebAssembly.Module) {
    this.workers = Array.from({ length: threads - 1 }, () => {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        // None of the parent's flags: workers refuse per-process ones (--expose-gc, V8's, which they
        // share anyway), and the source is CommonJS (no --input-type=module).
        execArgv: [],
        // The compiled module itself, so that the workers share its optimized code.
        workerData: { memory, module, control: this.control.buffer, threads, slots: { GENERATION, PENDING, FAILED, NEXT, PRODUCT } },
      });
      worker.unref();
      return worker;
    });
  }

  close(): void {
    for (const worker of this.workers) void worker.terminate();
  }

  run(product: PackedProduct, kernels: ThreadKernels): void {
    const { control } = this;
    const { src = 0, taps = 0, columns = 0, panels = 0 } = product.gather ?? {};
    [product.a, product.b, product.c, product.rowPanels, product.colPanels, product.k, src, taps, columns, panels].forEach((v, i) => (control[PRODUCT + i] = v));
    Atomics.store(control, PENDING, this.workers.length);
    Atomics.store(control, NEXT, 0);
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);
    const chunk = chunkPanels(this.threads, product.colPanels);
    for (let from = Atomics.add(control, NEXT, chunk); from < product.colPanels; from = Atomics.add(control, NEXT, chunk)) {
      multiplyColumns(kernels, product, from, Math.min(from + chunk, product.colPanels));
    }
    const deadline = Date.now() + TIMEOUT_MS;
    for (let left = Atomics.load(control, PENDING); left !== 0; left = Atomics.load(control, PENDING)) {
      if (Atomics.load(control, FAILED) !== 0 || Date.now() > deadline) {
        throw new Error(`wasm backend: a GEMM worker thread ${Atomics.load(control, FAILED) !== 0 ? 'failed' : 'did not answer'}; run with NABLA_THREADS=1 to stay on one thread`);
      }
      Atomics.wait(control, PENDING, left, 100);
    }
  }
}

installThreadPool((threads, memory, module) => new NodeThreadPool(threads, memory, module), availableParallelism(), process.env.NABLA_THREADS);
