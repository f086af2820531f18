import { formatShape, ShapeError } from '../../base/shape.js';
import { adaptiveAvgPool1d, adaptiveAvgPool2d, avgPool1d, avgPool2d, maxPool1d, maxPool2d, type PoolOptions } from '../../ops/pool.js';
import { mean } from '../../ops/reduce.js';
import type { PerAxis } from '../../ops/window.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';

type PoolFn = (input: Tensor, options: PoolOptions) => Tensor;

/** Options as a kernel size alone (`new MaxPool2d(2)`) or in full (`new MaxPool2d({ kernelSize: 3, stride: 2 })`). */
abstract class Pool extends Module {
  readonly options: PoolOptions;

  protected constructor(private readonly fn: PoolFn, options: PoolOptions | PerAxis) {
    super();
    this.options = typeof options === 'number' || Array.isArray(options) ? { kernelSize: options as PerAxis } : { ...(options as PoolOptions) };
  }

  forward(input: Tensor): Tensor {
    return this.fn(input, this.options);
  }

  override extraRepr(): string {
    return Object.entries(this.options).map(([key, value]) => `${key}=${JSON.stringify(value)}`).join(', ');
  }
}

export class MaxPool1d extends Pool {
  constructor(options: PoolOptions | PerAxis) { super(maxPool1d, options); }
}

export class MaxPool2d extends Pool {
  constructor(options: PoolOptions | PerAxis) { super(maxPool2d, options); }
}

export class AvgPool1d extends Pool {
  constructor(options: PoolOptions | PerAxis) { super(avgPool1d, options); }
}

export class AvgPool2d extends Pool {
  constructor(options: PoolOptions | PerAxis) { super(avgPool2d, options); }
}

type OutputSize = number | readonly (number | null)[];

export class AdaptiveAvgPool1d extends Module {
  constructor(readonly outputSize: OutputSize) { super(); }
  forward(input: Tensor): Tensor { return adaptiveAvgPool1d(input, this.outputSize); }
  override extraRepr(): string { return `outputSize=${JSON.stringify(this.outputSize)}`; }
}

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: OutputSize) { super(); }
  forward(input: Tensor): Tensor { return adaptiveAvgPool2d(input, this.outputSize); }
  override extraRepr(): string { return `outputSize=${JSON.stringify(this.outputSize)}`; }
}

/** Global average pooling: [N, C, ...spatial] to [N, C], the mean of each channel (Keras's GlobalAveragePooling2D). */
export class GlobalAvgPool extends Module {
  forward(input: Tensor): Tensor {
    if (input.ndim < 3) throw new ShapeError(`GlobalAvgPool: expected [N, C, ...spatial] with at least one spatial axis, got ${formatShape(input.shape)}`);
    return mean(input, Array.from({ length: input.ndim - 2 }, (_, i) => i + 2));
  }
}
