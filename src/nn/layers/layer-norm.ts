import type { FloatDType } from '../../base/dtype.js';
import { checkChoice, checkOptions, describeValue } from '../../base/options.js';
import { formatShape } from '../../base/shape.js';
import { checkNormalizedShape, layerNorm } from '../../ops/normalization.js';
import { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learn a weight (ones) and a bias (zeros) of shape normalizedShape (default true). */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, learn the bias too (default true). */
  bias?: boolean;
  dtype?: FloatDType;
}

const LAYER_NORM_OPTIONS = ['eps', 'elementwiseAffine', 'bias', 'dtype'];
const FLOAT_DTYPES: readonly FloatDType[] = ['float32', 'float64'];

/** Layer normalization over the trailing dimensions normalizedShape, as PyTorch's nn.LayerNorm (see nb.layerNorm). */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    const { eps = 1e-5, elementwiseAffine = true, bias = true, dtype = 'float32' } = checkOptions(options, LAYER_NORM_OPTIONS, 'LayerNorm');
    this.normalizedShape = Object.freeze(checkNormalizedShape(normalizedShape, 'LayerNorm'));
    if (typeof eps !== 'number' || !(eps >= 0 && eps < Infinity)) throw new RangeError(`LayerNorm: eps must be a finite number >= 0, got ${describeValue(eps)}`);
    for (const [what, value] of [['elementwiseAffine', elementwiseAffine], ['bias', bias]] as const) {
      if (typeof value !== 'boolean') throw new TypeError(`LayerNorm: ${what} must be a boolean, got ${describeValue(value)}`);
    }
    checkChoice(dtype, FLOAT_DTYPES, 'LayerNorm', 'dtype');
    this.eps = eps;
    this.elementwiseAffine = elementwiseAffine;
    this.weight = elementwiseAffine ? new Parameter(Tensor.full(this.normalizedShape, 1, dtype)) : null;
    this.bias = elementwiseAffine && bias ? new Parameter(Tensor.full(this.normalizedShape, 0, dtype)) : null;
  }

  forward(input: Tensor): Tensor {
    return layerNorm(input, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${formatShape(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}
