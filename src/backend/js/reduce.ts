import type { TypedArray } from '../../tensor/dtype.js';
import { stridesOf, type Shape } from '../../tensor/shape.js';
import type { ReduceOp } from '../backend.js';
import { forEachRow } from './strided.js';

export function reduce(op: ReduceOp, x: TypedArray, shape: Shape, axes: readonly number[], out: TypedArray): void {
  out.fill(op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity);
  const outStrides = stridesOf(shape.map((d, i) => (axes.includes(i) ? 1 : d)));
  axes.forEach((axis) => (outStrides[axis] = 0));
  forEachRow(shape, [stridesOf(shape), outStrides], ([xi, oi], n, [xs, os]) => {
    if (os === 0) {
      let acc = out[oi];
      if (op === 'sum') for (let i = 0; i < n; i++, xi += xs) acc += x[xi];
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

export function argReduce(op: 'argmax' | 'argmin', x: TypedArray, outer: number, axisLength: number, inner: number, out: Int32Array): void {
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
