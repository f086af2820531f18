import type { TypedArray } from '../../tensor/dtype.js';
import type { Activation, MatmulSpec } from '../backend.js';
import { applyActivation } from './elementwise.js';

const TILE_N = 256;
const TILE_K = 128;
/** Below this fraction of nonzeros, rows are walked through a list of their nonzero positions. */
const SPARSE_DENSITY = 0.5;

/**
 * The nonzeros of each of `rows` rows of length `length`, CSR style: row r's positions and values
 * are positions/values[starts[r]..starts[r+1]). Inputs such as images and ReLU outputs are mostly
 * zeros, and skipping them is the largest saving available to scalar loops.
 */
class NonzeroIndex {
  positions = new Int32Array(0);
  values = new Float64Array(0);
  starts = new Int32Array(0);

  /** Builds the index and returns the density (fraction of nonzeros). */
  build(source: TypedArray, offset: number, rows: number, length: number): number {
    if (this.positions.length < rows * length) {
      this.positions = new Int32Array(rows * length);
      this.values = new Float64Array(rows * length);
    }
    if (this.starts.length < rows + 1) this.starts = new Int32Array(rows + 1);
    const { positions, values, starts } = this;
    let count = 0;
    for (let r = 0; r < rows; r++) {
      starts[r] = count;
      const base = offset + r * length;
      for (let j = 0; j < length; j++) {
        const v = source[base + j];
        if (v !== 0) {
          positions[count] = j;
          values[count++] = v;
        }
      }
    }
    starts[rows] = count;
    return rows * length === 0 ? 1 : count / (rows * length);
  }
}

const sparseRows = new NonzeroIndex();

/**
 * One GEMM. When b is stored row-major ([k, n]) the loop is i-p-j (a row of b scaled into a row of
 * out, contiguous and tiled over p and j to stay in cache); a mostly-zero b is walked through its
 * nonzeros instead. When b is stored transposed ([n, k]) each output element is a dot product.
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
  if (m > 1 && sparseRows.build(b, bOffset, k, n) < SPARSE_DENSITY) {
    sparseProduct(a, aOffset, transA, out, outOffset, m, n, k);
    return;
  }
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

/** out += op(a) @ b for b summarized in `sparseRows`. */
function sparseProduct(a: TypedArray, aOffset: number, transA: boolean, out: TypedArray, outOffset: number, m: number, n: number, k: number): void {
  const { positions, values, starts } = sparseRows;
  if (transA) {
    // a is stored [k, m]: accumulate out^T so the innermost loop runs along a's contiguous rows.
    const outT = scratch(n * m);
    for (let p = 0; p < k; p++) {
      const aRow = aOffset + p * m;
      for (let q = starts[p], end = starts[p + 1]; q < end; q++) {
        const v = values[q];
        const tRow = positions[q] * m;
        for (let i = 0; i < m; i++) outT[tRow + i] += v * a[aRow + i];
      }
    }
    for (let i = 0; i < m; i++) {
      const outRow = outOffset + i * n;
      for (let j = 0; j < n; j++) out[outRow + j] += outT[j * m + i];
    }
    return;
  }
  for (let i = 0; i < m; i++) {
    const outRow = outOffset + i * n;
    const aRow = aOffset + i * k;
    for (let p = 0; p < k; p++) {
      const aip = a[aRow + p];
      if (aip === 0) continue;
      for (let q = starts[p], end = starts[p + 1]; q < end; q++) out[outRow + positions[q]] += aip * values[q];
    }
  }
}

let scratchBuffer = new Float64Array(0);

/** A zeroed float64 work array, reused between calls. */
function scratch(size: number): Float64Array {
  if (scratchBuffer.length < size) scratchBuffer = new Float64Array(size);
  scratchBuffer.fill(0, 0, size);
  return scratchBuffer;
}

/**
 * out[r, o] = activation(dot(x[r, :], weight[o, :]) + bias[o]), one pass per output row; when the
 * input is mostly zeros the dot products run over each row's nonzeros only.
 */
export function linear(
  x: TypedArray, weight: TypedArray, bias: TypedArray | null, out: TypedArray,
  rows: number, inFeatures: number, outFeatures: number, activation: Activation, alpha: number,
): void {
  const sparse = rows > 1 && sparseRows.build(x, 0, rows, inFeatures) < SPARSE_DENSITY;
  const { positions, values, starts } = sparseRows;
  const unrolled = inFeatures - (inFeatures % 4);
  for (let r = 0; r < rows; r++) {
    const xRow = r * inFeatures;
    const outRow = r * outFeatures;
    for (let o = 0; o < outFeatures; o++) {
      const wRow = o * inFeatures;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      if (sparse) {
        let q = starts[r];
        const end = starts[r + 1];
        for (; q + 3 < end; q += 4) {
          s0 += values[q] * weight[wRow + positions[q]];
          s1 += values[q + 1] * weight[wRow + positions[q + 1]];
          s2 += values[q + 2] * weight[wRow + positions[q + 2]];
          s3 += values[q + 3] * weight[wRow + positions[q + 3]];
        }
        for (; q < end; q++) s0 += values[q] * weight[wRow + positions[q]];
      } else {
        let p = 0;
        for (; p < unrolled; p += 4) {
          s0 += x[xRow + p] * weight[wRow + p];
          s1 += x[xRow + p + 1] * weight[wRow + p + 1];
          s2 += x[xRow + p + 2] * weight[wRow + p + 2];
          s3 += x[xRow + p + 3] * weight[wRow + p + 3];
        }
        for (; p < inFeatures; p++) s0 += x[xRow + p] * weight[wRow + p];
      }
      out[outRow + o] = s0 + s1 + s2 + s3 + (bias === null ? 0 : bias[o]);
    }
    applyActivation(activation, out, outRow, outRow + outFeatures, alpha);
  }
}
