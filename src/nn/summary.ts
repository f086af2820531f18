import { noGrad } from '../autograd/graph.js';
import { bytesPerElement, type DType } from '../base/dtype.js';
import { ShapeError, sizeOf } from '../base/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { BatchNorm1d, BatchNorm2d } from './layers/batchnorm.js';
import { Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d } from './layers/conv.js';
import { Embedding } from './layers/embedding.js';
import { LayerNorm } from './layers/layer-norm.js';
import { Linear } from './layers/linear.js';
import { ParallelSum } from './layers/parallel-sum.js';
import { Residual } from './layers/residual.js';
import { Sequential } from './layers/sequential.js';
import type { Module } from './module.js';

/** 'N' stands for the batch dimension. */
export type SummaryShape = (number | 'N')[];

export interface LayerSummary {
  /** The dotted path of the layer, as in the state dict ('0', '3.body.0'); '' for a model that is one layer. */
  name: string;
  /** The class name ('Conv2d'). */
  type: string;
  /** The class with its hyperparameters, as toString() shows it. */
  layer: string;
  /** How many Residual or ParallelSum blocks the layer sits in. */
  depth: number;
  outputShape: SummaryShape;
  /**
   * The layer's parameters. A Residual or ParallelSum block has a row of its own (its output is the
   * sum) with 0 here: its layers have their rows, so the rows add up to the model's parameters.
   */
  parameters: number;
  /** How the count arises, in symbols and in numbers: "(in + 1)*out = (784 + 1)*40 = 31400"; '' for none. */
  formula: string;
  /** Multiply-adds of one sample's forward pass (see summarize). */
  multiplyAdds: number;
  /** Bytes of the layer's output for one sample. */
  activationBytes: number;
}

export interface ModelSummary {
  inputShape: SummaryShape;
  outputShape: SummaryShape;
  /** The dtype of the input sample (the first parameter's). */
  dtype: DType;
  layers: LayerSummary[];
  /** Every parameter once (tied weights once), in trainable (requiresGrad) and non-trainable ones; buffers are not parameters. */
  totalParameters: number;
  trainableParameters: number;
  nonTrainableParameters: number;
  multiplyAdds: number;
  activationBytes: number;
}

/**
 * Per-layer output shapes, parameter counts (with the formula behind each), multiply-adds and
 * activation memory for one input sample of shape `sampleShape`, and their totals. Sequential
 * containers are walked into (their layers are named by index), and so are Residual and
 * ParallelSum blocks, which get a row for their sum and then rows for their layers (`3.body.0`,
 * `3.branches.0.1`). The shapes come from one zero sample passed through the layers in eval mode
 * (so dropout draws no random numbers and normalization updates no statistics); the modes are
 * restored afterwards.
 *
 * Multiply-adds count the products with weights only: C_out*prod(out)*(C_in/groups)*prod(k) for a
 * convolution, C_in*prod(in)*(C_out/groups)*prod(k) for a transposed one, in*out per row for
 * Linear; biases, activations, pooling, normalization and the blocks' sums count 0. Activation
 * memory adds up every row's output, each counted as a tensor of its own (as torchinfo does, so a
 * Flatten's view counts too).
 */
export function summarize(model: Module, sampleShape: readonly number[]): ModelSummary {
  const params = model.parameters();
  const first = model instanceof Sequential ? model.layers[0] : model;
  // A model that starts by looking up embeddings takes indices (zeros are valid ones).
  const dtype = first instanceof Embedding ? 'int32' : params[0]?.dtype ?? 'float32';
  const input = Tensor.empty([1, ...sampleShape], dtype);
  const modes = [...model.modules()].map((m) => [m, m.training] as const);
  model.eval();
  const layers: LayerSummary[] = [];
  let output: Tensor;
  try {
    output = noGrad(() => trace(model, input, '', 0, layers));
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
  const trainable = params.filter((p) => p.requiresGrad).reduce((n, p) => n + p.size, 0);
  const total = params.reduce((n, p) => n + p.size, 0);
  return {
    inputShape: perSample(input.shape),
    outputShape: perSample(output.shape),
    dtype,
    layers,
    totalParameters: total,
    trainableParameters: trainable,
    nonTrainableParameters: total - trainable,
    multiplyAdds: layers.reduce((n, l) => n + l.multiplyAdds, 0),
    activationBytes: layers.reduce((n, l) => n + l.activationBytes, 0),
  };
}

/** The summary as JSON, with snake_case keys like the CLI's other records. */
export function summaryJson(summary: ModelSummary): Record<string, unknown> {
  return {
    input_shape: summary.inputShape,
    output_shape: summary.outputShape,
    dtype: summary.dtype,
    layers: summary.layers.map((l) => ({
      name: l.name, type: l.type, layer: l.layer, output_shape: l.outputShape, params: l.parameters, formula: l.formula,
      mult_adds: l.multiplyAdds, activation_bytes: l.activationBytes,
    })),
    total_params: summary.totalParameters,
    trainable_params: summary.trainableParameters,
    non_trainable_params: summary.nonTrainableParameters,
    mult_adds: summary.multiplyAdds,
    activation_bytes: summary.activationBytes,
  };
}

function trace(module: Module, input: Tensor, name: string, depth: number, rows: LayerSummary[]): Tensor {
  if (module instanceof Sequential) {
    return module.layers.reduce((x, layer, i) => trace(layer, x, childName(name, String(i)), depth, rows), input);
  }
  if (module instanceof Residual || module instanceof ParallelSum) {
    // The block's row comes before its layers' rows, though its output is known only after them.
    const at = rows.length;
    for (const [child, sub] of module.namedChildren()) trace(sub, input, childName(name, child), depth + 1, rows);
    const output = forward(module, input, name);
    rows.splice(at, 0, row(module, name, depth, input, output, 0, ''));
    return output;
  }
  const output = forward(module, input, name);
  rows.push(row(module, name, depth, input, output, module.numParameters(), parameterFormula(module)));
  return output;
}

function forward(module: Module, input: Tensor, name: string): Tensor {
  try {
    return module.forward(input);
  } catch (error) {
    const layer = name === '' ? module.constructor.name : `layer ${name} (${module.constructor.name})`;
    throw new ShapeError(`summarize: ${layer} cannot take an input of shape [${perSample(input.shape).join(', ')}]: ${(error as Error).message}`, { cause: error });
  }
}

function row(module: Module, name: string, depth: number, input: Tensor, output: Tensor, parameters: number, formula: string): LayerSummary {
  return {
    name,
    type: module.constructor.name,
    layer: `${module.constructor.name}(${module.extraRepr()})`,
    depth,
    outputShape: perSample(output.shape),
    parameters,
    formula,
    multiplyAdds: multiplyAdds(module, input, output),
    activationBytes: sizeOf(output.shape.slice(1)) * bytesPerElement(output.dtype),
  };
}

function childName(parent: string, child: string): string {
  return parent === '' ? child : `${parent}.${child}`;
}

function perSample(shape: readonly number[]): SummaryShape {
  return ['N', ...shape.slice(1)];
}

function multiplyAdds(module: Module, input: Tensor, output: Tensor): number {
  const outPerSample = sizeOf(output.shape.slice(1));
  if (module instanceof Linear) return outPerSample * module.inFeatures;
  if (module instanceof Conv1d || module instanceof Conv2d) return outPerSample * (module.inChannels / module.groups) * sizeOf(module.kernelSize);
  if (module instanceof ConvTranspose1d || module instanceof ConvTranspose2d) {
    return sizeOf(input.shape.slice(1)) * (module.outChannels / module.groups) * sizeOf(module.kernelSize);
  }
  return 0;
}

/** The kernel's symbols: k in 1-D, k_h*k_w in 2-D. */
function kernelSymbols(kernel: readonly number[]): string {
  return kernel.length === 1 ? 'k' : ['k_h', 'k_w'].slice(0, kernel.length).join('*');
}

function parameterFormula(module: Module): string {
  const n = module.numParameters();
  if (module instanceof Linear) {
    const { inFeatures: i, outFeatures: o } = module;
    return module.bias ? `(in + 1)*out = (${i} + 1)*${o} = ${n}` : `in*out = ${i}*${o} = ${n}`;
  }
  if (module instanceof Conv1d || module instanceof Conv2d) {
    const { inChannels, outChannels, groups, kernelSize } = module;
    const symbols = `C_in*${kernelSymbols(kernelSize)}/groups`;
    const numbers = `${inChannels}*${kernelSize.join('*')}/${groups}`;
    return module.bias ? `(${symbols} + 1)*C_out = (${numbers} + 1)*${outChannels} = ${n}` : `${symbols}*C_out = ${numbers}*${outChannels} = ${n}`;
  }
  if (module instanceof ConvTranspose1d || module instanceof ConvTranspose2d) {
    const { inChannels, outChannels, groups, kernelSize } = module;
    const symbols = `C_in*(C_out/groups)*${kernelSymbols(kernelSize)}`;
    const numbers = `${inChannels}*(${outChannels}/${groups})*${kernelSize.join('*')}`;
    return module.bias ? `${symbols} + C_out = ${numbers} + ${outChannels} = ${n}` : `${symbols} = ${numbers} = ${n}`;
  }
  if ((module instanceof BatchNorm1d || module instanceof BatchNorm2d) && module.affine) {
    // A weight and a bias per channel; the running statistics are buffers, not parameters.
    return `2*C = 2*${module.numFeatures} = ${n}`;
  }
  if (module instanceof Embedding) return `num_embeddings*embedding_dim = ${module.numEmbeddings}*${module.embeddingDim} = ${n}`;
  if (module instanceof LayerNorm && module.elementwiseAffine) {
    const size = module.normalizedShape.join('*');
    return module.bias === null ? `prod(normalized_shape) = ${size} = ${n}` : `2*prod(normalized_shape) = 2*${size} = ${n}`;
  }
  const own = [...module.namedParameters()];
  if (own.length === 0) return '';
  // Any other layer: its parameters by name and shape.
  const terms = own.map(([name, p]) => `${name} ${p.shape.join('*') || '1'}`);
  return `${terms.join(' + ')} = ${n}`;
}
