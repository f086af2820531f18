/** Losses on the difference of input and target: mseLoss, l1Loss, huberLoss, smoothL1Loss. */
import { checkOptions, describeValue } from '../../base/options.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkReduction, LOSS_OPTIONS, type LossOptions, type Reduction, reduce, requireFloat, requireSameShape, targetLike } from './shared.js';

export interface HuberLossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear; > 0, default 1. */
  delta?: number;
}

export interface SmoothL1LossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear; >= 0 (0 is l1Loss), default 1. */
  beta?: number;
}

const HUBER_OPTIONS = ['reduction', 'delta'];
const SMOOTH_L1_OPTIONS = ['reduction', 'beta'];

/** input - target, once the reduction and both tensors are checked. */
function difference(input: Tensor, target: Tensor, reduction: Reduction, op: string): Tensor {
  checkReduction(reduction, op);
  requireFloat(input, op, 'input');
  requireSameShape(input, target, op);
  return input.sub(targetLike(target, input));
}

function checkThreshold(value: unknown, op: string, name: string, allowZero: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (value === 0 && !allowZero)) {
    throw new RangeError(`${op}: ${name} must be a finite number ${allowZero ? '>= 0' : '> 0'}, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Huber's function of a = |d|: a² / 2 up to the threshold t, t (a - t / 2) beyond. Written as
 * m² / 2 + t (a - m) with m = min(a, t): its derivative is continuous at a = t, so how min splits
 * the gradient at a tie does not matter.
 */
function huber(absDiff: Tensor, threshold: number): Tensor {
  const m = absDiff.minimum(threshold);
  return m.square().mul(0.5).add(absDiff.sub(m).mul(threshold));
}

/** Mean squared error: (input - target)^2 per element. */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const { reduction = 'mean' } = checkOptions(options, LOSS_OPTIONS, 'mseLoss');
  return reduce(difference(input, target, reduction, 'mseLoss').square(), reduction);
}

/** Mean absolute error: |input - target| per element (gradient sign(d), 0 where d = 0, as in PyTorch). */
export function l1Loss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const { reduction = 'mean' } = checkOptions(options, LOSS_OPTIONS, 'l1Loss');
  return reduce(difference(input, target, reduction, 'l1Loss').abs(), reduction);
}

/** Huber loss: d² / 2 where |d| < delta, delta (|d| - delta / 2) elsewhere, for d = input - target. */
export function huberLoss(input: Tensor, target: Tensor, options: HuberLossOptions = {}): Tensor {
  const op = 'huberLoss';
  const { reduction = 'mean', delta = 1 } = checkOptions(options, HUBER_OPTIONS, op);
  checkThreshold(delta, op, 'delta', false);
  return reduce(huber(difference(input, target, reduction, op).abs(), delta), reduction);
}

/** Smooth L1 loss: d² / (2 beta) where |d| < beta, |d| - beta / 2 elsewhere; huberLoss / beta, and l1Loss for beta = 0. */
export function smoothL1Loss(input: Tensor, target: Tensor, options: SmoothL1LossOptions = {}): Tensor {
  const op = 'smoothL1Loss';
  const { reduction = 'mean', beta = 1 } = checkOptions(options, SMOOTH_L1_OPTIONS, op);
  checkThreshold(beta, op, 'beta', true);
  const absDiff = difference(input, target, reduction, op).abs();
  return reduce(beta === 0 ? absDiff : huber(absDiff, beta).div(beta), reduction);
}
