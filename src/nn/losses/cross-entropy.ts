/**
 * crossEntropy and nllLoss over class scores laid out as in PyTorch: [C] (one sample, with a 0-d
 * target), [N, C], or [N, C, d1, ...] (a score per class at every position, such as each pixel),
 * the classes along dim 1. The targets are int32 class indices of the input's shape without the
 * class dim, or, for crossEntropy, float class probabilities of the input's shape.
 */
import { gather, oneHot } from '../../ops/indexing.js';
import { where } from '../../ops/compare.js';
import { logSoftmax, softmaxCrossEntropy } from '../../ops/nn.js';
import { permute } from '../../ops/shape.js';
import { checkOptions, describeValue } from '../../base/options.js';
import { formatShape, ShapeError, shapesEqual, sizeOf } from '../../base/shape.js';
import { assertTensor, Tensor } from '../../tensor/tensor.js';
import { checkReduction, type LossOptions, type Reduction, reduce, requireFloat, targetLike } from './shared.js';

export interface NllLossOptions extends LossOptions {
  /** A weight per class, [C]: each loss is scaled by its target's weight, and 'mean' divides by the sum of those weights. */
  weight?: Tensor;
  /** Targets equal to this class index add nothing to the loss or to the mean's denominator; default -100. */
  ignoreIndex?: number;
}

export interface CrossEntropyOptions extends NllLossOptions {
  /** ε in [0, 1]: the target becomes (1 - ε) y + ε / C. Default 0. */
  labelSmoothing?: number;
}

const NLL_OPTIONS = ['reduction', 'weight', 'ignoreIndex'];
const CROSS_ENTROPY_OPTIONS = ['reduction', 'weight', 'ignoreIndex', 'labelSmoothing'];

/** The input's classes and the shape of its per-element losses (the input's shape without the class dim). */
interface ClassLayout {
  classes: number;
  lossShape: number[];
}

function classLayout(input: Tensor, op: string, name: string): ClassLayout {
  if (input.ndim === 0) throw new ShapeError(`${op}: ${name} must have shape [C], [N, C] or [N, C, d1, ...], got a 0-d tensor`);
  if (input.ndim === 1) return { classes: input.shape[0], lossShape: [] };
  return { classes: input.shape[1], lossShape: [input.shape[0], ...input.shape.slice(2)] };
}

/** [M, C]: one row of class values per sample and position (the classes moved to the last dim). */
function classRows(t: Tensor, layout: ClassLayout): Tensor {
  if (t.ndim === 2) return t;
  if (t.ndim === 1) return t.reshape([1, layout.classes]);
  const classesLast = [0, ...Array.from({ length: t.ndim - 2 }, (_, i) => i + 2), 1];
  return permute(t, classesLast).reshape([sizeOf(layout.lossShape), layout.classes]);
}

/** Per-row losses [M] back in the layout's loss shape, for reduction 'none'. */
function toLossShape(losses: Tensor, layout: ClassLayout): Tensor {
  return shapesEqual(losses.shape, layout.lossShape) ? losses : losses.reshape(layout.lossShape);
}

function checkClassWeight(weight: Tensor, input: Tensor, layout: ClassLayout, op: string, name: string): Tensor {
  requireFloat(weight, op, 'weight');
  if (weight.ndim !== 1 || weight.shape[0] !== layout.classes) {
    throw new ShapeError(`${op}: weight must have shape [${layout.classes}], one per class of ${name} ${formatShape(input.shape)}, got ${formatShape(weight.shape)}`);
  }
  return targetLike(weight, input);
}

function checkIgnoreIndex(ignoreIndex: unknown, op: string): void {
  if (!Number.isInteger(ignoreIndex)) throw new TypeError(`${op}: ignoreIndex must be an integer, got ${describeValue(ignoreIndex)}`);
}

function checkIndexTargetShape(target: Tensor, input: Tensor, layout: ClassLayout, op: string, name: string): void {
  if (!shapesEqual(target.shape, layout.lossShape)) {
    const scalar = layout.lossShape.length === 0 ? ' (0-d: one sample takes a single class index)' : '';
    throw new ShapeError(`${op}: class-index target must have shape ${formatShape(layout.lossShape)}${scalar} for ${name} ${formatShape(input.shape)}, got ${formatShape(target.shape)}`);
  }
}

/** The targets read once from the device: in range or ignored, with ignored ones replaced by class 0 in `safe`. */
interface ClassTargets {
  safe: Int32Array;
  kept: Int32Array;
  ignored: number;
}

function readTargets(target: Tensor, classes: number, ignoreIndex: number, op: string): ClassTargets {
  const values = target.dataSync();
  const safe = new Int32Array(values.length);
  const kept = new Int32Array(values.length);
  let ignored = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === ignoreIndex) {
      ignored++;
    } else if (v < 0 || v >= classes) {
      throw new RangeError(`${op}: target class ${v} at position ${i} is out of range [0, ${classes}) and is not ignoreIndex (${ignoreIndex})`);
    } else {
      safe[i] = v;
      kept[i] = 1;
    }
  }
  return { safe, kept, ignored };
}

/**
 * PyTorch's weighted, ignoring, smoothed negative log-likelihood on log-probability rows [M, C]:
 * per row (1 - ε) w[y] (-log p[y]) + (ε / C) sum_c w[c] (-log p[c]), 0 for an ignored target;
 * 'mean' divides the sum by that of w[y] over the targets not ignored (their count without weights).
 */
function classIndexLoss(logProbs: Tensor, targets: ClassTargets, weight: Tensor | null, labelSmoothing: number, reduction: Reduction, layout: ClassLayout): Tensor {
  const rows = logProbs.shape[0];
  const index = Tensor.fromValues(targets.safe, [rows], 'int32', logProbs.backend);
  const picked = gather(logProbs, 1, index.reshape([rows, 1])).reshape([rows]);
  const targetWeight = weight === null ? null : gather(weight, 0, index);
  let losses = targetWeight === null ? picked.neg() : picked.mul(targetWeight).neg();
  if (labelSmoothing > 0) {
    const uniform = (weight === null ? logProbs : logProbs.mul(weight)).sum(1).neg();
    losses = losses.mul(1 - labelSmoothing).add(uniform.mul(labelSmoothing / layout.classes));
  }
  const kept = targets.ignored === 0 ? null : Tensor.fromValues(targets.kept, [rows], 'int32', logProbs.backend);
  if (kept !== null) losses = where(kept, losses, 0);
  if (reduction === 'none') return toLossShape(losses, layout);
  const total = losses.sum();
  if (reduction === 'sum') return total;
  if (targetWeight === null) return total.div(rows - targets.ignored);
  return total.div((kept === null ? targetWeight : where(kept, targetWeight, 0)).sum());
}

/**
 * -sum_c w[c] t[c] log p[c] per position, with t smoothed to (1 - ε) t + ε / C; 'mean' divides by
 * the number of positions (not by the weights), as PyTorch does for probability targets.
 */
function probabilityTargetLoss(logits: Tensor, target: Tensor, weight: Tensor | null, labelSmoothing: number, reduction: Reduction, layout: ClassLayout): Tensor {
  let probs = classRows(targetLike(target, logits), layout);
  if (labelSmoothing > 0) probs = probs.mul(1 - labelSmoothing).add(labelSmoothing / layout.classes);
  const rows = classRows(logits, layout);
  if (weight === null) {
    const loss = softmaxCrossEntropy(rows, probs, reduction);
    return reduction === 'none' ? toLossShape(loss, layout) : loss;
  }
  const losses = logSoftmax(rows, 1).mul(probs).mul(weight).sum(1).neg();
  return reduction === 'none' ? toLossShape(losses, layout) : reduce(losses, reduction);
}

/**
 * Cross-entropy of softmax(logits) against class indices or class probabilities (see the file's
 * comment for the shapes), with PyTorch's class weights, ignoreIndex and label smoothing. Stable
 * for any logits. Without weights or ignored targets it runs the fused softmaxCrossEntropy kernel
 * (gradient softmax - Y); with them it is composed from logSoftmax and gather, whose gradients
 * reach the weight too (PyTorch does not differentiate the weight of class-index targets).
 */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  const { reduction = 'mean', weight, ignoreIndex = -100, labelSmoothing = 0 } = checkOptions(options, CROSS_ENTROPY_OPTIONS, op);
  checkReduction(reduction, op);
  checkIgnoreIndex(ignoreIndex, op);
  if (typeof labelSmoothing !== 'number' || !(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new RangeError(`${op}: labelSmoothing must be a number in [0, 1], got ${describeValue(labelSmoothing)}`);
  }
  requireFloat(logits, op, 'logits');
  assertTensor(target, op, 'target');
  const layout = classLayout(logits, op, 'logits');
  const classWeight = weight === undefined ? null : checkClassWeight(weight, logits, layout, op, 'logits');
  if (target.dtype !== 'int32') {
    if (shapesEqual(target.shape, layout.lossShape)) {
      throw new TypeError(`${op}: class-index targets must be int32, got ${target.dtype} of shape ${formatShape(target.shape)} (create them with { dtype: 'int32' })`);
    }
    if (!shapesEqual(target.shape, logits.shape)) {
      throw new ShapeError(`${op}: probability target must have the logits' shape ${formatShape(logits.shape)}, got ${formatShape(target.shape)}`);
    }
    if (ignoreIndex >= 0) throw new RangeError(`${op}: ignoreIndex (${ignoreIndex}) applies to class-index targets only, not to probability targets`);
    return probabilityTargetLoss(logits, target, classWeight, labelSmoothing, reduction, layout);
  }
  checkIndexTargetShape(target, logits, layout, op, 'logits');
  const targets = readTargets(target, layout.classes, ignoreIndex, op);
  const rows = classRows(logits, layout);
  if (classWeight !== null || targets.ignored > 0) {
    return classIndexLoss(logSoftmax(rows, 1), targets, classWeight, labelSmoothing, reduction, layout);
  }
  // The training hot path: the fused kernel, with smoothing as the equivalent dense target.
  const indices = target.ndim === 1 ? target : target.reshape([rows.shape[0]]);
  const dense = labelSmoothing === 0 ? indices : oneHot(indices, layout.classes).to(logits.dtype).mul(1 - labelSmoothing).add(labelSmoothing / layout.classes);
  const loss = softmaxCrossEntropy(rows, dense, reduction);
  return reduction === 'none' ? toLossShape(loss, layout) : loss;
}

/**
 * Negative log-likelihood: -w[y] logProbs[y] for log-probabilities (e.g. from logSoftmax, in any of
 * the file comment's layouts) and int32 class indices, with PyTorch's weight and ignoreIndex.
 */
export function nllLoss(logProbs: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const op = 'nllLoss';
  const { reduction = 'mean', weight, ignoreIndex = -100 } = checkOptions(options, NLL_OPTIONS, op);
  checkReduction(reduction, op);
  checkIgnoreIndex(ignoreIndex, op);
  requireFloat(logProbs, op, 'input');
  assertTensor(target, op, 'target');
  const layout = classLayout(logProbs, op, 'input');
  if (target.dtype !== 'int32') throw new TypeError(`${op}: target must be int32 class indices, got ${target.dtype}`);
  checkIndexTargetShape(target, logProbs, layout, op, 'input');
  const classWeight = weight === undefined ? null : checkClassWeight(weight, logProbs, layout, op, 'input');
  const targets = readTargets(target, layout.classes, ignoreIndex, op);
  return classIndexLoss(classRows(logProbs, layout), targets, classWeight, 0, reduction, layout);
}
