import { checkOptions } from '../../base/options.js';
import { dropout2d } from '../../ops/dropout2d.js';
import { dropout } from '../../ops/nn.js';
import { defaultGenerator, type Generator } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';

const DROPOUT_OPTIONS = ['generator'];

/** What the dropout layers share, as PyTorch's _DropoutNd: the probability p and the generator of the masks. */
abstract class DropoutNd extends Module {
  protected readonly generator: Generator;

  constructor(readonly p = 0.5, options: { generator?: Generator } = {}) {
    super();
    checkOptions(options, DROPOUT_OPTIONS, new.target.name);
    if (!(p >= 0 && p <= 1)) throw new RangeError(`${new.target.name}: probability p must be in [0, 1], got ${p}`);
    this.generator = options.generator ?? defaultGenerator;
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/** Inverted dropout while training (see `dropout`); the identity after eval(). */
export class Dropout extends DropoutNd {
  forward(input: Tensor): Tensor {
    return dropout(input, this.p, { training: this.training, generator: this.generator });
  }
}

/** Whole-channel dropout of [N, C, H, W] or [C, H, W] while training (see `dropout2d`); the identity after eval(). */
export class Dropout2d extends DropoutNd {
  forward(input: Tensor): Tensor {
    return dropout2d(input, this.p, { training: this.training, generator: this.generator });
  }
}
