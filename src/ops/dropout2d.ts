import { isFloat } from '../base/dtype.js';
import { checkOptions, describeValue } from '../base/options.js';
import { formatShape, ShapeError } from '../base/shape.js';
import { run } from '../tensor/dispatch.js';
import { defaultGenerator } from '../tensor/random.js';
import { assertTensor, Tensor } from '../tensor/tensor.js';
import type { DropoutOptions } from './nn.js';

const DROPOUT2D_OPTIONS = ['training', 'generator'];

/**
 * Channel dropout of [N, C, H, W] (or one sample, [C, H, W]): zeroes each whole channel with
 * probability p and scales the others by 1 / (1 - p), as PyTorch's F.dropout2d. For convolutional
 * features, whose neighbouring values are correlated, so that dropping single elements does little.
 */
export function dropout2d(x: Tensor, p = 0.5, options: DropoutOptions = {}): Tensor {
  const { training = true, generator = defaultGenerator } = checkOptions(options, DROPOUT2D_OPTIONS, 'dropout2d');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout2d: probability p must be in [0, 1], got ${p}`);
  if (typeof training !== 'boolean') throw new TypeError(`dropout2d: training must be a boolean, got ${describeValue(training)}`);
  assertTensor(x, 'dropout2d', 'input');
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`dropout2d: expected input [N, C, H, W] or [C, H, W], got ${formatShape(x.shape)}`);
  if (!training || p === 0) return x;
  if (!isFloat(x.dtype)) throw new TypeError(`dropout2d: expected a float tensor, got ${x.dtype}`);
  // One mask value per channel, broadcast over the spatial axes.
  const mask = Tensor.empty([...x.shape.slice(0, -2), 1, 1], x.dtype, x.backend);
  // Drawn as dropout draws its masks: one seed from the generator, the same mask on any backend.
  const seed = [generator.nextUint32(), generator.nextUint32()] as const;
  if (p < 1) run({ op: 'dropoutMask', p, scale: 1 / (1 - p), seed }, [], [mask]);
  return x.mul(mask);
}
