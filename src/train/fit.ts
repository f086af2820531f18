import { ReleasingScope } from '../backend/storage.js';
import { checkOptions, describeValue } from '../base/options.js';
import { DataLoader } from '../data/dataloader.js';
import type { TensorDataset } from '../data/dataset.js';
import type { Module } from '../nn/module.js';
import { clipGradNorm } from '../optim/clip.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { LRScheduler } from '../optim/schedules.js';
import { Tensor } from '../tensor/tensor.js';
import { run } from '../tensor/dispatch.js';
import { countCorrect, evaluate } from './evaluate.js';
import { isClassification } from './labels.js';
import { batchSurvivors } from './survivors.js';
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

const FIT_OPTIONS = ['loss', 'optimizer', 'train', 'validation', 'test', 'epochs', 'batchSize', 'seed', 'clipGradNorm', 'scheduler', 'onBatch', 'onEpoch'];

const LOWER_LR_HINT = "The learning rate is probably too high for this network and initialization; try a smaller one (the optimizer's lr option) or clip the gradients (clipGradNorm).";

export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';
}

/**
 * Mini-batch training with per-epoch evaluation; returns the history, one record per epoch. When a
 * batch ends, every storage it allocated is freed except the parameters, their gradients, the
 * tensors modules keep in their fields and the optimizer's state: a tensor that a callback or a
 * loss function keeps elsewhere across batches must be created before fit.
 * Stops with a TrainingDivergedError when the loss, a gradient or a parameter stops being finite.
 */
export function fit(model: Module, options: FitOptions): EpochRecord[] {
  const { loss, optimizer, train, validation, test, epochs, batchSize, seed = 0, clipGradNorm: maxNorm, scheduler, onBatch, onEpoch } = checkOptions(options, FIT_OPTIONS, 'fit');
  if (typeof loss !== 'function') {
    throw new TypeError(`fit: options.loss must be a function (logits, labels) => loss, such as objective('cross-entropy'), got ${describeValue(loss)}`);
  }
  if (optimizer === null || typeof optimizer !== 'object' || typeof optimizer.step !== 'function') {
    throw new TypeError(`fit: options.optimizer must be an optimizer, such as new SGD(model.parameters(), { lr: 0.1 }), got ${describeValue(optimizer)}`);
  }
  if (!Number.isInteger(epochs) || epochs <= 0) throw new RangeError(`fit: epochs must be a positive integer, got ${epochs}`);
  const loader = new DataLoader(train, { batchSize, shuffle: true, seed });
  const history: EpochRecord[] = [];
  const named = [...model.namedParameters()];
  // What outlives a batch; everything else a batch allocates is freed when it ends.
  const batchScope = new ReleasingScope(() => batchSurvivors(model, optimizer));
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    const lr = optimizer.paramGroups[0].lr;
    const start = performance.now();
    let totalLoss = 0;
    let correct = 0;
    let classifying = true;
    let samples = 0;
    let batch = 0;
    const batches = loader[Symbol.iterator]();
    const trainBatch = (): boolean => {
      const next = batches.next();
      if (next.done === true) return false;
      const [x, y] = next.value;
      optimizer.zeroGrad();
      const logits = model.forward(x);
      const batchLoss = loss(logits, y);
      const value = batchLoss.item();
      const where = `epoch ${epoch}, batch ${batch + 1}`;
      if (!Number.isFinite(value)) {
        throw new TrainingDivergedError(`training diverged in ${where}: the loss is ${value}. ${LOWER_LR_HINT}`);
      }
      batchLoss.backward();
      checkFinite(named, (p) => p.grad, 'the gradient of', where);
      if (maxNorm !== undefined) clipGradNorm(model.parameters(), maxNorm);
      optimizer.step();
      checkFinite(named, (p) => p, 'after the update, parameter', where);
      totalLoss += value * y.shape[0];
      if (isClassification(logits, y)) correct += countCorrect(logits, y);
      else classifying = false;
      samples += y.shape[0];
      batch++;
      return true;
    };
    while (batchScope.run(trainBatch)) {
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

/** A TrainingDivergedError naming the first parameter whose tensor (its gradient, or itself) holds a NaN or an infinity. */
function checkFinite(named: readonly [string, Tensor][], pick: (p: Tensor) => Tensor | null, what: string, where: string): void {
  for (const [name, p] of named) {
    const t = pick(p);
    if (t === null) continue;
    const flag = Tensor.empty([1], 'int32', t.backend);
    run({ op: 'allFinite' }, [t], [flag]);
    if (flag.item() === 0) {
      throw new TrainingDivergedError(`training diverged in ${where}: ${what} ${name} holds NaN or Infinity values. ${LOWER_LR_HINT}`);
    }
  }
}
