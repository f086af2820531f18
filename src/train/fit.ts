import { DataLoader } from '../data/dataloader.js';
import type { TensorDataset } from '../data/dataset.js';
import type { Module } from '../nn/module.js';
import { clipGradNorm } from '../optim/clip.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { LRScheduler } from '../optim/schedules.js';
import { countCorrect, evaluate } from './evaluate.js';
import { isClassification } from './labels.js';
import type { Objective } from './objective.js';

/** One line of training history; snake_case so that it is also the CLI's JSON-lines record. */
export interface EpochRecord {
  epoch: number;
  train_loss: number;
  train_acc: number | null;
  val_loss: number | null;
  val_acc: number | null;
  test_loss: number | null;
  test_acc: number | null;
  lr: number;
  samples_per_s: number;
  seconds: number;
}

export interface BatchProgress {
  epoch: number;
  batch: number;
  batches: number;
  /** Running means over the epoch so far; accuracy is null when the task is not a classification. */
  loss: number;
  accuracy: number | null;
  samples: number;
  seconds: number;
}

export interface FitOptions {
  loss: Objective;
  optimizer: Optimizer;
  train: TensorDataset;
  validation?: TensorDataset;
  test?: TensorDataset;
  epochs: number;
  batchSize: number;
  /** Seed of the shuffling order. */
  seed?: number;
  /** Rescale gradients to at most this global L2 norm before each step. */
  clipGradNorm?: number;
  /** Stepped once per epoch. */
  scheduler?: LRScheduler;
  onBatch?: (progress: BatchProgress) => void;
  onEpoch?: (record: EpochRecord) => void;
}

const LOWER_LR_HINT = 'The learning rate is probably too high for this network and initialization; try a smaller one (--lr).';

export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';
}

/** Mini-batch training with per-epoch evaluation; returns the history, one record per epoch. */
export function fit(model: Module, options: FitOptions): EpochRecord[] {
  const { loss, optimizer, train, validation, test, epochs, batchSize, seed = 0, clipGradNorm: maxNorm, scheduler, onBatch, onEpoch } = options;
  if (!Number.isInteger(epochs) || epochs <= 0) throw new RangeError(`fit: epochs must be a positive integer, got ${epochs}`);
  const loader = new DataLoader(train, { batchSize, shuffle: true, seed });
  const history: EpochRecord[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    const lr = optimizer.paramGroups[0].lr;
    const start = performance.now();
    let totalLoss = 0;
    let correct = 0;
    let classifying = true;
    let samples = 0;
    let batch = 0;
    for (const [x, y] of loader) {
      optimizer.zeroGrad();
      const logits = model.forward(x);
      const batchLoss = loss(logits, y);
      const value = batchLoss.item();
      if (!Number.isFinite(value)) {
        throw new TrainingDivergedError(
          `training diverged in epoch ${epoch}, batch ${batch + 1}: the loss is ${value}. ${LOWER_LR_HINT}`,
        );
      }
      batchLoss.backward();
      if (maxNorm !== undefined) clipGradNorm(model.parameters(), maxNorm);
      optimizer.step();
      totalLoss += value * y.shape[0];
      if (isClassification(logits, y)) correct += countCorrect(logits, y);
      else classifying = false;
      samples += y.shape[0];
      batch++;
      onBatch?.({ epoch, batch, batches: loader.length, loss: totalLoss / samples, accuracy: classifying ? correct / samples : null, samples, seconds: (performance.now() - start) / 1000 });
    }
    const trainSeconds = (performance.now() - start) / 1000;
    const val = validation && validation.length > 0 ? evaluate(model, validation, loss) : null;
    const tst = test ? evaluate(model, test, loss) : null;
    for (const [split, metrics] of [['validation', val], ['test', tst]] as const) {
      if (metrics !== null && !Number.isFinite(metrics.loss)) {
        throw new TrainingDivergedError(`training diverged in epoch ${epoch}: the ${split} loss is ${metrics.loss}. ${LOWER_LR_HINT}`);
      }
    }
    const record: EpochRecord = {
      epoch,
      train_loss: totalLoss / samples,
      train_acc: classifying ? correct / samples : null,
      val_loss: val?.loss ?? null,
      val_acc: val?.accuracy ?? null,
      test_loss: tst?.loss ?? null,
      test_acc: tst?.accuracy ?? null,
      lr,
      samples_per_s: samples / trainSeconds,
      seconds: (performance.now() - start) / 1000,
    };
    history.push(record);
    onEpoch?.(record);
    scheduler?.step();
  }
  return history;
}
