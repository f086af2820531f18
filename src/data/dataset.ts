import { formatShape, ShapeError } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * Samples stored as tensors whose first dimension indexes the sample (inputs, targets, ...),
 * optionally seen through a list of indices (a subset) without copying.
 */
export class TensorDataset {
  readonly tensors: readonly Tensor[];
  /** Which rows of `tensors` this dataset consists of, in order; null means all of them. */
  readonly indices: Int32Array | null;

  constructor(tensors: readonly Tensor[], indices: Int32Array | null = null) {
    if (tensors.length === 0) throw new ShapeError('TensorDataset: needs at least one tensor');
    const rows = tensors[0].shape[0];
    tensors.forEach((t, i) => {
      if (t.ndim === 0 || t.shape[0] !== rows) {
        throw new ShapeError(`TensorDataset: tensor ${i} has shape ${formatShape(t.shape)} but tensor 0 has ${rows} samples`);
      }
    });
    if (indices !== null) {
      for (const index of indices) {
        if (index < 0 || index >= rows) throw new RangeError(`TensorDataset: index ${index} is out of range [0, ${rows})`);
      }
    }
    this.tensors = tensors;
    this.indices = indices;
  }

  get length(): number {
    return this.indices === null ? this.tensors[0].shape[0] : this.indices.length;
  }

  /** The dataset row that position `i` of this dataset refers to. */
  rowOf(i: number): number {
    return this.indices === null ? i : this.indices[i];
  }

  /** A subset by positions in this dataset (which may itself be a subset). */
  subset(positions: ArrayLike<number>): TensorDataset {
    const rows = Int32Array.from(positions as ArrayLike<number>, (p) => {
      if (p < 0 || p >= this.length) throw new RangeError(`subset: position ${p} is out of range [0, ${this.length})`);
      return this.rowOf(p);
    });
    return new TensorDataset(this.tensors, rows);
  }

  /** Copies the rows at the given positions into new tensors, one per stored tensor. */
  take(positions: ArrayLike<number>): Tensor[] {
    return this.tensors.map((t) => {
      const rowSize = t.size / t.shape[0];
      const out = Tensor.empty([positions.length, ...t.shape.slice(1)], t.dtype);
      for (let i = 0; i < positions.length; i++) {
        const row = this.rowOf(positions[i]);
        out.data.set(t.data.subarray(row * rowSize, (row + 1) * rowSize) as never, i * rowSize);
      }
      return out;
    });
  }
}
