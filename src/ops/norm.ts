import { noGrad, record } from '../autograd/graph.js';
import { isFloat } from '../base/dtype.js';
import { describeValue } from '../base/options.js';
import { normalizeAxes, reducedShape } from '../base/shape.js';
import type { Axes, Tensor } from '../tensor/tensor.js';
import { eq, ne, where } from './compare.js';
import { amax, amin, sum } from './reduce.js';
import { broadcastTo } from './shape.js';

/** A p-norm's order: a number (Infinity and -Infinity included), or 'fro' for the Frobenius norm (the 2-norm of all the elements). */
export type NormOrder = number | 'fro';

/**
 * The vector p-norm over `dim` (all dimensions by default), as torch.linalg.vector_norm and
 * torch.norm: (sum |x|^p)^(1/p); max |x| for Infinity, min |x| for -Infinity, the count of nonzero
 * elements for 0; 'fro' is p = 2. The gradient is PyTorch's, which sets the subgradients at zero:
 * 0 where the norm is 0 (p >= 1), 0 at zero elements (p < 1), split evenly between the tied
 * maxima (p = +-Infinity), and 0 everywhere for p = 0.
 */
export function norm(x: Tensor, p: NormOrder = 2, dim?: Axes, keepDims = false): Tensor {
  if (p !== 'fro' && (typeof p !== 'number' || Number.isNaN(p))) {
    throw new RangeError(`norm: p must be a number (Infinity and -Infinity included) or 'fro', got ${describeValue(p)}${(p as unknown) === 'nuc' ? " (the nuclear norm needs singular values, which nabla does not compute)" : ''}`);
  }
  if (!isFloat(x.dtype)) throw new TypeError(`norm: input must be float32 or float64, got ${x.dtype}`);
  const order = p === 'fro' ? 2 : p;
  const axes = normalizeAxes(dim, x.ndim, 'norm');
  const out = noGrad(() => vectorNorm(x, order, axes, keepDims));
  return record(out, 'norm', [x], (g) => {
    const kept = reducedShape(x.shape, axes, true);
    return [normGradient(broadcastTo(g.reshape(kept), x.shape), x, broadcastTo(out.reshape(kept), x.shape), order, axes)];
  });
}

function vectorNorm(x: Tensor, p: number, axes: number[], keepDims: boolean): Tensor {
  if (p === Infinity) return amax(x.abs(), axes, keepDims);
  if (p === -Infinity) return amin(x.abs(), axes, keepDims);
  if (p === 0) return sum(ne(x, 0), axes, keepDims).to(x.dtype);
  if (p === 1) return sum(x.abs(), axes, keepDims);
  if (p === 2) return sum(x.square(), axes, keepDims).sqrt();
  return sum(x.abs().pow(p), axes, keepDims).pow(1 / p);
}

/** g times d norm / dx, from recorded ops (differentiable again); g and the norm broadcast to x's shape. */
function normGradient(g: Tensor, x: Tensor, n: Tensor, p: number, axes: number[]): Tensor {
  if (p === 0) return g.mul(0);
  if (p === 1) return g.mul(x.sign());
  if (p === Infinity || p === -Infinity) {
    const extreme = eq(x.abs(), n);
    return where(extreme, g.mul(x.sign()).div(sum(extreme, axes, true)), 0);
  }
  const zeroNorm = eq(n, 0);
  // n^(p-1) with the zero norms replaced by 1, so the masked quotient is finite and so is its gradient.
  const scale = where(zeroNorm, 0, g.div(where(zeroNorm, 1, n).pow(p - 1)));
  if (p === 2) return x.mul(scale);
  if (p < 1) return where(eq(x, 0), 0, x.sign().mul(where(eq(x, 0), 1, x.abs()).pow(p - 1))).mul(g).mul(n.pow(1 - p));
  return x.sign().mul(x.abs().pow(p - 1)).mul(scale);
}
