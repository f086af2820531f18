import { Tensor } from '../tensor/tensor.js';
import { run } from '../tensor/dispatch.js';
import { checkNonNegative, Optimizer, type OptimizerOptions, type ParamGroup, type ParamsInput, type StateSchema } from './optimizer.js';

export interface AdagradOptions extends OptimizerOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** The rate at step t is lr / (1 + (t - 1) * lrDecay) (default 0). */
  lrDecay: number;
  /** L2 penalty added to the gradient: g + weightDecay * p (default 0). */
  weightDecay: number;
  /** The starting value of every element of the sum of squared gradients (default 0). */
  initialAccumulatorValue: number;
  /** Added to the denominator for numerical stability (default 1e-10). */
  eps: number;
}

export interface AdagradState {
  [key: string]: number | Tensor;
  /** Number of updates this parameter has had (for the learning-rate decay). */
  step: number;
  /** The sum of the squared gradients so far, plus initialAccumulatorValue. */
  sum: Tensor;
}

/**
 * Adagrad (Duchi, Hazan & Singer, 2011), exactly as torch.optim.Adagrad (dense gradients):
 *
 *     g = grad + weightDecay * p
 *     sum = sum + g^2
 *     p = p - lr / (1 + (t - 1) * lrDecay) * g / (sqrt(sum) + eps)
 *
 * The sum starts at the group's initialAccumulatorValue when a parameter first gets an update.
 * PyTorch creates it in the constructor (the numbers are the same) from the constructor's value,
 * ignoring a parameter group's own; here a group's value is used, like its other options.
 */
export class Adagrad extends Optimizer<AdagradOptions, AdagradState> {
  constructor(params: ParamsInput<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super(params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 }, options);
  }

  protected override get name(): string {
    return 'Adagrad';
  }

  protected override stateSchema(): StateSchema {
    return { step: 'number', sum: 'buffer' };
  }

  protected override validateOptions(o: AdagradOptions, where: string): void {
    checkNonNegative(o.lrDecay, this.name, 'lrDecay', where);
    checkNonNegative(o.weightDecay, this.name, 'weightDecay', where);
    checkNonNegative(o.initialAccumulatorValue, this.name, 'initialAccumulatorValue', where);
    checkNonNegative(o.eps, this.name, 'eps', where);
  }

  protected override updateParameter(param: Tensor, grad: Tensor, group: ParamGroup<AdagradOptions>): void {
    const { lr, lrDecay, weightDecay, initialAccumulatorValue, eps } = group;
    let state = this.state.get(param);
    if (state === undefined) {
      state = { step: 0, sum: Tensor.full(param.shape, initialAccumulatorValue, param.dtype, param.backend) };
      this.state.set(param, state);
    }
    state.step += 1;
    run({ op: 'adagradStep', lr: lr / (1 + (state.step - 1) * lrDecay), eps, weightDecay }, [grad], [param, state.sum]);
  }
}
