import type { TypedArray } from '../../tensor/dtype.js';
import { broadcastStrides, stridesOf, type Shape } from '../../tensor/shape.js';
import type { Activation, BinaryOp, UnaryOp } from '../backend.js';
import { forEachRow } from './strided.js';

export function unary(op: UnaryOp, x: TypedArray, out: TypedArray, param = 0): void {
  const n = x.length;
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) out[i] = -x[i]; return;
    case 'abs': for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]); return;
    case 'exp': for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]); return;
    case 'log': for (let i = 0; i < n; i++) out[i] = Math.log(x[i]); return;
    case 'sqrt': for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]); return;
    case 'sin': for (let i = 0; i < n; i++) out[i] = Math.sin(x[i]); return;
    case 'cos': for (let i = 0; i < n; i++) out[i] = Math.cos(x[i]); return;
    case 'tanh': for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]); return;
    case 'sigmoid': for (let i = 0; i < n; i++) out[i] = sigmoid(x[i]); return;
    case 'relu': for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : 0; return;
    case 'leakyRelu': for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : param * x[i]; return;
    case 'sign': for (let i = 0; i < n; i++) out[i] = Math.sign(x[i]); return;
    case 'square': for (let i = 0; i < n; i++) out[i] = x[i] * x[i]; return;
    case 'reciprocal': for (let i = 0; i < n; i++) out[i] = 1 / x[i]; return;
    case 'log1p': for (let i = 0; i < n; i++) out[i] = Math.log1p(x[i]); return;
    case 'floor': for (let i = 0; i < n; i++) out[i] = Math.floor(x[i]); return;
    case 'ceil': for (let i = 0; i < n; i++) out[i] = Math.ceil(x[i]); return;
    case 'round': for (let i = 0; i < n; i++) out[i] = roundHalfToEven(x[i]); return;
  }
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

export function applyActivation(activation: Activation, x: TypedArray, start: number, end: number, alpha: number): void {
  switch (activation) {
    case 'none': return;
    case 'sigmoid': for (let i = start; i < end; i++) x[i] = sigmoid(x[i]); return;
    case 'tanh': for (let i = start; i < end; i++) x[i] = Math.tanh(x[i]); return;
    case 'relu': for (let i = start; i < end; i++) if (!(x[i] > 0)) x[i] = 0; return;
    case 'leakyRelu': for (let i = start; i < end; i++) if (!(x[i] > 0)) x[i] *= alpha; return;
  }
}

export function activationGrad(activation: Activation, g: TypedArray, y: TypedArray, out: TypedArray, alpha: number): void {
  const n = g.length;
  switch (activation) {
    case 'none': out.set(g as never); return;
    case 'sigmoid': for (let i = 0; i < n; i++) out[i] = g[i] * y[i] * (1 - y[i]); return;
    case 'tanh': for (let i = 0; i < n; i++) out[i] = g[i] * (1 - y[i] * y[i]); return;
    case 'relu': for (let i = 0; i < n; i++) out[i] = y[i] > 0 ? g[i] : 0; return;
    case 'leakyRelu': for (let i = 0; i < n; i++) out[i] = y[i] > 0 ? g[i] : alpha * g[i]; return;
  }
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

export function binary(op: BinaryOp, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, out: TypedArray, outShape: Shape): void {
  const kernel = binaryRows[op];
  forEachRow(outShape, [broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape), stridesOf(outShape)],
    ([ai, bi, oi], n, [as, bs]) => kernel(a, ai, as, b, bi, bs, out, oi, n));
}

export function where(
  cond: TypedArray, condShape: Shape, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape,
  out: TypedArray, outShape: Shape,
): void {
  const strides = [condShape, aShape, bShape].map((s) => broadcastStrides(s, outShape));
  forEachRow(outShape, [...strides, stridesOf(outShape)], ([ci, ai, bi, oi], n, [cs, as, bs]) => {
    for (let i = 0; i < n; i++, ci += cs, ai += as, bi += bs) out[oi + i] = cond[ci] !== 0 ? a[ai] : b[bi];
  });
}
