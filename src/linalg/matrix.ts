// Batches of matrices: the last two dimensions are the matrix, the leading ones the batch.
import { broadcastShapes, sizeOf } from '../base/shape.js';
import { where } from '../ops/compare.js';
import { run } from '../tensor/dispatch.js';
import { Tensor } from '../tensor/tensor.js';

export function batchShape(t: Tensor): number[] {
  return t.shape.slice(0, -2);
}

/** How many matrices t holds. */
export function batchSize(t: Tensor): number {
  return sizeOf(batchShape(t));
}

/** The transpose of every matrix of the batch. */
export function mT(t: Tensor): Tensor {
  return t.transpose(-2, -1);
}

/** The n x n identity in `like`'s dtype, on its backend. */
export function identity(n: number, like: Tensor): Tensor {
  const eye = Tensor.empty([n, n], like.dtype, like.backend);
  run({ op: 'fill', value: 1, offset: 0, stride: n + 1, count: n }, [], [eye]);
  return eye;
}

/** a and b with their batch dimensions broadcast against each other (NumPy rules), differentiably. */
export function broadcastBatches(op: string, a: Tensor, b: Tensor): [Tensor, Tensor] {
  const batch = broadcastShapes(batchShape(a), batchShape(b), op);
  return [a.expand([...batch, ...a.shape.slice(-2)]), b.expand([...batch, ...b.shape.slice(-2)])];
}

/** Each matrix's entries (i, j) with j - i <= diagonal, zero elsewhere (torch.tril). */
export function tril(t: Tensor, diagonal = 0): Tensor {
  return band(t, (i, j) => j - i <= diagonal);
}

/** Each matrix's entries (i, j) with j - i >= diagonal, zero elsewhere (torch.triu). */
export function triu(t: Tensor, diagonal = 0): Tensor {
  return band(t, (i, j) => j - i >= diagonal);
}

function band(t: Tensor, keep: (i: number, j: number) => boolean): Tensor {
  const [rows, columns] = t.shape.slice(-2);
  const mask = new Int32Array(rows * columns);
  for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) mask[i * columns + j] = keep(i, j) ? 1 : 0;
  return where(Tensor.fromValues(mask, [rows, columns], 'int32', t.backend), t, 0);
}
