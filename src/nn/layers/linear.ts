import { linear } from '../../ops/nn.js';
import { defaultGenerator, type Generator } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import type { FloatDType } from '../../base/dtype.js';
import { checkChoice, checkOptions, describeValue } from '../../base/options.js';
import { pytorchLinearDefault_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { FusableActivation } from './activations.js';

export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** 'float32' (default) or 'float64'. */
  dtype?: FloatDType;
  generator?: Generator;
}

const LINEAR_OPTIONS = ['bias', 'dtype', 'generator'];
const FLOAT_DTYPES: readonly FloatDType[] = ['float32', 'float64'];

/** y = x W^T + b with W of shape [outFeatures, inFeatures], initialized like PyTorch's nn.Linear. */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    for (const [name, value] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(value) || value <= 0) throw new RangeError(`Linear: ${name} must be a positive integer, got ${value}`);
    }
    const { bias = true, dtype = 'float32', generator = defaultGenerator } = checkOptions(options, LINEAR_OPTIONS, 'Linear');
    if (typeof bias !== 'boolean') throw new TypeError(`Linear: bias must be a boolean, got ${describeValue(bias)}`);
    checkChoice(dtype, FLOAT_DTYPES, 'Linear', 'dtype');
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = new Parameter(Tensor.empty([outFeatures, inFeatures], dtype));
    this.bias = bias ? new Parameter(Tensor.empty([outFeatures], dtype)) : null;
    pytorchLinearDefault_(this.weight, this.bias, { generator });
  }

  forward(input: Tensor): Tensor {
    return linear(input, this.weight, this.bias);
  }

  /** With an activation next (Linear -> ReLU), both run as one kernel; not for subclasses that override forward. */
  override fuseWith(next: Module): ((input: Tensor) => Tensor) | null {
    if (this.forward !== Linear.prototype.forward || !(next instanceof FusableActivation)) return null;
    const activation = next.fusedActivation();
    return activation === null ? null : (input) => linear(input, this.weight, this.bias, activation);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
