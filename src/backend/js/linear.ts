import type { TypedArray } from '../../base/dtype.js';
import type { LinearKernel } from '../kernels.js';
import { applyActivation } from './elementwise.js';
import { rowDots } from './gemm.js';
import { allFinite, nonzeros, sparseRowDots } from './sparse.js';

/**
 * out[r, o] = activation(dot(x[r, :], weight[o, :]) + bias[o]): the dot products of a GEMM with the
 * weight in PyTorch's [out, in] layout, then bias and activation while the row is in cache. A
 * mostly-zero input is walked through each row's nonzeros, four outputs at a time.
 */
export function linear(kernel: LinearKernel, [x, weight, bias]: readonly TypedArray[], [out]: readonly TypedArray[]): void {
  const { rows, inFeatures, outFeatures, activation, alpha } = kernel;
  if (rows > 1 && allFinite(weight, 0, outFeatures * inFeatures) && nonzeros.sparseRows(x, 0, rows, inFeatures)) {
    sparseRowDots(weight, out, rows, inFeatures, outFeatures);
  } else {
    rowDots(x, 0, weight, 0, out, 0, rows, outFeatures, inFeatures, false);
  }
  for (let r = 0; r < rows; r++) {
    const o = r * outFeatures;
    if (kernel.bias) for (let j = 0; j < outFeatures; j++) out[o + j] += bias[j];
    applyActivation(activation, out, o, o + outFeatures, alpha);
  }
}

