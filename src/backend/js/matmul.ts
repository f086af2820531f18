import type { TypedArray } from '../../tensor/dtype.js';
import type { Activation, MatmulSpec } from '../backend.js';
import { applyActivation } from './elementwise.js';

/*
 * Scalar JavaScript spends more time loading and storing than multiplying, so the loops below keep
 * small blocks of results in local variables (registers): each loaded value feeds several
 * multiply-adds. Operands that are mostly zeros (images, ReLU outputs) are walked through lists of
 * their nonzeros instead, which skips most of the work.
 */

const TILE_N = 256;
const TILE_K = 128;
/** Below this fraction of nonzeros an operand is walked through its nonzeros. */
const SPARSE_DENSITY = 0.6;

/**
 * The nonzeros of a row-major [rows, length] block: by row (CSR: row r's column indices and values
 * are index/values[starts[r]..starts[r+1])), optionally regrouped by column (CSC, the same arrays
 * holding row indices per column).
 */
class Nonzeros {
  index = new Int32Array(0);
  values = new Float64Array(0);
  starts = new Int32Array(0);
  private rowIndex = new Int32Array(0);
  private rowValues = new Float64Array(0);

  private reserve(count: number, lines: number): void {
    if (this.index.length < count) {
      this.index = new Int32Array(count);
      this.values = new Float64Array(count);
    }
    if (this.starts.length < lines + 1) this.starts = new Int32Array(lines + 1);
  }

  /**
   * Builds the CSR form when fewer than SPARSE_DENSITY of the entries are nonzero, and says whether
   * it did; a dense block is abandoned as soon as it has too many nonzeros.
   */
  sparseRows(source: TypedArray, offset: number, rows: number, length: number): boolean {
    const limit = Math.floor(SPARSE_DENSITY * rows * length);
    this.reserve(limit, rows);
    const { index, values, starts } = this;
    let count = 0;
    for (let r = 0; r < rows; r++) {
      starts[r] = count;
      for (let j = 0, s = offset + r * length; j < length; j++, s++) {
        if (source[s] !== 0) {
          if (count === limit) return false;
          index[count] = j;
          values[count++] = source[s];
        }
      }
    }
    starts[rows] = count;
    return true;
  }

  /** Regroups the CSR form of `rows` rows of `length` columns by column (a counting sort of the nonzeros). */
  toColumns(rows: number, length: number): void {
    const count = this.starts[rows];
    if (this.rowIndex.length < count) {
      this.rowIndex = new Int32Array(count);
      this.rowValues = new Float64Array(count);
    }
    const { rowIndex, rowValues } = this;
    rowIndex.set(this.index.subarray(0, count));
    rowValues.set(this.values.subarray(0, count));
    const rowStarts = this.starts.slice(0, rows + 1);
    this.reserve(count, length);
    const { index, values, starts } = this;
    starts.fill(0, 0, length + 1);
    for (let q = 0; q < count; q++) starts[rowIndex[q] + 1]++;
    for (let j = 0; j < length; j++) starts[j + 1] += starts[j];
    for (let r = 0; r < rows; r++) {
      for (let q = rowStarts[r]; q < rowStarts[r + 1]; q++) {
        const slot = starts[rowIndex[q]]++;
        index[slot] = r;
        values[slot] = rowValues[q];
      }
    }
    for (let j = length; j > 0; j--) starts[j] = starts[j - 1];
    starts[0] = 0;
  }
}

const nonzeros = new Nonzeros();

/**
 * Skipping a zero also skips 0 * NaN and 0 * Inf, which are NaN: the sparse paths are taken only
 * when the other operand is finite, so a NaN or Inf still shows in the result as it would densely.
 */
function allFinite(values: TypedArray, offset: number, size: number): boolean {
  let probe = 0;
  for (let i = offset, end = offset + size; i < end; i++) probe += values[i] * 0; // NaN once any value is NaN or infinite
  return probe === 0;
}

/**
 * One GEMM: out = op(a) @ op(b), or out += ... when accumulating. Dispatches on the layout and on
 * the sparsity of the operand that the innermost loop would stream through.
 */
export function matmul(a: TypedArray, aOffset: number, b: TypedArray, bOffset: number, out: TypedArray, outOffset: number, spec: MatmulSpec): void {
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
function rowDots(a: TypedArray, aOffset: number, b: TypedArray, bOffset: number, out: TypedArray, outOffset: number, m: number, n: number, k: number, accumulate: boolean): void {
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
function stridedProduct(a: TypedArray, aOffset: number, b: TypedArray, bOffset: number, out: TypedArray, outOffset: number, spec: MatmulSpec): void {
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

/** out += a @ b with a mostly-zero b [k, n] (its CSR form in `nonzeros`): each nonzero b[p, j] scales a's column p into out's column j. */
function sparseRowsProduct(a: TypedArray, aOffset: number, out: TypedArray, outOffset: number, m: number, n: number, k: number): void {
  const { index, values, starts } = nonzeros;
  for (let i = 0; i < m; i++) {
    const o = outOffset + i * n;
    const aRow = aOffset + i * k;
    for (let p = 0; p < k; p++) {
      const c = a[aRow + p];
      if (c === 0) continue;
      for (let q = starts[p], end = starts[p + 1]; q < end; q++) out[o + index[q]] += c * values[q];
    }
  }
}

/**
 * out += a^T @ b for a stored [k, m] and a mostly-zero b [k, n] (its CSR form in `nonzeros`; the weight gradient of a layer
 * whose input is sparse): out[i, j] is a sum over the nonzeros of b's column j, four i at a time.
 */
function sparseColumnsProduct(a: TypedArray, aOffset: number, out: TypedArray, outOffset: number, m: number, n: number, k: number): void {
  nonzeros.toColumns(k, n);
  const { index, values, starts } = nonzeros;
  for (let j = 0; j < n; j++) {
    const q0 = starts[j];
    const q1 = starts[j + 1];
    if (q0 === q1) continue;
    let i = 0;
    for (; i + 7 < m; i += 8) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
      for (let q = q0; q < q1; q++) {
        const v = values[q];
        const row = aOffset + index[q] * m + i;
        s0 += v * a[row]; s1 += v * a[row + 1]; s2 += v * a[row + 2]; s3 += v * a[row + 3];
        s4 += v * a[row + 4]; s5 += v * a[row + 5]; s6 += v * a[row + 6]; s7 += v * a[row + 7];
      }
      const o = outOffset + i * n + j;
      out[o] += s0; out[o + n] += s1; out[o + 2 * n] += s2; out[o + 3 * n] += s3;
      out[o + 4 * n] += s4; out[o + 5 * n] += s5; out[o + 6 * n] += s6; out[o + 7 * n] += s7;
    }
    for (; i < m; i++) {
      let s = 0;
      for (let q = q0; q < q1; q++) s += values[q] * a[aOffset + index[q] * m + i];
      out[outOffset + i * n + j] += s;
    }
  }
}

/**
 * out[r, o] = activation(dot(x[r, :], weight[o, :]) + bias[o]): the dot products of a GEMM with the
 * weight in PyTorch's [out, in] layout, then bias and activation while the row is in cache. A
 * mostly-zero input is walked through each row's nonzeros, four outputs at a time.
 */
export function linear(
  x: TypedArray, weight: TypedArray, bias: TypedArray | null, out: TypedArray,
  rows: number, inFeatures: number, outFeatures: number, activation: Activation, alpha: number,
): void {
  if (rows > 1 && allFinite(weight, 0, outFeatures * inFeatures) && nonzeros.sparseRows(x, 0, rows, inFeatures)) {
    sparseRowDots(weight, out, rows, inFeatures, outFeatures);
  } else {
    rowDots(x, 0, weight, 0, out, 0, rows, outFeatures, inFeatures, false);
  }
  for (let r = 0; r < rows; r++) {
    const o = r * outFeatures;
    if (bias !== null) for (let j = 0; j < outFeatures; j++) out[o + j] += bias[j];
    applyActivation(activation, out, o, o + outFeatures, alpha);
  }
}

/** out[r, :] = weight @ x[r, :] for x given by its CSR form in `nonzeros`, eight outputs at a time. */
function sparseRowDots(weight: TypedArray, out: TypedArray, rows: number, inFeatures: number, outFeatures: number): void {
  const { index, values, starts } = nonzeros;
  for (let r = 0; r < rows; r++) {
    const q0 = starts[r];
    const q1 = starts[r + 1];
    const o = r * outFeatures;
    let j = 0;
    for (; j + 7 < outFeatures; j += 8) {
      const w0 = j * inFeatures, w1 = w0 + inFeatures, w2 = w1 + inFeatures, w3 = w2 + inFeatures;
      const w4 = w3 + inFeatures, w5 = w4 + inFeatures, w6 = w5 + inFeatures, w7 = w6 + inFeatures;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
      for (let q = q0; q < q1; q++) {
        const v = values[q];
        const p = index[q];
        s0 += v * weight[w0 + p]; s1 += v * weight[w1 + p]; s2 += v * weight[w2 + p]; s3 += v * weight[w3 + p];
        s4 += v * weight[w4 + p]; s5 += v * weight[w5 + p]; s6 += v * weight[w6 + p]; s7 += v * weight[w7 + p];
      }
      out[o + j] = s0; out[o + j + 1] = s1; out[o + j + 2] = s2; out[o + j + 3] = s3;
      out[o + j + 4] = s4; out[o + j + 5] = s5; out[o + j + 6] = s6; out[o + j + 7] = s7;
    }
    for (; j < outFeatures; j++) {
      const w = j * inFeatures;
      let s = 0;
      for (let q = q0; q < q1; q++) s += values[q] * weight[w + index[q]];
      out[o + j] = s;
    }
  }
}
