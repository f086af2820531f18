import { record } from '../autograd/graph.js';
import { run } from '../tensor/dispatch.js';
import { Tensor } from '../tensor/tensor.js';
import { checkSquare } from './errors.js';
import { assertNonsingular, luFactor, type LuFactors, luSolve } from './lu.js';
import { batchShape, batchSize, identity } from './matrix.js';

export interface SlogdetResult {
  /** The sign of det A: 1, -1, or 0 for a singular matrix. Not differentiable. */
  sign: Tensor;
  /** log |det A|, -Infinity for a singular matrix. */
  logabsdet: Tensor;
}

/**
 * The determinant of each matrix of A [..., n, n] (torch.linalg.det), from its LU factors: the
 * product of U's diagonal, negated once per row swap; 0 for a singular matrix. Backward, PyTorch's
 * rule: gA = g det(A) A^-T (at a singular matrix, where it needs the cofactors instead, a LinalgError).
 */
export function det(A: Tensor): Tensor {
  const op = 'linalg.det';
  const n = checkSquare(op, A, 'A');
  const factors = luFactor(A);
  const out = Tensor.empty(batchShape(A), A.dtype, A.backend);
  run({ op: 'luDeterminant', batch: batchSize(A), n, log: false }, [factors.lu, factors.pivots], [out]);
  return record(out, op, [A], (g) => [inverseTransposeTimes(op, A, factors, g.mul(out))]);
}

/**
 * The sign and the log of the absolute value of each determinant (torch.linalg.slogdet), which
 * neither overflow nor underflow where det does; sign 0 and logabsdet -Infinity for a singular
 * matrix. Backward of logabsdet, PyTorch's rule: gA = g A^-T.
 */
export function slogdet(A: Tensor): SlogdetResult {
  const op = 'linalg.slogdet';
  const n = checkSquare(op, A, 'A');
  const factors = luFactor(A);
  const sign = Tensor.empty(batchShape(A), A.dtype, A.backend);
  const logabsdet = Tensor.empty(batchShape(A), A.dtype, A.backend);
  run({ op: 'luDeterminant', batch: batchSize(A), n, log: true }, [factors.lu, factors.pivots], [sign, logabsdet]);
  return { sign, logabsdet: record(logabsdet, op, [A], (g) => [inverseTransposeTimes(op, A, factors, g)]) };
}

/** s A^-T with one scalar s per matrix, from A's LU factors (differentiably). */
function inverseTransposeTimes(op: string, a: Tensor, factors: LuFactors, s: Tensor): Tensor {
  assertNonsingular(op, factors, 'the gradient at a singular matrix is not supported');
  const inverseTranspose = luSolve(a, factors, identity(a.shape[a.ndim - 1], a).expand(a.shape), true);
  return inverseTranspose.mul(s.unsqueeze(-1).unsqueeze(-1));
}
