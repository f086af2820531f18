import { oneHot } from '../ops/indexing.js';
import type { Tensor } from '../tensor/tensor.js';

// Training and evaluation take class labels either as int32 indices [N] or as one-hot (or
// probability) rows [N, C], as the datasets offer both; other targets (regression) get no accuracy.

/** The class of each row: the labels themselves, or the largest entry of each label row. */
export function classIndices(labels: Tensor): Tensor {
  return labels.ndim === 2 ? labels.argmax(1) : labels;
}

/** Label rows [N, C]: the labels themselves, or the one-hot rows of class indices. */
export function labelRows(labels: Tensor, classes: number): Tensor {
  return labels.ndim === 2 ? labels : oneHot(labels, classes);
}

/**
 * Whether outputs and labels describe a classification, where accuracy means something: one
 * score per class, with int32 class indices or label rows of the same shape.
 */
export function isClassification(logits: Tensor, labels: Tensor): boolean {
  if (logits.ndim !== 2 || logits.shape[1] < 2) return false;
  return labels.dtype === 'int32' ? labels.ndim === 1 : labels.ndim === 2 && labels.shape[1] === logits.shape[1];
}
