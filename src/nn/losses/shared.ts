/**
 * What the losses share: the reduction of per-element losses and the checks of their arguments.
 * Shapes must match exactly: unlike PyTorch there is no silent broadcasting of input and target,
 * which would turn a [N] target against [N, 1] predictions into an [N, N] loss.
 */
import { REDUCTIONS, type Reduction } from '../../ops/nn.js';
import { isFloat } from '../../base/dtype.js';
import { checkChoice } from '../../base/options.js';
import { broadcastShapes, formatShape, ShapeError, shapesEqual } from '../../base/shape.js';
import { assertTensor, type Tensor } from '../../tensor/tensor.js';

export type { Reduction };

export interface LossOptions {
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

export const LOSS_OPTIONS = ['reduction'];

export function checkReduction(reduction: Reduction, op: string): void {
  checkChoice(reduction, REDUCTIONS, op, 'reduction');
}

/** 'mean' of an empty tensor is NaN (0 / 0), as in PyTorch. */
export function reduce(losses: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return losses;
  const total = losses.sum();
  return reduction === 'sum' ? total : total.div(losses.size);
}

export function requireFloat(t: Tensor, op: string, what: string): void {
  assertTensor(t, op, what);
  if (!isFloat(t.dtype)) throw new TypeError(`${op}: ${what} must be a float tensor, got ${t.dtype}`);
}

export function requireSameShape(input: Tensor, target: Tensor, op: string, inputName = 'input'): void {
  assertTensor(target, op, 'target');
  if (!shapesEqual(input.shape, target.shape)) {
    throw new ShapeError(
      `${op}: ${inputName} shape ${formatShape(input.shape)} and target shape ${formatShape(target.shape)} must be equal ` +
        '(losses do not broadcast; reshape one of them)',
    );
  }
}

/** The target in the input's float dtype; a float-to-float cast keeps the target's gradient. */
export function targetLike(target: Tensor, input: Tensor): Tensor {
  return target.dtype === input.dtype ? target : target.to(input.dtype);
}

/** A per-element weight must broadcast to exactly the input's shape (PyTorch applies it in place). */
export function checkBroadcastWeight(weight: Tensor, input: Tensor, op: string, what: string): Tensor {
  requireFloat(weight, op, what);
  let ok: boolean;
  try {
    ok = shapesEqual(broadcastShapes(weight.shape, input.shape, op), input.shape);
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new ShapeError(`${op}: ${what} of shape ${formatShape(weight.shape)} cannot be broadcast to the input shape ${formatShape(input.shape)}`);
  }
  return targetLike(weight, input);
}
