import type { TypedArray } from '../../base/dtype.js';
import { sizeOf, stridesOf } from '../../base/shape.js';
import type { MatmulKernel, ViewMatmulKernel, ViewScatterKernel } from '../kernels.js';
import { applyActivation } from './elementwise.js';
import { copy } from './strided.js';
import { allFinite, nonzeros, sparseColumnsProduct, sparseRowsProduct } from './sparse.js';

/*
 * Scalar JavaScript spends more time loading and storing than multiplying, so the loops below keep
 * small blocks of results in local variables (registers): each loaded value feeds several
 * multiply-adds.
 */

const TILE_N = 256;
const TILE_K = 128;

/**
 * The batched GEMM: for each batch index, out = op(a) @ op(b), or out += ... when accumulating.
 * Each product dispatches on the layout and on the sparsity of the operand that the innermost
 * loop would stream through.
 */
export function matmul(kernel: MatmulKernel, [a, b]: readonly TypedArray[], [out]: readonly TypedArray[]): void {
  forEachMatrix(kernel, out.length, (aOffset, bOffset, outOffset) => product(a, aOffset, b, bOffset, out, outOffset, kernel));
}

/**
 * Calls `multiply` once per matrix of a (batched) matmul kernel with the offsets of its operands:
 * out is contiguous, a and b follow the kernel's batch strides (0 where broadcast).
 */
export function forEachMatrix(kernel: MatmulKernel, outSize: number, multiply: (aOffset: number, bOffset: number, outOffset: number) => void): void {
  const { m, n, batch } = kernel;
  if (batch === undefined) {
    multiply(0, 0, 0);
    return;
  }
  const { shape, aStrides, bStrides } = batch;
  const count = outSize / (m * n);
  for (let i = 0; i < count; i++) {
    let aOffset = 0;
    let bOffset = 0;
    let rest = i;
    for (let d = shape.length - 1; d >= 0; d--) {
      const index = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
      aOffset += index * aStrides[d];
      bOffset += index * bStrides[d];
    }
    multiply(aOffset, bOffset, i * m * n);
  }
}

function product(a: TypedArray, aOffset: number, b: TypedArray, bOffset: number, out: TypedArray, outOffset: number, spec: MatmulKernel): void {
  const { m, n, k, transA, transB, accumulate } = spec;
  if (transB && !transA) {
    rowDots(a, aOffset, b, bOffset, out, outOffset, m, n, k, accumulate);
    return;
  }
  if (transB) {
    stridedProduct(a, aOffset, b, bOffset, out, outOffset, spec);
    return;
  }
  if (!accumulate) out.fill(0, outOffset, outOffset + m * n);
  if (m > 1 && allFinite(a, aOffset, m * k) && nonzeros.sparseRows(b, bOffset, k, n)) {
    if (transA) sparseColumnsProduct(a, aOffset, out, outOffset, m, n, k);
    else sparseRowsProduct(a, aOffset, out, outOffset, m, n, k);
    return;
  }
  rowCombinations(a, aOffset, transA, b, bOffset, out, outOffset, m, n, k);
}

/**
 * out[i, j] (+)= dot(a[i, :], b[j, :]) for row-major a [m, k] and b [n, k], in blocks of 2 rows of
 * a by 4 rows of b: every loaded element is used 2 or 4 times.
 */
export function rowDots(a: TypedArray, aOffset: number, b: TypedArray, bOffset: number, out: TypedArray, outOffset: number, m: number, n: number, k: number, accumulate: boolean): void {
  if (!accumulate) out.fill(0, outOffset, outOffset + m * n);
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const a0 = aOffset + i * k;
    const a1 = a0 + k;
    const o0 = outOffset + i * n;
    const o1 = o0 + n;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = bOffset + j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let p = 0; p < k; p++) {
        const u = a[a0 + p], v = a[a1 + p];
        const c0 = b[b0 + p], c1 = b[b1 + p], c2 = b[b2 + p], c3 = b[b3 + p];
        s00 += u * c0; s01 += u * c1; s02 += u * c2; s03 += u * c3;
        s10 += v * c0; s11 += v * c1; s12 += v * c2; s13 += v * c3;
      }
      out[o0 + j] += s00; out[o0 + j + 1] += s01; out[o0 + j + 2] += s02; out[o0 + j + 3] += s03;
      out[o1 + j] += s10; out[o1 + j + 1] += s11; out[o1 + j + 2] += s12; out[o1 + j + 3] += s13;
    }
    for (; j < n; j++) {
      const b0 = bOffset + j * k;
      let s0 = 0, s1 = 0;
      for (let p = 0; p < k; p++) {
        s0 += a[a0 + p] * b[b0 + p];
        s1 += a[a1 + p] * b[b0 + p];
      }
      out[o0 + j] += s0;
      out[o1 + j] += s1;
    }
  }
  if (i < m) {
    const a0 = aOffset + i * k;
    const o0 = outOffset + i * n;
    for (let j = 0; j < n; j++) {
      const b0 = bOffset + j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[a0 + p] * b[b0 + p];
      out[o0 + j] += s;
    }
  }
}

/** op(a) @ b^T with a transposed too: rare, so a plain loop. */
function stridedProduct(a: TypedArray, aOffset: number, b: TypedArray, bOffset: number, out: TypedArray, outOffset: number, spec: MatmulKernel): void {
  const { m, n, k, accumulate } = spec;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[aOffset + p * m + i] * b[bOffset + j * k + p];
      const o = outOffset + i * n + j;
      out[o] = accumulate ? out[o] + s : s;
    }
  }
}

/**
 * out[i, :] += sum_p op(a)[i, p] * b[p, :] for row-major b [k, n]: rows of b are combined four at a
 * time into each output row, tiled over p and j to stay in cache.
 */
function rowCombinations(a: TypedArray, aOffset: number, transA: boolean, b: TypedArray, bOffset: number, out: TypedArray, outOffset: number, m: number, n: number, k: number): void {
  const aRowStride = transA ? 1 : k;
  const aColStride = transA ? m : 1;
  for (let j0 = 0; j0 < n; j0 += TILE_N) {
    const j1 = Math.min(n, j0 + TILE_N);
    for (let p0 = 0; p0 < k; p0 += TILE_K) {
      const p1 = Math.min(k, p0 + TILE_K);
      for (let i = 0; i < m; i++) {
        const o = outOffset + i * n;
        const aRow = aOffset + i * aRowStride;
        let p = p0;
        for (; p + 3 < p1; p += 4) {
          const c0 = a[aRow + p * aColStride], c1 = a[aRow + (p + 1) * aColStride];
          const c2 = a[aRow + (p + 2) * aColStride], c3 = a[aRow + (p + 3) * aColStride];
          const b0 = bOffset + p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
          for (let j = j0; j < j1; j++) out[o + j] += c0 * b[b0 + j] + c1 * b[b1 + j] + c2 * b[b2 + j] + c3 * b[b3 + j];
        }
        for (; p < p1; p++) {
          const c = a[aRow + p * aColStride];
          const b0 = bOffset + p * n;
          for (let j = j0; j < j1; j++) out[o + j] += c * b[b0 + j];
        }
      }
    }
  }
}


/** The reference viewMatmul: the view's columns materialized by a strided copy, then one product. */
export function viewMatmul(kernel: ViewMatmulKernel, [a, b, bias]: readonly TypedArray[], [out]: readonly TypedArray[]): void {
  const { m, aOffset, outOffset, viewOffset, taps, columns } = kernel;
  const k = sizeOf(taps.shape);
  const n = sizeOf(columns.shape);
  const shape = [...taps.shape, ...columns.shape];
  const view = new (b.constructor as new (size: number) => TypedArray)(k * n);
  copy({ op: 'copy', shape, srcOffset: viewOffset, srcStrides: [...taps.strides, ...columns.strides], dstOffset: 0, dstStrides: stridesOf(shape), accumulate: false }, [b], [view]);
  if (kernel.transposeView) {
    product(a, aOffset, view, 0, out, outOffset, { op: 'matmul', m, n: k, k: n, transA: false, transB: true, accumulate: false });
    return;
  }
  const { epilogue, outSamples } = kernel;
  // Channels-first, the product is made in a compact block first and then moved into place.
  const [target, offset] = outSamples === undefined ? [out, outOffset] : [new (out.constructor as new (size: number) => TypedArray)(m * n), 0];
  product(a, aOffset, view, 0, target, offset, { op: 'matmul', m, n, k, transA: false, transB: false, accumulate: false });
  if (epilogue !== undefined) {
    const { activation, alpha, biasOffset } = epilogue;
    for (let i = 0; i < m; i++) {
      const start = offset + i * n;
      if (biasOffset !== null) {
        const b = bias[biasOffset + i];
        for (let j = start; j < start + n; j++) target[j] += b;
      }
      applyActivation(activation, target, start, start + n, alpha);
    }
  }
  if (outSamples === undefined) return;
  const { length, stride } = outSamples;
  const blockShape = [m, n / length, length];
  copy({ op: 'copy', shape: blockShape, srcOffset: 0, srcStrides: stridesOf(blockShape), dstOffset: outOffset, dstStrides: [length, stride, 1], accumulate: false }, [target], [out]);
}

/** The reference viewScatter: each group's product a^T g, then added into the view by a strided copy. */
export function viewScatter(kernel: ViewScatterKernel, [a, g]: readonly TypedArray[], [b]: readonly TypedArray[]): void {
  const { groups, m, viewOffset, viewGroupStride, taps, columns } = kernel;
  const k = sizeOf(taps.shape);
  const n = sizeOf(columns.shape);
  const shape = [...taps.shape, ...columns.shape];
  const block = new (b.constructor as new (size: number) => TypedArray)(k * n);
  for (let q = 0; q < groups; q++) {
    product(a, q * m * k, g, q * m * n, block, 0, { op: 'matmul', m: k, n, k: m, transA: true, transB: false, accumulate: false });
    copy({ op: 'copy', shape, srcOffset: 0, srcStrides: stridesOf(shape), dstOffset: viewOffset + q * viewGroupStride, dstStrides: [...taps.strides, ...columns.strides], accumulate: true }, [block], [b]);
  }
}
