import { record } from '../autograd/graph.js';
import { isFloat } from '../base/dtype.js';
import { checkChoice, describeValue } from '../base/options.js';
import type { Tensor } from '../tensor/tensor.js';
import { clamp, gt, lt, where } from './compare.js';
import { erf, expm1, sigmoid } from './elementwise.js';

/*
 * The smooth activations, composed from elementwise ops, so that their gradients (and higher ones)
 * follow from those ops' rules. Branches that are not taken are computed on clamped inputs, so an
 * overflow there cannot put 0 * inf = NaN into the gradient.
 */

export type GeluApproximation = 'none' | 'tanh';
export const GELU_APPROXIMATIONS: readonly GeluApproximation[] = ['none', 'tanh'];

/** SELU's constants, as in PyTorch (Klambauer et al., 2017). */
export const SELU_ALPHA = 1.6732632423543772848170429916717;
export const SELU_SCALE = 1.0507009873554804934193349852946;

function checkFloat(x: Tensor, owner: string): void {
  if (!isFloat(x.dtype)) throw new TypeError(`${owner}: input must be float32 or float64, got ${x.dtype}`);
}

function checkFinite(value: unknown, owner: string, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`${owner}: ${name} must be a finite number, got ${describeValue(value)}`);
}

/* The argument checks, shared with the modules (which check when they are built). */

export function checkGeluArguments(approximate: unknown, owner: string): void {
  checkChoice(approximate, GELU_APPROXIMATIONS, owner, 'approximate');
}

export function checkEluArguments(alpha: unknown, owner: string): void {
  checkFinite(alpha, owner, 'alpha');
}

export function checkSoftplusArguments(beta: unknown, threshold: unknown, owner: string): void {
  checkFinite(beta, owner, 'beta');
  if (beta === 0) throw new RangeError(`${owner}: beta must be nonzero (the result divides by it), got 0`);
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new RangeError(`${owner}: threshold must be a number, got ${describeValue(threshold)}`);
}

export function checkHardtanhArguments(minVal: unknown, maxVal: unknown, owner: string): void {
  checkFinite(minVal, owner, 'minVal');
  checkFinite(maxVal, owner, 'maxVal');
  if (minVal > maxVal) throw new RangeError(`${owner}: minVal (${minVal}) must not be greater than maxVal (${maxVal})`);
}

/**
 * x Phi(x) with Phi the standard normal CDF, 0.5 x (1 + erf(x / sqrt 2)); with approximate 'tanh',
 * 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) (torch.nn.functional.gelu).
 */
export function gelu(x: Tensor, approximate: GeluApproximation = 'none'): Tensor {
  checkGeluArguments(approximate, 'gelu');
  checkFloat(x, 'gelu');
  if (approximate === 'tanh') return x.mul(0.5).mul(x.square().mul(x).mul(0.044715).add(x).mul(Math.sqrt(2 / Math.PI)).tanh().add(1));
  return x.mul(0.5).mul(erf(x.mul(Math.SQRT1_2)).add(1));
}

/** x sigmoid(x), also called swish. */
export function silu(x: Tensor): Tensor {
  checkFloat(x, 'silu');
  return x.mul(sigmoid(x));
}

/** x for x > 0, alpha (exp(x) - 1) otherwise (its gradient at 0 is alpha, as in PyTorch). */
export function elu(x: Tensor, alpha = 1): Tensor {
  checkEluArguments(alpha, 'elu');
  checkFloat(x, 'elu');
  return where(gt(x, 0), x, expm1(clamp(x, undefined, 0)).mul(alpha));
}

/** SELU_SCALE * elu(x, SELU_ALPHA). */
export function selu(x: Tensor): Tensor {
  checkFloat(x, 'selu');
  return elu(x, SELU_ALPHA).mul(SELU_SCALE);
}

/** log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (for numerical stability, as in PyTorch). */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  checkSoftplusArguments(beta, threshold, 'softplus');
  checkFloat(x, 'softplus');
  const scaled = x.mul(beta);
  return where(gt(scaled, threshold), x, clamp(scaled, undefined, threshold).exp().log1p().div(beta));
}

/**
 * x clamped to [minVal, maxVal]; unlike clamp, the gradient is 0 at the bounds themselves (PyTorch's
 * hardtanh passes it only strictly inside).
 */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  checkHardtanhArguments(minVal, maxVal, 'hardtanh');
  checkFloat(x, 'hardtanh');
  const out = clamp(x.detach(), minVal, maxVal);
  return record(out, 'hardtanh', [x], (g) => [where(gt(x, minVal).mul(lt(x, maxVal)), g, 0)]);
}

/** x tanh(softplus(x)) (Misra, 2019). */
export function mish(x: Tensor): Tensor {
  checkFloat(x, 'mish');
  return x.mul(softplus(x).tanh());
}
