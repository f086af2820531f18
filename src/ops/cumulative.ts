import { isGradEnabled, record } from '../autograd/graph.js';
import type { Backend } from '../backend/backend.js';
import { describeValue } from '../base/options.js';
import { normalizeAxis, reducedShape, sizeOf } from '../base/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { run } from '../tensor/dispatch.js';
import { eq, ge, le, where } from './compare.js';
import { broadcastTo, concat, slice, transpose, unsqueeze, type SliceSpec } from './shape.js';

type ScanFn = 'sum' | 'prod';

/** The inclusive running sum or product along `axis`, toward the start when `reverse`. */
function scan(fn: ScanFn, x: Tensor, axis: number, reverse: boolean): Tensor {
  const out = Tensor.empty(x.shape, x.dtype, x.backend);
  const layout = { outer: sizeOf(x.shape.slice(0, axis)), axisLength: x.shape[axis] ?? 1, inner: sizeOf(x.shape.slice(axis + 1)) };
  run({ op: 'scan', fn, ...layout, reverse }, [x], [out]);
  return record(out, fn === 'sum' ? 'cumsum' : 'cumprod', [x], (g) => [
    fn === 'sum' ? scan('sum', g, axis, !reverse) : cumprodGradient(g, x, out, axis, reverse),
  ]);
}

/**
 * d/dx_i of sum_k g_k y_k for y = cumprod(x): sum_{k >= i} g_k prod_{j <= k, j != i} x_j, with no
 * division by the zeros of x. Under createGraph, in a form that differentiates again (as PyTorch
 * does in grad mode).
 */
function cumprodGradient(g: Tensor, x: Tensor, y: Tensor, axis: number, reverse: boolean): Tensor {
  return isGradEnabled() ? differentiableCumprodGradient(g, x, axis, reverse) : fastCumprodGradient(g, x, y, axis, reverse);
}

/**
 * cumprod's gradient in O(n) per row. Before the first zero of a row it is sum_{k >= i} g_k y_k / x_i (y vanishes from the first zero on); at the first zero, the
 * same sum over the running product of x with that zero replaced by 1; after it, 0 (every product
 * holds the zero). The order runs the other way when `reverse`. Its own derivative is not
 * cumprod's second derivative at the zeros (the masks hold it constant there).
 */
function fastCumprodGradient(g: Tensor, x: Tensor, y: Tensor, axis: number, reverse: boolean): Tensor {
  const zerosSoFar = scan('sum', eq(x, 0), axis, reverse);
  const beforeZero = eq(zerosSoFar, 0);
  const firstZero = eq(x, 0).mul(eq(zerosSoFar, 1));
  const before = where(beforeZero, scan('sum', g.mul(y), axis, !reverse).div(where(beforeZero, x, 1)), 0);
  const withoutZero = scan('prod', where(firstZero, 1, x), axis, reverse);
  const atZero = where(ge(zerosSoFar, 1), g.mul(withoutZero), 0).sum(axis, true);
  return before.add(where(firstZero, atZero, 0));
}

/**
 * cumprod's gradient as a differentiable function of x everywhere, zeros included: O(n^2) per row,
 * from the running products of the n copies of the row that have x_i replaced by 1,
 * P[i, k] = prod_{j <= k, j != i} x_j.
 */
function differentiableCumprodGradient(g: Tensor, x: Tensor, axis: number, reverse: boolean): Tensor {
  if (x.ndim === 0) return g;
  const n = x.shape[axis];
  const last = x.ndim - 1;
  // With the scanned axis last, rows [..., i, j] of the copies.
  const copiesOf = (t: Tensor) => unsqueeze(transpose(t, axis, last), -2);
  const i = positions(n, x.backend).reshape([n, 1]);
  const k = positions(n, x.backend).reshape([1, n]);
  const products = scan('prod', where(eq(i, k), 1, copiesOf(x)), last + 1, reverse);
  const terms = where(reverse ? le(k, i) : ge(k, i), copiesOf(g).mul(products), 0).sum(-1);
  return transpose(terms, axis, last);
}

/** 0, 1, ..., n - 1 as int32. */
function positions(n: number, backend: Backend): Tensor {
  const out = Tensor.empty([n], 'int32', backend);
  run({ op: 'arange', start: 0, step: 1 }, [], [out]);
  return out;
}

/** Running sums along `dim` (torch.cumsum); int32 stays int32. */
export function cumsum(x: Tensor, dim: number): Tensor {
  return scan('sum', x, normalizeAxis(dim, x.ndim, 'cumsum'), false);
}

/** Running products along `dim` (torch.cumprod), with PyTorch's gradient where the input has zeros. */
export function cumprod(x: Tensor, dim: number): Tensor {
  return scan('prod', x, normalizeAxis(dim, x.ndim, 'cumprod'), false);
}

/**
 * The product of all elements, or along `dim` (torch.prod; 1 over an empty dimension). Its
 * gradient is prod_{j != i} x_j, computed as the product of the elements before i times that of
 * the elements after it, so zeros in the input need no special case.
 */
export function prod(x: Tensor, dim?: number, keepDims = false): Tensor {
  if (dim === undefined) return prod(x.reshape(-1), 0);
  if (typeof dim !== 'number') throw new TypeError(`prod: dim must be one integer (as in torch.prod), got ${describeValue(dim)}`);
  const a = normalizeAxis(dim, x.ndim, 'prod');
  if (x.ndim === 0) return prod(x.reshape([1]), 0);
  const n = x.shape[a];
  const outShape = reducedShape(x.shape, [a], keepDims);
  const along = (spec: SliceSpec): SliceSpec[] => x.shape.map((_, i) => (i === a ? spec : ':'));
  const out = n === 0 ? Tensor.full(outShape, 1, x.dtype, x.backend) : slice(scan('prod', x.detach(), a, false), along(n - 1)).reshape(outShape);
  return record(out, 'prod', [x], (g) => {
    if (n === 0) return [Tensor.empty(x.shape, g.dtype, g.backend)];
    const ones = Tensor.full(x.shape.map((d, i) => (i === a ? 1 : d)), 1, x.dtype, x.backend);
    const before = concat([ones, slice(scan('prod', x, a, false), along([0, n - 1]))], a);
    const after = concat([slice(scan('prod', x, a, true), along([1, n])), ones], a);
    return [broadcastTo(g.reshape(reducedShape(x.shape, [a], true)), x.shape).mul(before).mul(after)];
  });
}
