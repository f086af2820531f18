import { describeValue } from '../base/options.js';
import { formatShape, ShapeError } from '../base/shape.js';
import { assertTensor, type Tensor } from '../tensor/tensor.js';
import { broadcastTo, clone, reshape } from './shape.js';

/**
 * torch.Tensor.repeat: x copied sizes[i] times along each dimension, the result [sizes[0] * d0, ...].
 * `sizes` may be longer than x's shape, whose missing leading dimensions count as 1. The copies are
 * a broadcast of x with a size-1 dimension before each of its own, so the gradient sums them.
 */
export function repeat(x: Tensor, sizes: readonly number[]): Tensor {
  assertTensor(x, 'repeat', 'input');
  if (!Array.isArray(sizes)) throw new TypeError(`repeat: sizes must be an array of repeat counts, got ${describeValue(sizes)}`);
  if (!sizes.every((s) => Number.isInteger(s) && s >= 0)) throw new RangeError(`repeat: the repeat counts must be non-negative integers, got [${sizes.join(', ')}]`);
  if (sizes.length < x.ndim) {
    throw new ShapeError(`repeat: ${sizes.length} repeat counts given for a tensor of shape ${formatShape(x.shape)}; give at least one per dimension (or use tile)`);
  }
  const shape = [...new Array<number>(sizes.length - x.ndim).fill(1), ...x.shape];
  const interleaved = reshape(x, shape.flatMap((d) => [1, d]));
  const copies = broadcastTo(interleaved, shape.flatMap((d, i) => [sizes[i], d]));
  const out = reshape(copies, shape.map((d, i) => sizes[i] * d));
  // With every count 1 the steps above are views of x; the result is a copy, as PyTorch's.
  return out.storage === x.storage ? clone(out) : out;
}

/** torch.tile: repeat, with `dims` padded with leading 1s when it is shorter than x's shape. */
export function tile(x: Tensor, dims: readonly number[]): Tensor {
  assertTensor(x, 'tile', 'input');
  if (!Array.isArray(dims)) throw new TypeError(`tile: dims must be an array of repeat counts, got ${describeValue(dims)}`);
  return repeat(x, [...new Array<number>(Math.max(0, x.ndim - dims.length)).fill(1), ...dims]);
}
