import { checkOptions } from '../../base/options.js';
import { dropout } from '../../ops/nn.js';
import { defaultGenerator, type Generator } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';

const DROPOUT_OPTIONS = ['generator'];

/** Inverted dropout while training (see `dropout`); the identity after eval(). */
export class Dropout extends Module {
  private readonly generator: Generator;

  constructor(readonly p = 0.5, options: { generator?: Generator } = {}) {
    super();
    checkOptions(options, DROPOUT_OPTIONS, 'Dropout');
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Dropout: probability p must be in [0, 1], got ${p}`);
    this.generator = options.generator ?? defaultGenerator;
  }

  forward(input: Tensor): Tensor {
    return dropout(input, this.p, { training: this.training, generator: this.generator });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
