import { noGrad } from '../autograd/graph.js';
import { ReleasingScope } from '../backend/storage.js';
import { checkOptions, describeValue } from '../base/options.js';
import type { Module } from '../nn/module.js';
import { clipGradNorm } from '../optim/clip.js';
import { Optimizer } from '../optim/optimizer.js';
import { Tensor } from '../tensor/tensor.js';
import { batchSurvivors } from './survivors.js';

export interface LrFinderOptions {
  /** The learning rate of the first batch (default 1e-7). */
  startLr?: number;
  /** The learning rate of the last batch (default 10). */
  endLr?: number;
  /** Batches in the sweep (default 100); the data is iterated again when it runs out. */
  numIter?: number;
  /** Weight of the past in the smoothed loss, an exponential moving average with bias correction, in [0, 1) (default 0.98). */
  smoothing?: number;
  /** Stop once the smoothed loss exceeds this multiple of the best one so far (default 4). */
  divergeThreshold?: number;
  /** Points left out at the start of the curve when looking for the steepest descent (default numIter / 10, rounded down). */
  skipStart?: number;
  /** Points left out at the end of the curve when looking for the steepest descent (default 5). */
  skipEnd?: number;
  /** Rescale the gradients to at most this global L2 norm before each step, as fit does (default: no clipping). */
  clipGradNorm?: number;
}

const OPTIONS = ['startLr', 'endLr', 'numIter', 'smoothing', 'divergeThreshold', 'skipStart', 'skipEnd', 'clipGradNorm'];

export interface LrFinderResult {
  /** The learning rate of each batch of the sweep. */
  lrs: number[];
  /** Each batch's loss. */
  losses: number[];
  /** The smoothed loss after each batch: the curve to read. */
  smoothedLosses: number[];
  /**
   * The rate where the smoothed loss falls fastest against log(lr) (between skipStart and skipEnd),
   * the point fastai calls "steep"; null when fewer than two points are left to compare.
   */
  suggestedLr: number | null;
  /** The rate of the lowest smoothed loss; training at a tenth of it is fastai's other rule of thumb. */
  minLossLr: number;
  /** Whether the sweep stopped before numIter batches because the loss diverged. */
  diverged: boolean;
}

/**
 * Leslie Smith's learning-rate range test, as fastai runs it: trains on one batch after another
 * while the learning rate of every parameter group grows exponentially from startLr to endLr,
 * lr_i = startLr * (endLr / startLr)^(i / (numIter - 1)), records the loss and its smoothed curve,
 * and stops early once the smoothed loss is more than divergeThreshold times the best so far (or
 * not finite). Afterwards the model's parameters and buffers, its train/eval modes and the
 * optimizer's state and hyperparameters are restored as they were, and the gradients cleared, so
 * training can start from the same point with the rate it suggests.
 *
 * `data` yields [input, target] batches (a DataLoader does); `lossFn(output, target)` gives a scalar.
 * As in fit, the tensors a batch allocates are freed when it ends.
 */
export function lrFinder(
  model: Module,
  optimizer: Optimizer,
  data: Iterable<readonly Tensor[]>,
  lossFn: (output: Tensor, target: Tensor) => Tensor,
  options: LrFinderOptions = {},
): LrFinderResult {
  const { startLr = 1e-7, endLr = 10, numIter = 100, smoothing = 0.98, divergeThreshold = 4, skipStart = Math.floor(numIter / 10), skipEnd = 5, clipGradNorm: maxNorm } =
    checkOptions(options, OPTIONS, 'lrFinder');
  if (model === null || typeof model !== 'object' || typeof model.forward !== 'function') throw new TypeError(`lrFinder: model must be a Module, got ${describeValue(model)}`);
  if (!(optimizer instanceof Optimizer)) throw new TypeError(`lrFinder: optimizer must be an Optimizer, such as new SGD(model.parameters(), { lr: 0.1 }), got ${describeValue(optimizer)}`);
  if (data === null || typeof (data as Partial<Iterable<unknown>>)?.[Symbol.iterator] !== 'function') {
    throw new TypeError(`lrFinder: data must be an iterable of [input, target] batches, such as a DataLoader, got ${describeValue(data)}`);
  }
  if (typeof lossFn !== 'function') throw new TypeError(`lrFinder: lossFn must be a function (output, target) => loss, got ${describeValue(lossFn)}`);
  for (const [what, value] of [['startLr', startLr], ['endLr', endLr], ['divergeThreshold', divergeThreshold], ['clipGradNorm', maxNorm ?? 1]] as const) {
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new RangeError(`lrFinder: ${what} must be a finite number > 0, got ${describeValue(value)}`);
  }
  if (!(endLr > startLr)) throw new RangeError(`lrFinder: endLr (${endLr}) must be larger than startLr (${startLr})`);
  if (!Number.isInteger(numIter) || numIter < 2) throw new RangeError(`lrFinder: numIter must be an integer >= 2, got ${describeValue(numIter)}`);
  if (typeof smoothing !== 'number' || !(smoothing >= 0 && smoothing < 1)) throw new RangeError(`lrFinder: smoothing must be a number in [0, 1), got ${describeValue(smoothing)}`);
  for (const [what, value] of [['skipStart', skipStart], ['skipEnd', skipEnd]] as const) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`lrFinder: ${what} must be a non-negative integer, got ${describeValue(value)}`);
  }

  const modelState = noGrad(() => Object.entries(model.stateDict()).map(([name, t]) => [name, t.clone()] as const));
  const optimizerState = optimizer.stateDict();
  const modes = [...model.modules()].map((m) => [m, m.training] as const);
  const lrs: number[] = [];
  const losses: number[] = [];
  const smoothedLosses: number[] = [];
  let diverged = false;
  try {
    model.train();
    const batches = cycle(data);
    const batchScope = new ReleasingScope(() => batchSurvivors(model, optimizer));
    let average = 0;
    let best = Infinity;
    for (let i = 0; i < numIter && !diverged; i++) {
      const lr = startLr * Math.pow(endLr / startLr, i / (numIter - 1));
      const loss = batchScope.run(() => trainBatch(model, optimizer, batches.next(), lossFn, lr, maxNorm, i));
      average = smoothing * average + (1 - smoothing) * loss;
      const smoothed = average / (1 - Math.pow(smoothing, i + 1));
      lrs.push(lr);
      losses.push(loss);
      smoothedLosses.push(smoothed);
      best = Math.min(best, smoothed);
      diverged = !Number.isFinite(smoothed) || smoothed > divergeThreshold * best;
    }
  } finally {
    model.loadStateDict(Object.fromEntries(modelState));
    optimizer.loadStateDict(optimizerState);
    optimizer.zeroGrad();
    for (const [m, training] of modes) m.training = training;
  }
  const lowest = smoothedLosses.reduce((at, loss, i) => (loss < smoothedLosses[at] ? i : at), 0);
  return { lrs, losses, smoothedLosses, suggestedLr: steepestDescent(lrs, smoothedLosses, skipStart, skipEnd), minLossLr: lrs[lowest], diverged };
}

/** One optimizer step at `lr`; returns the batch's loss. */
function trainBatch(
  model: Module, optimizer: Optimizer, next: IteratorResult<readonly Tensor[]>, lossFn: (output: Tensor, target: Tensor) => Tensor, lr: number, maxNorm: number | undefined, i: number,
): number {
  const batch = next.value;
  if (!Array.isArray(batch) || batch.length < 2 || !(batch[0] instanceof Tensor) || !(batch[1] instanceof Tensor)) {
    throw new TypeError(`lrFinder: batch ${i} must be [input, target] tensors, got ${describeValue(batch)}`);
  }
  for (const group of optimizer.paramGroups) group.lr = lr;
  optimizer.zeroGrad();
  const loss = lossFn(model.forward(batch[0]), batch[1]);
  if (!(loss instanceof Tensor) || loss.size !== 1) throw new TypeError(`lrFinder: lossFn must return a one-element Tensor, got ${describeValue(loss)}`);
  const value = loss.item();
  loss.backward();
  if (maxNorm !== undefined) clipGradNorm(model.parameters(), maxNorm);
  optimizer.step();
  return value;
}

/** The batches of `data`, starting over whenever it runs out. */
function* cycle(data: Iterable<readonly Tensor[]>): Generator<readonly Tensor[], never> {
  for (;;) {
    let empty = true;
    for (const batch of data) {
      empty = false;
      yield batch;
    }
    if (empty) throw new Error('lrFinder: data yielded no batches');
  }
}

/**
 * The rate at the most negative slope d(loss)/d(log lr) between consecutive points, without the
 * first `skipStart` and the last `skipEnd` points (the noisy start and the diverging end).
 */
function steepestDescent(lrs: readonly number[], losses: readonly number[], skipStart: number, skipEnd: number): number | null {
  const end = lrs.length - skipEnd;
  let steepest: number | null = null;
  let at: number | null = null;
  for (let i = skipStart; i + 1 < end; i++) {
    const slope = (losses[i + 1] - losses[i]) / (Math.log(lrs[i + 1]) - Math.log(lrs[i]));
    if (!Number.isFinite(slope)) continue;
    if (steepest === null || slope < steepest) {
      steepest = slope;
      at = i;
    }
  }
  return at === null ? null : lrs[at];
}
