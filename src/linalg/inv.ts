import type { Tensor } from '../tensor/tensor.js';
import { checkSquare } from './errors.js';
import { assertNonsingular, luFactor, luSolve } from './lu.js';
import { identity } from './matrix.js';

/**
 * The inverse of each matrix of A [..., n, n] (torch.linalg.inv): A X = I solved by LU with partial
 * pivoting. To solve a system, use solve, which forms no inverse. A singular matrix is a LinalgError
 * naming the pivot that vanished. Backward, PyTorch's rule: gA = -A^-T g A^-T.
 */
export function inv(A: Tensor): Tensor {
  const op = 'linalg.inv';
  const n = checkSquare(op, A, 'A');
  const factors = luFactor(A);
  assertNonsingular(op, factors);
  return luSolve(A, factors, identity(n, A).expand(A.shape), false);
}
