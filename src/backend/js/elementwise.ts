import type { TypedArray } from '../../base/dtype.js';
import { broadcastStrides, stridesOf } from '../../base/shape.js';
import type { Activation, ActivationGradKernel, ArangeKernel, BinaryKernel, BinaryOp, CastKernel, FillKernel, UnaryKernel, UnaryOp, WhereKernel } from '../kernels.js';
import { erf } from './erf.js';
import { forEachRow } from './strided.js';

type UnaryLoop = (x: TypedArray, out: TypedArray, param: number) => void;

/** NaN passes through every op as in PyTorch (relu's `x > 0 || x !== x`, not `x > 0`). */
const unaryLoops: Record<UnaryOp, UnaryLoop> = {
  neg: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = -x[i]; },
  abs: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = Math.abs(x[i]); },
  exp: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = Math.exp(x[i]); },
  log: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = Math.log(x[i]); },
  sqrt: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = Math.sqrt(x[i]); },
  sin: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = Math.sin(x[i]); },
  cos: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = Math.cos(x[i]); },
  tanh: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = Math.tanh(x[i]); },
  sigmoid: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = sigmoid(x[i]); },
  relu: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = x[i] > 0 || x[i] !== x[i] ? x[i] : 0; },
  leakyRelu: (x, out, slope) => { for (let i = 0; i < x.length; i++) out[i] = x[i] > 0 ? x[i] : slope * x[i]; },
  sign: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = Math.sign(x[i]); },
  square: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = x[i] * x[i]; },
  reciprocal: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = 1 / x[i]; },
  log1p: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = Math.log1p(x[i]); },
  floor: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = Math.floor(x[i]); },
  ceil: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = Math.ceil(x[i]); },
  round: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = roundHalfToEven(x[i]); },
  erf: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = erf(x[i]); },
  expm1: (x, out) => { for (let i = 0; i < x.length; i++) out[i] = Math.expm1(x[i]); },
};

export function unary(kernel: UnaryKernel, [x]: readonly TypedArray[], [out]: readonly TypedArray[]): void {
  unaryLoops[kernel.fn](x, out, kernel.param);
}

/** Ties go to the even neighbour, as in NumPy and PyTorch (Math.round sends them up). */
function roundHalfToEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Never overflows: exp is only taken of a non-positive number. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

type ActivationLoop = (x: TypedArray, start: number, end: number, alpha: number) => void;

/** In place over x[start, end). */
const activationLoops: Record<Activation, ActivationLoop> = {
  none: () => {},
  sigmoid: (x, start, end) => { for (let i = start; i < end; i++) x[i] = sigmoid(x[i]); },
  tanh: (x, start, end) => { for (let i = start; i < end; i++) x[i] = Math.tanh(x[i]); },
  relu: (x, start, end) => { for (let i = start; i < end; i++) if (x[i] <= 0) x[i] = 0; },
  leakyRelu: (x, start, end, alpha) => { for (let i = start; i < end; i++) if (!(x[i] > 0)) x[i] *= alpha; },
};

export function applyActivation(activation: Activation, x: TypedArray, start: number, end: number, alpha: number): void {
  activationLoops[activation](x, start, end, alpha);
}

type GradLoop = (g: TypedArray, y: TypedArray, out: TypedArray, alpha: number) => void;

const gradLoops: Record<Activation, GradLoop> = {
  none: (g, _y, out) => out.set(g as never),
  sigmoid: (g, y, out) => { for (let i = 0; i < g.length; i++) out[i] = g[i] * y[i] * (1 - y[i]); },
  tanh: (g, y, out) => { for (let i = 0; i < g.length; i++) out[i] = g[i] * (1 - y[i] * y[i]); },
  relu: (g, y, out) => { for (let i = 0; i < g.length; i++) out[i] = y[i] > 0 ? g[i] : 0; },
  leakyRelu: (g, y, out, alpha) => { for (let i = 0; i < g.length; i++) out[i] = y[i] > 0 ? g[i] : alpha * g[i]; },
};

export function activationGrad(kernel: ActivationGradKernel, [g, y]: readonly TypedArray[], [out]: readonly TypedArray[]): void {
  gradLoops[kernel.activation](g, y, out, kernel.alpha);
}

type RowKernel = (a: TypedArray, ai: number, as: number, b: TypedArray, bi: number, bs: number, o: TypedArray, oi: number, n: number) => void;

const binaryRows: Record<BinaryOp, RowKernel> = {
  add: (a, ai, as, b, bi, bs, o, oi, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai] + b[bi]; },
  sub: (a, ai, as, b, bi, bs, o, oi, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai] - b[bi]; },
  mul: (a, ai, as, b, bi, bs, o, oi, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai] * b[bi]; },
  div: (a, ai, as, b, bi, bs, o, oi, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai] / b[bi]; },
  pow: (a, ai, as, b, bi, bs, o, oi, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = Math.pow(a[ai], b[bi]); },
  maximum: (a, ai, as, b, bi, bs, o, oi, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai] >= b[bi] || Number.isNaN(a[ai]) ? a[ai] : b[bi]; },
  minimum: (a, ai, as, b, bi, bs, o, oi, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai] <= b[bi] || Number.isNaN(a[ai]) ? a[ai] : b[bi]; },
  eq: (a, ai, as, b, bi, bs, o, oi, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai] === b[bi] ? 1 : 0; },
  ne: (a, ai, as, b, bi, bs, o, oi, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai] !== b[bi] ? 1 : 0; },
  lt: (a, ai, as, b, bi, bs, o, oi, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai] < b[bi] ? 1 : 0; },
  le: (a, ai, as, b, bi, bs, o, oi, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai] <= b[bi] ? 1 : 0; },
  gt: (a, ai, as, b, bi, bs, o, oi, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai] > b[bi] ? 1 : 0; },
  ge: (a, ai, as, b, bi, bs, o, oi, n) => { for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai] >= b[bi] ? 1 : 0; },
};

export function binary(kernel: BinaryKernel, [a, b]: readonly TypedArray[], [out]: readonly TypedArray[]): void {
  const { fn, aShape, bShape, outShape } = kernel;
  const row = binaryRows[fn];
  forEachRow(outShape, [broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape), stridesOf(outShape)],
    ([ai, bi, oi], n, [as, bs]) => row(a, ai, as, b, bi, bs, out, oi, n));
}

export function where(kernel: WhereKernel, [cond, a, b]: readonly TypedArray[], [out]: readonly TypedArray[]): void {
  const { outShape } = kernel;
  const strides = [kernel.condShape, kernel.aShape, kernel.bShape].map((s) => broadcastStrides(s, outShape));
  forEachRow(outShape, [...strides, stridesOf(outShape)], ([ci, ai, bi, oi], n, [cs, as, bs]) => {
    for (let i = 0; i < n; i++, ci += cs, ai += as, bi += bs) out[oi + i] = cond[ci] !== 0 ? a[ai] : b[bi];
  });
}

/** Typed-array assignment converts: float to int32 truncates toward zero (NaN becomes 0). */
export function cast(_kernel: CastKernel, [x]: readonly TypedArray[], [out]: readonly TypedArray[]): void {
  out.set(x as never);
}

export function fill(kernel: FillKernel, _inputs: readonly TypedArray[], [out]: readonly TypedArray[]): void {
  const { value, offset, stride, count } = kernel;
  if (stride === 1) out.fill(value, offset, offset + count);
  else for (let i = 0, q = offset; i < count; i++, q += stride) out[q] = value;
}

export function arange(kernel: ArangeKernel, _inputs: readonly TypedArray[], [out]: readonly TypedArray[]): void {
  for (let i = 0; i < out.length; i++) out[i] = kernel.start + i * kernel.step;
}
