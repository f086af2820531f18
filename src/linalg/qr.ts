import { record } from '../autograd/graph.js';
import { concat } from '../ops/shape.js';
import { run } from '../tensor/dispatch.js';
import { Tensor } from '../tensor/tensor.js';
import { checkMatrix } from './errors.js';
import { batchShape, batchSize, mT, triu } from './matrix.js';
import { triangularSolve } from './triangular.js';

export interface QrResult {
  /** [..., m, p] with orthonormal columns, p = min(m, n). */
  Q: Tensor;
  /** [..., p, n], upper triangular with diag(R) >= 0. */
  R: Tensor;
}

/**
 * The reduced QR decomposition of each matrix of A [..., m, n] (torch.linalg.qr, mode 'reduced'),
 * by Householder reflections: A = Q R with diag(R) >= 0, which makes it unique when A has full
 * column rank (PyTorch keeps LAPACK's signs, so its Q and R may differ from these by the sign of
 * a column of Q and the row of R). Backward, PyTorch's rule: for m >= n,
 * gA = (gQ + Q copyltu(M)) R^-T with M = R gR^T - gQ^T Q and copyltu(M) = tril(M) + tril(M, -1)^T;
 * for m < n, that rule on the first m columns, with Q's gradient from the rest added.
 */
export function qr(A: Tensor): QrResult {
  const op = 'linalg.qr';
  checkMatrix(op, A, 'A');
  const [m, n] = A.shape.slice(-2);
  const p = Math.min(m, n);
  const Q = Tensor.empty([...batchShape(A), m, p], A.dtype, A.backend);
  const R = Tensor.empty([...batchShape(A), p, n], A.dtype, A.backend);
  run({ op: 'householderQr', batch: batchSize(A), m, n }, [A], [Q, R]);
  // The rule is linear in (gQ, gR), so Q and R can each carry their own part of gA.
  return {
    Q: record(Q, op, [A], (gQ) => [qrBackward(A, Q, R, gQ, null)]),
    R: record(R, op, [A], (gR) => [qrBackward(A, Q, R, null, gR)]),
  };
}

/**
 * A wide A = [X | Y] (m < n) has X = Q U, a square QR, and Y = Q V with R = [U | V]: Y's gradient
 * is Q gV, and V = Q^T Y adds Y gV^T to Q's gradient.
 */
function qrBackward(A: Tensor, Q: Tensor, R: Tensor, gQ: Tensor | null, gR: Tensor | null): Tensor {
  const [m, n] = A.shape.slice(-2);
  if (m >= n) return tallQrBackward(Q, R, gQ, gR);
  const Y = columns(A, m, n);
  const gV = gR === null ? null : columns(gR, m, n);
  const gQTotal = gV === null ? gQ : gQ === null ? Y.matmul(mT(gV)) : gQ.add(Y.matmul(mT(gV)));
  const gX = tallQrBackward(Q, columns(R, 0, m), gQTotal, gR === null ? null : columns(gR, 0, m));
  const gY = gV === null ? Tensor.full(Y.shape, 0, Y.dtype, Y.backend) : Q.matmul(gV);
  return concat([gX, gY], -1);
}

function tallQrBackward(Q: Tensor, R: Tensor, gQ: Tensor | null, gR: Tensor | null): Tensor {
  // PyTorch's form: M^T = gR R^T - Q^T gQ, of which the upper triangle is mirrored.
  const fromR = gR === null ? null : gR.matmul(mT(R));
  const fromQ = gQ === null ? null : mT(Q).matmul(gQ);
  const M = fromQ === null ? fromR! : fromR === null ? fromQ.neg() : fromR.sub(fromQ);
  const mirrored = triu(M).add(mT(triu(M, 1)));
  const C = gQ === null ? Q.matmul(mirrored) : Q.matmul(mirrored).add(gQ);
  // gA R^T = C, that is R gA^T = C^T.
  return mT(triangularSolve(R, mT(C), true, false));
}

/** Columns [from, to) of each matrix. */
function columns(t: Tensor, from: number, to: number): Tensor {
  return t.slice('...', [from, to]);
}
