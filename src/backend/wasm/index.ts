import type { TypedArray } from '../../base/dtype.js';
import { forEachMatrix } from '../js/gemm.js';
import { jsKernels, typedArrayBackend } from '../js/index.js';
import type { Activation, ActivationGradKernel, LinearKernel, MatmulKernel, MaxPoolKernel, ReduceKernel, UnaryKernel, ViewMatmulKernel, ViewScatterKernel } from '../kernels.js';
import { HAS_RELAXED_SIMD, HAS_SIMD } from './features.js';
import { WasmGemm } from './gemm.js';
import { wasmMaxPool } from './max-pool.js';
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
  const fused = kernel.epilogue;
  const epilogue = fused === undefined ? undefined : {
    bias: fused.biasOffset === null ? null : (inputs[2] as Float32Array).subarray(fused.biasOffset), perRow: true, activation: fused.activation, alpha: fused.alpha,
  };
  wasmGemm().multiplyView(a, kernel.aOffset, b, kernel, out, epilogue);
  releaseLargeMemory();
}

function viewScatter(kernel: ViewScatterKernel, inputs: readonly TypedArray[], outputs: readonly TypedArray[]): void {
  const [a, g] = inputs;
  const [b] = outputs;
  if (!(a instanceof Float32Array && g instanceof Float32Array && b instanceof Float32Array)) {
    jsKernels.viewScatter(kernel, inputs, outputs);
    return;
  }
  wasmGemm().multiplyScatter(a, g, kernel, b);
  releaseLargeMemory();
}

/**
 * Float32 sums over the trailing axes (a convolution's bias gradient, a loss's total) in
 * WebAssembly, identical to the reference's; other reductions in the reference kernel.
 */
function reduce(kernel: ReduceKernel, inputs: readonly TypedArray[], outputs: readonly TypedArray[]): void {
  const [x] = inputs;
  const [out] = outputs;
  const { fn, shape, axes } = kernel;
  const first = shape.length - axes.length;
  const trailing = axes.every((axis) => axis >= first) && new Set(axes).size === axes.length;
  if (fn === 'sum' && trailing && x instanceof Float32Array && out instanceof Float32Array && x.length <= MAX_ACTIVATION && x.length > 0) {
    const rows = out.length;
    wasmGemm().sumRows(x, out, rows, x.length / rows);
    return;
  }
  jsKernels.reduce(kernel, inputs, outputs);
}

/** Activations on float32 arrays of up to this many elements run in WebAssembly. */
const MAX_ACTIVATION = 1 << 22;
/**
 * The unary ops that the epilogue's float32 functions compute: sigmoid and tanh (the recurrent
 * layers' gates) within 2 ulp of the reference, relu exactly (a branch per element in JavaScript
 * mispredicts on half of a layer's outputs).
 */
const WASM_UNARY = new Set<UnaryKernel['fn']>(['sigmoid', 'tanh', 'relu']);

function unary(kernel: UnaryKernel, inputs: readonly TypedArray[], outputs: readonly TypedArray[]): void {
  const [x] = inputs;
  const [out] = outputs;
  if (WASM_UNARY.has(kernel.fn) && x instanceof Float32Array && out instanceof Float32Array && x.length <= MAX_ACTIVATION) {
    wasmGemm().activate(kernel.fn as Activation, x, out);
    return;
  }
  jsKernels.unary(kernel, inputs, outputs);
}

function activationGrad(kernel: ActivationGradKernel, inputs: readonly TypedArray[], outputs: readonly TypedArray[]): void {
  const [g, y] = inputs;
  const [out] = outputs;
  if (kernel.activation === 'relu' && g instanceof Float32Array && y instanceof Float32Array && out instanceof Float32Array && g.length <= MAX_ACTIVATION) {
    wasmGemm().reluGrad(g, y, out);
    return;
  }
  jsKernels.activationGrad(kernel, inputs, outputs);
}

function linear(kernel: LinearKernel, inputs: readonly TypedArray[], outputs: readonly TypedArray[]): void {
  const [x, weight, bias] = inputs;
  const [out] = outputs;
  const { rows, inFeatures, outFeatures, activation, alpha } = kernel;
  if (!(x instanceof Float32Array && weight instanceof Float32Array && out instanceof Float32Array)) {
    jsKernels.linear(kernel, inputs, outputs);
    return;
  }
  const epilogue = { bias: kernel.bias ? (bias as Float32Array) : null, perRow: false, activation, alpha };
  wasmGemm().multiply(x, 0, false, weight, 0, true, out, 0, rows, outFeatures, inFeatures, false, epilogue);
  releaseLargeMemory();
}

function maxPool(kernel: MaxPoolKernel, inputs: readonly TypedArray[], outputs: readonly TypedArray[]): void {
  const [x] = inputs;
  const [values, indices] = outputs;
  if (x instanceof Float32Array && values instanceof Float32Array && indices instanceof Int32Array && wasmMaxPool(kernel, x, values, indices)) return;
  jsKernels.maxPool(kernel, inputs, outputs);
}

/**
 * The WebAssembly SIMD backend: the reference kernel table with WebAssembly kernels in place where
 * they exist. Storages are JS typed arrays, so the garbage collector reclaims them as it does for
 * the js backend (nothing to free by hand, no views to go stale); the kernels pack their operands
 * into the module's own memory, which the packing needs anyway.
 */
export const wasmBackend = typedArrayBackend('wasm', { ...jsKernels, unary, activationGrad, matmul, viewMatmul, viewScatter, linear, maxPool, reduce, copy });

/** Whether the wasm backend can run here (WebAssembly with 128-bit SIMD). */
export const WASM_AVAILABLE = HAS_SIMD;
