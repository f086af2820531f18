import type { TypedArray } from '../../tensor/dtype.js';
import type { Activation, MatmulSpec } from '../backend.js';
import { applyActivation } from './elementwise.js';

const TILE_N = 256;
const TILE_K = 128;

/**
 * One GEMM. When b is stored row-major ([k, n]) the loop is i-p-j (a row of b scaled into a row of out,
 * contiguous and tiled over p and j to stay in cache); when b is stored transposed ([n, k]) each
 * output element is a contiguous dot product.
 */
export function matmul(a: TypedArray, aOffset: number, b: TypedArray, bOffset: number, out: TypedArray, outOffset: number, spec: MatmulSpec): void {
  const { m, n, k, transA, transB, accumulate } = spec;
  const aRowStride = transA ? 1 : k;
  const aColStride = transA ? m : 1;
  if (transB) {
    for (let i = 0; i < m; i++) {
      const aRow = aOffset + i * aRowStride;
      for (let j = 0; j < n; j++) {
        const bRow = bOffset + j * k;
        let sum = 0;
        for (let p = 0; p < k; p++) sum += a[aRow + p * aColStride] * b[bRow + p];
        const o = outOffset + i * n + j;
        out[o] = accumulate ? out[o] + sum : sum;
      }
    }
    return;
  }
  if (!accumulate) out.fill(0, outOffset, outOffset + m * n);
  for (let j0 = 0; j0 < n; j0 += TILE_N) {
    const j1 = Math.min(n, j0 + TILE_N);
    for (let p0 = 0; p0 < k; p0 += TILE_K) {
      const p1 = Math.min(k, p0 + TILE_K);
      for (let i = 0; i < m; i++) {
        const outRow = outOffset + i * n;
        const aRow = aOffset + i * aRowStride;
        for (let p = p0; p < p1; p++) {
          const aip = a[aRow + p * aColStride];
          if (aip === 0) continue;
          const bRow = bOffset + p * n;
          for (let j = j0; j < j1; j++) out[outRow + j] += aip * b[bRow + j];
        }
      }
    }
  }
}

/** out[r, o] = activation(dot(x[r, :], weight[o, :]) + bias[o]), one pass per output row. */
export function linear(
  x: TypedArray, weight: TypedArray, bias: TypedArray | null, out: TypedArray,
  rows: number, inFeatures: number, outFeatures: number, activation: Activation, alpha: number,
): void {
  const unrolled = inFeatures - (inFeatures % 4);
  for (let r = 0; r < rows; r++) {
    const xRow = r * inFeatures;
    const outRow = r * outFeatures;
    for (let o = 0; o < outFeatures; o++) {
      const wRow = o * inFeatures;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let p = 0;
      for (; p < unrolled; p += 4) {
        s0 += x[xRow + p] * weight[wRow + p];
        s1 += x[xRow + p + 1] * weight[wRow + p + 1];
        s2 += x[xRow + p + 2] * weight[wRow + p + 2];
        s3 += x[xRow + p + 3] * weight[wRow + p + 3];
      }
      for (; p < inFeatures; p++) s0 += x[xRow + p] * weight[wRow + p];
      out[outRow + o] = s0 + s1 + s2 + s3 + (bias === null ? 0 : bias[o]);
    }
    applyActivation(activation, out, outRow, outRow + outFeatures, alpha);
  }
}
