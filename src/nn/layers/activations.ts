import type { LinearActivation } from '../../ops/nn.js';
import { logSoftmax, softmax } from '../../ops/nn.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';

/** An elementwise activation that the Linear kernel can apply in the same pass (see Sequential). */
export abstract class FusableActivation extends Module {
  abstract readonly fused: Required<LinearActivation>;
}

export class Sigmoid extends FusableActivation {
  readonly fused = { activation: 'sigmoid', alpha: 0 } as const;
  forward(input: Tensor): Tensor { return input.sigmoid(); }
}

export class Tanh extends FusableActivation {
  readonly fused = { activation: 'tanh', alpha: 0 } as const;
  forward(input: Tensor): Tensor { return input.tanh(); }
}

export class ReLU extends FusableActivation {
  readonly fused = { activation: 'relu', alpha: 0 } as const;
  forward(input: Tensor): Tensor { return input.relu(); }
}

export class LeakyReLU extends FusableActivation {
  readonly fused: Required<LinearActivation>;
  constructor(readonly negativeSlope = 0.01) {
    super();
    this.fused = { activation: 'leakyRelu', alpha: negativeSlope };
  }
  forward(input: Tensor): Tensor { return input.leakyRelu(this.negativeSlope); }
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
