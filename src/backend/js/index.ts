import { DTYPES, type TypedArray } from '../../base/dtype.js';
import type { Backend } from '../backend.js';
import type { Kernel, KernelTable } from '../kernels.js';
import { Storage } from '../storage.js';
import { ArrayPool } from './array-pool.js';
import { activationGrad, arange, binary, cast, fill, unary, where } from './elementwise.js';
import { matmul, viewMatmul, viewScatter } from './gemm.js';
import { gather, indexSelect, oneHot, scatterAdd } from './indexing.js';
import { linear } from './linear.js';
import { cholesky, householderQr, luDeterminant, luFactor, luSolve, triangularSolve } from './linalg.js';
import { adagradStep, adamStep, rmspropStep, sgdStep } from './optim.js';
import { maxPool } from './pool.js';
import { dropoutMask } from './random.js';
import { allFinite, argReduce, reduce } from './reduce.js';
import { scan } from './scan.js';
import { sort } from './sort.js';
import { softmax, softmaxCrossEntropy } from './softmax.js';
import { copy } from './strided.js';

/** Every kernel of the reference backend: plain TypeScript loops over typed arrays. */
export const jsKernels: KernelTable<TypedArray> = {
  fill, arange, cast, unary, activationGrad, binary, where, copy, reduce, argReduce, allFinite, matmul, viewMatmul, viewScatter, linear,
  softmax, softmaxCrossEntropy, maxPool, gather, scatterAdd, indexSelect, oneHot, dropoutMask, sgdStep, adamStep,
  luFactor, luSolve, luDeterminant, cholesky, triangularSolve, householderQr,
  rmspropStep, adagradStep,
  scan, sort,
};

/** Runs a kernel of the table on plain arrays (the checking backend reuses it on its own copies). */
export function runJsKernel(kernel: Kernel, inputs: readonly TypedArray[], outputs: readonly TypedArray[]): void {
  (jsKernels[kernel.op] as (k: Kernel, i: readonly TypedArray[], o: readonly TypedArray[]) => void)(kernel, inputs, outputs);
}

function buffers(storages: readonly Storage<TypedArray>[]): TypedArray[] {
  const arrays = new Array<TypedArray>(storages.length);
  for (let i = 0; i < storages.length; i++) arrays[i] = storages[i].buffer;
  return arrays;
}

/** Freed arrays of at least 16 KiB are kept for reuse, up to 64 MiB per backend (a LeNet step at batch 64 frees about 15 MiB). */
const POOLED_BYTES = { min: 1 << 14, max: 1 << 26 };

/**
 * A backend whose storage is a JS typed array: reads are the array itself (no copy), kernels run
 * synchronously on the calling thread, and a freed storage's array goes to a pool for reuse (see
 * ArrayPool), or else to the garbage collector.
 */
export function typedArrayBackend(name: string, kernels: KernelTable<TypedArray>): Backend<TypedArray> {
  const pool = new ArrayPool(POOLED_BYTES.min, POOLED_BYTES.max);
  const backend: Backend<TypedArray> = {
    name,
    dtypes: DTYPES,
    alloc(dtype, size) {
      return new Storage(backend, pool.take(dtype, size), dtype, size);
    },
    free(storage) {
      pool.give(storage.dtype, storage.buffer);
    },
    write(storage, values, offset = 0) {
      storage.buffer.set(values as never, offset);
    },
    readSync: (storage) => storage.buffer,
    read: async (storage) => storage.buffer,
    run(kernel, inputs, outputs) {
      (kernels[kernel.op] as (k: Kernel, i: readonly TypedArray[], o: readonly TypedArray[]) => void)(kernel, buffers(inputs), buffers(outputs));
    },
    hostArray: (storage) => storage.buffer,
  };
  return backend;
}

/** The reference backend: plain TypeScript loops over typed arrays. */
export const jsBackend = typedArrayBackend('js', jsKernels);
