import { record } from '../autograd/graph.js';
import { checkOptions, describeValue } from '../base/options.js';
import { formatShape, ShapeError } from '../base/shape.js';
import { run } from '../tensor/dispatch.js';
import { Tensor } from '../tensor/tensor.js';
import { checkMatrix, checkSameDType, checkSquare } from './errors.js';
import { batchSize, broadcastBatches, mT, tril, triu } from './matrix.js';

export interface SolveTriangularOptions {
  /** A is upper triangular (only its upper triangle is read), or lower. Required, as in PyTorch. */
  upper: boolean;
}

/**
 * X with A X = B for triangular A (torch.linalg.solve_triangular, left side), by substitution:
 * A [..., n, n], of which only the triangle `upper` names is read, and B [..., n, k]; batch
 * dimensions broadcast. As in PyTorch, a zero on A's diagonal gives infinities or NaN, not an
 * error. Backward, PyTorch's rule: gB = A^-T g, gA = -gB X^T restricted to A's triangle.
 */
export function solveTriangular(A: Tensor, B: Tensor, options: SolveTriangularOptions): Tensor {
  const op = 'linalg.solveTriangular';
  const { upper } = checkOptions(options, ['upper'], op);
  if (typeof upper !== 'boolean') throw new TypeError(`${op}: options.upper must be true or false (which triangle of A to use), got ${describeValue(upper)}`);
  const n = checkSquare(op, A, 'A');
  checkMatrix(op, B, 'B');
  checkSameDType(op, A, B);
  if (B.shape[B.ndim - 2] !== n) {
    throw new ShapeError(`${op}: A of shape ${formatShape(A.shape)} and B of shape ${formatShape(B.shape)} do not match for A X = B: B must be [..., ${n}, k]`);
  }
  const [a, b] = broadcastBatches(op, A, B);
  return triangularSolve(a, b, upper, false);
}

/**
 * T^-1 b, or T^-T b when transpose, for t [..., n, n] and b [..., n, k] of one batch shape.
 * Differentiable in t and b (to any order): for x = T^-1 b, gb = T^-T g and gt = -gb x^T; for
 * x = T^-T b, gb = T^-1 g and gt = -x gb^T; gt kept to t's triangle.
 */
export function triangularSolve(t: Tensor, b: Tensor, upper: boolean, transpose: boolean): Tensor {
  const x = Tensor.empty(b.shape, b.dtype, b.backend);
  run({ op: 'triangularSolve', batch: batchSize(t), n: t.shape[t.ndim - 1], k: b.shape[b.ndim - 1], upper, transpose }, [t, b], [x]);
  return record(x, 'linalg.triangularSolve', [t, b], (g) => {
    const gb = triangularSolve(t, g, upper, !transpose);
    if (!t.requiresGrad) return [null, gb];
    const gt = (transpose ? x.matmul(mT(gb)) : gb.matmul(mT(x))).neg();
    return [upper ? triu(gt) : tril(gt), gb];
  });
}
