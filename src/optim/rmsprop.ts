import { type Tensor } from '../tensor/tensor.js';
import { run } from '../tensor/dispatch.js';
import { checkNonNegative, describe, Optimizer, type OptimizerOptions, type ParamGroup, type ParamsInput, type StateSchema } from './optimizer.js';

export interface RMSpropOptions extends OptimizerOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Decay rate of the running averages (default 0.99). */
  alpha: number;
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient: g + weightDecay * p (default 0). */
  weightDecay: number;
  /** Momentum factor of the step (default 0). */
  momentum: number;
  /** Divide by an estimate of the gradient's variance, E[g^2] - E[g]^2, instead of E[g^2] (default false). */
  centered: boolean;
}

export interface RMSpropState {
  [key: string]: number | Tensor | undefined;
  /** Number of updates this parameter has had. */
  step: number;
  /** The running average of the squared gradient. */
  squareAvg: Tensor;
  /** With momentum > 0: the momentum buffer. */
  momentumBuffer?: Tensor;
  /** With centered: the running average of the gradient. */
  gradAvg?: Tensor;
}

/**
 * RMSprop (Hinton's lecture 6e; centered: Graves, 2013), exactly as torch.optim.RMSprop:
 *
 *     g = grad + weightDecay * p
 *     s = alpha * s + (1 - alpha) * g^2
 *     d = sqrt(s) + eps                      (centered: a = alpha * a + (1 - alpha) * g, d = sqrt(s - a^2) + eps)
 *     p = p - lr * g / d                     (momentum: buf = momentum * buf + g / d, p = p - lr * buf)
 */
export class RMSprop extends Optimizer<RMSpropOptions, RMSpropState> {
  constructor(params: ParamsInput<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super(params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false }, options);
  }

  protected override get name(): string {
    return 'RMSprop';
  }

  protected override stateSchema(o: RMSpropOptions): StateSchema {
    return {
      step: 'number',
      squareAvg: 'buffer',
      ...(o.momentum > 0 ? { momentumBuffer: 'buffer' } : {}),
      ...(o.centered ? { gradAvg: 'buffer' } : {}),
    };
  }

  protected override validateOptions(o: RMSpropOptions, where: string): void {
    checkNonNegative(o.alpha, this.name, 'alpha', where);
    checkNonNegative(o.eps, this.name, 'eps', where);
    checkNonNegative(o.weightDecay, this.name, 'weightDecay', where);
    checkNonNegative(o.momentum, this.name, 'momentum', where);
    if (typeof o.centered !== 'boolean') throw new TypeError(`${this.name}: centered must be a boolean, got ${describe(o.centered)} in ${where}`);
  }

  protected override updateParameter(param: Tensor, grad: Tensor, group: ParamGroup<RMSpropOptions>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered } = group;
    let state = this.state.get(param);
    if (state === undefined) {
      state = { step: 0, squareAvg: this.allocLike(param) };
      this.state.set(param, state);
    }
    // Buffers for momentum or centering turned on after the first steps start from zeros (PyTorch fails on the missing state).
    if (momentum > 0) state.momentumBuffer ??= this.allocLike(param);
    if (centered) state.gradAvg ??= this.allocLike(param);
    state.step += 1;
    const outputs = [param, state.squareAvg];
    if (momentum > 0) outputs.push(state.momentumBuffer!);
    if (centered) outputs.push(state.gradAvg!);
    run({ op: 'rmspropStep', lr, alpha, eps, weightDecay, momentum, centered }, [grad], outputs);
  }
}
