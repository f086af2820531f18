/**
 * Loss functions with PyTorch's semantics (torch.nn.functional), composed from tensor ops so their
 * gradients come from autodiff; crossEntropy delegates to the fused, stable softmaxCrossEntropy op.
 * Each takes `reduction`: 'mean' (default) averages the per-element losses, 'sum' adds them and
 * 'none' returns them unreduced. Shapes must match exactly: unlike PyTorch there is no silent
 * broadcasting, which would turn a [N] target against [N, 1] predictions into an [N, N] loss.
 */
import { add, mul, sub } from '../ops/arithmetic.js';
import { gt, where } from '../ops/compare.js';
import { gather, checkIndices, oneHot } from '../ops/indexing.js';
import { REDUCTIONS, softmaxCrossEntropy, type Reduction } from '../ops/nn.js';
import { isFloat } from '../base/dtype.js';
import { checkChoice, checkOptions } from '../base/options.js';
import { broadcastShapes, formatShape, ShapeError, shapesEqual } from '../base/shape.js';
import { assertTensor, type Tensor } from '../tensor/tensor.js';

export type { Reduction };

/** Loss names accepted by the CLI. */
export type LossName = 'mse' | 'bce' | 'cross-entropy';

export const LOSS_NAMES: readonly LossName[] = Object.freeze(['mse', 'bce', 'cross-entropy']);

export interface LossOptions {
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

export interface BinaryCrossEntropyOptions extends LossOptions {
  /** Rescaling weight for each element's loss, broadcast to the input's shape. */
  weight?: Tensor;
}

export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** Weight of the positive term, broadcast to the input's shape (usually one per class, [C]). */
  posWeight?: Tensor;
}

export interface CrossEntropyOptions extends LossOptions {
  /** ε in [0, 1]: targets become (1 - ε) y + ε / C. Default 0. */
  labelSmoothing?: number;
}

const LOSS_OPTIONS = ['reduction'];
const BCE_OPTIONS = ['reduction', 'weight'];
const BCE_WITH_LOGITS_OPTIONS = ['reduction', 'weight', 'posWeight'];
const CROSS_ENTROPY_OPTIONS = ['reduction', 'labelSmoothing'];

function checkReduction(reduction: Reduction, op: string): void {
  checkChoice(reduction, REDUCTIONS, op, 'reduction');
}

/** 'mean' of an empty tensor is NaN (0 / 0), as in PyTorch. */
function reduce(losses: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return losses;
  const total = losses.sum();
  return reduction === 'sum' ? total : total.div(losses.size);
}

function requireFloat(t: Tensor, op: string, what: string): void {
  assertTensor(t, op, what);
  if (!isFloat(t.dtype)) throw new TypeError(`${op}: ${what} must be a float tensor, got ${t.dtype}`);
}

function requireSameShape(input: Tensor, target: Tensor, op: string, inputName = 'input'): void {
  assertTensor(target, op, 'target');
  if (!shapesEqual(input.shape, target.shape)) {
    throw new ShapeError(
      `${op}: ${inputName} shape ${formatShape(input.shape)} and target shape ${formatShape(target.shape)} must be equal ` +
        '(losses do not broadcast; reshape one of them)',
    );
  }
}

/** The target in the input's float dtype; a float-to-float cast keeps the target's gradient. */
function targetLike(target: Tensor, input: Tensor): Tensor {
  return target.dtype === input.dtype ? target : target.to(input.dtype);
}

/** A per-element weight must broadcast to exactly the input's shape. */
function checkWeight(weight: Tensor, input: Tensor, op: string, what: string): Tensor {
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

/** Mean squared error: (input - target)^2 per element. */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const { reduction = 'mean' } = checkOptions(options, LOSS_OPTIONS, 'mseLoss');
  checkReduction(reduction, 'mseLoss');
  requireFloat(input, 'mseLoss', 'input');
  requireSameShape(input, target, 'mseLoss');
  return reduce(input.sub(targetLike(target, input)).square(), reduction);
}

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
  const w = weight === undefined ? null : checkWeight(weight, probs, op, 'weight');
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
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor, options: BinaryCrossEntropyWithLogitsOptions = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const { reduction = 'mean', weight, posWeight } = checkOptions(options, BCE_WITH_LOGITS_OPTIONS, op);
  checkReduction(reduction, op);
  requireFloat(logits, op, 'input');
  requireSameShape(logits, target, op);
  const w = weight === undefined ? null : checkWeight(weight, logits, op, 'weight');
  const pw = posWeight === undefined ? null : checkWeight(posWeight, logits, op, 'posWeight');
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

/**
 * Cross-entropy of softmax(logits) for logits [N, C] against int32 class indices [N] or float
 * target distributions [N, C] (one-hot or soft), via the fused softmaxCrossEntropy op (stable for
 * any logits; gradient softmax - Y). With label smoothing ε the targets become (1 - ε) y + ε / C.
 */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  const { reduction = 'mean', labelSmoothing = 0 } = checkOptions(options, CROSS_ENTROPY_OPTIONS, op);
  checkReduction(reduction, op);
  if (typeof labelSmoothing !== 'number' || !(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new RangeError(`${op}: labelSmoothing must be a number in [0, 1], got ${String(labelSmoothing)}`);
  }
  requireFloat(logits, op, 'logits');
  assertTensor(target, op, 'target');
  if (logits.ndim !== 2) throw new ShapeError(`${op}: logits must be 2-D [batch, classes], got ${formatShape(logits.shape)}`);
  const [rows, classes] = logits.shape;
  if (target.dtype === 'int32') {
    if (target.ndim !== 1 || target.shape[0] !== rows) {
      throw new ShapeError(`${op}: class-index target must have shape [${rows}] for logits ${formatShape(logits.shape)}, got ${formatShape(target.shape)}`);
    }
    checkIndices(target, classes, op, 'target class');
  } else if (target.ndim === 1 && target.shape[0] === rows) {
    throw new TypeError(`${op}: class-index targets must be int32, got ${target.dtype} of shape ${formatShape(target.shape)} (create them with { dtype: 'int32' })`);
  } else if (!shapesEqual(target.shape, logits.shape)) {
    throw new ShapeError(`${op}: probability target must have the logits' shape ${formatShape(logits.shape)}, got ${formatShape(target.shape)}`);
  }
  if (labelSmoothing === 0) return softmaxCrossEntropy(logits, target, reduction);
  const dense = target.dtype === 'int32' ? oneHot(target, classes).to(logits.dtype) : targetLike(target, logits);
  const smoothed = dense.mul(1 - labelSmoothing).add(labelSmoothing / classes);
  return softmaxCrossEntropy(logits, smoothed, reduction);
}

/** Negative log-likelihood: -logProbs[n, target[n]] for log-probabilities [N, C] (e.g. from logSoftmax) and int32 classes [N]. */
export function nllLoss(logProbs: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const op = 'nllLoss';
  const { reduction = 'mean' } = checkOptions(options, LOSS_OPTIONS, op);
  checkReduction(reduction, op);
  requireFloat(logProbs, op, 'input');
  assertTensor(target, op, 'target');
  if (logProbs.ndim !== 2) throw new ShapeError(`${op}: input must be 2-D [batch, classes] log-probabilities, got ${formatShape(logProbs.shape)}`);
  if (target.dtype !== 'int32') throw new TypeError(`${op}: target must be int32 class indices, got ${target.dtype}`);
  const [rows, classes] = logProbs.shape;
  if (target.ndim !== 1 || target.shape[0] !== rows) {
    throw new ShapeError(`${op}: target must have shape [${rows}] for input ${formatShape(logProbs.shape)}, got ${formatShape(target.shape)}`);
  }
  checkIndices(target, classes, op, 'target class');
  const picked = gather(logProbs, 1, target.reshape([rows, 1])).reshape([rows]);
  return reduce(picked.neg(), reduction);
}
