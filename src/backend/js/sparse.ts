import type { TypedArray } from '../../base/dtype.js';

/*
 * Operands that are mostly zeros (images, ReLU outputs) are walked through lists of their nonzeros
 * instead of densely, which skips most of the work.
 */

/** Below this fraction of nonzeros an operand is walked through its nonzeros. */
const SPARSE_DENSITY = 0.6;

/**
 * The nonzeros of a row-major [rows, length] block: by row (CSR: row r's column indices and values
 * are index/values[starts[r]..starts[r+1])), optionally regrouped by column (CSC, the same arrays
 * holding row indices per column).
 */
export class Nonzeros {
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

export const nonzeros = new Nonzeros();

/**
 * Skipping a zero also skips 0 * NaN and 0 * Inf, which are NaN: the sparse paths are taken only
 * when the other operand is finite, so a NaN or Inf still shows in the result as it would densely.
 */
export function allFinite(values: TypedArray, offset: number, size: number): boolean {
  let probe = 0;
  for (let i = offset, end = offset + size; i < end; i++) probe += values[i] * 0; // NaN once any value is NaN or infinite
  return probe === 0;
}

/** out += a @ b with a mostly-zero b [k, n] (its CSR form in `nonzeros`): each nonzero b[p, j] scales a's column p into out's column j. */
export function sparseRowsProduct(a: TypedArray, aOffset: number, out: TypedArray, outOffset: number, m: number, n: number, k: number): void {
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
export function sparseColumnsProduct(a: TypedArray, aOffset: number, out: TypedArray, outOffset: number, m: number, n: number, k: number): void {
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

/** out[r, :] = weight @ x[r, :] for x given by its CSR form in `nonzeros`, eight outputs at a time. */
export function sparseRowDots(weight: TypedArray, out: TypedArray, rows: number, inFeatures: number, outFeatures: number): void {
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
