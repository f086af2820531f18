import { softmax } from '../ops/nn.js';
import type { Tensor } from '../tensor/tensor.js';
import { binaryCrossEntropyWithLogits, crossEntropy, LOSS_NAMES, type LossName, mseLoss } from '../nn/losses.js';
import { labelRows } from './labels.js';

/** A training objective: a scalar loss from the model's raw outputs (logits) and the labels (int32 indices or one-hot rows). */
export type Objective = (logits: Tensor, labels: Tensor) => Tensor;

/**
 * The network's last layer is linear; the output nonlinearity belongs to the loss:
 * cross-entropy applies softmax (fused, stable), MSE compares softmax probabilities with one-hot
 * targets, binary cross-entropy treats each class as an independent sigmoid output.
 */
export function objective(name: LossName): Objective {
  switch (name) {
    case 'cross-entropy':
      return (logits, labels) => crossEntropy(logits, labels);
    case 'mse':
      return (logits, labels) => mseLoss(softmax(logits, 1), labelRows(labels, logits.shape[1]));
    case 'bce':
      return (logits, labels) => binaryCrossEntropyWithLogits(logits, labelRows(labels, logits.shape[1]));
    default:
      throw new RangeError(`objective: unknown loss '${String(name)}'; expected one of ${LOSS_NAMES.join(', ')}`);
  }
}
