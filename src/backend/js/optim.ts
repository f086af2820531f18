import type { TypedArray } from '../../base/dtype.js';
import type { AdagradStepKernel, AdamStepKernel, RmspropStepKernel, SgdStepKernel } from '../kernels.js';

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

/** Adam; with a fourth output, AMSGrad: the denominator uses the largest v so far, kept in that output. */
export function adamStep(kernel: AdamStepKernel, [grad]: readonly TypedArray[], [param, m, v, maxV]: readonly TypedArray[]): void {
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
    if (maxV === undefined) {
      param[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / sqrtCorrection2 + eps);
    } else {
      if (v[i] > maxV[i] || Number.isNaN(v[i])) maxV[i] = v[i];
      param[i] -= (stepSize * m[i]) / (Math.sqrt(maxV[i]) / sqrtCorrection2 + eps);
    }
  }
}

/**
 * PyTorch's RMSprop: g += wd*p; s = alpha*s + (1-alpha)*g^2; centered: a = alpha*a + (1-alpha)*g
 * and d = sqrt(s - a^2) + eps, else d = sqrt(s) + eps; with momentum buf = m*buf + g/d and
 * p -= lr*buf, else p -= lr*g/d. The averages are read back after they are stored, so a float32
 * update rounds where PyTorch's does.
 */
export function rmspropStep(kernel: RmspropStepKernel, [grad]: readonly TypedArray[], outputs: readonly TypedArray[]): void {
  const { lr, alpha, eps, weightDecay, momentum, centered } = kernel;
  const [param, squareAvg] = outputs;
  const buf = momentum > 0 ? outputs[2] : undefined;
  const gradAvg = centered ? outputs[momentum > 0 ? 3 : 2] : undefined;
  const n = param.length;
  for (let i = 0; i < n; i++) {
    const g = weightDecay === 0 ? grad[i] : grad[i] + weightDecay * param[i];
    squareAvg[i] = alpha * squareAvg[i] + (1 - alpha) * g * g;
    let variance = squareAvg[i];
    if (gradAvg !== undefined) {
      gradAvg[i] = alpha * gradAvg[i] + (1 - alpha) * g;
      variance -= gradAvg[i] * gradAvg[i];
    }
    const denominator = Math.sqrt(variance) + eps;
    if (buf === undefined) {
      param[i] -= (lr * g) / denominator;
    } else {
      buf[i] = momentum * buf[i] + g / denominator;
      param[i] -= lr * buf[i];
    }
  }
}

/** PyTorch's Adagrad at an already decayed rate: g += wd*p; sum += g^2; p -= lr*g/(sqrt(sum) + eps). */
export function adagradStep(kernel: AdagradStepKernel, [grad]: readonly TypedArray[], [param, sum]: readonly TypedArray[]): void {
  const { lr, eps, weightDecay } = kernel;
  const n = param.length;
  for (let i = 0; i < n; i++) {
    const g = weightDecay === 0 ? grad[i] : grad[i] + weightDecay * param[i];
    sum[i] += g * g;
    param[i] -= (lr * g) / (Math.sqrt(sum[i]) + eps);
  }
}
