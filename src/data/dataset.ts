import { formatShape, ShapeError } from '../base/shape.js';
import { takeRows } from '../ops/indexing.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * A map-style dataset, as PyTorch's Dataset: `length` samples, sample i read by `get(i)` (PyTorch's
 * __len__ and __getitem__). Any object of this shape goes into a DataLoader.
 */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): T;
}

/**
 * Samples stored as tensors whose first dimension indexes the sample (inputs, targets, ...),
 * optionally seen through a list of indices (a subset) without copying.
 */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: readonly Tensor[];
  private rows: Int32Array | null = null;

  /** `new TensorDataset(inputs, targets, ...)`, as in PyTorch: every tensor has one row per sample. */
  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new ShapeError('TensorDataset: needs at least one tensor');
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) {
        throw new TypeError(`TensorDataset: argument ${i} is not a Tensor; pass the tensors themselves: new TensorDataset(inputs, targets)`);
      }
    });
    const rows = tensors[0].shape[0];
    tensors.forEach((t, i) => {
      if (t.ndim === 0 || t.shape[0] !== rows) {
        throw new ShapeError(`TensorDataset: tensor ${i} has shape ${formatShape(t.shape)} but tensor 0 has ${rows} samples`);
      }
    });
    this.tensors = tensors;
  }

  /** Which rows of `tensors` this dataset consists of, in order; null means all of them. */
  get indices(): Int32Array | null {
    return this.rows;
  }

  get length(): number {
    return this.rows === null ? this.tensors[0].shape[0] : this.rows.length;
  }

  /** Sample i: one tensor per stored tensor, without the sample dimension (PyTorch's dataset[i]). */
  get(index: number): Tensor[] {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) throw new RangeError(`TensorDataset.get: index ${index} is out of range [0, ${this.length})`);
    return this.take([index]).map((t) => t.reshape(t.shape.slice(1)));
  }

  /** The dataset row that position `i` of this dataset refers to. */
  rowOf(i: number): number {
    return this.rows === null ? i : this.rows[i];
  }

  /** A subset by positions in this dataset (which may itself be a subset), without copying. */
  subset(positions: ArrayLike<number>): TensorDataset {
    const rows = Int32Array.from(positions as ArrayLike<number>, (p) => {
      if (!Number.isInteger(p) || p < 0 || p >= this.length) throw new RangeError(`subset: position ${p} is out of range [0, ${this.length})`);
      return this.rowOf(p);
    });
    const view = new TensorDataset(...this.tensors);
    view.rows = rows;
    return view;
  }

  /** Copies the rows at the given positions into new tensors, one per stored tensor. */
  take(positions: ArrayLike<number>): Tensor[] {
    const rows = Int32Array.from({ length: positions.length }, (_, i) => this.rowOf(positions[i]));
    return this.tensors.map((t) => takeRows(t, Tensor.fromValues(rows, [rows.length], 'int32', t.backend)));
  }
}
