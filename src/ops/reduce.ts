import { record } from '../autograd/graph.js';
import type { ReduceOp } from '../backend/kernels.js';
import { floatTypeOf } from '../base/dtype.js';
import { checkOptions, describeValue } from '../base/options.js';
import { formatShape, normalizeAxes, normalizeAxis, reducedShape, ShapeError, sizeOf } from '../base/shape.js';
import { Tensor, type Axes } from '../tensor/tensor.js';
import { run } from '../tensor/dispatch.js';
import { broadcastBinary } from './broadcast.js';
import { eq, gt, ne, where } from './compare.js';
import { scatterAdd } from './indexing.js';
import { broadcastTo } from './shape.js';
import { valuesIndices, type ValuesIndices } from './values-indices.js';

function reduceRaw(op: ReduceOp, x: Tensor, axes: number[], keepDims: boolean, owner: string = op): Tensor {
  if (op !== 'sum' && axes.some((a) => x.shape[a] === 0)) {
    throw new ShapeError(`${owner}: cannot reduce over an empty dimension of a tensor of shape ${formatShape(x.shape)}`);
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

/** The extremes over `axes`; the gradient goes to the extreme elements, split evenly between ties (torch.amax, torch.amin). */
function extreme(op: 'max' | 'min', owner: string, x: Tensor, axis: Axes | undefined, keepDims: boolean): Tensor {
  const axes = normalizeAxes(axis, x.ndim, owner);
  const out = reduceRaw(op, x, axes, keepDims, owner);
  return record(out, op, [x], (g) => {
    const kept = out.reshape(reducedShape(x.shape, axes, true));
    const mask = broadcastBinary('eq', x, kept, g.dtype);
    const ties = mask.sum(axes, true);
    return [expandGradient(g, x, axes).mul(mask).div(ties)];
  });
}

export const amax = (x: Tensor, axis?: Axes, keepDims = false) => extreme('max', 'amax', x, axis, keepDims);
export const amin = (x: Tensor, axis?: Axes, keepDims = false) => extreme('min', 'amin', x, axis, keepDims);

/**
 * The extreme along one dimension and its (first) index, as torch.max(x, dim): the gradient goes to
 * that index only. A NaN is the extreme of its row, as in PyTorch.
 */
function extremeAlong(op: 'max' | 'min', x: Tensor, dim: number, keepDims: boolean): ValuesIndices {
  if (typeof dim !== 'number') {
    throw new TypeError(`${op}: dim must be one integer (torch.${op}(x, dim) gives values and indices), got ${describeValue(dim)}; reduce over several dimensions with a${op}`);
  }
  const a = normalizeAxis(dim, x.ndim, op);
  if (x.ndim === 0) return extremeAlong(op, x.reshape([1]), 0, false);
  const values = reduceRaw(op, x, [a], keepDims);
  const indices = argExtreme(op === 'max' ? 'argmax' : 'argmin', x, a, keepDims);
  const kept = reducedShape(x.shape, [a], true);
  const layout = { outer: sizeOf(x.shape.slice(0, a)), axisLength: x.shape[a], inner: sizeOf(x.shape.slice(a + 1)), indexAxisLength: 1 };
  record(values, op, [x], (g) => [scatterAdd(g.reshape(kept), indices.reshape(kept), x.shape, a, layout)]);
  return valuesIndices(values, indices);
}

/** The largest element (split the gradient evenly between ties); along `dim`, the largest values and their indices (torch.max). */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepDims?: boolean): ValuesIndices;
export function max(x: Tensor, dim?: number, keepDims = false): Tensor | ValuesIndices {
  return dim === undefined ? extreme('max', 'max', x, undefined, false) : extremeAlong('max', x, dim, keepDims);
}

/** The smallest element; along `dim`, the smallest values and their indices (torch.min). */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepDims?: boolean): ValuesIndices;
export function min(x: Tensor, dim?: number, keepDims = false): Tensor | ValuesIndices {
  return dim === undefined ? extreme('min', 'min', x, undefined, false) : extremeAlong('min', x, dim, keepDims);
}

/** int32 1 where any element over `axis` (all of them by default) is nonzero (NaN counts as nonzero), else 0; 0 over nothing. */
export function any(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  return gt(sum(ne(x, 0), normalizeAxes(axis, x.ndim, 'any'), keepDims), 0);
}

/** int32 1 where every element over `axis` is nonzero, else 0; 1 over nothing. */
export function all(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  return eq(sum(eq(x, 0), normalizeAxes(axis, x.ndim, 'all'), keepDims), 0);
}

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
  /** Divide by n - 1 (Bessel's correction, the default, as in PyTorch) instead of n; the same as correction 1 or 0. */
  unbiased?: boolean;
  /** Divide by n - correction (PyTorch 2's argument; default 1); give it or unbiased, not both. */
  correction?: number;
  keepDims?: boolean;
}

const VARIANCE_OPTIONS = ['unbiased', 'correction', 'keepDims'];

export function variance(x: Tensor, axis?: Axes, options: VarianceOptions | boolean = {}): Tensor {
  return varianceOf('var', x, axis, options);
}

function varianceOf(owner: string, x: Tensor, axis: Axes | undefined, options: VarianceOptions | boolean): Tensor {
  const { unbiased, correction, keepDims = false } = typeof options === 'boolean' ? { keepDims: options } : checkOptions(options, VARIANCE_OPTIONS, owner);
  const axes = normalizeAxes(axis, x.ndim, owner);
  const n = sizeOf(axes.map((a) => x.shape[a]));
  const c = besselCorrection(owner, unbiased, correction);
  if (n <= c) throw new ShapeError(`${owner}: need at least ${Math.floor(c) + 1} element(s) along the reduced axes of shape ${formatShape(x.shape)} (correction ${c}), got ${n}`);
  const input = x.dtype === 'int32' ? x.to('float32') : x;
  const centered = input.sub(input.mean(axes, true));
  return centered.square().sum(axes, keepDims).div(n - c);
}

function besselCorrection(owner: string, unbiased: boolean | undefined, correction: number | undefined): number {
  if (unbiased !== undefined && correction !== undefined) {
    throw new Error(`${owner}: give either unbiased or correction, not both (unbiased: true is correction 1, false is correction 0)`);
  }
  if (correction === undefined) return unbiased === false ? 0 : 1;
  if (typeof correction !== 'number' || !Number.isFinite(correction) || correction < 0) {
    throw new RangeError(`${owner}: correction must be a finite number >= 0, got ${describeValue(correction)}`);
  }
  return correction;
}

export function std(x: Tensor, axis?: Axes, options: VarianceOptions | boolean = {}): Tensor {
  return varianceOf('std', x, axis, options).sqrt();
}
