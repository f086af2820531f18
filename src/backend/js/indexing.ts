import type { TypedArray } from '../../tensor/dtype.js';

export function gather(
  x: TypedArray, outer: number, axisLength: number, inner: number, index: Int32Array, indexAxisLength: number, out: TypedArray,
): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < indexAxisLength; j++) {
      const q = (o * indexAxisLength + j) * inner;
      for (let i = 0; i < inner; i++) out[q + i] = x[(o * axisLength + index[q + i]) * inner + i];
    }
  }
}

export function scatterAdd(
  g: TypedArray, outer: number, axisLength: number, inner: number, index: Int32Array, indexAxisLength: number, out: TypedArray,
): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < indexAxisLength; j++) {
      const q = (o * indexAxisLength + j) * inner;
      for (let i = 0; i < inner; i++) out[(o * axisLength + index[q + i]) * inner + i] += g[q + i];
    }
  }
}
