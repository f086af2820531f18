import type { TypedArray } from '../../base/dtype.js';
import type {
  CholeskyKernel, HouseholderQrKernel, LuDeterminantKernel, LuFactorKernel, LuSolveKernel, TriangularSolveKernel,
} from '../kernels.js';

/*
 * One matrix of the batch at a time. Factors and right-hand sides are read straight from storage
 * (a float32 value converts to float64 exactly); what is updated in place lives in a Float64Array.
 */

function load(source: TypedArray, offset: number, into: Float64Array): void {
  for (let i = 0; i < into.length; i++) into[i] = source[offset + i];
}

function store(values: Float64Array, into: TypedArray, offset: number): void {
  for (let i = 0; i < values.length; i++) into[offset + i] = values[i];
}

/** Swaps rows i and j of a row-major matrix with `width` columns. */
function swapRows(w: Float64Array, i: number, j: number, width: number): void {
  for (let c = 0, p = i * width, q = j * width; c < width; c++, p++, q++) {
    const t = w[p];
    w[p] = w[q];
    w[q] = t;
  }
}

/** Right-looking Doolittle elimination, choosing the largest remaining entry of each column as pivot. */
export function luFactor({ batch, n }: LuFactorKernel, [a]: readonly TypedArray[], [lu, pivots, info]: readonly TypedArray[]): void {
  const w = new Float64Array(n * n);
  for (let b = 0; b < batch; b++) {
    load(a, b * n * n, w);
    let firstZero = 0;
    for (let j = 0; j < n; j++) {
      let p = j;
      let largest = Math.abs(w[j * n + j]);
      for (let i = j + 1; i < n; i++) {
        const v = Math.abs(w[i * n + j]);
        if (v > largest) {
          largest = v;
          p = i;
        }
      }
      pivots[b * n + j] = p;
      if (p !== j) swapRows(w, j, p, n);
      const pivot = w[j * n + j];
      if (pivot === 0) {
        if (firstZero === 0) firstZero = j + 1;
        continue;
      }
      for (let i = j + 1; i < n; i++) {
        const f = (w[i * n + j] /= pivot);
        if (f === 0) continue;
        for (let c = j + 1; c < n; c++) w[i * n + c] -= f * w[j * n + c];
      }
    }
    info[b] = firstZero;
    store(w, lu, b * n * n);
  }
}

/**
 * P A = L U, so A x = b is L U x = P b (forward then back substitution), and A^T x = b is
 * U^T L^T (P x) = b (forward with U^T, back with the unit L^T, then the swaps undone in reverse).
 */
export function luSolve({ batch, n, k, transpose }: LuSolveKernel, [lu, pivots, rhs]: readonly TypedArray[], [x]: readonly TypedArray[]): void {
  const w = new Float64Array(n * k);
  for (let b = 0; b < batch; b++) {
    const f = b * n * n;
    const piv = b * n;
    load(rhs, b * n * k, w);
    if (!transpose) {
      for (let i = 0; i < n; i++) if (pivots[piv + i] !== i) swapRows(w, i, pivots[piv + i], k);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < i; j++) subtractRow(w, i, j, lu[f + i * n + j], k);
      }
      for (let i = n - 1; i >= 0; i--) {
        for (let j = i + 1; j < n; j++) subtractRow(w, i, j, lu[f + i * n + j], k);
        divideRow(w, i, lu[f + i * n + i], k);
      }
    } else {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < i; j++) subtractRow(w, i, j, lu[f + j * n + i], k);
        divideRow(w, i, lu[f + i * n + i], k);
      }
      for (let i = n - 1; i >= 0; i--) {
        for (let j = i + 1; j < n; j++) subtractRow(w, i, j, lu[f + j * n + i], k);
      }
      for (let i = n - 1; i >= 0; i--) if (pivots[piv + i] !== i) swapRows(w, i, pivots[piv + i], k);
    }
    store(w, x, b * n * k);
  }
}

/** Row i -= factor * row j. */
function subtractRow(w: Float64Array, i: number, j: number, factor: number, width: number): void {
  if (factor === 0) return;
  for (let c = 0, p = i * width, q = j * width; c < width; c++, p++, q++) w[p] -= factor * w[q];
}

function divideRow(w: Float64Array, i: number, divisor: number, width: number): void {
  for (let c = 0, p = i * width; c < width; c++, p++) w[p] /= divisor;
}

/** det A = (-1)^(row swaps) * prod U[i, i]. */
export function luDeterminant({ batch, n, log }: LuDeterminantKernel, [lu, pivots]: readonly TypedArray[], [out, logabsdet]: readonly TypedArray[]): void {
  for (let b = 0; b < batch; b++) {
    let det = 1;
    let sign = 1;
    let logAbs = 0;
    for (let i = 0; i < n; i++) {
      const u = pivots[b * n + i] === i ? lu[b * n * n + i * n + i] : -lu[b * n * n + i * n + i];
      det *= u;
      sign *= Math.sign(u);
      logAbs += Math.log(Math.abs(u));
    }
    if (log) {
      out[b] = sign;
      logabsdet[b] = logAbs;
    } else {
      out[b] = det;
    }
  }
}

/** Cholesky-Crout, column by column: L[j, j] = sqrt(A[j, j] - sum_p L[j, p]^2), then the column below it. */
export function cholesky({ batch, n, upper }: CholeskyKernel, [a]: readonly TypedArray[], [out, info]: readonly TypedArray[]): void {
  const w = new Float64Array(n * n);
  for (let b = 0; b < batch; b++) {
    const base = b * n * n;
    w.fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) w[i * n + j] = a[base + i * n + j];
    let failedOrder = 0;
    for (let j = 0; j < n; j++) {
      let d = w[j * n + j];
      for (let p = 0; p < j; p++) d -= w[j * n + p] * w[j * n + p];
      // !(d > 0) also catches NaN.
      if (!(d > 0)) {
        failedOrder = j + 1;
        break;
      }
      const ljj = Math.sqrt(d);
      w[j * n + j] = ljj;
      for (let i = j + 1; i < n; i++) {
        let s = w[i * n + j];
        for (let p = 0; p < j; p++) s -= w[i * n + p] * w[j * n + p];
        w[i * n + j] = s / ljj;
      }
    }
    info[b] = failedOrder;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) out[base + i * n + j] = upper ? w[j * n + i] : w[i * n + j];
    }
  }
}

/** Substitution with M = T or T^T: forward when M is lower triangular, backward when it is upper. */
export function triangularSolve(kernel: TriangularSolveKernel, [t, rhs]: readonly TypedArray[], [x]: readonly TypedArray[]): void {
  const { batch, n, k, upper, transpose } = kernel;
  const w = new Float64Array(n * k);
  // M[i, j] = t[base + i * rowStride + j * columnStride].
  const rowStride = transpose ? 1 : n;
  const columnStride = transpose ? n : 1;
  const forward = upper === transpose;
  for (let b = 0; b < batch; b++) {
    const base = b * n * n;
    load(rhs, b * n * k, w);
    for (let step = 0; step < n; step++) {
      const i = forward ? step : n - 1 - step;
      const end = forward ? i : n;
      for (let j = forward ? 0 : i + 1; j < end; j++) subtractRow(w, i, j, t[base + i * rowStride + j * columnStride], k);
      divideRow(w, i, t[base + i * (rowStride + columnStride)], k);
    }
    store(w, x, b * n * k);
  }
}

/**
 * Householder QR (Golub and Van Loan, algorithm 5.1.1): the reflection H = I - beta v v^T maps
 * column j below the diagonal to +norm e_j, with v[0] = x[0] - norm computed without cancellation.
 * Q = H_0 ... H_{p-1} applied to the first p columns of the identity, last reflection first.
 */
export function householderQr({ batch, m, n }: HouseholderQrKernel, [a]: readonly TypedArray[], [q, r]: readonly TypedArray[]): void {
  const p = Math.min(m, n);
  const w = new Float64Array(m * n);
  // Row j of v holds reflection j (entries j..m-1); beta[j] is 0 where column j needed none.
  const v = new Float64Array(p * m);
  const beta = new Float64Array(p);
  const qw = new Float64Array(m * p);
  const sums = new Float64Array(Math.max(n, p));
  for (let b = 0; b < batch; b++) {
    load(a, b * m * n, w);
    for (let j = 0; j < p; j++) {
      const alpha = w[j * n + j];
      let sigma = 0;
      for (let i = j + 1; i < m; i++) sigma += w[i * n + j] * w[i * n + j];
      beta[j] = 0;
      if (sigma === 0 && alpha >= 0) continue;
      const norm = Math.sqrt(alpha * alpha + sigma);
      const v0 = alpha <= 0 ? alpha - norm : -sigma / (alpha + norm);
      v[j * m + j] = v0;
      for (let i = j + 1; i < m; i++) v[j * m + i] = w[i * n + j];
      beta[j] = 2 / (v0 * v0 + sigma);
      w[j * n + j] = norm;
      for (let i = j + 1; i < m; i++) w[i * n + j] = 0;
      reflect(w, n, j + 1, v, j, m, beta[j], sums);
    }
    qw.fill(0);
    for (let i = 0; i < p; i++) qw[i * p + i] = 1;
    // Columns before j are still unit vectors that H_j leaves alone.
    for (let j = p - 1; j >= 0; j--) if (beta[j] !== 0) reflect(qw, p, j, v, j, m, beta[j], sums);
    store(qw, q, b * m * p);
    for (let i = 0; i < p; i++) {
      for (let c = 0; c < n; c++) r[b * p * n + i * n + c] = c >= i ? w[i * n + c] : 0;
    }
  }
}

/**
 * Applies reflection j (row j of v, entries j..m-1) to columns `from`.. of the row-major `target`
 * with `width` columns, a row at a time: sums[c] = beta v^T target[:, c], then target -= v sums^T.
 */
function reflect(target: Float64Array, width: number, from: number, v: Float64Array, j: number, m: number, beta: number, sums: Float64Array): void {
  sums.fill(0, from, width);
  for (let i = j; i < m; i++) {
    const vi = v[j * m + i];
    if (vi === 0) continue;
    for (let c = from, t = i * width + from; c < width; c++, t++) sums[c] += vi * target[t];
  }
  for (let c = from; c < width; c++) sums[c] *= beta;
  for (let i = j; i < m; i++) {
    const vi = v[j * m + i];
    if (vi === 0) continue;
    for (let c = from, t = i * width + from; c < width; c++, t++) target[t] -= vi * sums[c];
  }
}
