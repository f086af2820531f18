import { noGrad } from '../autograd/graph.js';
import type { BinaryOp } from '../backend/kernels.js';
import { Tensor } from '../tensor/tensor.js';
import { run } from '../tensor/dispatch.js';
import { checkOptions } from '../base/options.js';
import { describe } from './optimizer.js';

export interface ClipGradNormOptions {
  /** Throw when the total norm is NaN or infinite instead of scaling by it (default false, as in PyTorch). */
  errorIfNonfinite?: boolean;
}

/**
 * Rescales the gradients of `params` in place so that their combined norm (the norm of the vector of
 * all gradient elements) is at most `maxNorm`, like torch.nn.utils.clip_grad_norm_: every gradient
 * is multiplied by maxNorm / (total + 1e-6) when that factor is below 1. Parameters without a
 * gradient are ignored. Returns the total norm before clipping.
 *
 * `normType` is p of the p-norm (any p > 0) or Infinity for the largest absolute value.
 */
export function clipGradNorm(params: Tensor | Iterable<Tensor>, maxNorm: number, normType = 2, options: ClipGradNormOptions = {}): number {
  checkOptions(options, ['errorIfNonfinite'], 'clipGradNorm');
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new RangeError(`clipGradNorm: maxNorm must be a number >= 0, got ${describe(maxNorm)}`);
  if (typeof normType !== 'number' || !(normType > 0)) throw new RangeError(`clipGradNorm: normType must be a number > 0 or Infinity, got ${describe(normType)}`);
  const grads = gradientsOf(params, 'clipGradNorm');
  if (grads.length === 0) return 0;
  return noGrad(() => {
    let total: number;
    if (normType === Infinity) {
      total = grads.filter((g) => g.size > 0).reduce((acc, g) => Math.max(acc, g.abs().max().item()), 0);
    } else {
      // sum_g sum_i |g_i|^p, then the p-th root: the p-norm of all gradient elements together.
      const powered = (g: Tensor): Tensor => (normType === 2 ? g.square() : normType === 1 ? g.abs() : g.abs().pow(normType));
      const sum = grads.reduce((acc, g) => acc + powered(g).sum().item(), 0);
      total = normType === 1 ? sum : normType === 2 ? Math.sqrt(sum) : Math.pow(sum, 1 / normType);
    }
    if (options.errorIfNonfinite && !Number.isFinite(total)) {
      throw new Error(`clipGradNorm: the total norm of order ${normType} of the gradients is ${total}, so they cannot be clipped; pass errorIfNonfinite: false to clip anyway`);
    }
    const coefficient = maxNorm / (total + 1e-6);
    // `!(c >= 1)` rather than `c < 1`: a NaN total makes NaN gradients, as in PyTorch.
    if (!(coefficient >= 1)) for (const g of grads) binaryInPlace(g, 'mul', coefficient);
    return total;
  });
}

/** Clamps every gradient element of `params` to [-clipValue, clipValue] in place, like torch.nn.utils.clip_grad_value_. */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) throw new RangeError(`clipGradValue: clipValue must be a number >= 0, got ${describe(clipValue)}`);
  for (const g of gradientsOf(params, 'clipGradValue')) {
    binaryInPlace(g, 'minimum', clipValue);
    binaryInPlace(g, 'maximum', -clipValue);
  }
}

function gradientsOf(params: Tensor | Iterable<Tensor>, owner: string): Tensor[] {
  if (!(params instanceof Tensor) && typeof (params as Iterable<Tensor> | null)?.[Symbol.iterator] !== 'function') {
    throw new TypeError(`${owner}: expected a Tensor or an iterable of Tensors, such as model.parameters()`);
  }
  const list = params instanceof Tensor ? [params] : Array.from(params);
  return list.flatMap((p, i) => {
    if (!(p instanceof Tensor)) throw new TypeError(`${owner}: parameter ${i} is not a Tensor`);
    return p.grad === null ? [] : [p.grad];
  });
}

/** g = g op scalar, into g's own storage. */
function binaryInPlace(g: Tensor, op: BinaryOp, scalar: number): void {
  const s = Tensor.full([], scalar, g.dtype, g.backend);
  run({ op: 'binary', fn: op, aShape: g.shape, bShape: s.shape, outShape: g.shape }, [g, s], [g]);
}
