import { noGrad } from '../autograd/graph.js';
import { ReleasingScope } from '../backend/storage.js';
import { describeValue } from '../base/options.js';
import { DataLoader } from '../data/dataloader.js';
import type { TensorDataset } from '../data/dataset.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import { batchSurvivors } from './survivors.js';
import { classIndices, isClassification } from './labels.js';
import type { Objective } from './objective.js';

export interface Metrics {
  loss: number;
  /** null when the task is not a classification (see isClassification). */
  accuracy: number | null;
  /** confusion[label][prediction]: how many samples of each class were predicted as each class; empty when not a classification. */
  confusion: number[][];
  /**
   * Per sample, in dataset order: the predicted class (the largest output) and its softmax
   * probability, for a look at the mistakes without a second pass; empty when not a classification.
   */
  predictions: Int32Array;
  confidences: Float32Array;
}

/** Number of rows whose largest output is at the label (int32 indices, or the largest entry of one-hot rows). */
export function countCorrect(logits: Tensor, labels: Tensor): number {
  return logits.argmax(1).eq(classIndices(labels)).sum().item();
}

/**
 * Mean loss, accuracy and the confusion matrix over a whole dataset, in evaluation mode and without
 * recording gradients.
 */
export function evaluate(model: Module, dataset: TensorDataset, loss: Objective, batchSize = 1000): Metrics {
  if (typeof loss !== 'function') {
    throw new TypeError(`evaluate: loss must be a function (logits, labels) => loss, such as objective('cross-entropy'), got ${describeValue(loss)}`);
  }
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new RangeError(`evaluate: batchSize must be a positive integer, got ${describeValue(batchSize)}`);
  const wasTraining = model.training;
  model.eval();
  let totalLoss = 0;
  let confusion: number[][] = [];
  const predicted = new Int32Array(dataset.length);
  const confidences = new Float32Array(dataset.length);
  let seen = 0;
  noGrad(() => {
    const batches = new DataLoader(dataset, { batchSize })[Symbol.iterator]();
    const evaluateBatch = (): boolean => {
      const next = batches.next();
      if (next.done === true) return false;
      const [x, y] = next.value;
      const logits = model.forward(x);
      totalLoss += loss(logits, y).item() * y.shape[0];
      if (!isClassification(logits, y)) return true;
      const classes = logits.shape[1];
      if (confusion.length === 0) confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
      const predictions = logits.argmax(1).dataSync();
      const truth = classIndices(y).dataSync();
      const outputs = logits.dataSync();
      for (let i = 0; i < truth.length; i++) {
        confusion[truth[i]][predictions[i]]++;
        predicted[seen + i] = predictions[i];
        confidences[seen + i] = softmaxAt(outputs, i * classes, classes, predictions[i]);
      }
      seen += truth.length;
      return true;
    };
    // Each batch's temporaries are freed when it ends; the model's own tensors survive.
    const batchScope = new ReleasingScope(() => batchSurvivors(model));
    while (batchScope.run(evaluateBatch)) {
      /* next batch */
    }
  });
  model.train(wasTraining);
  const correct = confusion.reduce((sum, row, label) => sum + row[label], 0);
  const classifying = confusion.length > 0;
  return {
    loss: totalLoss / dataset.length,
    accuracy: classifying ? correct / dataset.length : null,
    confusion,
    predictions: classifying ? predicted : new Int32Array(0),
    confidences: classifying ? confidences : new Float32Array(0),
  };
}

/** The softmax probability of class `at` of the `classes` outputs that start at `offset`. */
function softmaxAt(outputs: ArrayLike<number>, offset: number, classes: number, at: number): number {
  let max = -Infinity;
  for (let j = 0; j < classes; j++) max = Math.max(max, outputs[offset + j]);
  let sum = 0;
  for (let j = 0; j < classes; j++) sum += Math.exp(outputs[offset + j] - max);
  return Math.exp(outputs[offset + at] - max) / sum;
}
