import { record } from '../autograd/graph.js';
import { checkOptions, describeValue } from '../base/options.js';
import { run } from '../tensor/dispatch.js';
import { Tensor } from '../tensor/tensor.js';
import { batchSuffix, checkSquare, firstFailure, LinalgError } from './errors.js';
import { batchShape, batchSize, mT, tril } from './matrix.js';
import { triangularSolve } from './triangular.js';

export interface CholeskyOptions {
  /** Return U = L^T, with A = U^T U, instead of L (default false). */
  upper?: boolean;
}

/**
 * The Cholesky factor of each symmetric positive-definite matrix of A [..., n, n]
 * (torch.linalg.cholesky): L lower triangular with a positive diagonal and A = L L^T, computed from
 * A's lower triangle only. A matrix that is not positive-definite is a LinalgError naming the first
 * leading minor that is not. Backward, PyTorch's rule (Murray 2016, arXiv:1602.07527):
 * gA = L^-T phi(L^T gL) L^-1 with phi(P) = (tril(P) + tril(P, -1)^T) / 2, a symmetric matrix.
 */
export function cholesky(A: Tensor, options: CholeskyOptions = {}): Tensor {
  const op = 'linalg.cholesky';
  const { upper = false } = checkOptions(options, ['upper'], op);
  if (typeof upper !== 'boolean') throw new TypeError(`${op}: options.upper must be true or false, got ${describeValue(upper)}`);
  const n = checkSquare(op, A, 'A');
  const out = Tensor.empty(A.shape, A.dtype, A.backend);
  const info = Tensor.empty(batchShape(A), 'int32', A.backend);
  run({ op: 'cholesky', batch: batchSize(A), n, upper }, [A], [out, info]);
  const failure = firstFailure(info);
  if (failure !== null) {
    throw new LinalgError(
      `${op}: the matrix is not positive-definite: its leading minor of order ${failure.status} is not positive-definite${batchSuffix(batchShape(A), failure.index)}`,
    );
  }
  return record(out, op, [A], (g) => {
    const L = upper ? mT(out) : out;
    const gL = upper ? mT(g) : g;
    const P = tril(mT(L).matmul(gL));
    const phi = P.add(mT(tril(P, -1))).mul(0.5);
    // L^-T phi, then (L^-T phi) L^-1 = (L^-T (L^-T phi)^T)^T.
    const left = triangularSolve(L, phi, false, true);
    return [mT(triangularSolve(L, mT(left), false, true))];
  });
}
