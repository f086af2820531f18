import type { TypedArray } from '../../base/dtype.js';
import type { AdamStepKernel, SgdStepKernel } from '../kernels.js';

/** PyTorch's SGD: g += wd*p; buf = m*buf + (1-dampening)*g; g = nesterov ? g + m*buf : buf; p -= lr*g. */
export function sgdStep(kernel: SgdStepKernel, [grad]: readonly TypedArray[], [param, buf]: readonly TypedArray[]): void {
  const { lr, momentum, dampening, weightDecay, nesterov, firstStep } = kernel;
  const n = param.length;
  for (let i = 0; i < n; i++) {
    let g = grad[i] + weightDecay * param[i];
    if (buf !== undefined) {
      const v = firstStep ? g : momentum * buf[i] + (1 - dampening) * g;
      buf[i] = v;
      g = nesterov ? g + momentum * v : v;
    }
    param[i] -= lr * g;
  }
}

export function adamStep(kernel: AdamStepKernel, [grad]: readonly TypedArray[], [param, m, v]: readonly TypedArray[]): void {
  const { lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay, step } = kernel;
  const correction1 = 1 - Math.pow(beta1, step);
  const correction2 = 1 - Math.pow(beta2, step);
  const stepSize = lr / correction1;
  const sqrtCorrection2 = Math.sqrt(correction2);
  const n = param.length;
  for (let i = 0; i < n; i++) {
    let g = grad[i];
    if (decoupledWeightDecay) param[i] *= 1 - lr * weightDecay;
    else g += weightDecay * param[i];
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    param[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / sqrtCorrection2 + eps);
  }
}
