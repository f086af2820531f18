import { isGradEnabled, record } from '../autograd/graph.js';
import type { Activation } from '../backend/kernels.js';
import { isFloat } from '../base/dtype.js';
import { checkChoice, checkOptions, describeValue } from '../base/options.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { formatShape, normalizeAxis, ShapeError, sizeOf } from '../base/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { backendOf, run } from '../tensor/dispatch.js';
import { activationBackward, leakyRelu } from './elementwise.js';
import { checkIndices, oneHot } from './indexing.js';
import { batchedMatmul } from './matmul.js';

export interface LinearActivation {
  /** 'none' (default), 'sigmoid', 'tanh', 'relu' or 'leakyRelu'. */
  activation?: Activation;
  /** Negative slope of leakyRelu (default 0.01). */
  alpha?: number;
}

/** The activations `linear` (and its fused kernel) can apply. */
export const LINEAR_ACTIVATIONS: readonly Activation[] = Object.freeze(['none', 'sigmoid', 'tanh', 'relu', 'leakyRelu']);
const LINEAR_OPTIONS = ['activation', 'alpha'];

/**
 * y = activation(x W^T + b) in one pass, for x of shape [..., inFeatures] and W of shape
 * [outFeatures, inFeatures] (PyTorch's layout). Backward: gz = g * f'(y), dW = gz^T x, db = sum gz,
 * dx = gz W; dx is skipped when x needs no gradient (the first layer).
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: LinearActivation = {}): Tensor {
  const { activation = 'none', alpha = 0.01 } = checkOptions(options, LINEAR_OPTIONS, 'linear');
  checkChoice(activation, LINEAR_ACTIVATIONS, 'linear', 'activation');
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new RangeError(`linear: alpha must be a finite number, got ${describeValue(alpha)}`);
  const [outFeatures, inFeatures] = weight.shape;
  if (weight.ndim !== 2) throw new ShapeError(`linear: weight must be 2-D [outFeatures, inFeatures], got ${formatShape(weight.shape)}`);
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inFeatures) {
    throw new ShapeError(`linear: input of shape ${formatShape(x.shape)} does not end in inFeatures = ${inFeatures} (weight is ${formatShape(weight.shape)})`);
  }
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== outFeatures)) {
    throw new ShapeError(`linear: bias must have shape [${outFeatures}], got ${formatShape(bias.shape)}`);
  }
  if (x.dtype !== weight.dtype || (bias !== null && bias.dtype !== weight.dtype)) {
    throw new TypeError(`linear: input, weight and bias must share one float dtype, got ${x.dtype}, ${weight.dtype}${bias ? `, ${bias.dtype}` : ''}`);
  }
  if (activation === 'leakyRelu' && alpha < 0) {
    // With a negative slope the sign of the output no longer tells which branch was taken.
    return leakyRelu(linear(x, weight, bias), alpha);
  }
  const rows = sizeOf(x.shape.slice(0, -1));
  const outShape = [...x.shape.slice(0, -1), outFeatures];
  const inputs = bias === null ? [x, weight] : [x, weight, bias];
  const out = Tensor.empty(outShape, weight.dtype, backendOf('linear', inputs));
  run({ op: 'linear', rows, inFeatures, outFeatures, activation, alpha, bias: bias !== null }, inputs, [out]);
  return record(out, activation === 'none' ? 'linear' : `linear+${activation}`, inputs, (g) => {
    const gz = activation === 'none' ? g : activationBackward(activation, g, out, alpha);
    if (isGradEnabled()) {
      // Under createGraph: recorded products, so that the gradients are differentiable in turn.
      const gz2 = gz.reshape([rows, outFeatures]);
      return [
        x.requiresGrad ? gz2.matmul(weight).reshape(x.shape) : null,
        weight.requiresGrad ? batchedMatmul(gz2, x.reshape([rows, inFeatures]), true, false) : null,
        bias?.requiresGrad ? gz2.sum(0) : null,
      ];
    }
    let gx: Tensor | null = null;
    if (x.requiresGrad) {
      gx = Tensor.empty(x.shape, x.dtype, gz.backend);
      run({ op: 'matmul', m: rows, n: inFeatures, k: outFeatures, transA: false, transB: false, accumulate: false }, [gz, weight], [gx]);
    }
    let gw: Tensor | null = null;
    if (weight.requiresGrad) {
      gw = Tensor.empty(weight.shape, weight.dtype, gz.backend);
      run({ op: 'matmul', m: outFeatures, n: inFeatures, k: rows, transA: true, transB: false, accumulate: false }, [gz, x], [gw]);
    }
    const gb = bias?.requiresGrad ? gz.reshape([rows, outFeatures]).sum(0) : null;
    return [gx, gw, gb];
  });
}

function softmaxLike(x: Tensor, axis: number, log: boolean): Tensor {
  if (!isFloat(x.dtype)) throw new TypeError(`${log ? 'logSoftmax' : 'softmax'}: expected a float tensor, got ${x.dtype}`);
  const a = normalizeAxis(axis, x.ndim, log ? 'logSoftmax' : 'softmax');
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const out = Tensor.empty(x.shape, x.dtype, x.backend);
  run({ op: 'softmax', outer, axisLength: x.shape[a] ?? 1, inner, log }, [x], [out]);
  return record(out, log ? 'logSoftmax' : 'softmax', [x], (g) => {
    if (log) return [g.sub(out.exp().mul(g.sum(a, true)))]; // d logsoftmax: g - softmax * sum(g)
    return [out.mul(g.sub(g.mul(out).sum(a, true)))]; // d softmax: y * (g - sum(g * y))
  });
}

export const softmax = (x: Tensor, axis = -1) => softmaxLike(x, axis, false);
export const logSoftmax = (x: Tensor, axis = -1) => softmaxLike(x, axis, true);

export type Reduction = 'mean' | 'sum' | 'none';

/** The accepted values of every loss's `reduction`. */
export const REDUCTIONS: readonly Reduction[] = Object.freeze(['mean', 'sum', 'none']);

/**
 * Cross-entropy of softmax(logits) against targets, from logits [N, C] and either int32 class
 * indices [N] or float target distributions [N, C] (one-hot or soft). Stable for any logits; the
 * gradient with respect to the logits is softmax * sum(Y) - Y per row (divided by N for 'mean'),
 * softmax - Y for class indices and for targets whose rows sum to 1.
 */
export function softmaxCrossEntropy(logits: Tensor, targets: Tensor, reduction: Reduction = 'mean'): Tensor {
  checkChoice(reduction, REDUCTIONS, 'softmaxCrossEntropy', 'reduction');
  if (logits.ndim !== 2) throw new ShapeError(`crossEntropy: logits must be [batch, classes], got ${formatShape(logits.shape)}`);
  if (!isFloat(logits.dtype)) throw new TypeError(`crossEntropy: logits must be float, got ${logits.dtype}`);
  const [rows, classes] = logits.shape;
  if (targets.dtype === 'int32') {
    if (targets.ndim !== 1 || targets.shape[0] !== rows) {
      throw new ShapeError(`crossEntropy: class-index targets must have shape [${rows}], got ${formatShape(targets.shape)}`);
    }
    checkIndices(targets, classes, 'crossEntropy', 'target class');
  } else if (targets.ndim !== 2 || targets.shape[0] !== rows || targets.shape[1] !== classes) {
    throw new ShapeError(`crossEntropy: probability targets must have the logits' shape ${formatShape(logits.shape)}, got ${formatShape(targets.shape)}`);
  }
  const target = targets.dtype === 'int32' || targets.dtype === logits.dtype ? targets : targets.to(logits.dtype);
  const backend = backendOf('crossEntropy', [logits, target]);
  const probs = Tensor.empty(logits.shape, logits.dtype, backend);
  const losses = Tensor.empty([rows], logits.dtype, backend);
  const targetKind = target.dtype === 'int32' ? 'indices' : 'probabilities';
  run({ op: 'softmaxCrossEntropy', rows, classes, targets: targetKind }, [logits, target], [probs, losses]);
  const out = reduction === 'none' ? losses : reduction === 'sum' ? losses.sum() : losses.sum().div(rows);
  return record(out, 'softmaxCrossEntropy', [logits, target], (g) => {
    // Under createGraph the probabilities are recomputed by a recorded softmax, so that P - Y depends on the logits.
    const p = isGradEnabled() ? softmax(logits, 1) : probs;
    const diff = target.dtype === 'int32' ? p.sub(oneHot(target, classes).to(logits.dtype)) : p.mul(target.sum(1, true)).sub(target);
    const scale = reduction === 'none' ? g.reshape([rows, 1]) : reduction === 'sum' ? g : g.div(rows);
    const gLogits = diff.mul(scale);
    // d/dY of -sum(Y log P) is -log P, for soft targets that require a gradient.
    const gTarget = target.requiresGrad ? logSoftmax(logits, 1).neg().mul(scale) : null;
    return [gLogits, gTarget];
  });
}

export interface DropoutOptions {
  /** Dropout is the identity unless training (as PyTorch's F.dropout with training=False). */
  training?: boolean;
  generator?: Generator;
}

const DROPOUT_OPTIONS = ['training', 'generator'];

/**
 * Zeroes each element with probability p and scales the survivors by 1 / (1 - p) (inverted
 * dropout), so the expected value is unchanged and evaluation needs no rescaling.
 */
export function dropout(x: Tensor, p = 0.5, options: DropoutOptions = {}): Tensor {
  const { training = true, generator = defaultGenerator } = checkOptions(options, DROPOUT_OPTIONS, 'dropout');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout: probability p must be in [0, 1], got ${p}`);
  if (typeof training !== 'boolean') throw new TypeError(`dropout: training must be a boolean, got ${describeValue(training)}`);
  if (!training || p === 0) return x;
  if (!isFloat(x.dtype)) throw new TypeError(`dropout: expected a float tensor, got ${x.dtype}`);
  const mask = Tensor.empty(x.shape, x.dtype, x.backend);
  // One draw from the generator seeds a counter-based mask: any backend draws the same mask for it.
  const seed = [generator.nextUint32(), generator.nextUint32()] as const;
  if (p < 1) run({ op: 'dropoutMask', p, scale: 1 / (1 - p), seed }, [], [mask]);
  return x.mul(mask);
}
