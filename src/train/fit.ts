import { ReleasingScope } from '../backend/storage.js';
import { checkOptions, describeValue } from '../base/options.js';
import { DataLoader } from '../data/dataloader.js';
import type { TensorDataset } from '../data/dataset.js';
import type { Module } from '../nn/module.js';
import { clipGradNorm } from '../optim/clip.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { LRScheduler } from '../optim/schedules.js';
import { Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { run } from '../tensor/dispatch.js';
import { countCorrect, evaluate, type Metrics } from './evaluate.js';
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
  /** This batch alone: its mean loss, its samples and how many of them were classified right (null when not a classification). */
  batchLoss: number;
  batchSamples: number;
  batchCorrect: number | null;
  /** The learning rate of this batch's step. */
  lr: number;
  /** The global L2 norm of the gradients before any clipping. */
  gradNorm: number;
  /** Each parameter's squared gradient norm before any clipping, in model.namedParameters() order (they sum to gradNorm squared). */
  gradSquares: readonly number[];
}

/** The evaluations behind an epoch's record, for a closer look (the confusion matrix, each sample's prediction). */
export interface EpochEvaluation {
  validation: Metrics | null;
  test: Metrics | null;
}

export interface FitOptions {
  loss: Objective;
  optimizer: Optimizer;
  train: TensorDataset;
  validation?: TensorDataset;
  test?: TensorDataset;
  epochs: number;
  batchSize: number;
  /** Seed of the shuffling order, when no `generator` is given. */
  seed?: number;
  /** The generator of the shuffling order (default: new Generator(seed)); keep it to save and restore its state. */
  generator?: Generator;
  /** Epochs already done, when resuming a run: trains epochs initialEpoch + 1 to `epochs` (Keras's initial_epoch). */
  initialEpoch?: number;
  /** When aborted, training stops after the current batch; the history holds the epochs completed. */
  signal?: AbortSignal;
  /** Rescale gradients to at most this global L2 norm before each step. */
  clipGradNorm?: number;
  /** Stepped once per epoch, before onEpoch (so a checkpoint saved there resumes with the next epoch's rate). */
  scheduler?: LRScheduler;
  /** Called after every batch's step (the gradient norms cost one reduction per parameter, only when onBatch is given). */
  onBatch?: (progress: BatchProgress) => void;
  /** Called after every epoch with its record and the validation and test metrics behind it. */
  onEpoch?: (record: EpochRecord, evaluation: EpochEvaluation) => void;
}

const FIT_OPTIONS = ['loss', 'optimizer', 'train', 'validation', 'test', 'epochs', 'batchSize', 'seed', 'generator', 'initialEpoch', 'signal', 'clipGradNorm', 'scheduler', 'onBatch', 'onEpoch'];

/** How long fitAsync computes before it lets the event loop run (signals, timers, a page's rendering). */
const YIELD_EVERY_MS = 50;

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
  const steps = trainingSteps(model, options);
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
  }
}

/**
 * fit that lets the event loop run between batches (every 50 ms or so), so that a signal handler can
 * abort `options.signal` (Ctrl-C on the command line) and a page stays responsive.
 */
export async function fitAsync(model: Module, options: FitOptions): Promise<EpochRecord[]> {
  const steps = trainingSteps(model, options);
  let lastYield = performance.now();
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
    if (performance.now() - lastYield >= YIELD_EVERY_MS) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      lastYield = performance.now();
    }
  }
}

/** The training loop, pausing after every batch. */
function* trainingSteps(model: Module, options: FitOptions): Iterator<void, EpochRecord[], undefined> {
  const { loss, optimizer, train, validation, test, epochs, batchSize, seed = 0, generator, initialEpoch = 0, signal, clipGradNorm: maxNorm, scheduler, onBatch, onEpoch } = checkOptions(options, FIT_OPTIONS, 'fit');
  if (typeof loss !== 'function') {
    throw new TypeError(`fit: options.loss must be a function (logits, labels) => loss, such as objective('cross-entropy'), got ${describeValue(loss)}`);
  }
  if (optimizer === null || typeof optimizer !== 'object' || typeof optimizer.step !== 'function') {
    throw new TypeError(`fit: options.optimizer must be an optimizer, such as new SGD(model.parameters(), { lr: 0.1 }), got ${describeValue(optimizer)}`);
  }
  if (!Number.isInteger(epochs) || epochs <= 0) throw new RangeError(`fit: epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0 || initialEpoch >= epochs) {
    throw new RangeError(`fit: initialEpoch must be an integer in [0, epochs) = [0, ${epochs}), the epochs already done, got ${describeValue(initialEpoch)}`);
  }
  if (generator !== undefined && !(generator instanceof Generator)) throw new TypeError(`fit: options.generator must be a Generator, got ${describeValue(generator)}`);
  if (generator !== undefined && options.seed !== undefined) throw new Error('fit: give either seed or generator, not both');
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`fit: options.signal must be an AbortSignal, got ${describeValue(signal)}`);
  // A function, so that TypeScript does not assume the signal unchanged since the last look.
  const aborted = () => signal?.aborted === true;
  const loader = new DataLoader(train, { batchSize, shuffle: true, generator: generator ?? new Generator(seed) });
  const history: EpochRecord[] = [];
  const named = [...model.namedParameters()];
  // What outlives a batch; everything else a batch allocates is freed when it ends.
  const batchScope = new ReleasingScope(() => batchSurvivors(model, optimizer));
  for (let epoch = initialEpoch + 1; epoch <= epochs; epoch++) {
    if (aborted()) return history;
    model.train();
    const lr = optimizer.paramGroups[0].lr;
    const start = performance.now();
    let totalLoss = 0;
    let correct = 0;
    let classifying = true;
    let samples = 0;
    let batch = 0;
    let lastLoss = 0;
    let batchSamples = 0;
    let batchCorrect: number | null = null;
    let batchLr = lr;
    let gradSquares: number[] = [];
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
      if (onBatch !== undefined) gradSquares = squaredNorms(named);
      if (maxNorm !== undefined) clipGradNorm(model.parameters(), maxNorm);
      batchLr = optimizer.paramGroups[0].lr;
      optimizer.step();
      checkFinite(named, (p) => p, 'after the update, parameter', where);
      lastLoss = value;
      batchSamples = y.shape[0];
      batchCorrect = isClassification(logits, y) ? countCorrect(logits, y) : null;
      totalLoss += value * batchSamples;
      if (batchCorrect !== null) correct += batchCorrect;
      else classifying = false;
      samples += batchSamples;
      batch++;
      return true;
    };
    while (batchScope.run(trainBatch)) {
      onBatch?.({
        epoch,
        batch,
        batches: loader.length,
        loss: totalLoss / samples,
        accuracy: classifying ? correct / samples : null,
        samples,
        seconds: (performance.now() - start) / 1000,
        batchLoss: lastLoss,
        batchSamples,
        batchCorrect,
        lr: batchLr,
        gradNorm: Math.sqrt(gradSquares.reduce((sum, s) => sum + s, 0)),
        gradSquares,
      });
      if (aborted() && batch < loader.length) return history;
      yield;
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
    scheduler?.step();
    onEpoch?.(record, { validation: val, test: tst });
  }
  return history;
}

/** Each parameter's squared gradient norm (0 for one without a gradient). */
function squaredNorms(named: readonly [string, Tensor][]): number[] {
  return named.map(([, p]) => (p.grad === null ? 0 : p.grad.square().sum().item()));
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
