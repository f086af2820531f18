import { noGrad } from '../autograd/graph.js';
import { DataLoader } from '../data/dataloader.js';
import type { TensorDataset } from '../data/dataset.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Objective } from './objective.js';

export interface Metrics {
  loss: number;
  accuracy: number;
}

/** Number of rows whose largest output is at the label. */
export function countCorrect(logits: Tensor, labels: Tensor): number {
  return logits.argmax(1).eq(labels).sum().item();
}

/** Mean loss and accuracy over a whole dataset, in evaluation mode and without recording gradients. */
export function evaluate(model: Module, dataset: TensorDataset, loss: Objective, batchSize = 1000): Metrics {
  const wasTraining = model.training;
  model.eval();
  let totalLoss = 0;
  let correct = 0;
  noGrad(() => {
    for (const [x, y] of new DataLoader(dataset, { batchSize })) {
      const logits = model.forward(x);
      totalLoss += loss(logits, y).item() * y.shape[0];
      correct += countCorrect(logits, y);
    }
  });
  model.train(wasTraining);
  return { loss: totalLoss / dataset.length, accuracy: correct / dataset.length };
}
