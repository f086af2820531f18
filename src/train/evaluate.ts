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
      for (let i = 0; i < truth.length; i++) confusion[truth[i]][predictions[i]]++;
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
  return { loss: totalLoss / dataset.length, accuracy: confusion.length === 0 ? null : correct / dataset.length, confusion };
}
