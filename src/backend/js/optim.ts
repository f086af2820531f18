import type { TypedArray } from '../../base/dtype.js';
import type { AdamStepKernel, SgdStepKernel } from '../kernels.js';

/**
 * PyTorch's SGD: g += wd*p; buf = m*buf + (1-dampening)*g (buf = g on the first step);
 * g = nesterov ? g + m*buf : buf; p -= lr*g. One loop per case, without branches inside: the
 * update of a large layer is bound by memory traffic, and a branch per element halves its speed.
 */
export function sgdStep(kernel: SgdStepKernel, [grad]: readonly TypedArray[], [param, buf]: readonly TypedArray[]): void {
  const { lr, momentum, dampening, weightDecay, nesterov, firstStep } = kernel;
  const g = weightDecay === 0 ? grad : withWeightDecay(grad, param, weightDecay);
  const n = param.length;
  if (buf === undefined) {
    for (let i = 0; i < n; i++) param[i] -= lr * g[i];
  } else if (firstStep) {
    buf.set(g as never);
    if (nesterov) for (let i = 0; i < n; i++) param[i] -= lr * (g[i] + momentum * g[i]);
    else for (let i = 0; i < n; i++) param[i] -= lr * g[i];
  } else if (nesterov) {
    const d = 1 - dampening;
    for (let i = 0; i < n; i++) {
      const v = momentum * buf[i] + d * g[i];
      buf[i] = v;
      param[i] -= lr * (g[i] + momentum * v);
    }
  } else {
    const d = 1 - dampening;
    for (let i = 0; i < n; i++) {
      const v = momentum * buf[i] + d * g[i];
      buf[i] = v;
      param[i] -= lr * v;
    }
  }
}

/** grad + wd * param, as a new array (PyTorch's d_p.add(p, alpha=wd)). */
function withWeightDecay(grad: TypedArray, param: TypedArray, weightDecay: number): TypedArray {
  const out = new (grad.constructor as new (n: number) => TypedArray)(grad.length);
  for (let i = 0; i < grad.length; i++) out[i] = grad[i] + weightDecay * param[i];
  return out;
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
