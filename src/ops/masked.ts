import { broadcastShapes, formatShape, shapesEqual, ShapeError, sizeOf } from '../base/shape.js';
import { assertTensor, Tensor } from '../tensor/tensor.js';
import { where } from './compare.js';
import { indexSelect } from './indexing.js';
import { broadcastTo } from './shape.js';

/*
 * Boolean masks are int32 tensors (there is no bool dtype), as the comparisons give them: an
 * element is selected where the mask is non-zero.
 */

/** A copy of x with `value` where the mask (broadcast to x's shape) is set (torch.masked_fill); a 0-d tensor value gets its gradient. */
export function maskedFill(x: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  checkMask('maskedFill', x, mask);
  if (!shapesEqual(broadcastShapes(x.shape, mask.shape, 'maskedFill'), x.shape)) {
    throw new ShapeError(`maskedFill: a mask of shape ${formatShape(mask.shape)} cannot be broadcast to the input's shape ${formatShape(x.shape)}`);
  }
  let fill: Tensor;
  if (value instanceof Tensor) {
    if (value.ndim !== 0) throw new ShapeError(`maskedFill: a tensor value must be 0-d, got shape ${formatShape(value.shape)}`);
    fill = value.to(x.dtype);
  } else if (typeof value === 'number') {
    fill = Tensor.full([], value, x.dtype, x.backend);
  } else {
    throw new TypeError(`maskedFill: value must be a number or a 0-d Tensor, got ${typeof value}`);
  }
  return where(mask, fill, x);
}

/**
 * The elements of x where the mask is set, x and mask broadcast together, as a 1-D tensor in
 * row-major order (torch.masked_select). Its length depends on the mask's values, which are read (a sync point).
 */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  checkMask('maskedSelect', x, mask);
  const shape = broadcastShapes(x.shape, mask.shape, 'maskedSelect');
  const set = broadcastTo(mask, shape).dataSync();
  const positions: number[] = [];
  for (let i = 0; i < set.length; i++) if (set[i] !== 0) positions.push(i);
  const flat = broadcastTo(x, shape).reshape([sizeOf(shape)]);
  return indexSelect(flat, 0, Tensor.fromValues(positions, [positions.length], 'int32', x.backend));
}

function checkMask(op: string, x: Tensor, mask: Tensor): void {
  assertTensor(x, op, 'input');
  assertTensor(mask, op, 'mask');
  if (mask.dtype !== 'int32') throw new TypeError(`${op}: mask must be an int32 tensor of 0s and 1s (as comparisons such as x.gt(0) give), got ${mask.dtype}`);
}
