import { isGradEnabled } from '../autograd/graph.js';
import type { BinaryOp } from '../backend/kernels.js';
import type { DType } from '../base/dtype.js';
import { broadcastShapes, type Shape, shapesEqual } from '../base/shape.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { backendOf, run } from '../tensor/dispatch.js';

/** A number becomes a 0-d tensor of the other operand's dtype and backend (float32 if it has a fraction and the other is int). */
export function toTensor(value: TensorLike, like: Tensor): Tensor {
  if (value instanceof Tensor) return value;
  if (typeof value !== 'number') throw new TypeError(`expected a Tensor or a number, got ${typeof value}`);
  const dtype = like.dtype === 'int32' && !Number.isInteger(value) ? 'float32' : like.dtype;
  return Tensor.full([], value, dtype, like.backend);
}

/** Runs a broadcasting binary kernel into a new tensor of `dtype`. */
export function broadcastBinary(op: BinaryOp, a: Tensor, b: Tensor, dtype: DType): Tensor {
  const outShape = broadcastShapes(a.shape, b.shape, op);
  const out = Tensor.empty(outShape, dtype, backendOf(op, [a, b]));
  run({ op: 'binary', fn: op, aShape: a.shape, bShape: b.shape, outShape }, [a, b], [out]);
  return out;
}

/** Sums a broadcast gradient back down to the shape of the input it came from (a recorded sum when g requires grad, under createGraph). */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  if (g.requiresGrad && isGradEnabled()) return g.sum(axes, true).reshape(shape);
  const out = Tensor.empty(shape, g.dtype, g.backend);
  run({ op: 'reduce', fn: 'sum', shape: g.shape, axes }, [g], [out]);
  return out;
}
