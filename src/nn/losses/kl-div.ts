/** Kullback-Leibler divergence, PyTorch's kl_div. */
import { eq, where } from '../../ops/compare.js';
import { REDUCTIONS } from '../../ops/nn.js';
import { checkChoice, checkOptions, describeValue } from '../../base/options.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type Reduction, reduce, requireFloat, requireSameShape, targetLike } from './shared.js';

/** klDiv's reductions: those of every loss and 'batchmean', the sum divided by the batch size (dim 0). */
export type KlDivReduction = Reduction | 'batchmean';

export interface KlDivOptions {
  /** 'mean' (default, PyTorch's: the mean over all elements, not the KL divergence), 'batchmean', 'sum' or 'none'. */
  reduction?: KlDivReduction;
  /** The target holds log-probabilities rather than probabilities (default false). */
  logTarget?: boolean;
}

const KL_DIV_OPTIONS = ['reduction', 'logTarget'];
const KL_DIV_REDUCTIONS: readonly KlDivReduction[] = Object.freeze([...REDUCTIONS, 'batchmean']);

/** t log t with 0 log 0 = 0 (PyTorch's xlogy(t, t)); NaN for t < 0. */
function xlogx(t: Tensor): Tensor {
  const zero = eq(t, 0);
  return where(zero, 0, t.mul(where(zero, 1, t).log()));
}

/**
 * The pointwise KL divergence of the target from the input, where the input holds
 * log-probabilities (e.g. from logSoftmax): t (log t - input), or with logTarget e^t (t - input).
 * The sum over classes is KL(target || exp(input)); 'batchmean' gives its mean over the batch.
 */
export function klDiv(input: Tensor, target: Tensor, options: KlDivOptions = {}): Tensor {
  const op = 'klDiv';
  const { reduction = 'mean', logTarget = false } = checkOptions(options, KL_DIV_OPTIONS, op);
  checkChoice(reduction, KL_DIV_REDUCTIONS, op, 'reduction');
  if (typeof logTarget !== 'boolean') throw new TypeError(`${op}: logTarget must be a boolean, got ${describeValue(logTarget)}`);
  requireFloat(input, op, 'input');
  requireSameShape(input, target, op);
  const t = targetLike(target, input);
  const losses = logTarget ? t.exp().mul(t.sub(input)) : xlogx(t).sub(t.mul(input));
  if (reduction !== 'batchmean') return reduce(losses, reduction);
  return input.ndim === 0 ? losses.sum() : losses.sum().div(input.shape[0]);
}
