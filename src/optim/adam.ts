import { type Tensor } from '../tensor/tensor.js';
import { run } from '../tensor/dispatch.js';
import { checkNonNegative, describe, Optimizer, type OptimizerOptions, type ParamGroup, type ParamsInput, type StateSchema } from './optimizer.js';

export interface AdamOptions extends OptimizerOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]); each in [0, 1). */
  betas: readonly [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** Weight decay: an L2 penalty added to the gradient (Adam), or a decay of the weights (AdamW). */
  weightDecay: number;
  /**
   * Applies weight decay to the parameter directly, p *= 1 - lr * weightDecay, instead of adding it
   * to the gradient (Loshchilov & Hutter). Default false for Adam, true for AdamW, as in PyTorch.
   */
  decoupledWeightDecay: boolean;
  /**
   * AMSGrad (Reddi et al., 2018): divide by the square root of the largest second moment estimate
   * so far instead of the current one, so the step size never grows back (default false).
   */
  amsgrad: boolean;
}

export interface AdamState {
  [key: string]: number | Tensor | undefined;
  /** Number of updates this parameter has had (for the bias corrections). */
  step: number;
  /** First moment estimate m. */
  expAvg: Tensor;
  /** Second moment estimate v. */
  expAvgSq: Tensor;
  /** With amsgrad: the elementwise maximum of v over the steps so far. */
  maxExpAvgSq?: Tensor;
}

const ADAM_DEFAULTS: AdamOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, decoupledWeightDecay: false, amsgrad: false };

/**
 * Adam (Kingma & Ba, 2015) with bias correction, as torch.optim.Adam:
 *
 *     g = grad + weightDecay * p            (or p *= 1 - lr * weightDecay when decoupled)
 *     m = beta1 * m + (1 - beta1) * g
 *     v = beta2 * v + (1 - beta2) * g^2
 *     p = p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
 *
 * With amsgrad, vmax = max(vmax, v) takes the place of v in the last line.
 */
export class Adam extends Optimizer<AdamOptions, AdamState> {
  protected override stateSchema(options: AdamOptions): StateSchema {
    const schema: StateSchema = { step: 'number', expAvg: 'buffer', expAvgSq: 'buffer' };
    return options.amsgrad ? { ...schema, maxExpAvgSq: 'buffer' } : schema;
  }

  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, ADAM_DEFAULTS, options);
  }

  protected override get name(): string {
    return 'Adam';
  }

  protected override validateOptions(o: AdamOptions, where: string): void {
    checkNonNegative(o.eps, this.name, 'eps', where);
    checkNonNegative(o.weightDecay, this.name, 'weightDecay', where);
    if (!Array.isArray(o.betas) || o.betas.length !== 2) {
      throw new TypeError(`${this.name}: betas must be a pair [beta1, beta2], got ${describe(o.betas)} in ${where}`);
    }
    o.betas.forEach((beta, i) => {
      if (typeof beta !== 'number' || !(beta >= 0 && beta < 1)) {
        throw new RangeError(`${this.name}: invalid beta parameter at index ${i}: ${describe(beta)} in ${where} (each beta must be in [0, 1))`);
      }
    });
    for (const flag of ['decoupledWeightDecay', 'amsgrad'] as const) {
      if (typeof o[flag] !== 'boolean') throw new TypeError(`${this.name}: ${flag} must be a boolean, got ${describe(o[flag])} in ${where}`);
    }
  }

  protected override updateParameter(param: Tensor, grad: Tensor, group: ParamGroup<AdamOptions>): void {
    let state = this.state.get(param);
    if (state === undefined) {
      state = { step: 0, expAvg: this.allocLike(param), expAvgSq: this.allocLike(param) };
      this.state.set(param, state);
    }
    const { lr, betas: [beta1, beta2], eps, weightDecay, decoupledWeightDecay, amsgrad } = group;
    // A group switched to amsgrad after its first steps starts its maximum from zeros (PyTorch fails on the missing state).
    if (amsgrad) state.maxExpAvgSq ??= this.allocLike(param);
    state.step += 1;
    const outputs = amsgrad ? [param, state.expAvg, state.expAvgSq, state.maxExpAvgSq!] : [param, state.expAvg, state.expAvgSq];
    run({ op: 'adamStep', lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay, step: state.step }, [grad], outputs);
  }
}

/**
 * AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay, p *= 1 - lr * weightDecay
 * before the Adam update, as torch.optim.AdamW. Default weightDecay 1e-2.
 */
export class AdamW extends Adam {
  constructor(params: ParamsInput<AdamOptions>, options: Partial<Omit<AdamOptions, 'decoupledWeightDecay'>> = {}) {
    super(params, { ...options, weightDecay: options.weightDecay ?? 1e-2, decoupledWeightDecay: true });
  }

  protected override get name(): string {
    return 'AdamW';
  }
}
