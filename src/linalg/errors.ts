import { isFloat } from '../base/dtype.js';
import { formatShape, ShapeError, type Shape } from '../base/shape.js';
import { assertTensor, type Tensor } from '../tensor/tensor.js';

/** A matrix the operation has no answer for: singular, not positive-definite, rank-deficient. */
export class LinalgError extends Error {
  override name = 'LinalgError';
}

/** A float tensor of at least two dimensions: a matrix, or a batch of them over the leading dimensions. */
export function checkMatrix(op: string, t: Tensor, what: string): void {
  assertTensor(t, op, what);
  if (!isFloat(t.dtype)) throw new TypeError(`${op}: ${what} must be float32 or float64, got ${t.dtype}`);
  if (t.ndim < 2) throw new ShapeError(`${op}: ${what} must be a matrix or a batch of matrices (at least 2-D), got shape ${formatShape(t.shape)}`);
}

/** checkMatrix, and square; returns n. */
export function checkSquare(op: string, t: Tensor, what: string): number {
  checkMatrix(op, t, what);
  const [rows, columns] = t.shape.slice(-2);
  if (rows !== columns) {
    throw new ShapeError(`${op}: ${what} must be a square matrix or a batch of square matrices, got shape ${formatShape(t.shape)} (${rows} by ${columns})`);
  }
  return rows;
}

export function checkSameDType(op: string, a: Tensor, b: Tensor, names = ['A', 'B']): void {
  if (a.dtype !== b.dtype) throw new TypeError(`${op}: ${names[0]} and ${names[1]} must have the same dtype, got ${a.dtype} and ${b.dtype}`);
}

/**
 * The first matrix of a batch whose int32 status (a kernel's info output) is not 0, with that
 * status, or null when every one succeeded. Reads the statuses back: a sync point.
 */
export function firstFailure(info: Tensor): { index: number; status: number } | null {
  const statuses = info.dataSync();
  const index = statuses.findIndex((s) => s !== 0);
  return index < 0 ? null : { index, status: statuses[index] };
}

/** ' (batch 1)', ' (batch [1, 0])' for several batch dimensions, '' for a single matrix. */
export function batchSuffix(batchShape: Shape, index: number): string {
  if (batchShape.length === 0) return '';
  if (batchShape.length === 1) return ` (batch ${index})`;
  const position = new Array<number>(batchShape.length);
  for (let d = batchShape.length - 1; d >= 0; d--) {
    position[d] = index % batchShape[d];
    index = Math.floor(index / batchShape[d]);
  }
  return ` (batch ${formatShape(position)})`;
}
