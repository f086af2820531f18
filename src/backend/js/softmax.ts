import type { TypedArray } from '../../base/dtype.js';
import type { SoftmaxCrossEntropyKernel, SoftmaxKernel } from '../kernels.js';

/** Numerically stable: the row maximum is subtracted before exponentiating. */
export function softmax(kernel: SoftmaxKernel, [x]: readonly TypedArray[], [out]: readonly TypedArray[]): void {
  const { outer, axisLength, inner, log } = kernel;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * axisLength * inner + i;
      let max = -Infinity;
      for (let j = 0, q = base; j < axisLength; j++, q += inner) if (x[q] > max) max = x[q];
      let sum = 0;
      for (let j = 0, q = base; j < axisLength; j++, q += inner) sum += Math.exp(x[q] - max);
      if (log) {
        const logSum = max + Math.log(sum);
        for (let j = 0, q = base; j < axisLength; j++, q += inner) out[q] = x[q] - logSum;
      } else {
        for (let j = 0, q = base; j < axisLength; j++, q += inner) out[q] = Math.exp(x[q] - max) / sum;
      }
    }
  }
}

export function softmaxCrossEntropy(kernel: SoftmaxCrossEntropyKernel, [logits, targets]: readonly TypedArray[], [probs, losses]: readonly TypedArray[]): void {
  const { rows, classes } = kernel;
  const indexTargets = kernel.targets === 'indices';
  for (let r = 0; r < rows; r++) {
    const row = r * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) if (logits[row + c] > max) max = logits[row + c];
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[row + c] - max);
    const logZ = max + Math.log(sum);
    for (let c = 0; c < classes; c++) probs[row + c] = Math.exp(logits[row + c] - logZ);
    if (indexTargets) {
      losses[r] = logZ - logits[row + targets[r]];
    } else {
      let loss = 0;
      for (let c = 0; c < classes; c++) {
        const y = targets[row + c];
        if (y !== 0) loss -= y * (logits[row + c] - logZ);
      }
      losses[r] = loss;
    }
  }
}
