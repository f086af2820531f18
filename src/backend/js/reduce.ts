import type { TypedArray } from '../../base/dtype.js';
import { stridesOf } from '../../base/shape.js';
import type { AllFiniteKernel, ArgReduceKernel, ReduceKernel } from '../kernels.js';
import { forEachRow } from './strided.js';

export function reduce(kernel: ReduceKernel, [x]: readonly TypedArray[], [out]: readonly TypedArray[]): void {
  const { fn: op, shape, axes } = kernel;
  out.fill(op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity);
  const outStrides = stridesOf(shape.map((d, i) => (axes.includes(i) ? 1 : d)));
  axes.forEach((axis) => (outStrides[axis] = 0));
  forEachRow(shape, [stridesOf(shape), outStrides], ([xi, oi], n, [xs, os]) => {
    if (os === 0) {
      let acc = out[oi];
      if (op === 'sum') acc += xs === 1 ? sumRun(x, xi, n) : sumStrided(x, xi, n, xs);
      else if (op === 'max') for (let i = 0; i < n; i++, xi += xs) acc = x[xi] > acc || Number.isNaN(x[xi]) ? x[xi] : acc;
      else for (let i = 0; i < n; i++, xi += xs) acc = x[xi] < acc || Number.isNaN(x[xi]) ? x[xi] : acc;
      out[oi] = acc;
    } else if (op === 'sum') {
      for (let i = 0; i < n; i++, xi += xs, oi += os) out[oi] += x[xi];
    } else if (op === 'max') {
      for (let i = 0; i < n; i++, xi += xs, oi += os) if (x[xi] > out[oi] || Number.isNaN(x[xi])) out[oi] = x[xi];
    } else {
      for (let i = 0; i < n; i++, xi += xs, oi += os) if (x[xi] < out[oi] || Number.isNaN(x[xi])) out[oi] = x[xi];
    }
  });
}

export function argReduce(kernel: ArgReduceKernel, [x]: readonly TypedArray[], [out]: readonly TypedArray[]): void {
  const { fn: op, outer, axisLength, inner } = kernel;
  const sign = op === 'argmax' ? 1 : -1;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * axisLength * inner + i;
      let best = 0;
      let bestValue = sign * x[base];
      for (let j = 1; j < axisLength; j++) {
        const value = sign * x[base + j * inner];
        // A NaN wins (the first one), as in NumPy: the index points at the value max() reports.
        if (value > bestValue || (value !== value && bestValue === bestValue)) {
          best = j;
          bestValue = value;
        }
      }
      out[o * inner + i] = best;
    }
  }
}

export function allFinite(_kernel: AllFiniteKernel, [x]: readonly TypedArray[], [out]: readonly TypedArray[]): void {
  let probe = 0;
  for (let i = 0; i < x.length; i++) probe += x[i] * 0; // NaN once any value is NaN or infinite
  out[0] = probe === 0 ? 1 : 0;
}

/** Four partial sums (a dependency chain of adds is the bottleneck), then their total. */
function sumRun(x: TypedArray, start: number, n: number): number {
  let [a, b, c, d] = [0, 0, 0, 0];
  let i = start;
  const end = start + n;
  for (; i + 3 < end; i += 4) {
    a += x[i];
    b += x[i + 1];
    c += x[i + 2];
    d += x[i + 3];
  }
  for (; i < end; i++) a += x[i];
  return a + b + c + d;
}

function sumStrided(x: TypedArray, start: number, n: number, stride: number): number {
  let acc = 0;
  for (let i = 0, q = start; i < n; i++, q += stride) acc += x[q];
  return acc;
}
