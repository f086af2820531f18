import { checkChoice, checkOptions } from '../base/options.js';
import { Tensor } from '../tensor/tensor.js';
import { describe, Optimizer } from './optimizer.js';
import type { AnyOptimizer } from './schedules.js';

export interface ReduceLROnPlateauOptions {
  /** 'min': the metric should fall (a loss); 'max': it should rise (an accuracy) (default 'min'). */
  mode?: 'min' | 'max';
  /** Each reduction multiplies the learning rate by this, in [0, 1) (default 0.1). */
  factor?: number;
  /** Epochs without improvement that are tolerated; the next one reduces the rate (default 10). */
  patience?: number;
  /** How much better than the best a metric must be to count as an improvement (default 1e-4). */
  threshold?: number;
  /** 'rel': better than best * (1 -/+ threshold); 'abs': better than best -/+ threshold (default 'rel'). */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs after a reduction during which bad epochs are not counted (default 0). */
  cooldown?: number;
  /** The lower bound of the learning rate, for every group or one per group (default 0). */
  minLr?: number | readonly number[];
  /** A reduction smaller than this is not made (default 1e-8). */
  eps?: number;
}

const OPTIONS = ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps'];

/** What changes as the scheduler runs; the settings come from the constructor. */
export interface ReduceLROnPlateauStateDict {
  lastEpoch: number;
  best: number;
  numBadEpochs: number;
  cooldownCounter: number;
  lastLr: number[];
}

/**
 * Lowers the learning rate when a metric stops improving, exactly as
 * torch.optim.lr_scheduler.ReduceLROnPlateau: call step(metric) once per epoch (after evaluating);
 * once more than `patience` epochs in a row have not improved on the best metric, every group's
 * learning rate is multiplied by `factor` (down to its minLr), and counting restarts after
 * `cooldown` epochs. A NaN metric never improves.
 */
export class ReduceLROnPlateau {
  readonly optimizer: AnyOptimizer;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLrs: readonly number[];
  readonly eps: number;
  /** The best metric so far (Infinity, or -Infinity in 'max' mode, before the first step). */
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  /** The number of step() calls so far. */
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: AnyOptimizer, options: ReduceLROnPlateauOptions = {}) {
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`ReduceLROnPlateau: expected an Optimizer, got ${describe(optimizer)}`);
    const { mode = 'min', factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = 'rel', cooldown = 0, minLr = 0, eps = 1e-8 } =
      checkOptions(options, OPTIONS, 'ReduceLROnPlateau');
    this.optimizer = optimizer;
    this.mode = checkChoice(mode, ['min', 'max'] as const, 'ReduceLROnPlateau', 'mode');
    this.thresholdMode = checkChoice(thresholdMode, ['rel', 'abs'] as const, 'ReduceLROnPlateau', 'thresholdMode');
    if (typeof factor !== 'number' || !(factor >= 0 && factor < 1)) throw new RangeError(`ReduceLROnPlateau: factor must be a number in [0, 1), got ${describe(factor)}`);
    for (const [what, value] of [['patience', patience], ['cooldown', cooldown]] as const) {
      if (!Number.isInteger(value) || value < 0) throw new RangeError(`ReduceLROnPlateau: ${what} must be a non-negative integer, got ${describe(value)}`);
    }
    for (const [what, value] of [['threshold', threshold], ['eps', eps]] as const) nonNegative(value, what);
    const groups = optimizer.paramGroups.length;
    const minLrs = typeof minLr === 'number' ? Array.from({ length: groups }, () => minLr) : minLr;
    if (!Array.isArray(minLrs) || minLrs.length !== groups) {
      throw new Error(`ReduceLROnPlateau: minLr must be a number or an array of ${groups} numbers (one per parameter group), got ${describe(minLr)}`);
    }
    minLrs.forEach((value) => nonNegative(value, 'minLr'));
    this.factor = factor;
    this.patience = patience;
    this.threshold = threshold;
    this.cooldown = cooldown;
    this.minLrs = [...minLrs];
    this.eps = eps;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.lastLr = optimizer.paramGroups.map((group) => group.lr);
  }

  /** Records this epoch's metric (a number or a one-element tensor) and lowers the learning rates if it has stalled. */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : metric;
    if (typeof current !== 'number') throw new TypeError(`ReduceLROnPlateau.step: the metric must be a number or a one-element Tensor, got ${describe(metric)}`);
    this.lastEpoch += 1;
    if (this.isBetter(current)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.reduce();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((group) => group.lr);
  }

  /** The learning rate of each group after the last step (or at construction). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): ReduceLROnPlateauStateDict {
    return { lastEpoch: this.lastEpoch, best: this.best, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter, lastLr: [...this.lastLr] };
  }

  /** Restores a stateDict() snapshot and writes its learning rates into the optimizer's groups. */
  loadStateDict(dict: ReduceLROnPlateauStateDict): void {
    const counts = dict !== null && typeof dict === 'object' && [dict.lastEpoch, dict.numBadEpochs, dict.cooldownCounter].every((n) => Number.isInteger(n) && n >= 0);
    if (!counts || typeof dict.best !== 'number' || !Array.isArray(dict.lastLr) || !dict.lastLr.every((lr) => typeof lr === 'number')) {
      throw new TypeError('ReduceLROnPlateau.loadStateDict: expected { lastEpoch, best, numBadEpochs, cooldownCounter, lastLr } as returned by stateDict()');
    }
    const groups = this.optimizer.paramGroups;
    if (dict.lastLr.length !== groups.length) {
      throw new Error(`ReduceLROnPlateau.loadStateDict: the state dict has ${dict.lastLr.length} learning rates, the optimizer has ${groups.length} parameter groups`);
    }
    this.lastEpoch = dict.lastEpoch;
    this.best = dict.best;
    this.numBadEpochs = dict.numBadEpochs;
    this.cooldownCounter = dict.cooldownCounter;
    this.lastLr = [...dict.lastLr];
    groups.forEach((group, i) => (group.lr = dict.lastLr[i]));
  }

  private isBetter(current: number): boolean {
    const { best, threshold } = this;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? current < best * (1 - threshold) : current < best - threshold;
    return this.thresholdMode === 'rel' ? current > best * (threshold + 1) : current > best + threshold;
  }

  private reduce(): void {
    const groups = this.optimizer.paramGroups;
    if (groups.length !== this.minLrs.length) {
      throw new Error(`ReduceLROnPlateau: the optimizer has ${groups.length} parameter groups, but the scheduler was created for ${this.minLrs.length}`);
    }
    groups.forEach((group, i) => {
      const lr = Math.max(group.lr * this.factor, this.minLrs[i]);
      if (group.lr - lr > this.eps) group.lr = lr;
    });
  }
}

function nonNegative(value: unknown, what: string): void {
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) throw new RangeError(`ReduceLROnPlateau: ${what} must be a finite number >= 0, got ${describe(value)}`);
}
