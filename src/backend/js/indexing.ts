import type { TypedArray } from '../../base/dtype.js';
import type { GatherKernel, IndexSelectKernel, OneHotKernel, ScatterAddKernel } from '../kernels.js';

export function gather(kernel: GatherKernel, [x, index]: readonly TypedArray[], [out]: readonly TypedArray[]): void {
  const { outer, axisLength, inner, indexAxisLength } = kernel;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < indexAxisLength; j++) {
      const q = (o * indexAxisLength + j) * inner;
      for (let i = 0; i < inner; i++) out[q + i] = x[(o * axisLength + index[q + i]) * inner + i];
    }
  }
}

export function scatterAdd(kernel: ScatterAddKernel, [g, index]: readonly TypedArray[], [out]: readonly TypedArray[]): void {
  const { outer, axisLength, inner, indexAxisLength } = kernel;
  if (inner === 1) {
    // Along the last axis (max pooling's gradient, per plane): no inner loop.
    for (let o = 0, q = 0; o < outer; o++) {
      const base = o * axisLength;
      for (let j = 0; j < indexAxisLength; j++, q++) out[base + index[q]] += g[q];
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < indexAxisLength; j++) {
      const q = (o * indexAxisLength + j) * inner;
      for (let i = 0; i < inner; i++) out[(o * axisLength + index[q + i]) * inner + i] += g[q + i];
    }
  }
}

export function indexSelect(kernel: IndexSelectKernel, [x, index]: readonly TypedArray[], [out]: readonly TypedArray[]): void {
  const { outer, axisLength, inner } = kernel;
  const count = index.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < count; j++) {
      const from = (o * axisLength + index[j]) * inner;
      out.set(x.subarray(from, from + inner) as never, (o * count + j) * inner);
    }
  }
}

export function oneHot(kernel: OneHotKernel, [labels]: readonly TypedArray[], [out]: readonly TypedArray[]): void {
  out.fill(0);
  for (let i = 0; i < labels.length; i++) out[i * kernel.classes + labels[i]] = 1;
}
