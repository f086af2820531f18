import { record } from '../autograd/graph.js';
import { formatShape, ShapeError, sizeOf, stridesOf, type Shape } from '../base/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { run } from '../tensor/dispatch.js';

/**
 * A strided view of x's elements, copied into a new contiguous tensor (torch.as_strided): element
 * [i0, i1, ...] of the result is x's flat element offset + sum_d i_d * strides[d]. Windows may
 * overlap (im2col is one such view: every convolution window of an image, side by side). The
 * gradient is the adjoint, asStridedScatter, which adds each element back to where it came from.
 */
export function asStrided(x: Tensor, shape: Shape, strides: Shape, offset = 0): Tensor {
  checkView('asStrided', x.shape, shape, strides, offset);
  const out = Tensor.empty(shape, x.dtype, x.backend);
  run({ op: 'copy', shape, srcOffset: offset, srcStrides: strides, dstOffset: 0, dstStrides: stridesOf(shape), accumulate: false }, [x], [out]);
  return record(out, 'asStrided', [x], (g) => [asStridedScatter(g, x.shape, strides, offset)]);
}

/**
 * The adjoint of asStrided: a zero tensor of `targetShape` to which each element of g is added at
 * flat position offset + sum_d i_d * strides[d] (col2im, for overlapping windows). Its gradient is
 * asStrided with the same layout.
 */
export function asStridedScatter(g: Tensor, targetShape: Shape, strides: Shape, offset = 0): Tensor {
  checkView('asStridedScatter', targetShape, g.shape, strides, offset);
  const out = Tensor.empty(targetShape, g.dtype, g.backend);
  run({ op: 'copy', shape: g.shape, srcOffset: 0, srcStrides: stridesOf(g.shape), dstOffset: offset, dstStrides: strides, accumulate: true }, [g], [out]);
  return record(out, 'asStridedScatter', [g], (gOut) => [asStrided(gOut, g.shape, strides, offset)]);
}

/** Every element the view addresses lies inside a tensor of `baseShape`. */
function checkView(op: string, baseShape: Shape, shape: Shape, strides: Shape, offset: number): void {
  if (strides.length !== shape.length) {
    throw new ShapeError(`${op}: ${strides.length} strides given for the ${shape.length} dimensions of ${formatShape(shape)}`);
  }
  if (![...shape, ...strides, offset].every((v) => Number.isInteger(v) && v >= 0)) {
    throw new ShapeError(`${op}: shape ${formatShape(shape)}, strides ${formatShape(strides)} and offset ${offset} must be non-negative integers`);
  }
  if (sizeOf(shape) === 0) return;
  const last = shape.reduce((acc, d, i) => acc + (d - 1) * strides[i], offset);
  if (last >= sizeOf(baseShape)) {
    throw new ShapeError(`${op}: the view ${formatShape(shape)} with strides ${formatShape(strides)} from offset ${offset} reaches element ${last}, past the ${sizeOf(baseShape)} elements of ${formatShape(baseShape)}`);
  }
}
