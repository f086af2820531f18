import { checkChoice, checkOptions } from '../base/options.js';
import { describe } from './optimizer.js';
import { type AnyOptimizer, checkFactor, type LRSchedulerStateDict, LRScheduler } from './schedules.js';

export interface OneCycleLROptions {
  /** The peak learning rate, for every parameter group or one per group. */
  maxLr: number | readonly number[];
  /** Steps (batches) in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent raising the learning rate (default 0.3). */
  pctStart?: number;
  /** Cosine or linear interpolation between the phases' end points (default 'cos'). */
  annealStrategy?: 'cos' | 'linear';
  /** Move the momentum (SGD's and RMSprop's momentum, Adam's beta1) inversely to the learning rate (default true). */
  cycleMomentum?: boolean;
  /** The momentum at the learning-rate peak (default 0.85), for every group or one per group. */
  baseMomentum?: number | readonly number[];
  /** The momentum at the start and end of the cycle (default 0.95), for every group or one per group. */
  maxMomentum?: number | readonly number[];
  /** The starting learning rate is maxLr / divFactor (default 25). */
  divFactor?: number;
  /** The final learning rate is maxLr / divFactor / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /**
   * Three phases (up to maxLr, back down to the starting rate symmetrically, then down to the final
   * rate) instead of two (up, then down to the final rate) (default false).
   */
  threePhase?: boolean;
}

const OPTIONS = ['maxLr', 'totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart', 'annealStrategy', 'cycleMomentum', 'baseMomentum', 'maxMomentum', 'divFactor', 'finalDivFactor', 'threePhase'];

type LrPoint = 'initial' | 'max' | 'min';
type MomentumPoint = 'max' | 'base';

/** One phase of the cycle: it ends at step `end` (inclusive) and interpolates from its start values to its end values. */
interface Phase {
  end: number;
  lr: readonly [LrPoint, LrPoint];
  momentum: readonly [MomentumPoint, MomentumPoint];
}

/**
 * Leslie Smith's 1cycle policy, exactly as torch.optim.lr_scheduler.OneCycleLR: stepped once per
 * batch, the learning rate rises from maxLr / divFactor to maxLr over the first pctStart of the
 * steps, then falls to maxLr / divFactor / finalDivFactor, while the momentum goes the other way
 * between maxMomentum and baseMomentum. Like PyTorch it sets each group's initialLr to the starting
 * rate, and the schedule ends after totalSteps steps: one more step() is an error.
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  readonly annealStrategy: 'cos' | 'linear';
  readonly cycleMomentum: boolean;
  private readonly phases: readonly Phase[];
  private readonly lrs: Record<LrPoint, readonly number[]>;
  private readonly momenta: Record<MomentumPoint, readonly number[]>;
  /** Whether the momentum lives in each group's betas[0] (Adam) rather than its momentum (SGD, RMSprop). */
  private readonly useBeta1: boolean;

  constructor(optimizer: AnyOptimizer, options: OneCycleLROptions) {
    super(optimizer);
    const {
      maxLr, totalSteps, epochs, stepsPerEpoch, pctStart = 0.3, annealStrategy = 'cos', cycleMomentum = true,
      baseMomentum = 0.85, maxMomentum = 0.95, divFactor = 25, finalDivFactor = 1e4, threePhase = false,
    } = checkOptions(options, OPTIONS, 'OneCycleLR');
    this.totalSteps = stepCount(totalSteps, epochs, stepsPerEpoch);
    if (typeof pctStart !== 'number' || !(pctStart >= 0 && pctStart <= 1)) throw new RangeError(`OneCycleLR: pctStart must be a number in [0, 1], got ${describe(pctStart)}`);
    this.annealStrategy = checkChoice(annealStrategy, ['cos', 'linear'] as const, 'OneCycleLR', 'annealStrategy');
    for (const [what, value] of [['divFactor', divFactor], ['finalDivFactor', finalDivFactor]] as const) {
      if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new RangeError(`OneCycleLR: ${what} must be a finite number > 0, got ${describe(value)}`);
    }
    for (const [what, value] of [['cycleMomentum', cycleMomentum], ['threePhase', threePhase]] as const) {
      if (typeof value !== 'boolean') throw new TypeError(`OneCycleLR: ${what} must be a boolean, got ${describe(value)}`);
    }
    const groups = optimizer.paramGroups;
    const max = perGroup(maxLr, groups.length, 'maxLr');
    const initial = max.map((lr) => lr / divFactor);
    this.lrs = { initial, max, min: initial.map((lr) => lr / finalDivFactor) };
    groups.forEach((group, i) => (group.initialLr = initial[i]));
    this.baseLrs = [...initial];

    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = 'betas' in optimizer.defaults;
    if (cycleMomentum && !this.useBeta1 && !('momentum' in optimizer.defaults)) {
      throw new Error(`OneCycleLR: cycleMomentum needs an optimizer with a momentum or betas option (SGD, RMSprop, Adam, AdamW), and this one has neither; pass cycleMomentum: false`);
    }
    this.momenta = { base: perGroup(baseMomentum, groups.length, 'baseMomentum'), max: perGroup(maxMomentum, groups.length, 'maxMomentum') };

    const rise = pctStart * this.totalSteps - 1;
    this.phases = threePhase
      ? [
        { end: rise, lr: ['initial', 'max'], momentum: ['max', 'base'] },
        { end: 2 * pctStart * this.totalSteps - 2, lr: ['max', 'initial'], momentum: ['base', 'max'] },
        { end: this.totalSteps - 1, lr: ['initial', 'min'], momentum: ['max', 'max'] },
      ]
      : [
        { end: rise, lr: ['initial', 'max'], momentum: ['max', 'base'] },
        { end: this.totalSteps - 1, lr: ['max', 'min'], momentum: ['base', 'max'] },
      ];
    this.initialStep();
  }

  protected override get name(): string { return 'OneCycleLR'; }

  override lrAt(epoch: number): number[] {
    const { phase, pct } = this.phaseAt(epoch);
    const [from, to] = phase.lr;
    return this.baseLrs.map((_, i) => this.anneal(this.lrs[from][i], this.lrs[to][i], pct));
  }

  /** The momentum (or beta1) of each parameter group at `epoch`. */
  momentumAt(epoch: number): number[] {
    const { phase, pct } = this.phaseAt(epoch);
    const [from, to] = phase.momentum;
    return this.baseLrs.map((_, i) => this.anneal(this.momenta[from][i], this.momenta[to][i], pct));
  }

  override step(): void {
    super.step();
    this.setMomentum();
  }

  override loadStateDict(dict: LRSchedulerStateDict): void {
    super.loadStateDict(dict);
    this.setMomentum();
  }

  private setMomentum(): void {
    if (!this.cycleMomentum) return;
    const momenta = this.momentumAt(this.lastEpoch);
    this.optimizer.paramGroups.forEach((group, i) => {
      const options = group as unknown as { betas: readonly number[]; momentum: number };
      if (this.useBeta1) options.betas = [momenta[i], ...options.betas.slice(1)];
      else options.momentum = momenta[i];
    });
  }

  /** The phase `step` falls in (the last one for any step past its start) and how far into it, 0 to 1. */
  private phaseAt(step: number): { phase: Phase; pct: number } {
    if (step > this.totalSteps) {
      throw new RangeError(`OneCycleLR: step ${step} is past the end of the cycle, which has ${this.totalSteps} steps (totalSteps, or epochs * stepsPerEpoch)`);
    }
    let i = 0;
    let start = 0;
    while (i < this.phases.length - 1 && step > this.phases[i].end) start = this.phases[i++].end;
    const phase = this.phases[i];
    return { phase, pct: (step - start) / (phase.end - start) };
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }
}

function stepCount(totalSteps: unknown, epochs: unknown, stepsPerEpoch: unknown): number {
  const positive = (value: unknown, what: string): number => {
    if (!Number.isInteger(value) || (value as number) <= 0) throw new RangeError(`OneCycleLR: ${what} must be a positive integer, got ${describe(value)}`);
    return value as number;
  };
  if (totalSteps !== undefined) {
    if (epochs !== undefined || stepsPerEpoch !== undefined) throw new Error('OneCycleLR: give either totalSteps or epochs and stepsPerEpoch, not both');
    return positive(totalSteps, 'totalSteps');
  }
  if (epochs === undefined || stepsPerEpoch === undefined) throw new Error('OneCycleLR: give either totalSteps or both epochs and stepsPerEpoch');
  return positive(epochs, 'epochs') * positive(stepsPerEpoch, 'stepsPerEpoch');
}

/** A value for each of `groups` parameter groups, from one number or an array of them. */
function perGroup(value: number | readonly number[], groups: number, what: string): number[] {
  const values = typeof value === 'number' ? Array.from({ length: groups }, () => value) : value;
  if (!Array.isArray(values) || values.length !== groups) {
    throw new Error(`OneCycleLR: ${what} must be a number or an array of ${groups} numbers (one per parameter group), got ${describe(value)}`);
  }
  values.forEach((v) => checkFactor(v, 'OneCycleLR', what));
  return [...values];
}
