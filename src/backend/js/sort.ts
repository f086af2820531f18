import type { TypedArray } from '../../base/dtype.js';
import type { SortKernel } from '../kernels.js';

/** Ascending order with NaN above everything; 0 for equal values, which Array.prototype.sort (stable) keeps in place. */
function ascending(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  const aNaN = a !== a;
  return aNaN === (b !== b) ? 0 : aNaN ? 1 : -1;
}

export function sort(kernel: SortKernel, [x]: readonly TypedArray[], [values, indices]: readonly TypedArray[]): void {
  const { outer, axisLength, inner, descending } = kernel;
  const row = new Float64Array(axisLength);
  const order = Array.from({ length: axisLength }, (_, j) => j);
  const compare = descending ? (p: number, q: number) => ascending(row[q], row[p]) : (p: number, q: number) => ascending(row[p], row[q]);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * axisLength * inner + i;
      for (let j = 0; j < axisLength; j++) {
        row[j] = x[base + j * inner];
        order[j] = j;
      }
      order.sort(compare);
      for (let j = 0; j < axisLength; j++) {
        values[base + j * inner] = row[order[j]];
        indices[base + j * inner] = order[j];
      }
    }
  }
}
