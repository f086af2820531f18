import { record } from '../autograd/graph.js';
import { run } from '../tensor/dispatch.js';
import { Tensor } from '../tensor/tensor.js';
import { batchSuffix, firstFailure, LinalgError } from './errors.js';
import { batchShape, batchSize, mT } from './matrix.js';

/** LU factors of a batch of square matrices, P A = L U, as the luFactor kernel leaves them. */
export interface LuFactors {
  lu: Tensor;
  pivots: Tensor;
  /** Per matrix: 0, or 1 + the first i where U[i, i] is zero. */
  info: Tensor;
}

export function luFactor(a: Tensor): LuFactors {
  const n = a.shape[a.ndim - 1];
  const batch = batchShape(a);
  const lu = Tensor.empty(a.shape, a.dtype, a.backend);
  const pivots = Tensor.empty([...batch, n], 'int32', a.backend);
  const info = Tensor.empty(batch, 'int32', a.backend);
  run({ op: 'luFactor', batch: batchSize(a), n }, [a], [lu, pivots, info]);
  return { lu, pivots, info };
}

/** Throws a LinalgError naming the first matrix of the batch with a zero pivot, and the pivot. */
export function assertNonsingular(op: string, { lu, info }: LuFactors, problem = 'the matrix is singular'): void {
  const failure = firstFailure(info);
  if (failure === null) return;
  const i = failure.status - 1;
  throw new LinalgError(`${op}: ${problem}: U[${i},${i}] is zero after LU with partial pivoting${batchSuffix(batchShape(lu), failure.index)}`);
}

/**
 * A^-1 b, or A^-T b when transpose, for b [..., n, k] with a's batch shape, from a's factors.
 * Differentiable in a and b (to any order: the rule solves with the same factors): for
 * x = A^-1 b, gb = A^-T g and ga = -gb x^T; for x = A^-T b, gb = A^-1 g and ga = -x gb^T.
 */
export function luSolve(a: Tensor, factors: LuFactors, b: Tensor, transpose: boolean): Tensor {
  const { lu, pivots } = factors;
  const x = Tensor.empty(b.shape, b.dtype, b.backend);
  run({ op: 'luSolve', batch: batchSize(lu), n: lu.shape[lu.ndim - 1], k: b.shape[b.ndim - 1], transpose }, [lu, pivots, b], [x]);
  return record(x, 'linalg.luSolve', [a, b], (g) => {
    const gb = luSolve(a, factors, g, !transpose);
    if (!a.requiresGrad) return [null, gb];
    return [(transpose ? x.matmul(mT(gb)) : gb.matmul(mT(x))).neg(), gb];
  });
}
