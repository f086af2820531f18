import { record } from '../autograd/graph.js';
import type { ReduceOp } from '../backend/kernels.js';
import { floatTypeOf } from '../base/dtype.js';
import { checkOptions } from '../base/options.js';
import { formatShape, normalizeAxes, normalizeAxis, reducedShape, ShapeError, sizeOf } from '../base/shape.js';
import { Tensor, type Axes } from '../tensor/tensor.js';
import { run } from '../tensor/dispatch.js';
import { broadcastBinary } from './broadcast.js';
import { where } from './compare.js';
import { broadcastTo } from './shape.js';

function reduceRaw(op: ReduceOp, x: Tensor, axes: number[], keepDims: boolean): Tensor {
  if (op !== 'sum' && axes.some((a) => x.shape[a] === 0)) {
    throw new ShapeError(`${op}: cannot reduce over an empty dimension of a tensor of shape ${formatShape(x.shape)}`);
  }
  const out = Tensor.empty(reducedShape(x.shape, axes, keepDims), x.dtype, x.backend);
  run({ op: 'reduce', fn: op, shape: x.shape, axes }, [x], [out]);
  return out;
}

/** g reshaped with the reduced axes kept as size 1, then broadcast back to the input's shape. */
function expandGradient(g: Tensor, x: Tensor, axes: number[]): Tensor {
  return broadcastTo(g.reshape(reducedShape(x.shape, axes, true)), x.shape);
}

export function sum(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  const axes = normalizeAxes(axis, x.ndim, 'sum');
  const out = reduceRaw('sum', x, axes, keepDims);
  return record(out, 'sum', [x], (g) => [expandGradient(g, x, axes)]);
}

export function mean(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  const axes = normalizeAxes(axis, x.ndim, 'mean');
  const count = sizeOf(axes.map((a) => x.shape[a]));
  if (count === 0) throw new ShapeError(`mean: cannot average over an empty dimension of a tensor of shape ${formatShape(x.shape)}`);
  const input = x.dtype === 'int32' ? x.to('float32') : x;
  return sum(input, axes, keepDims).div(count);
}

/** max/min values; the gradient goes to the extreme elements, split evenly between ties. */
function extreme(op: 'max' | 'min', x: Tensor, axis: Axes | undefined, keepDims: boolean): Tensor {
  const axes = normalizeAxes(axis, x.ndim, op);
  const out = reduceRaw(op, x, axes, keepDims);
  return record(out, op, [x], (g) => {
    const kept = out.reshape(reducedShape(x.shape, axes, true));
    const mask = broadcastBinary('eq', x, kept, g.dtype);
    const ties = mask.sum(axes, true);
    return [expandGradient(g, x, axes).mul(mask).div(ties)];
  });
}

export const max = (x: Tensor, axis?: Axes, keepDims = false) => extreme('max', x, axis, keepDims);
export const min = (x: Tensor, axis?: Axes, keepDims = false) => extreme('min', x, axis, keepDims);

/** Index of the largest value along `axis` (of the flattened tensor when no axis is given), as int32. */
function argExtreme(op: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, keepDims: boolean): Tensor {
  if (x.size === 0) throw new ShapeError(`${op}: the tensor is empty`);
  if (axis === undefined) {
    const flat = argExtreme(op, x.reshape(-1), 0, false);
    return keepDims ? flat.reshape(x.shape.map(() => 1)) : flat;
  }
  const a = normalizeAxis(axis, x.ndim, op);
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const out = Tensor.empty(reducedShape(x.shape, [a], keepDims), 'int32', x.backend);
  run({ op: 'argReduce', fn: op, outer, axisLength: x.shape[a], inner }, [x], [out]);
  return out;
}

export const argmax = (x: Tensor, axis?: number, keepDims = false) => argExtreme('argmax', x, axis, keepDims);
export const argmin = (x: Tensor, axis?: number, keepDims = false) => argExtreme('argmin', x, axis, keepDims);

/** log(sum(exp(x))) computed as m + log(sum(exp(x - m))) with m the (constant) maximum, so it never overflows. */
export function logsumexp(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  const axes = normalizeAxes(axis, x.ndim, 'logsumexp');
  const input = x.dtype === 'int32' ? x.to(floatTypeOf(x.dtype)) : x;
  const m = reduceRaw('max', input.detach(), axes, true);
  // An infinite or NaN maximum would make x - m NaN: shift by 0 there (m - m is 0 exactly where m is finite).
  const shift = where(m.sub(m).eq(0), m, 0);
  const result = input.sub(shift).exp().sum(axes, true).log().add(shift);
  return keepDims ? result : result.reshape(reducedShape(x.shape, axes, false));
}

export interface VarianceOptions {
  /** Divide by n - 1 (Bessel's correction, the default, as in PyTorch) instead of n. */
  unbiased?: boolean;
  keepDims?: boolean;
}

const VARIANCE_OPTIONS = ['unbiased', 'keepDims'];

export function variance(x: Tensor, axis?: Axes, options: VarianceOptions | boolean = {}): Tensor {
  return varianceOf('var', x, axis, options);
}

function varianceOf(owner: string, x: Tensor, axis: Axes | undefined, options: VarianceOptions | boolean): Tensor {
  const { unbiased = true, keepDims = false } = typeof options === 'boolean' ? { keepDims: options } : checkOptions(options, VARIANCE_OPTIONS, owner);
  const axes = normalizeAxes(axis, x.ndim, 'var');
  const n = sizeOf(axes.map((a) => x.shape[a]));
  const divisor = unbiased ? n - 1 : n;
  if (divisor <= 0) throw new ShapeError(`var: need at least ${unbiased ? 2 : 1} element(s) along the reduced axes of shape ${formatShape(x.shape)}`);
  const input = x.dtype === 'int32' ? x.to('float32') : x;
  const centered = input.sub(input.mean(axes, true));
  return centered.square().sum(axes, keepDims).div(divisor);
}

export function std(x: Tensor, axis?: Axes, options: VarianceOptions | boolean = {}): Tensor {
  return varianceOf('std', x, axis, options).sqrt();
}
