import { formatShape, shapesEqual, ShapeError } from '../base/shape.js';
import { assertTensor, type Tensor } from '../tensor/tensor.js';
import { checkSameDType, checkSquare } from './errors.js';
import { assertNonsingular, luFactor, luSolve } from './lu.js';
import { broadcastBatches } from './matrix.js';

/**
 * X with A X = B (torch.linalg.solve), by LU with partial pivoting (no inverse is formed): A is
 * [..., n, n]; B is [..., n, k], or a vector [n] (also [..., n] when that is A's shape without its
 * last dimension), and X has B's form. Batch dimensions broadcast. A singular matrix is a
 * LinalgError naming the pivot that vanished. Backward, PyTorch's rule: gB = A^-T g, gA = -gB X^T.
 */
export function solve(A: Tensor, B: Tensor): Tensor {
  const op = 'linalg.solve';
  const n = checkSquare(op, A, 'A');
  assertTensor(B, op, 'B');
  checkSameDType(op, A, B);
  const vector = B.ndim === 1 || (B.ndim === A.ndim - 1 && shapesEqual(B.shape, A.shape.slice(0, -1)));
  const rhs = vector ? B.unsqueeze(-1) : B;
  if (rhs.ndim < 2 || rhs.shape[rhs.ndim - 2] !== n) {
    throw new ShapeError(`${op}: A of shape ${formatShape(A.shape)} and B of shape ${formatShape(B.shape)} do not match for A X = B: B must be [..., ${n}, k] or a vector [${n}]`);
  }
  const [a, b] = broadcastBatches(op, A, rhs);
  const factors = luFactor(a);
  assertNonsingular(op, factors);
  const x = luSolve(a, factors, b, false);
  return vector ? x.squeeze(-1) : x;
}
