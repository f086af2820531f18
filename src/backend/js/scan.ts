import type { TypedArray } from '../../base/dtype.js';
import type { ScanKernel } from '../kernels.js';

export function scan(kernel: ScanKernel, [x]: readonly TypedArray[], [out]: readonly TypedArray[]): void {
  const { fn, outer, axisLength, inner, reverse } = kernel;
  const step = reverse ? -inner : inner;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let at = o * axisLength * inner + i + (reverse ? (axisLength - 1) * inner : 0);
      // Accumulated in float64 whatever the dtype, as PyTorch's CPU kernels accumulate float32.
      let acc = fn === 'sum' ? 0 : 1;
      for (let j = 0; j < axisLength; j++, at += step) {
        acc = fn === 'sum' ? acc + x[at] : acc * x[at];
        out[at] = acc;
      }
    }
  }
}
