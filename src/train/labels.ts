import { oneHot } from '../ops/indexing.js';
import type { Tensor } from '../tensor/tensor.js';

// Training and evaluation take class labels either as int32 indices [N] or as one-hot (or
// probability) rows [N, C], as the datasets offer both.

/** The class of each row: the labels themselves, or the largest entry of each label row. */
export function classIndices(labels: Tensor): Tensor {
  return labels.ndim === 2 ? labels.argmax(1) : labels;
}

/** Label rows [N, C]: the labels themselves, or the one-hot rows of class indices. */
export function labelRows(labels: Tensor, classes: number): Tensor {
  return labels.ndim === 2 ? labels : oneHot(labels, classes);
}
