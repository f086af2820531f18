import { record } from '../autograd/graph.js';
import type { MatmulKernel } from '../backend/kernels.js';
import { promoteTypes } from '../base/dtype.js';
import { broadcastShapes, formatShape, ShapeError, stridesOf } from '../base/shape.js';
import { assertTensor, Tensor } from '../tensor/tensor.js';
import { backendOf, run } from '../tensor/dispatch.js';
import { sumToShape } from './broadcast.js';

/**
 * Matrix product with NumPy semantics: 1-D operands are promoted to a row (left) or column (right)
 * vector and the added dimension removed again; leading (batch) dimensions broadcast.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  assertTensor(a, 'matmul', 'the left operand');
  assertTensor(b, 'matmul', 'the right operand');
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(`matmul: both operands need at least 1 dimension, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  if (a.ndim === 1 && b.ndim === 1) return matmul(a.unsqueeze(0), b.unsqueeze(1)).reshape([]);
  if (a.ndim === 1) return matmul(a.unsqueeze(0), b).squeeze(-2);
  if (b.ndim === 1) return matmul(a, b.unsqueeze(1)).squeeze(-1);
  return batchedMatmul(a, b, false, false);
}

/** op(a) @ op(b) where op transposes the last two dimensions when asked, without copying. */
export function batchedMatmul(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const [m, k] = transA ? [a.shape[a.ndim - 1], a.shape[a.ndim - 2]] : [a.shape[a.ndim - 2], a.shape[a.ndim - 1]];
  const [kb, n] = transB ? [b.shape[b.ndim - 1], b.shape[b.ndim - 2]] : [b.shape[b.ndim - 2], b.shape[b.ndim - 1]];
  if (k !== kb) {
    throw new ShapeError(`matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} are not aligned: ${k} (last dim of the left) != ${kb} (second-to-last of the right)`);
  }
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batch = broadcastShapes(aBatch, bBatch, 'matmul');
  const out = Tensor.empty([...batch, m, n], promoteTypes(a.dtype, b.dtype), backendOf('matmul', [a, b]));
  const kernel: MatmulKernel = { op: 'matmul', m, n, k, transA, transB, accumulate: false };
  if (batch.length > 0) {
    kernel.batch = { shape: batch, aStrides: batchStrides(aBatch, batch, m * k), bStrides: batchStrides(bBatch, batch, k * n) };
  }
  run(kernel, [a, b], [out]);
  return record(out, 'matmul', [a, b], (g) => {
    // C = op(A) op(B): dA follows from g @ op(B)^T, dB from op(A)^T @ g, each transposed back if A/B were.
    const ga = a.requiresGrad
      ? sumToShape(transA ? batchedMatmul(b, g, transB, true) : batchedMatmul(g, b, false, !transB), a.shape)
      : null;
    const gb = b.requiresGrad
      ? sumToShape(transB ? batchedMatmul(g, a, true, transA) : batchedMatmul(a, g, !transA, false), b.shape)
      : null;
    return [ga, gb];
  });
}

function batchStrides(own: readonly number[], batch: readonly number[], matrixSize: number): number[] {
  const strides = stridesOf(own).map((s) => s * matrixSize);
  const offset = batch.length - own.length;
  return batch.map((_, d) => (d < offset || own[d - offset] === 1 ? 0 : strides[d - offset]));
}
