import type { FloatDType } from '../../base/dtype.js';
import { checkChoice, checkOptions, describeValue } from '../../base/options.js';
import { conv1d, conv2d, convTranspose1d, convTranspose2d, type ConvOptions, fusedConvolution } from '../../ops/conv.js';
import { type Padding, type PerAxis, perAxis } from '../../ops/window.js';
import { defaultGenerator, type Generator } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { pytorchLinearDefault_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { FusableActivation } from './activations.js';

export interface ConvLayerOptions {
  stride?: PerAxis;
  padding?: Padding;
  dilation?: PerAxis;
  groups?: number;
  /** Learn one additive bias per output channel (default true). */
  bias?: boolean;
  dtype?: FloatDType;
  generator?: Generator;
}

export interface ConvTransposeLayerOptions extends Omit<ConvLayerOptions, 'padding'> {
  padding?: PerAxis;
  outputPadding?: PerAxis;
}

const FLOAT_DTYPES: readonly FloatDType[] = ['float32', 'float64'];
const CONV_LAYER_OPTIONS = ['stride', 'padding', 'dilation', 'groups', 'bias', 'dtype', 'generator'];
const CONV_TRANSPOSE_LAYER_OPTIONS = [...CONV_LAYER_OPTIONS, 'outputPadding'];

type ConvFn = (input: Tensor, weight: Tensor, bias: Tensor | null, options: object) => Tensor;

/**
 * What every convolution layer shares: the weight (PyTorch's layout: [C_out, C_in/groups, ...k], or
 * [C_in, C_out/groups, ...k] when transposed), the optional bias, and PyTorch's default
 * initialisation U(-1/sqrt(fanIn), 1/sqrt(fanIn)) for both, fanIn = weight.shape[1] * prod(k).
 */
abstract class ConvBase extends Module {
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly dilation: number[];
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;

  protected constructor(
    readonly name: string, d: number, readonly inChannels: number, readonly outChannels: number, kernelSize: PerAxis,
    options: ConvLayerOptions | ConvTransposeLayerOptions, transposed: boolean,
  ) {
    super();
    for (const [what, value] of [['inChannels', inChannels], ['outChannels', outChannels]] as const) {
      if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name}: ${what} must be a positive integer, got ${describeValue(value)}`);
    }
    const { groups = 1, bias = true, dtype = 'float32', generator = defaultGenerator } = options;
    if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${name}: groups must be a positive integer, got ${describeValue(groups)}`);
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new RangeError(`${name}: inChannels (${inChannels}) and outChannels (${outChannels}) must both divide by groups (${groups})`);
    }
    if (typeof bias !== 'boolean') throw new TypeError(`${name}: bias must be a boolean, got ${describeValue(bias)}`);
    checkChoice(dtype, FLOAT_DTYPES, name, 'dtype');
    this.kernelSize = perAxis(kernelSize, d, name, 'kernelSize');
    this.stride = perAxis(options.stride ?? 1, d, name, 'stride');
    this.dilation = perAxis(options.dilation ?? 1, d, name, 'dilation');
    this.groups = groups;
    const weightShape = transposed ? [inChannels, outChannels / groups, ...this.kernelSize] : [outChannels, inChannels / groups, ...this.kernelSize];
    this.weight = new Parameter(Tensor.empty(weightShape, dtype));
    this.bias = bias ? new Parameter(Tensor.empty([outChannels], dtype)) : null;
    pytorchLinearDefault_(this.weight, this.bias, { generator });
  }

  protected describe(extra: string): string {
    return `inChannels=${this.inChannels}, outChannels=${this.outChannels}, kernelSize=[${this.kernelSize.join(', ')}], ` +
      `stride=[${this.stride.join(', ')}]${extra}, dilation=[${this.dilation.join(', ')}], groups=${this.groups}, bias=${this.bias !== null}`;
  }
}

abstract class Conv extends ConvBase {
  readonly padding: Padding;

  protected constructor(name: string, private readonly d: 1 | 2, private readonly fn: ConvFn, inChannels: number, outChannels: number, kernelSize: PerAxis, options: ConvLayerOptions) {
    checkOptions(options, CONV_LAYER_OPTIONS, name);
    super(name, d, inChannels, outChannels, kernelSize, options, false);
    this.padding = options.padding ?? 0;
  }

  forward(input: Tensor): Tensor {
    return this.fn(input, this.weight, this.bias, this.options());
  }

  /** With an activation next (Conv2d -> ReLU), the activation is applied where the product is made; not for subclasses that override forward. */
  override fuseWith(next: Module): ((input: Tensor) => Tensor) | null {
    if (this.forward !== Conv.prototype.forward || !(next instanceof FusableActivation)) return null;
    const activation = next.fusedActivation();
    return activation === null ? null : (input) => fusedConvolution(this.d, input, this.weight, this.bias, this.options(), activation);
  }

  private options(): ConvOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }

  override extraRepr(): string {
    return this.describe(`, padding=${typeof this.padding === 'string' ? `'${this.padding}'` : JSON.stringify(this.padding)}`);
  }
}

/** 1-D convolution over [N, C_in, L] (see conv1d). */
export class Conv1d extends Conv {
  constructor(inChannels: number, outChannels: number, kernelSize: PerAxis, options: ConvLayerOptions = {}) {
    super('Conv1d', 1, conv1d, inChannels, outChannels, kernelSize, options);
  }
}

/** 2-D convolution over [N, C_in, H, W] (see conv2d). */
export class Conv2d extends Conv {
  constructor(inChannels: number, outChannels: number, kernelSize: PerAxis, options: ConvLayerOptions = {}) {
    super('Conv2d', 2, conv2d, inChannels, outChannels, kernelSize, options);
  }
}

abstract class ConvTranspose extends ConvBase {
  readonly padding: number[];
  readonly outputPadding: number[];

  protected constructor(name: string, d: number, private readonly fn: ConvFn, inChannels: number, outChannels: number, kernelSize: PerAxis, options: ConvTransposeLayerOptions) {
    checkOptions(options, CONV_TRANSPOSE_LAYER_OPTIONS, name);
    super(name, d, inChannels, outChannels, kernelSize, options, true);
    this.padding = perAxis(options.padding ?? 0, d, name, 'padding', 0);
    this.outputPadding = perAxis(options.outputPadding ?? 0, d, name, 'outputPadding', 0);
  }

  forward(input: Tensor): Tensor {
    return this.fn(input, this.weight, this.bias, {
      stride: this.stride, padding: this.padding, outputPadding: this.outputPadding, dilation: this.dilation, groups: this.groups,
    });
  }

  override extraRepr(): string {
    return this.describe(`, padding=[${this.padding.join(', ')}], outputPadding=[${this.outputPadding.join(', ')}]`);
  }
}

/** Transposed 1-D convolution (see convTranspose1d). */
export class ConvTranspose1d extends ConvTranspose {
  constructor(inChannels: number, outChannels: number, kernelSize: PerAxis, options: ConvTransposeLayerOptions = {}) {
    super('ConvTranspose1d', 1, convTranspose1d, inChannels, outChannels, kernelSize, options);
  }
}

/** Transposed 2-D convolution (see convTranspose2d). */
export class ConvTranspose2d extends ConvTranspose {
  constructor(inChannels: number, outChannels: number, kernelSize: PerAxis, options: ConvTransposeLayerOptions = {}) {
    super('ConvTranspose2d', 2, convTranspose2d, inChannels, outChannels, kernelSize, options);
  }
}
