import type { FloatDType } from '../../base/dtype.js';
import { checkChoice, checkOptions, describeValue } from '../../base/options.js';
import { formatShape, ShapeError } from '../../base/shape.js';
import { batchNorm } from '../../ops/normalization.js';
import { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

export interface BatchNormLayerOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Weight of each batch in the running statistics (default 0.1); null for a cumulative average of all batches. */
  momentum?: number | null;
  /** Learn a per-channel weight (ones) and bias (zeros) (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true); without them batch statistics are used in eval mode too. */
  trackRunningStats?: boolean;
  dtype?: FloatDType;
}

const BATCH_NORM_OPTIONS = ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype'];
const FLOAT_DTYPES: readonly FloatDType[] = ['float32', 'float64'];

/**
 * What BatchNorm1d and BatchNorm2d share, as PyTorch's _BatchNorm: the parameters `weight` and
 * `bias`, and the buffers `running_mean`, `running_var` and `num_batches_tracked` under PyTorch's
 * state-dict names. num_batches_tracked is an int32 scalar (int64 in PyTorch).
 */
abstract class BatchNorm extends Module {
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  declare runningMean: Tensor | null;
  declare runningVar: Tensor | null;
  declare numBatchesTracked: Tensor | null;

  /** `shapes`: the accepted input shapes by rank, for the error message. */
  protected constructor(
    private readonly name: string, private readonly shapes: Readonly<Record<number, string>>,
    readonly numFeatures: number, options: BatchNormLayerOptions,
  ) {
    super();
    checkOptions(options, BATCH_NORM_OPTIONS, name);
    const { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true, dtype = 'float32' } = options;
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) throw new RangeError(`${name}: numFeatures must be a positive integer, got ${describeValue(numFeatures)}`);
    if (typeof eps !== 'number' || !(eps >= 0 && eps < Infinity)) throw new RangeError(`${name}: eps must be a finite number >= 0, got ${describeValue(eps)}`);
    if (momentum !== null && (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1))) {
      throw new RangeError(`${name}: momentum must be a number in [0, 1] or null (a cumulative average), got ${describeValue(momentum)}`);
    }
    for (const [what, value] of [['affine', affine], ['trackRunningStats', trackRunningStats]] as const) {
      if (typeof value !== 'boolean') throw new TypeError(`${name}: ${what} must be a boolean, got ${describeValue(value)}`);
    }
    checkChoice(dtype, FLOAT_DTYPES, name, 'dtype');
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    this.weight = affine ? new Parameter(Tensor.full([numFeatures], 1, dtype)) : null;
    this.bias = affine ? new Parameter(Tensor.full([numFeatures], 0, dtype)) : null;
    this.registerBuffer('running_mean', trackRunningStats ? Tensor.full([numFeatures], 0, dtype) : null);
    this.registerBuffer('running_var', trackRunningStats ? Tensor.full([numFeatures], 1, dtype) : null);
    this.registerBuffer('num_batches_tracked', trackRunningStats ? Tensor.full([], 0, 'int32') : null);
  }

  forward(input: Tensor): Tensor {
    if (!(input instanceof Tensor) || !(input.ndim in this.shapes)) {
      throw new ShapeError(`${this.name}: expected input ${Object.values(this.shapes).join(' or ')}, got ${input instanceof Tensor ? formatShape(input.shape) : describeValue(input)}`);
    }
    if (input.shape[1] !== this.numFeatures) {
      throw new ShapeError(`${this.name}: input of shape ${formatShape(input.shape)} has ${input.shape[1]} channels (axis 1), expected numFeatures = ${this.numFeatures}`);
    }
    // The batch is counted once batchNorm accepts it (PyTorch counts first), so a rejected batch leaves the count alone.
    const counter = this.training && this.trackRunningStats ? this.numBatchesTracked : null;
    const tracked = counter === null ? 0 : counter.item() + 1;
    const factor = this.momentum ?? (tracked > 0 ? 1 / tracked : 0);
    // Running statistics are used in eval mode, updated in training only when tracked; without them a module always normalizes by the batch.
    const useRunning = !this.training || this.trackRunningStats;
    const output = batchNorm(input, useRunning ? this.runningMean : null, useRunning ? this.runningVar : null, this.weight, this.bias, {
      training: this.training || (this.runningMean === null && this.runningVar === null),
      momentum: factor,
      eps: this.eps,
    });
    counter?.backend.write(counter.storage, [tracked]);
    return output;
  }

  override extraRepr(): string {
    return `numFeatures=${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/** Batch normalization of [N, C] or [N, C, L] per channel (see batchNorm). */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super('BatchNorm1d', { 2: '[N, C]', 3: '[N, C, L]' }, numFeatures, options);
  }
}

/** Batch normalization of [N, C, H, W] per channel (see batchNorm). */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super('BatchNorm2d', { 4: '[N, C, H, W]' }, numFeatures, options);
  }
}
