import { formatShape, ShapeError } from '../base/shape.js';
import { assertTensor, type Tensor } from '../tensor/tensor.js';
import { batchSuffix, checkMatrix, checkSameDType, LinalgError } from './errors.js';
import { batchShape, batchSize, broadcastBatches, mT } from './matrix.js';
import { qr } from './qr.js';
import { triangularSolve } from './triangular.js';

export interface LstsqResult {
  /** X minimizing ||A X - B||: [..., n, k], or [..., n] for a vector B. */
  solution: Tensor;
  /**
   * The squared residual norm of each column, ||A x - b||^2: [..., k], or [...] for a vector B
   * (PyTorch gives them only for m > n, and not with its default driver).
   */
  residuals: Tensor;
}

/**
 * The least-squares solution of A X = B (torch.linalg.lstsq) for A [..., m, n] of full column rank
 * with m >= n: X = R^-1 Q^T B from the QR decomposition A = Q R, never the normal equations (which
 * square A's condition number). B is [..., m, k], or [..., m] (one dimension fewer than A) for a
 * vector; batch dimensions broadcast. A rank-deficient A is a LinalgError. Differentiable through
 * qr, the triangular solve and matmul.
 */
export function lstsq(A: Tensor, B: Tensor): LstsqResult {
  const op = 'linalg.lstsq';
  checkMatrix(op, A, 'A');
  assertTensor(B, op, 'B');
  checkSameDType(op, A, B);
  const vector = B.ndim === A.ndim - 1;
  const rhs = vector ? B.unsqueeze(-1) : B;
  const m = A.shape[A.ndim - 2];
  if (rhs.ndim < 2 || rhs.shape[rhs.ndim - 2] !== m) {
    throw new ShapeError(`${op}: A of shape ${formatShape(A.shape)} and B of shape ${formatShape(B.shape)} do not match: B must be [..., ${m}, k], or [..., ${m}] with one dimension fewer than A`);
  }
  const [a, b] = broadcastBatches(op, A, rhs);
  const x = leastSquares(op, 'A', a, b);
  const residuals = a.matmul(x).sub(b).square().sum(-2);
  return vector ? { solution: x.squeeze(-1), residuals: residuals.squeeze(-1) } : { solution: x, residuals };
}

/**
 * R^-1 Q^T b for a [..., m, n] and b [..., m, k] of one batch shape, after checking that a is tall
 * (m >= n) and that no |R[i, i]| is below eps * max(m, n) * max_j |R[j, j]| (NumPy's cut-off for
 * rank). `what` names a in the errors.
 */
export function leastSquares(op: string, what: string, a: Tensor, b: Tensor): Tensor {
  const [m, n] = a.shape.slice(-2);
  if (m < n) {
    throw new ShapeError(`${op}: ${what} of shape ${formatShape(a.shape)} has fewer rows than columns (${m} < ${n}); least squares here needs a tall or square matrix of full column rank`);
  }
  const { Q, R } = qr(a);
  checkFullRank(op, what, a, R);
  return triangularSolve(R, mT(Q).matmul(b), true, false);
}

function checkFullRank(op: string, what: string, a: Tensor, R: Tensor): void {
  const [m, n] = a.shape.slice(-2);
  const eps = a.dtype === 'float64' ? 2 ** -52 : 2 ** -23;
  const values = R.dataSync();
  for (let b = 0; b < batchSize(R); b++) {
    const diagonal = Array.from({ length: n }, (_, i) => Math.abs(values[b * n * n + i * n + i]));
    const tolerance = eps * Math.max(m, n) * Math.max(...diagonal);
    const i = diagonal.findIndex((d) => !(d > tolerance));
    if (i >= 0) {
      throw new LinalgError(
        `${op}: ${what} of shape ${formatShape(a.shape)} does not have full column rank: |R[${i},${i}]| = ${diagonal[i]} is not above ` +
          `${tolerance} (eps * max(m, n) * max |R[j,j]|) after QR${batchSuffix(batchShape(a), b)}`,
      );
    }
  }
}
