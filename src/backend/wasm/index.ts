import type { TypedArray } from '../../base/dtype.js';
import { forEachMatrix } from '../js/gemm.js';
import { jsKernels, typedArrayBackend } from '../js/index.js';
import type { LinearKernel, MatmulKernel, UnaryKernel, ViewMatmulKernel } from '../kernels.js';
import { HAS_RELAXED_SIMD, HAS_SIMD } from './features.js';
import { WasmGemm } from './gemm.js';
import { copy } from './strided-copy.js';
import { getThreads } from './threads.js';

let gemm: { threads: number; gemm: WasmGemm } | null = null;

/**
 * WebAssembly memory only grows: after a product that needed more than this, the module is dropped
 * (the garbage collector reclaims its memory) and made again for the next product.
 */
const KEPT_MEMORY_BYTES = 64 * 1024 * 1024;

function releaseLargeMemory(): void {
  if (gemm !== null && gemm.gemm.memoryBytes > KEPT_MEMORY_BYTES) {
    gemm.gemm.close();
    gemm = null;
  }
}

/** The GEMM module for the current thread count, compiled on first use (relaxed-SIMD multiply-add where the runtime has it). */
function wasmGemm(): WasmGemm {
  const threads = getThreads();
  if (gemm === null || gemm.threads !== threads) {
    gemm?.gemm.close();
    gemm = { threads, gemm: new WasmGemm(HAS_RELAXED_SIMD, threads) };
  }
  return gemm.gemm;
}

/**
 * Float32 products run in WebAssembly (float64 and int32 ones in the reference kernels). Dense SIMD
 * beats the reference kernels' walk through the nonzeros of mostly-zero operands at any density
 * the workloads have (MNIST pixels are about 20% nonzero), so it is not used here.
 */
function matmul(kernel: MatmulKernel, inputs: readonly TypedArray[], outputs: readonly TypedArray[]): void {
  const [a, b] = inputs;
  const [out] = outputs;
  const { m, n, k, transA, transB, accumulate } = kernel;
  if (!(a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array)) {
    jsKernels.matmul(kernel, inputs, outputs);
    return;
  }
  forEachMatrix(kernel, out.length, (aOffset, bOffset, outOffset) =>
    wasmGemm().multiply(a, aOffset, transA, b, bOffset, transB, out, outOffset, m, n, k, accumulate));
  releaseLargeMemory();
}

function viewMatmul(kernel: ViewMatmulKernel, inputs: readonly TypedArray[], outputs: readonly TypedArray[]): void {
  const [a, b] = inputs;
  const [out] = outputs;
  if (!(a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array)) {
    jsKernels.viewMatmul(kernel, inputs, outputs);
    return;
  }
  wasmGemm().multiplyView(a, kernel.aOffset, b, kernel, out);
  releaseLargeMemory();
}

/** sigmoid and tanh (the recurrent layers' gates) on float32 arrays of up to this many elements run in WebAssembly. */
const MAX_ACTIVATION = 1 << 22;

function unary(kernel: UnaryKernel, inputs: readonly TypedArray[], outputs: readonly TypedArray[]): void {
  const [x] = inputs;
  const [out] = outputs;
  if ((kernel.fn === 'sigmoid' || kernel.fn === 'tanh') && x instanceof Float32Array && out instanceof Float32Array && x.length <= MAX_ACTIVATION) {
    wasmGemm().activate(kernel.fn, x, out);
    return;
  }
  jsKernels.unary(kernel, inputs, outputs);
}

function linear(kernel: LinearKernel, inputs: readonly TypedArray[], outputs: readonly TypedArray[]): void {
  const [x, weight, bias] = inputs;
  const [out] = outputs;
  const { rows, inFeatures, outFeatures, activation, alpha } = kernel;
  if (!(x instanceof Float32Array && weight instanceof Float32Array && out instanceof Float32Array)) {
    jsKernels.linear(kernel, inputs, outputs);
    return;
  }
  const epilogue = { bias: kernel.bias ? (bias as Float32Array) : null, activation, alpha };
  wasmGemm().multiply(x, 0, false, weight, 0, true, out, 0, rows, outFeatures, inFeatures, false, epilogue);
  releaseLargeMemory();
}

/**
 * The WebAssembly SIMD backend: the reference kernel table with WebAssembly kernels in place where
 * they exist. Storages are JS typed arrays, so the garbage collector reclaims them as it does for
 * the js backend (nothing to free by hand, no views to go stale); the kernels pack their operands
 * into the module's own memory, which the packing needs anyway.
 */
export const wasmBackend = typedArrayBackend('wasm', { ...jsKernels, unary, matmul, viewMatmul, linear, copy });

/** Whether the wasm backend can run here (WebAssembly with 128-bit SIMD). */
export const WASM_AVAILABLE = HAS_SIMD;
