import { noGrad } from '../autograd/graph.js';
import { isFloat } from '../base/dtype.js';
import { checkOptions, describeValue } from '../base/options.js';
import { formatShape, ShapeError, stridesOf } from '../base/shape.js';
import { run } from '../tensor/dispatch.js';
import { assertTensor, Tensor } from '../tensor/tensor.js';
import { copyKernel } from './shape.js';

export interface BatchNormOptions {
  /** Normalize by the batch's statistics and update the running ones (default false, as in PyTorch's F.batch_norm). */
  training?: boolean;
  /** Weight of the batch statistic in the running average: running = (1 - momentum) * running + momentum * batch (default 0.1). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

const BATCH_NORM_OPTIONS = ['training', 'momentum', 'eps'];

/**
 * Batch normalization of [N, C, ...] over every axis but the channels (axis 1), as PyTorch's
 * F.batch_norm: y = (x - mean) / sqrt(var + eps) * weight + bias, per channel. In training the
 * mean and the biased variance are the batch's, and the running statistics (when given) are
 * updated in place, the variance with Bessel's correction as in PyTorch; otherwise the running
 * statistics are used. Composed of differentiable ops, so gradients reach input, weight and bias.
 */
export function batchNorm(
  input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null,
  weight: Tensor | null = null, bias: Tensor | null = null, options: BatchNormOptions = {},
): Tensor {
  const { training = false, momentum = 0.1, eps = 1e-5 } = checkOptions(options, BATCH_NORM_OPTIONS, 'batchNorm');
  if (typeof training !== 'boolean') throw new TypeError(`batchNorm: training must be a boolean, got ${describeValue(training)}`);
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) throw new RangeError(`batchNorm: momentum must be a number in [0, 1], got ${describeValue(momentum)}`);
  if (typeof eps !== 'number' || !(eps >= 0 && eps < Infinity)) throw new RangeError(`batchNorm: eps must be a finite number >= 0, got ${describeValue(eps)}`);
  assertTensor(input, 'batchNorm', 'input');
  if (input.ndim < 2) throw new ShapeError(`batchNorm: input must be [N, C, ...] (at least 2-D), got ${formatShape(input.shape)}`);
  if (!isFloat(input.dtype)) throw new TypeError(`batchNorm: input must be float32 or float64, got ${input.dtype}`);
  const channels = input.shape[1];
  const perChannel: [string, Tensor | null][] = [['runningMean', runningMean], ['runningVar', runningVar], ['weight', weight], ['bias', bias]];
  for (const [what, t] of perChannel) {
    if (t === null) continue;
    assertTensor(t, 'batchNorm', what);
    if (t.ndim !== 1 || t.shape[0] !== channels) {
      throw new ShapeError(`batchNorm: ${what} must have shape [${channels}], one value per channel of the input ${formatShape(input.shape)}, got ${formatShape(t.shape)}`);
    }
    if (t.dtype !== input.dtype) throw new TypeError(`batchNorm: ${what} is ${t.dtype} but the input is ${input.dtype}`);
  }
  if ((runningMean === null) !== (runningVar === null)) throw new TypeError('batchNorm: give both runningMean and runningVar, or neither');
  const count = input.size / channels;
  if (training && count === 1) {
    throw new ShapeError(`batchNorm: expected more than 1 value per channel when training, got input of shape ${formatShape(input.shape)}`);
  }
  if (!training && (runningMean === null || runningVar === null)) throw new TypeError('batchNorm: runningMean and runningVar are needed in evaluation mode (training: false)');

  const axes = [0, ...Array.from({ length: input.ndim - 2 }, (_, i) => i + 2)];
  const statShape = input.shape.map((n, i) => (i === 1 ? n : 1));
  let normalized: Tensor;
  if (training) {
    const mean = input.mean(axes, true);
    const centered = input.sub(mean);
    const variance = centered.square().mean(axes, true);
    normalized = centered.div(variance.add(eps).sqrt());
    if (runningMean !== null && runningVar !== null) {
      noGrad(() => {
        const unbiased = variance.detach().reshape([channels]).mul(count / (count - 1));
        overwrite(runningMean, runningMean.mul(1 - momentum).add(mean.detach().reshape([channels]).mul(momentum)));
        overwrite(runningVar, runningVar.mul(1 - momentum).add(unbiased.mul(momentum)));
      });
    }
  } else {
    const mean = runningMean!.detach().reshape(statShape);
    const variance = runningVar!.detach().reshape(statShape);
    normalized = input.sub(mean).div(variance.add(eps).sqrt());
  }
  const scaled = weight === null ? normalized : normalized.mul(weight.reshape(statShape));
  return bias === null ? scaled : scaled.add(bias.reshape(statShape));
}

/** Writes value's elements into dst's storage, so that whoever holds dst sees the new values. */
function overwrite(dst: Tensor, value: Tensor): void {
  const strides = stridesOf(dst.shape);
  run(copyKernel(dst.shape, 0, strides, 0, strides), [value], [dst]);
}

/**
 * Layer normalization over the trailing dimensions `normalizedShape` (a size or sizes that x's
 * shape must end with), as PyTorch's F.layer_norm: y = (x - mean) / sqrt(var + eps) * weight + bias
 * with the mean and the biased variance of each sample's trailing block; weight and bias (optional)
 * have shape normalizedShape. Composed of differentiable ops, so gradients reach x, weight and bias.
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  assertTensor(x, 'layerNorm', 'input');
  const shape = checkNormalizedShape(normalizedShape, 'layerNorm');
  if (typeof eps !== 'number' || !(eps >= 0 && eps < Infinity)) throw new RangeError(`layerNorm: eps must be a finite number >= 0, got ${describeValue(eps)}`);
  if (!isFloat(x.dtype)) throw new TypeError(`layerNorm: input must be float32 or float64, got ${x.dtype}`);
  const lead = x.ndim - shape.length;
  if (lead < 0 || !shape.every((n, i) => x.shape[lead + i] === n)) {
    throw new ShapeError(`layerNorm: input of shape ${formatShape(x.shape)} does not end with normalizedShape ${formatShape(shape)}`);
  }
  for (const [what, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t === null) continue;
    assertTensor(t, 'layerNorm', what);
    if (t.ndim !== shape.length || !t.shape.every((n, i) => n === shape[i])) {
      throw new ShapeError(`layerNorm: ${what} must have shape normalizedShape ${formatShape(shape)}, got ${formatShape(t.shape)}`);
    }
    if (t.dtype !== x.dtype) throw new TypeError(`layerNorm: ${what} is ${t.dtype} but the input is ${x.dtype}`);
  }
  const axes = shape.map((_, i) => lead + i);
  const centered = x.sub(x.mean(axes, true));
  const variance = centered.square().mean(axes, true);
  const normalized = centered.div(variance.add(eps).sqrt());
  const scaled = weight === null ? normalized : normalized.mul(weight);
  return bias === null ? scaled : scaled.add(bias);
}

/** A normalized shape as sizes: one positive integer or a non-empty array of them. */
export function checkNormalizedShape(normalizedShape: unknown, owner: string): number[] {
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((n) => Number.isInteger(n) && n > 0)) {
    const got = Array.isArray(normalizedShape) ? `[${normalizedShape.map(String).join(', ')}]` : describeValue(normalizedShape);
    throw new RangeError(`${owner}: normalizedShape must be a positive integer or a non-empty array of them, got ${got}`);
  }
  return [...shape] as number[];
}
