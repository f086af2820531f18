/** Binary cross-entropy, on probabilities and (stably) on logits. */
import { add, mul, sub } from '../../ops/arithmetic.js';
import { gt, where } from '../../ops/compare.js';
import { checkOptions } from '../../base/options.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkBroadcastWeight, checkReduction, type LossOptions, reduce, requireFloat, requireSameShape, targetLike } from './shared.js';

export interface BinaryCrossEntropyOptions extends LossOptions {
  /** Rescaling weight for each element's loss, broadcast to the input's shape. */
  weight?: Tensor;
}

export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** Weight of the positive term, broadcast to the input's shape (usually one per class, [C]). */
  posWeight?: Tensor;
}

const BCE_OPTIONS = ['reduction', 'weight'];
const BCE_WITH_LOGITS_OPTIONS = ['reduction', 'weight', 'posWeight'];

/**
 * max(log x, -100), with a gradient that stays finite: where x is 0 the log of a stand-in 1 is
 * taken and discarded, so the backward pass never forms 0 / 0. Below e^-100 the clamped function is
 * constant, and its gradient is 0 there.
 */
function clampedLog(x: Tensor): Tensor {
  const positive = gt(x, 0);
  const safe = where(positive, x, 1);
  return where(positive, safe.log().clamp(-100), -100);
}

/**
 * Binary cross-entropy on probabilities p in [0, 1]: -w [y log p + (1 - y) log(1 - p)]. Each log
 * is clamped to >= -100 as in PyTorch, so p of exactly 0 or 1 gives at most 100 per element, not
 * infinity. Prefer binaryCrossEntropyWithLogits, which is exact for any logit.
 */
export function binaryCrossEntropy(probs: Tensor, target: Tensor, options: BinaryCrossEntropyOptions = {}): Tensor {
  const op = 'binaryCrossEntropy';
  const { reduction = 'mean', weight } = checkOptions(options, BCE_OPTIONS, op);
  checkReduction(reduction, op);
  requireFloat(probs, op, 'input');
  requireSameShape(probs, target, op);
  const w = weight === undefined ? null : checkBroadcastWeight(weight, probs, op, 'weight');
  const values = probs.dataSync();
  for (let i = 0; i < values.length; i++) {
    const p = values[i];
    if (!(p >= 0 && p <= 1)) {
      throw new RangeError(`${op}: all input elements must be probabilities in [0, 1], found ${p} at position ${i} (for logits use binaryCrossEntropyWithLogits)`);
    }
  }
  const y = targetLike(target, probs);
  const positive = mul(y, clampedLog(probs));
  const negative = mul(sub(1, y), clampedLog(sub(1, probs)));
  let losses = sub(0, add(positive, negative)); // 0 - x rather than -x: a perfect prediction gives +0, not -0
  if (w !== null) losses = losses.mul(w);
  return reduce(losses, reduction);
}

/**
 * Binary cross-entropy of sigmoid(x) against y, computed stably from the logits x as
 * max(x, 0) - x y + log(1 + exp(-|x|)), which is finite for any x. max(x, 0) is written
 * (x + |x|) / 2 so that at x = 0 the gradient is the true sigmoid(0) - y = 1/2 - y (max and abs
 * alone would each take a one-sided derivative there). With posWeight pw the positive term is
 * weighted: (1 - y) x + (1 + (pw - 1) y) softplus(-x), softplus(-x) = (|x| - x) / 2 + log(1 + exp(-|x|)).
 * weight and posWeight must broadcast to the input's shape, as in PyTorch (which applies them in place).
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor, options: BinaryCrossEntropyWithLogitsOptions = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const { reduction = 'mean', weight, posWeight } = checkOptions(options, BCE_WITH_LOGITS_OPTIONS, op);
  checkReduction(reduction, op);
  requireFloat(logits, op, 'input');
  requireSameShape(logits, target, op);
  const w = weight === undefined ? null : checkBroadcastWeight(weight, logits, op, 'weight');
  const pw = posWeight === undefined ? null : checkBroadcastWeight(posWeight, logits, op, 'posWeight');
  const y = targetLike(target, logits);
  const absX = logits.abs();
  const logTerm = absX.neg().exp().log1p(); // log(1 + exp(-|x|)) in (0, log 2]
  let losses: Tensor;
  if (pw === null) {
    const relu = logits.add(absX).mul(0.5); // max(x, 0)
    losses = relu.sub(logits.mul(y)).add(logTerm);
  } else {
    const softplusNeg = absX.sub(logits).mul(0.5).add(logTerm); // log(1 + exp(-x))
    const coefficient = pw.sub(1).mul(y).add(1);
    losses = sub(1, y).mul(logits).add(coefficient.mul(softplusNeg));
  }
  if (w !== null) losses = losses.mul(w);
  return reduce(losses, reduction);
}
