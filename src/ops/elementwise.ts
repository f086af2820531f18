import { isGradEnabled, record } from '../autograd/graph.js';
import type { Activation, UnaryOp } from '../backend/kernels.js';
import { floatTypeOf } from '../base/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { run } from '../tensor/dispatch.js';
import { broadcastBinary } from './broadcast.js';
import { eq, gt, ne, where } from './compare.js';

type UnaryRule = (g: Tensor, x: Tensor, out: Tensor) => Tensor;

/** Ops that are defined on integers keep the dtype; the rest (exp, log, ...) produce floats. */
const KEEPS_DTYPE = new Set<UnaryOp>(['neg', 'abs', 'relu', 'sign', 'square', 'floor', 'ceil', 'round']);

function unaryOp(op: UnaryOp, x: Tensor, rule: UnaryRule | null, param?: number): Tensor {
  const out = Tensor.empty(x.shape, KEEPS_DTYPE.has(op) ? x.dtype : floatTypeOf(x.dtype), x.backend);
  run({ op: 'unary', fn: op, param: param ?? 0 }, [x], [out]);
  if (rule === null) return out;
  return record(out, op, [x], (g) => [rule(g, x, out)]);
}

/**
 * g * f'(x) for an activation, computed by the backend from its output `y` (or input: their signs
 * agree); from recorded ops while recording is on (backward with createGraph), so that it can be
 * differentiated again.
 */
export function activationBackward(activation: Activation, g: Tensor, y: Tensor, alpha = 0): Tensor {
  if (isGradEnabled()) {
    switch (activation) {
      case 'none': return g;
      case 'sigmoid': return g.mul(y).mul(y.neg().add(1));
      case 'tanh': return g.mul(y.mul(y).neg().add(1));
      case 'relu': return where(gt(y, 0), g, 0);
      case 'leakyRelu': return where(gt(y, 0), g, g.mul(alpha));
    }
  }
  const out = Tensor.empty(g.shape, g.dtype, g.backend);
  run({ op: 'activationGrad', activation, alpha }, [g, y], [out]);
  return out;
}

export const neg = (x: Tensor) => unaryOp('neg', x, (g) => g.neg());
export const abs = (x: Tensor) => unaryOp('abs', x, (g, x) => g.mul(x.sign()));
export const exp = (x: Tensor) => unaryOp('exp', x, (g, _x, out) => g.mul(out));
export const log = (x: Tensor) => unaryOp('log', x, (g, x) => g.div(x));
export const log1p = (x: Tensor) => unaryOp('log1p', x, (g, x) => g.div(x.add(1)));
export const sqrt = (x: Tensor) => unaryOp('sqrt', x, (g, _x, out) => g.div(out.mul(2)));
export const square = (x: Tensor) => unaryOp('square', x, (g, x) => g.mul(x).mul(2));
export const reciprocal = (x: Tensor) => unaryOp('reciprocal', x, (g, _x, out) => g.mul(out.square()).neg());
export const sin = (x: Tensor) => unaryOp('sin', x, (g, x) => g.mul(x.cos()));
export const cos = (x: Tensor) => unaryOp('cos', x, (g, x) => g.mul(x.sin()).neg());
/** erf'(x) = 2/sqrt(pi) exp(-x^2). */
export const erf = (x: Tensor) => unaryOp('erf', x, (g, x) => g.mul(x.square().neg().exp()).mul(2 / Math.sqrt(Math.PI)));
/** exp(x) - 1, exact for small x where exp(x) - 1 cancels; its derivative is exp(x) = out + 1. */
export const expm1 = (x: Tensor) => unaryOp('expm1', x, (g, _x, out) => g.mul(out.add(1)));
/** sigmoid'(x) = s(1 - s). */
export const sigmoid = (x: Tensor) => unaryOp('sigmoid', x, (g, _x, out) => activationBackward('sigmoid', g, out));
/** tanh'(x) = 1 - tanh(x)^2. */
export const tanh = (x: Tensor) => unaryOp('tanh', x, (g, _x, out) => activationBackward('tanh', g, out));
/** relu'(x) = 1 for x > 0, else 0 (0 at x = 0, as in PyTorch). */
export const relu = (x: Tensor) => unaryOp('relu', x, (g, x) => activationBackward('relu', g, x));
/** leakyRelu'(x) = 1 for x > 0, else alpha. */
export const leakyRelu = (x: Tensor, alpha = 0.01) =>
  unaryOp('leakyRelu', x, (g, x) => activationBackward('leakyRelu', g, x, alpha), alpha);

/** Piecewise-constant functions: their derivative is zero almost everywhere, so they are not recorded. */
export const sign = (x: Tensor) => unaryOp('sign', x, null);
export const floor = (x: Tensor) => unaryOp('floor', x, null);
export const ceil = (x: Tensor) => unaryOp('ceil', x, null);
export const round = (x: Tensor) => unaryOp('round', x, null);

/** int32 masks (there is no bool dtype): 1 where x is NaN; 1 where x is neither NaN nor infinite. */
export const isnan = (x: Tensor) => ne(x, x);
export const isfinite = (x: Tensor) => eq(broadcastBinary('sub', x, x, x.dtype), 0);
