import { checkOptions, describeValue } from '../base/options.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import type { GeluApproximation } from '../ops/activations.js';
import { ELU, Flatten, GELU, Hardtanh, Identity, LeakyReLU, LogSoftmax, Mish, ReLU, SELU, Sigmoid, SiLU, Softmax, Softplus, Tanh } from './layers/activations.js';
import { BatchNorm1d, BatchNorm2d } from './layers/batchnorm.js';
import { Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d } from './layers/conv.js';
import { Dropout, Dropout2d } from './layers/dropout.js';
import { Embedding } from './layers/embedding.js';
import { LayerNorm } from './layers/layer-norm.js';
import { Linear } from './layers/linear.js';
import { ParallelSum } from './layers/parallel-sum.js';
import { AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, GlobalAvgPool, MaxPool1d, MaxPool2d } from './layers/pool.js';
import { Residual } from './layers/residual.js';
import { SequenceClassifier, type SequenceCell } from './layers/sequence-classifier.js';
import { Sequential } from './layers/sequential.js';
import type { Module } from './module.js';

/**
 * One layer of a model spec: PyTorch's class name and its constructor arguments under PyTorch's
 * snake_case names, e.g. `{ "type": "Conv2d", "in_channels": 1, "out_channels": 6, "kernel_size": 5 }`.
 * Blocks hold layers: `{ "type": "Residual", "body": [...], "projection": [...] }` (projection
 * optional) and `{ "type": "ParallelSum", "branches": [[...], [...]] }`.
 */
export interface LayerSpec {
  type: string;
  [argument: string]: unknown;
}

/** A network as JSON: its layers in order, built into a Sequential. */
export interface ModelSpec {
  layers: LayerSpec[];
}

/** What describes a whole network: a model spec, or the spec of the one layer that is the model (see buildNetwork). */
export type NetworkSpec = ModelSpec | LayerSpec;

export interface BuildModelOptions {
  /** Draws the initial weights and the dropout masks (default: the global generator). */
  generator?: Generator;
}

/** A model spec that cannot be built; the message names the layer by its path in the spec (`layers[3].body[0]`) and the problem. */
export class ModelSpecError extends Error {
  override name = 'ModelSpecError';
}

type Args = Record<string, unknown>;

interface LayerType {
  required: readonly string[];
  optional: readonly string[];
  /** `options`: the optional arguments that are present, under nabla's camelCase names. */
  build(args: Args, options: Args, generator: Generator, path: string): Module;
}

const CONV = ['stride', 'padding', 'dilation', 'groups', 'bias'];
const CONV_TRANSPOSE = ['stride', 'padding', 'output_padding', 'dilation', 'groups', 'bias'];
const MAX_POOL = ['stride', 'padding', 'dilation', 'ceil_mode'];
const AVG_POOL = ['stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override'];
const BATCH_NORM = ['eps', 'momentum', 'affine', 'track_running_stats'];

type ConvClass = new (inChannels: number, outChannels: number, kernelSize: never, options: never) => Module;
type PoolClass = new (options: never) => Module;

const conv = (Class: ConvClass, optional: readonly string[]): LayerType => ({
  required: ['in_channels', 'out_channels', 'kernel_size'],
  optional,
  build: (a, options, generator) => new Class(a.in_channels as number, a.out_channels as number, a.kernel_size as never, { ...options, generator } as never),
});
const pool = (Class: PoolClass, optional: readonly string[]): LayerType => ({
  required: ['kernel_size'],
  optional,
  build: (a, options) => new Class({ kernelSize: a.kernel_size, ...options } as never),
});
const plain = (build: (a: Args) => Module, optional: readonly string[] = []): LayerType => ({ required: [], optional, build });

const LAYERS: Readonly<Record<string, LayerType>> = {
  Linear: { required: ['in_features', 'out_features'], optional: ['bias'], build: (a, options, generator) => new Linear(a.in_features as number, a.out_features as number, { ...options, generator }) },
  Conv1d: conv(Conv1d, CONV),
  Conv2d: conv(Conv2d, CONV),
  ConvTranspose1d: conv(ConvTranspose1d, CONV_TRANSPOSE),
  ConvTranspose2d: conv(ConvTranspose2d, CONV_TRANSPOSE),
  MaxPool1d: pool(MaxPool1d, MAX_POOL),
  MaxPool2d: pool(MaxPool2d, MAX_POOL),
  AvgPool1d: pool(AvgPool1d, AVG_POOL),
  AvgPool2d: pool(AvgPool2d, AVG_POOL),
  AdaptiveAvgPool1d: { required: ['output_size'], optional: [], build: (a) => new AdaptiveAvgPool1d(a.output_size as number) },
  AdaptiveAvgPool2d: { required: ['output_size'], optional: [], build: (a) => new AdaptiveAvgPool2d(a.output_size as number) },
  GlobalAvgPool: plain(() => new GlobalAvgPool()),
  BatchNorm1d: { required: ['num_features'], optional: BATCH_NORM, build: (a, options) => new BatchNorm1d(a.num_features as number, options) },
  BatchNorm2d: { required: ['num_features'], optional: BATCH_NORM, build: (a, options) => new BatchNorm2d(a.num_features as number, options) },
  LayerNorm: { required: ['normalized_shape'], optional: ['eps', 'elementwise_affine', 'bias'], build: (a, options) => new LayerNorm(a.normalized_shape as number[], options) },
  Embedding: {
    required: ['num_embeddings', 'embedding_dim'],
    optional: ['padding_idx', 'max_norm', 'norm_type'],
    build: (a, options, generator) => new Embedding(a.num_embeddings as number, a.embedding_dim as number, { ...options, generator }),
  },
  ReLU: plain(() => new ReLU()),
  LeakyReLU: plain((a) => new LeakyReLU(a.negative_slope as number | undefined), ['negative_slope']),
  Sigmoid: plain(() => new Sigmoid()),
  Tanh: plain(() => new Tanh()),
  GELU: plain((a) => new GELU(a.approximate as GeluApproximation | undefined), ['approximate']),
  SiLU: plain(() => new SiLU()),
  ELU: plain((a) => new ELU(a.alpha as number | undefined), ['alpha']),
  SELU: plain(() => new SELU()),
  Softplus: plain((a) => new Softplus(a.beta as number | undefined, a.threshold as number | undefined), ['beta', 'threshold']),
  Hardtanh: plain((a) => new Hardtanh(a.min_val as number | undefined, a.max_val as number | undefined), ['min_val', 'max_val']),
  Mish: plain(() => new Mish()),
  Softmax: plain((a) => new Softmax(a.dim as number | undefined), ['dim']),
  LogSoftmax: plain((a) => new LogSoftmax(a.dim as number | undefined), ['dim']),
  Identity: plain(() => new Identity()),
  Flatten: plain((a) => new Flatten(a.start_dim as number | undefined, a.end_dim as number | undefined), ['start_dim', 'end_dim']),
  Dropout: { required: [], optional: ['p'], build: (a, _, generator) => new Dropout(a.p as number | undefined, { generator }) },
  Dropout2d: { required: [], optional: ['p'], build: (a, _, generator) => new Dropout2d(a.p as number | undefined, { generator }) },
  Residual: {
    required: ['body'],
    optional: ['projection'],
    build: (a, _, generator, path) => new Residual(
      buildLayers(a.body, `${path}.body`, generator),
      a.projection === undefined ? null : buildLayers(a.projection, `${path}.projection`, generator),
    ),
  },
  SequenceClassifier: {
    required: ['cell', 'input_size', 'hidden_size', 'num_classes'],
    optional: ['num_layers', 'bidirectional', 'k', 'truncate'],
    // JSON has no Infinity: AttentionRNN(inf) is "k": "inf".
    build: (a, options, generator) => new SequenceClassifier(a.cell as SequenceCell, a.input_size as number, a.hidden_size as number, a.num_classes as number, {
      ...options,
      ...(a.k === 'inf' ? { k: Infinity } : {}),
      generator,
    }),
  },
  ParallelSum: {
    required: ['branches'],
    optional: [],
    build: (a, _, generator, path) => {
      if (!Array.isArray(a.branches) || a.branches.length === 0) {
        throw new ModelSpecError(`${path}.branches: expected a non-empty array of layer lists ([[...], [...]]), got ${describeValue(a.branches)}`);
      }
      return new ParallelSum(...a.branches.map((branch, i) => buildLayers(branch, `${path}.branches[${i}]`, generator)));
    },
  },
};

/** The layer types a model spec may use (PyTorch's class names, plus nabla's GlobalAvgPool and ParallelSum). */
export const LAYER_TYPES: readonly string[] = Object.freeze(Object.keys(LAYERS));

/**
 * The network a model spec describes, as a Sequential whose parameters have PyTorch's names
 * (`0.weight`, `3.body.0.bias`, `2.branches.1.0.weight`: a block's layer lists are Sequentials).
 * Weights are initialized as PyTorch's layers initialize them. Throws a ModelSpecError naming the
 * layer's path and the offending key for an unknown type or argument, with the close match if any.
 */
export function buildModel(spec: unknown, options: BuildModelOptions = {}): Sequential {
  const { generator = defaultGenerator } = checkOptions(options, ['generator'], 'buildModel');
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new ModelSpecError(`model spec: expected an object { "layers": [...] }, got ${describeValue(spec)}`);
  }
  const unknown = Object.keys(spec).find((key) => key !== 'layers');
  if (unknown !== undefined) throw new ModelSpecError(`model spec: unknown key "${unknown}"; a spec has only "layers"${didYouMean(unknown, ['layers'])}`);
  return buildLayers((spec as { layers?: unknown }).layers, 'layers', generator);
}

/** A config written for a --model network (an object with "layers", or a layer's "type"), not for the default MLP. */
export function isNetworkSpec(config: unknown): config is NetworkSpec {
  return config !== null && typeof config === 'object' && ('layers' in config || 'type' in config);
}

/**
 * The network a model spec describes (buildModel), or, for the spec of one layer such as
 * `{ "type": "SequenceClassifier", "cell": "lstm", ... }`, that layer alone: its parameters then have
 * the layer's own names (`rnn.weight_ih_l0`, `fc.weight`), as the same PyTorch module's state dict,
 * without the `0.` a Sequential puts before them. Errors name such a layer `model`.
 */
export function buildNetwork(spec: unknown, options: BuildModelOptions = {}): Module {
  if (spec === null || typeof spec !== 'object' || !('type' in spec)) return buildModel(spec, options);
  const { generator = defaultGenerator } = checkOptions(options, ['generator'], 'buildNetwork');
  return buildLayer(spec, 'model', generator);
}

function buildLayers(layers: unknown, path: string, generator: Generator): Sequential {
  if (!Array.isArray(layers) || layers.length === 0) {
    throw new ModelSpecError(`${path}: expected a non-empty array of layers ({ "type": ... } objects), got ${describeValue(layers)}`);
  }
  return new Sequential(...layers.map((layer, i) => buildLayer(layer, `${path}[${i}]`, generator)));
}

function buildLayer(layer: unknown, path: string, generator: Generator): Module {
  if (layer === null || typeof layer !== 'object' || Array.isArray(layer)) {
    throw new ModelSpecError(`${path}: expected a layer object such as { "type": "ReLU" }, got ${describeValue(layer)}`);
  }
  const { type, ...args } = layer as Args;
  if (typeof type !== 'string') throw new ModelSpecError(`${path}: "type" must name a layer (${LAYER_TYPES.join(', ')}), got ${describeValue(type)}`);
  if (!Object.prototype.hasOwnProperty.call(LAYERS, type)) {
    throw new ModelSpecError(`${path}: unknown layer type "${type}"${didYouMean(type, LAYER_TYPES)} (known: ${LAYER_TYPES.join(', ')})`);
  }
  const { required, optional, build } = LAYERS[type];
  const known = [...required, ...optional];
  for (const key of Object.keys(args)) {
    if (known.includes(key)) continue;
    const list = known.length === 0 ? `${type} takes no arguments` : `${type} takes ${known.join(', ')}`;
    throw new ModelSpecError(`${path}: unknown argument "${key}" (${list})${didYouMean(key, known)}`);
  }
  const missing = required.find((key) => args[key] === undefined);
  if (missing !== undefined) throw new ModelSpecError(`${path}: ${type} needs "${missing}" (required: ${required.join(', ')})`);
  const options = Object.fromEntries(optional.filter((key) => args[key] !== undefined).map((key) => [camelCase(key), args[key]]));
  try {
    return build(args, options, generator, path);
  } catch (error) {
    if (error instanceof ModelSpecError) throw error;
    // The layer classes name their options in camelCase; the spec's reader knows them in snake_case.
    const message = known.reduce((m, key) => m.replace(new RegExp(`\\b${camelCase(key)}\\b`, 'g'), key), (error as Error).message);
    throw new ModelSpecError(`${path}: ${message}`, { cause: error });
  }
}

function camelCase(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** `; did you mean "x"?` for the known name that `name` most probably misspells, or ''. */
function didYouMean(name: string, known: readonly string[]): string {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  const n = norm(name);
  // Case and separators first (inChannels for in_channels, conv2d for Conv2d), then the only name it begins (kernel), then up to two typos.
  const prefixed = n.length >= 3 ? known.filter((k) => norm(k).startsWith(n)) : [];
  const match = known.find((k) => norm(k) === n)
    ?? (prefixed.length === 1 ? prefixed[0] : undefined)
    ?? known.map((k) => [k, editDistance(norm(k), n)] as const).filter(([, d]) => d <= 2).sort((a, b) => a[1] - b[1])[0]?.[0];
  return match === undefined ? '' : `; did you mean "${match}"?`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}
