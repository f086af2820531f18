import { type Tensor } from '../tensor/tensor.js';
import { run } from '../tensor/dispatch.js';
import { checkNonNegative, describe, Optimizer, type OptimizerOptions, type ParamGroup, type ParamsInput, type StateSchema } from './optimizer.js';

export interface SGDOptions extends OptimizerOptions {
  /** Learning rate (default 1e-3, as in PyTorch 2). */
  lr: number;
  /** Momentum factor (default 0: plain gradient descent). */
  momentum: number;
  /** Dampening of the gradient added to the momentum buffer (default 0); dampening = momentum gives the running average v = m v + (1 - m) g. */
  dampening: number;
  /** L2 penalty added to the gradient: g + weightDecay * p (default 0). */
  weightDecay: number;
  /** Nesterov momentum (default false); needs momentum > 0 and dampening 0. */
  nesterov: boolean;
}

export interface SGDState {
  [key: string]: Tensor;
  momentumBuffer: Tensor;
}

/**
 * Stochastic gradient descent with optional momentum, dampening, weight decay and Nesterov
 * momentum, exactly as torch.optim.SGD:
 *
 *     g = grad + weightDecay * p
 *     v = (first step) ? g : momentum * v + (1 - dampening) * g
 *     g = nesterov ? g + momentum * v : v        (when momentum != 0)
 *     p = p - lr * g
 */
export class SGD extends Optimizer<SGDOptions, SGDState> {
  protected override stateSchema(): StateSchema {
    return { momentumBuffer: 'buffer' };
  }

  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super(params, { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false }, options);
  }

  protected override get name(): string {
    return 'SGD';
  }

  protected override validateOptions(o: SGDOptions, where: string): void {
    checkNonNegative(o.momentum, this.name, 'momentum', where);
    if (typeof o.dampening !== 'number' || !Number.isFinite(o.dampening)) {
      throw new RangeError(`${this.name}: invalid dampening ${describe(o.dampening)} in ${where} (must be a finite number)`);
    }
    checkNonNegative(o.weightDecay, this.name, 'weightDecay', where);
    if (typeof o.nesterov !== 'boolean') throw new TypeError(`${this.name}: nesterov must be a boolean, got ${describe(o.nesterov)} in ${where}`);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new Error(`${this.name}: Nesterov momentum requires a momentum > 0 and zero dampening, got momentum ${o.momentum} and dampening ${o.dampening} in ${where}`);
    }
  }

  protected override updateParameter(param: Tensor, grad: Tensor, group: ParamGroup<SGDOptions>): void {
    const { lr, momentum, dampening, weightDecay, nesterov } = group;
    let state = this.state.get(param);
    const firstStep = state === undefined;
    if (momentum !== 0 && state === undefined) {
      state = { momentumBuffer: this.allocLike(param) };
      this.state.set(param, state);
    }
    const outputs = momentum !== 0 ? [param, state!.momentumBuffer] : [param];
    run({ op: 'sgdStep', lr, momentum, dampening, weightDecay, nesterov, firstStep }, [grad], outputs);
  }
}
