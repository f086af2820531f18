import type { TypedArray } from '../../base/dtype.js';
import type { MaxPoolKernel } from '../kernels.js';

export function maxPool(kernel: MaxPoolKernel, [x]: readonly TypedArray[], [values, indices]: readonly TypedArray[]): void {
  const { planes, inSize: [height, width], outSize: [outHeight, outWidth], kernel: [kh, kw], stride: [sh, sw], dilation: [dh, dw], padding: [ph, pw] } = kernel;
  const planeSize = height * width;
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * planeSize;
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * sh - ph;
      // The taps inside the plane: y0 + i dh in [0, height) for i in [iStart, iEnd).
      const iStart = y0 >= 0 ? 0 : Math.ceil(-y0 / dh);
      const iEnd = Math.min(kh, Math.ceil((height - y0) / dh));
      for (let ox = 0; ox < outWidth; ox++, o++) {
        const x0 = ox * sw - pw;
        const jStart = x0 >= 0 ? 0 : Math.ceil(-x0 / dw);
        const jEnd = Math.min(kw, Math.ceil((width - x0) / dw));
        let best = (y0 + iStart * dh) * width + x0 + jStart * dw;
        let bestValue = x[base + best];
        for (let i = iStart; i < iEnd; i++) {
          const row = (y0 + i * dh) * width + x0;
          for (let j = jStart; j < jEnd; j++) {
            const at = row + j * dw;
            const v = x[base + at];
            if (v > bestValue || v !== v) {
              bestValue = v;
              best = at;
            }
          }
        }
        values[o] = bestValue;
        indices[o] = best;
      }
    }
  }
}
