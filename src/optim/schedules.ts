import { checkOptions } from '../base/options.js';
import { describe, Optimizer, type OptimizerOptions, type ParamState } from './optimizer.js';

/** Any optimizer, whatever its hyperparameters. */
export type AnyOptimizer = Optimizer<OptimizerOptions, ParamState>;

export interface LRSchedulerStateDict {
  lastEpoch: number;
  baseLrs: number[];
  lastLr: number[];
}

/**
 * The base of the learning-rate schedulers, following torch.optim.lr_scheduler.LRScheduler: it
 * remembers each group's base learning rate (the group's `initialLr`, set by the first scheduler
 * attached to the optimizer), sets the epoch-0 learning rate when created, and each step() moves
 * to the next epoch (or iteration) and writes `lrAt(epoch)` into the optimizer's groups.
 *
 * Learning rates come from a closed form of the epoch, so a scheduler overwrites learning rates set
 * by hand; call step() after optimizer.step(), as in PyTorch.
 */
export abstract class LRScheduler {
  readonly optimizer: AnyOptimizer;
  /** The learning rate of each group at epoch 0 of the schedule. */
  baseLrs: number[];
  /** The epoch of the learning rates now in the optimizer (0 after construction). */
  lastEpoch = -1;
  private lastLr: number[] = [];

  constructor(optimizer: AnyOptimizer) {
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${this.name}: expected an Optimizer, got ${describe(optimizer)}`);
    this.optimizer = optimizer;
    for (const group of optimizer.paramGroups) group.initialLr ??= group.lr;
    this.baseLrs = optimizer.paramGroups.map((group) => group.initialLr!);
  }

  /** The class name used in error messages (subclasses override it, so minified builds keep it). */
  protected get name(): string {
    return this.constructor.name;
  }

  /** The learning rate of each parameter group at `epoch` (0, 1, 2...): the closed form of the schedule. */
  abstract lrAt(epoch: number): number[];

  /** Advances one epoch (or iteration) and sets the optimizer's learning rates. */
  step(): void {
    const groups = this.optimizer.paramGroups;
    if (groups.length !== this.baseLrs.length) {
      throw new Error(`${this.name}: the optimizer has ${groups.length} parameter groups, but the scheduler was created for ${this.baseLrs.length}`);
    }
    const lrs = this.lrAt(this.lastEpoch + 1);
    this.lastEpoch += 1;
    groups.forEach((group, i) => (group.lr = lrs[i]));
    this.lastLr = lrs;
  }

  /** The learning rate of each group set by the last step (or by construction). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): LRSchedulerStateDict {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs], lastLr: [...this.lastLr] };
  }

  /**
   * Restores a stateDict() snapshot and writes its last learning rates into the optimizer's groups,
   * so the order of loading the optimizer and the scheduler does not matter.
   */
  loadStateDict(dict: LRSchedulerStateDict): void {
    const numbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number');
    if (dict === null || typeof dict !== 'object' || !Number.isInteger(dict.lastEpoch) || !numbers(dict.baseLrs) || !numbers(dict.lastLr)) {
      throw new TypeError(`${this.name}.loadStateDict: expected { lastEpoch, baseLrs, lastLr } as returned by stateDict()`);
    }
    const groups = this.optimizer.paramGroups;
    if (dict.baseLrs.length !== groups.length || dict.lastLr.length !== groups.length) {
      throw new Error(`${this.name}.loadStateDict: the state dict has ${dict.baseLrs.length} base learning rates, the optimizer has ${groups.length} parameter groups`);
    }
    this.lastEpoch = dict.lastEpoch;
    this.baseLrs = [...dict.baseLrs];
    this.lastLr = [...dict.lastLr];
    groups.forEach((group, i) => (group.lr = dict.lastLr[i]));
  }

  /** Sets the epoch-0 learning rates; each subclass calls it at the end of its constructor, once its settings exist. */
  protected initialStep(): void {
    this.step();
  }
}

export interface StepLROptions {
  /** Epochs between decays (a positive integer). */
  stepSize: number;
  /** Multiplicative factor of each decay (default 0.1). */
  gamma?: number;
}

/** lr = baseLr * gamma^floor(epoch / stepSize), as torch.optim.lr_scheduler.StepLR. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: AnyOptimizer, options: StepLROptions) {
    super(optimizer);
    const { stepSize, gamma = 0.1 } = checkOptions(options, ['stepSize', 'gamma'], 'StepLR');
    if (!Number.isInteger(stepSize) || stepSize <= 0) throw new RangeError(`StepLR: stepSize must be a positive integer, got ${describe(stepSize)}`);
    checkFactor(gamma, 'StepLR', 'gamma');
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.initialStep();
  }

  protected override get name(): string { return 'StepLR'; }

  override lrAt(epoch: number): number[] {
    const factor = Math.pow(this.gamma, Math.floor(epoch / this.stepSize));
    return this.baseLrs.map((base) => base * factor);
  }
}

export interface CosineAnnealingLROptions {
  /** Epochs of the half cosine from the base lr down to etaMin (> 0). */
  tMax: number;
  /** The minimum learning rate (default 0). */
  etaMin?: number;
}

/**
 * lr = etaMin + (baseLr - etaMin) * (1 + cos(pi * epoch / tMax)) / 2, the closed form of
 * torch.optim.lr_scheduler.CosineAnnealingLR (without restarts; past tMax the cosine goes on).
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: AnyOptimizer, options: CosineAnnealingLROptions) {
    super(optimizer);
    const { tMax, etaMin = 0 } = checkOptions(options, ['tMax', 'etaMin'], 'CosineAnnealingLR');
    if (typeof tMax !== 'number' || !(tMax > 0) || !Number.isFinite(tMax)) throw new RangeError(`CosineAnnealingLR: tMax must be a finite number > 0, got ${describe(tMax)}`);
    checkFactor(etaMin, 'CosineAnnealingLR', 'etaMin');
    this.tMax = tMax;
    this.etaMin = etaMin;
    this.initialStep();
  }

  protected override get name(): string { return 'CosineAnnealingLR'; }

  override lrAt(epoch: number): number[] {
    const cosine = (1 + Math.cos((Math.PI * epoch) / this.tMax)) / 2;
    return this.baseLrs.map((base) => this.etaMin + (base - this.etaMin) * cosine);
  }
}

export interface LinearWarmupOptions {
  /** Epochs (or iterations) to reach the base learning rate (a non-negative integer). */
  warmupSteps: number;
  /** Fraction of the base learning rate at epoch 0 (default 0), in [0, 1]. */
  startFactor?: number;
}

/**
 * Linear warm-up: lr = baseLr * (startFactor + (1 - startFactor) * min(epoch, warmupSteps) / warmupSteps),
 * which reaches the base learning rate at epoch warmupSteps and holds it (torch's LinearLR with
 * endFactor 1). Combine it with a decay through SequentialLR.
 */
export class LinearWarmup extends LRScheduler {
  readonly warmupSteps: number;
  readonly startFactor: number;

  constructor(optimizer: AnyOptimizer, options: LinearWarmupOptions) {
    super(optimizer);
    const { warmupSteps, startFactor = 0 } = checkOptions(options, ['warmupSteps', 'startFactor'], 'LinearWarmup');
    if (!Number.isInteger(warmupSteps) || warmupSteps < 0) throw new RangeError(`LinearWarmup: warmupSteps must be a non-negative integer, got ${describe(warmupSteps)}`);
    if (typeof startFactor !== 'number' || !(startFactor >= 0 && startFactor <= 1)) {
      throw new RangeError(`LinearWarmup: startFactor must be in [0, 1], got ${describe(startFactor)}`);
    }
    this.warmupSteps = warmupSteps;
    this.startFactor = startFactor;
    this.initialStep();
  }

  protected override get name(): string { return 'LinearWarmup'; }

  override lrAt(epoch: number): number[] {
    const progress = this.warmupSteps === 0 ? 1 : Math.min(epoch, this.warmupSteps) / this.warmupSteps;
    const factor = this.startFactor + (1 - this.startFactor) * progress;
    return this.baseLrs.map((base) => base * factor);
  }
}

export interface SequentialLROptions {
  /** The schedules to run one after the other, all attached to the same optimizer. */
  schedulers: readonly LRScheduler[];
  /** The epochs at which each next schedule starts (one fewer than the schedulers, increasing). */
  milestones: readonly number[];
}

/**
 * Runs `schedulers[i]` from `milestones[i - 1]` on, each restarted at its own epoch 0, as
 * torch.optim.lr_scheduler.SequentialLR; e.g. a LinearWarmup for 5 epochs then a cosine decay:
 *
 *     new SequentialLR(opt, { schedulers: [new LinearWarmup(opt, { warmupSteps: 5 }),
 *                                          new CosineAnnealingLR(opt, { tMax: 95 })], milestones: [5] })
 *
 * The child schedulers only provide the formulas: step the SequentialLR, not them.
 */
export class SequentialLR extends LRScheduler {
  readonly schedulers: readonly LRScheduler[];
  readonly milestones: readonly number[];

  constructor(optimizer: AnyOptimizer, options: SequentialLROptions) {
    super(optimizer);
    const { schedulers, milestones } = checkOptions(options, ['schedulers', 'milestones'], 'SequentialLR');
    if (!Array.isArray(schedulers) || schedulers.length === 0) throw new Error('SequentialLR: give at least one scheduler');
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new Error(`SequentialLR: expected ${schedulers.length - 1} milestones (one fewer than the ${schedulers.length} schedulers), got ${describe(milestones)}`);
    }
    milestones.forEach((m, i) => {
      if (!Number.isInteger(m) || m <= 0 || (i > 0 && m <= milestones[i - 1])) {
        throw new RangeError(`SequentialLR: milestones must be increasing positive integers, got ${describe(milestones)}`);
      }
    });
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) throw new TypeError(`SequentialLR: schedulers[${i}] is not a learning-rate scheduler`);
      if (s.optimizer !== optimizer) throw new Error(`SequentialLR: schedulers[${i}] is attached to a different optimizer`);
    });
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.initialStep();
  }

  protected override get name(): string { return 'SequentialLR'; }

  override lrAt(epoch: number): number[] {
    const index = this.milestones.filter((m) => m <= epoch).length;
    const start = index === 0 ? 0 : this.milestones[index - 1];
    return this.schedulers[index].lrAt(epoch - start);
  }
}

export interface LambdaLROptions {
  /** The factor of the base lr at each epoch, f(epoch); or one function per parameter group. */
  lrLambda: ((epoch: number) => number) | readonly ((epoch: number) => number)[];
}

/**
 * lr = baseLr * lrLambda(epoch), as torch.optim.lr_scheduler.LambdaLR; e.g. a warm-up over 5 epochs
 * with `{ lrLambda: (e) => Math.min(1, (e + 1) / 5) }`. The functions are not part of the state dict.
 */
export class LambdaLR extends LRScheduler {
  readonly lrLambdas: readonly ((epoch: number) => number)[];

  constructor(optimizer: AnyOptimizer, options: LambdaLROptions) {
    super(optimizer);
    const { lrLambda } = checkOptions(options, ['lrLambda'], 'LambdaLR');
    const groups = this.baseLrs.length;
    const lambdas = typeof lrLambda === 'function' ? Array.from({ length: groups }, () => lrLambda) : lrLambda;
    if (!Array.isArray(lambdas) || lambdas.some((f) => typeof f !== 'function')) {
      throw new TypeError(`LambdaLR: lrLambda must be a function of the epoch or an array of them (one per parameter group), got ${describe(lrLambda)}`);
    }
    if (lambdas.length !== groups) throw new Error(`LambdaLR: expected ${groups} lrLambda functions (one per parameter group), got ${lambdas.length}`);
    this.lrLambdas = [...lambdas];
    this.initialStep();
  }

  protected override get name(): string { return 'LambdaLR'; }

  override lrAt(epoch: number): number[] {
    return this.baseLrs.map((base, i) => {
      const factor = this.lrLambdas[i](epoch);
      if (typeof factor !== 'number' || !Number.isFinite(factor)) {
        throw new TypeError(`LambdaLR: lrLambda${this.lrLambdas.length > 1 ? `[${i}]` : ''}(${epoch}) returned ${describe(factor)}; it must return a finite number`);
      }
      return base * factor;
    });
  }
}

export interface ExponentialLROptions {
  /** Multiplicative factor per epoch. */
  gamma: number;
}

/** lr = baseLr * gamma^epoch, as torch.optim.lr_scheduler.ExponentialLR. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: AnyOptimizer, options: ExponentialLROptions) {
    super(optimizer);
    const { gamma } = checkOptions(options, ['gamma'], 'ExponentialLR');
    checkFactor(gamma, 'ExponentialLR', 'gamma');
    this.gamma = gamma;
    this.initialStep();
  }

  protected override get name(): string { return 'ExponentialLR'; }

  override lrAt(epoch: number): number[] {
    return this.baseLrs.map((base) => base * Math.pow(this.gamma, epoch));
  }
}

/** Throws unless `value` is a finite number >= 0; `what` names the option. */
export function checkFactor(value: unknown, owner: string, what: string): void {
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`${owner}: ${what} must be a finite number >= 0, got ${describe(value)}`);
  }
}
