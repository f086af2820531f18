import type { Activation } from '../../backend/kernels.js';
import { describeValue } from '../../base/options.js';
import type { LinearActivation } from '../../ops/nn.js';
import { logSoftmax, softmax } from '../../ops/nn.js';
import {
  checkEluArguments, checkGeluArguments, checkHardtanhArguments, checkSoftplusArguments, elu, gelu, type GeluApproximation, hardtanh, mish, selu, silu, softplus,
} from '../../ops/activations.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';

const APPLY: Record<Activation, (x: Tensor, alpha: number) => Tensor> = {
  none: (x) => x,
  sigmoid: (x) => x.sigmoid(),
  tanh: (x) => x.tanh(),
  relu: (x) => x.relu(),
  leakyRelu: (x, alpha) => x.leakyRelu(alpha),
};

/** An elementwise activation that the Linear kernel can apply in the same pass (see Linear.fuseWith). */
export abstract class FusableActivation extends Module {
  abstract readonly fused: Required<LinearActivation>;

  forward(input: Tensor): Tensor {
    return APPLY[this.fused.activation](input, this.fused.alpha);
  }

  /** What the fused kernel should apply, or null when a subclass overrides forward (then its own forward must run). */
  fusedActivation(): Required<LinearActivation> | null {
    return this.forward === FusableActivation.prototype.forward ? this.fused : null;
  }
}

export class Sigmoid extends FusableActivation {
  readonly fused = { activation: 'sigmoid', alpha: 0 } as const;
}

export class Tanh extends FusableActivation {
  readonly fused = { activation: 'tanh', alpha: 0 } as const;
}

export class ReLU extends FusableActivation {
  readonly fused = { activation: 'relu', alpha: 0 } as const;
}

export class LeakyReLU extends FusableActivation {
  readonly fused: Required<LinearActivation>;
  constructor(readonly negativeSlope = 0.01) {
    super();
    if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) {
      throw new RangeError(`LeakyReLU: negativeSlope must be a finite number, got ${describeValue(negativeSlope)}`);
    }
    this.fused = { activation: 'leakyRelu', alpha: negativeSlope };
  }
  override extraRepr(): string { return `negativeSlope=${this.negativeSlope}`; }
}

export class Softmax extends Module {
  constructor(readonly dim = -1) { super(); }
  forward(input: Tensor): Tensor { return softmax(input, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}

export class LogSoftmax extends Module {
  constructor(readonly dim = -1) { super(); }
  forward(input: Tensor): Tensor { return logSoftmax(input, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}

export class Identity extends Module {
  forward(input: Tensor): Tensor { return input; }
}

/** Flattens dimensions startDim..endDim (all but the batch dimension by default). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) { super(); }
  forward(input: Tensor): Tensor { return input.flatten(this.startDim, this.endDim); }
  override extraRepr(): string { return `startDim=${this.startDim}, endDim=${this.endDim}`; }
}

/* Activations the fused kernels do not compute: plain modules over the functions in ops/activations.ts. */

export class GELU extends Module {
  constructor(readonly approximate: GeluApproximation = 'none') {
    super();
    checkGeluArguments(approximate, 'GELU');
  }
  forward(input: Tensor): Tensor { return gelu(input, this.approximate); }
  override extraRepr(): string { return `approximate='${this.approximate}'`; }
}

export class SiLU extends Module {
  forward(input: Tensor): Tensor { return silu(input); }
}

export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
    checkEluArguments(alpha, 'ELU');
  }
  forward(input: Tensor): Tensor { return elu(input, this.alpha); }
  override extraRepr(): string { return `alpha=${this.alpha}`; }
}

export class SELU extends Module {
  forward(input: Tensor): Tensor { return selu(input); }
}

export class Softplus extends Module {
  constructor(readonly beta = 1, readonly threshold = 20) {
    super();
    checkSoftplusArguments(beta, threshold, 'Softplus');
  }
  forward(input: Tensor): Tensor { return softplus(input, this.beta, this.threshold); }
  override extraRepr(): string { return `beta=${this.beta}, threshold=${this.threshold}`; }
}

export class Hardtanh extends Module {
  constructor(readonly minVal = -1, readonly maxVal = 1) {
    super();
    checkHardtanhArguments(minVal, maxVal, 'Hardtanh');
  }
  forward(input: Tensor): Tensor { return hardtanh(input, this.minVal, this.maxVal); }
  override extraRepr(): string { return `minVal=${this.minVal}, maxVal=${this.maxVal}`; }
}

export class Mish extends Module {
  forward(input: Tensor): Tensor { return mish(input); }
}
