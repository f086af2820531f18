import { record } from '../autograd/graph.js';
import type { BinaryOp } from '../backend/kernels.js';
import { promoteTypes } from '../base/dtype.js';
import { describeValue } from '../base/options.js';
import { broadcastShapes } from '../base/shape.js';
import { assertTensor, Tensor, type TensorLike } from '../tensor/tensor.js';
import { backendOf, run } from '../tensor/dispatch.js';
import { broadcastBinary, sumToShape, toTensor } from './broadcast.js';

/** Comparisons give int32 masks of 0 and 1 (there is no bool dtype) and are not differentiable. */
function compare(op: BinaryOp, a: Tensor, b: TensorLike): Tensor {
  return broadcastBinary(op, a, toTensor(b, a), 'int32');
}

export const eq = (a: Tensor, b: TensorLike) => compare('eq', a, b);
export const ne = (a: Tensor, b: TensorLike) => compare('ne', a, b);
export const lt = (a: Tensor, b: TensorLike) => compare('lt', a, b);
export const le = (a: Tensor, b: TensorLike) => compare('le', a, b);
export const gt = (a: Tensor, b: TensorLike) => compare('gt', a, b);
export const ge = (a: Tensor, b: TensorLike) => compare('ge', a, b);

/**
 * Elementwise `condition ? a : b` (condition non-zero) with broadcasting of all three. A number
 * beside a tensor takes the tensor's dtype (float32 beside int32 when it has a fraction); two
 * numbers give float32, as nb.tensor does for numbers.
 */
export function where(condition: Tensor, aLike: TensorLike, bLike: TensorLike): Tensor {
  assertTensor(condition, 'where', 'condition');
  for (const [name, v] of [['a', aLike], ['b', bLike]] as const) {
    if (!(v instanceof Tensor) && typeof v !== 'number') throw new TypeError(`where: ${name} must be a Tensor or a number, got ${describeValue(v)}`);
  }
  const like = aLike instanceof Tensor ? aLike : bLike instanceof Tensor ? bLike : Tensor.empty([], 'float32', condition.backend);
  const a = toTensor(aLike, like);
  const b = toTensor(bLike, like);
  const outShape = broadcastShapes(broadcastShapes(condition.shape, a.shape, 'where'), b.shape, 'where');
  const out = Tensor.empty(outShape, promoteTypes(a.dtype, b.dtype), backendOf('where', [condition, a, b]));
  run({ op: 'where', condShape: condition.shape, aShape: a.shape, bShape: b.shape, outShape }, [condition, a, b], [out]);
  return record(out, 'where', [a, b], (g) => {
    const zero = Tensor.full([], 0, g.dtype, g.backend);
    return [
      a.requiresGrad ? sumToShape(where(condition, g, zero), a.shape) : null,
      b.requiresGrad ? sumToShape(where(condition, zero, g), b.shape) : null,
    ];
  });
}

/** Limits values to [min, max]; the gradient passes only where the value was inside. */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  if (min === undefined && max === undefined) throw new Error('clamp: give at least one of min and max');
  if (min !== undefined && max !== undefined && min > max) throw new Error(`clamp: min (${min}) is greater than max (${max})`);
  const dtype = [min, max].some((b) => b !== undefined && !Number.isInteger(b)) ? promoteTypes(x.dtype, 'float32') : x.dtype;
  let out = x.detach();
  if (min !== undefined) out = broadcastBinary('maximum', out, toTensor(min, x), dtype);
  if (max !== undefined) out = broadcastBinary('minimum', out, toTensor(max, x), dtype);
  return record(out, 'clamp', [x], (g) => {
    let inside = Tensor.full(x.shape, 1, g.dtype, g.backend);
    if (min !== undefined) inside = inside.mul(ge(x, min));
    if (max !== undefined) inside = inside.mul(le(x, max));
    return [g.mul(inside)];
  });
}
