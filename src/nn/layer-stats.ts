/**
 * Per-layer statistics of a network on one batch, measured through forward hooks, next to the
 * variances that the initialization scheme predicts.
 *
 * The predictions are mean-field, as in Glorot & Bengio (2010) and He et al. (2015). A Linear layer
 * y_j = sum_i W_ji x_i + b_j whose weights and biases are drawn independently with mean 0 and
 * variances s_W and s_b, independently of its input x, has E[y_j] = 0 and
 *
 *   Var[y_j] = E[y_j^2] = sum_i E[W_ji^2] E[x_i^2] + E[b_j^2] = n_in s_W E[x^2] + s_b,
 *
 * with E[x^2] = Var[x] + E[x]^2 the second moment of its input and n_in its fan-in (in_features,
 * or C_in k_h k_w / groups for a convolution, whose padding is ignored). So:
 *
 * - PyTorch's default, W and b ~ U(-1/sqrt(n_in), 1/sqrt(n_in)), a uniform of variance 1/(3 n_in):
 *   Var[y_l] = 1/(3 n_{l-1}) + (1/3) Var[y_{l-1}] for Linear layers with nothing between them
 *   (zero-mean inputs), so the variance falls by a factor of 3 per layer towards 1/(2n) at width n.
 * - Xavier, s_W = gain^2 2/(n_in + n_out), s_b = 0: Var[y_l] = gain^2 2 n_in/(n_in + n_out) E[x^2],
 *   which keeps the variance of equal-width linear layers (gain 1).
 * - He (Kaiming, fan_in), s_W = gain^2/n_in with gain^2 = 2 for ReLU, s_b = 0: Var[y_l] = 2 E[h^2],
 *   and a ReLU halves the second moment of a symmetric input, E[relu(y)^2] = Var[y]/2, so the
 *   pre-activations keep their variance through any depth.
 *
 * The gain is that of the activation right after the layer, as mlp() initializes. An activation f
 * maps an input taken as Gaussian, N(m, v) (a sum of many independent terms), to E[f(z)] and
 * Var[f(z)], integrated numerically; for ReLU and m = 0 these are sqrt(v/(2 pi)) and v (1/2 - 1/(2 pi)).
 */
import { noGrad } from '../autograd/graph.js';
import { checkChoice, checkOptions, describeValue } from '../base/options.js';
import { Tensor } from '../tensor/tensor.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { calculateFanInAndFanOut, calculateGain, initializeLinear, INIT_NAMES, type InitName, type Nonlinearity } from './init.js';
import { Flatten, Identity, LeakyReLU, ReLU, Sigmoid, Tanh } from './layers/activations.js';
import { Conv1d, Conv2d } from './layers/conv.js';
import { Dropout, Dropout2d } from './layers/dropout.js';
import { Linear } from './layers/linear.js';
import { crossEntropy } from './losses.js';
import type { Module, RemovableHandle } from './module.js';

export interface LayerStats {
  /** The layer's dotted path in the model ('0', '3.body.0'), as in the state dict; '' for a model that is one layer. */
  name: string;
  /** The class name ('Linear'). */
  type: string;
  /** The shape of its output on the batch (the first dimension indexes the samples). */
  outputShape: number[];
  /** Mean and (population) variance of all its output values, over every sample and unit. */
  mean: number;
  variance: number;
  /** The variance the initialization scheme predicts (see above); null for a layer without a rule. */
  predictedVariance: number | null;
  /**
   * ReLU layers: the fraction of dead units, those that are 0 for every sample of the batch. A unit
   * is a feature of [N, features], a channel of [N, channels, ...] (0 at every position too).
   */
  deadFraction: number | null;
  /** ReLU layers: the fraction of all its output values that are 0. */
  zeroFraction: number | null;
  /** Sigmoid and Tanh layers: the fraction of outputs within 0.01 of an asymptote (sigmoid < 0.01 or > 0.99, |tanh| > 0.99). */
  saturatedFraction: number | null;
  /** The L2 norm of the layer's parameters together (weight and bias); null for a layer without any. */
  weightNorm: number | null;
  /** The L2 norm of their gradients of the loss on the batch; null without targets or parameters. */
  gradNorm: number | null;
}

export interface LayerStatsOptions {
  /** The loss of the model's output and the batch's targets; default crossEntropy (class indices or probabilities). */
  loss?: (output: Tensor, targets: Tensor) => Tensor;
  /**
   * The scheme the Linear and convolution layers were initialized with, for the predictions: default
   * 'pytorch', what those layers do unless told otherwise. 'constant', 'uniform' and 'normal' predict nothing.
   */
  init?: InitName;
}

const OPTIONS = ['loss', 'init'];
/** How close to an asymptote a sigmoid or tanh output counts as saturated. */
const SATURATION = 0.01;

interface Moments {
  mean: number;
  variance: number;
}

type Measured = Moments & Pick<LayerStats, 'deadFraction' | 'zeroFraction' | 'saturatedFraction'>;

/** The activations the statistics know, as functions of one number. */
const ACTIVATIONS: { type: new (...args: never[]) => Module; name: Nonlinearity; f: (z: number, module: Module) => number }[] = [
  { type: ReLU, name: 'relu', f: (z) => Math.max(z, 0) },
  { type: LeakyReLU, name: 'leakyRelu', f: (z, m) => (z > 0 ? z : (m as LeakyReLU).negativeSlope * z) },
  { type: Sigmoid, name: 'sigmoid', f: (z) => 1 / (1 + Math.exp(-z)) },
  { type: Tanh, name: 'tanh', f: (z) => Math.tanh(z) },
];

/**
 * Statistics of every leaf module (one without children) on one batch: `batch` is the inputs, or
 * [inputs, targets] as a DataLoader yields them. Runs the model once in eval mode (dropout off,
 * normalization with its running statistics) through forward hooks, so the model needs no
 * changes; with targets it also backpropagates the loss for the gradient norms. Afterwards the
 * hooks are gone and the modes and the parameters' gradients are as they were.
 *
 * One row per call of a leaf, in the order the forward pass calls them (for a Sequential, its
 * order). A layer that returns several values (a recurrent layer's output and state) is measured
 * on the first tensor among them. A layer's prediction starts from the prediction for its input
 * when that is another layer's output, and from the input's measured mean and variance otherwise
 * (the model's input, a residual sum, the output of a layer without a rule such as pooling).
 */
export function layerStats(model: Module, batch: Tensor | readonly Tensor[], options: LayerStatsOptions = {}): LayerStats[] {
  const { loss = crossEntropy, init = 'pytorch' } = checkOptions(options, OPTIONS, 'layerStats');
  checkChoice(init, INIT_NAMES, 'layerStats', 'init');
  const [inputs, targets] = batch instanceof Tensor ? [batch] : batch;
  if (!(inputs instanceof Tensor) || (targets !== undefined && !(targets instanceof Tensor))) {
    throw new TypeError(`layerStats: batch must be the inputs or [inputs, targets], tensors, got ${describeValue(batch)}`);
  }
  if (typeof loss !== 'function') throw new TypeError(`layerStats: loss must be a function (output, targets) => Tensor, got ${describeValue(loss)}`);

  const leaves = leafModules(model);
  const rows: { stats: LayerStats; module: Module }[] = [];
  // Predicted moments of the outputs seen so far, found again by identity when a layer takes one as its input.
  const predicted = new Map<Tensor, Moments>();
  const hookLeaf = ([name, module]: [string, Module], i: number) => module.registerForwardHook((m, args, output) => {
    const y = firstTensor(output);
    if (y === null) return;
    const [input] = args;
    const prediction = input instanceof Tensor ? predict(m, () => predicted.get(input) ?? measure(input, null), init, nonlinearityOf(leaves[i + 1]?.[1])) : null;
    if (prediction !== null) predicted.set(y, prediction);
    const measured = measure(y, m instanceof ReLU ? 'relu' : m instanceof Sigmoid ? 'sigmoid' : m instanceof Tanh ? 'tanh' : null);
    rows.push({
      module: m,
      stats: {
        name,
        type: m.constructor.name,
        outputShape: [...y.shape],
        mean: measured.mean,
        variance: measured.variance,
        predictedVariance: prediction?.variance ?? null,
        deadFraction: measured.deadFraction,
        zeroFraction: measured.zeroFraction,
        saturatedFraction: measured.saturatedFraction,
        weightNorm: null,
        gradNorm: null,
      },
    });
  });

  const modes = [...model.modules()].map((m) => [m, m.training] as const);
  const parameters = model.parameters();
  const grads = parameters.map((p) => p.grad);
  const handles: RemovableHandle[] = [];
  try {
    leaves.forEach((leaf, i) => handles.push(hookLeaf(leaf, i)));
    model.eval();
    for (const p of parameters) p.grad = null;
    if (targets === undefined) noGrad(() => model.forward(inputs));
    else loss(model.forward(inputs), targets).backward();
    for (const { module, stats } of rows) {
      const own = module.parameters();
      stats.weightNorm = norm(own);
      stats.gradNorm = targets === undefined ? null : norm(own.flatMap((p) => (p.grad === null ? [] : [p.grad])));
    }
  } finally {
    for (const handle of handles) handle.remove();
    for (const [m, training] of modes) m.training = training;
    parameters.forEach((p, i) => (p.grad = grads[i]));
  }
  return rows.map((row) => row.stats);
}

/**
 * Re-initializes every Linear, Conv1d and Conv2d layer of `model` with the named scheme, each with
 * the gain of the activation right after it, as mlp() initializes its layers (see initializeLinear);
 * other layers keep their weights. Returns the model.
 */
export function initializeModel<M extends Module>(model: M, init: InitName, options: { generator?: Generator } = {}): M {
  const { generator = defaultGenerator } = checkOptions(options, ['generator'], 'initializeModel');
  checkChoice(init, INIT_NAMES, 'initializeModel', 'init');
  const leaves = leafModules(model);
  leaves.forEach(([, layer], i) => {
    if (!(layer instanceof Linear || layer instanceof Conv1d || layer instanceof Conv2d)) return;
    const { nonlinearity, slope } = nonlinearityOf(leaves[i + 1]?.[1]);
    initializeLinear(layer.weight, layer.bias, init, { nonlinearity, negativeSlope: slope, generator });
  });
  return model;
}

/** The modules without children, with their dotted names, in the order of the module tree (each once). */
function leafModules(model: Module): [string, Module][] {
  const leaves: [string, Module][] = [];
  const seen = new Set<Module>();
  const visit = (module: Module, name: string) => {
    if (seen.has(module)) return;
    seen.add(module);
    const children = [...module.namedChildren()];
    if (children.length === 0) leaves.push([name, module]);
    for (const [child, sub] of children) visit(sub, name === '' ? child : `${name}.${child}`);
  };
  visit(model, '');
  return leaves;
}

/** The first tensor of a layer's output: the output itself, or the first tensor in its array or object. */
function firstTensor(output: unknown): Tensor | null {
  if (output instanceof Tensor) return output;
  if (output === null || typeof output !== 'object') return null;
  for (const value of Object.values(output)) if (value instanceof Tensor) return value;
  return null;
}

/** The moments of a tensor's values, and for a ReLU, sigmoid or tanh output the fractions of dead units, zeros or saturated values. */
function measure(tensor: Tensor, activation: 'relu' | 'sigmoid' | 'tanh' | null): Measured {
  const values = tensor.dataSync();
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i] - mean) ** 2;
  const stats: Measured = { mean, variance: squares / values.length, deadFraction: null, zeroFraction: null, saturatedFraction: null };
  if (activation === 'relu') {
    const units = tensor.shape[1] ?? 1;
    const positions = tensor.shape.slice(2).reduce((n, d) => n * d, 1);
    const active = new Uint8Array(units);
    let zeros = 0;
    for (let i = 0; i < values.length; i++) {
      if (values[i] === 0) zeros++;
      else active[Math.floor(i / positions) % units] = 1;
    }
    stats.deadFraction = active.reduce((dead, a) => dead + 1 - a, 0) / units;
    stats.zeroFraction = zeros / values.length;
  } else if (activation !== null) {
    // Sigmoid's asymptotes are 0 and 1, tanh's -1 and 1.
    const [low, high] = activation === 'sigmoid' ? [SATURATION, 1 - SATURATION] : [-1 + SATURATION, 1 - SATURATION];
    let saturated = 0;
    for (let i = 0; i < values.length; i++) if (values[i] < low || values[i] > high) saturated++;
    stats.saturatedFraction = saturated / values.length;
  }
  return stats;
}

/** The predicted mean and variance of a layer's output from those of its input; null for a layer without a rule. */
function predict(module: Module, inputMoments: () => Moments, init: InitName, after: { nonlinearity: Nonlinearity; slope?: number }): Moments | null {
  if (module instanceof Linear || module instanceof Conv1d || module instanceof Conv2d) {
    const { fanIn, fanOut } = calculateFanInAndFanOut(module.weight);
    const gain = calculateGain(after.nonlinearity, after.slope);
    const variances = initVariances(init, fanIn, fanOut, gain);
    if (variances === null) return null;
    const input = inputMoments();
    const bias = module.bias === null ? 0 : variances.bias;
    return { mean: 0, variance: fanIn * variances.weight * (input.variance + input.mean ** 2) + bias };
  }
  const activation = ACTIVATIONS.find((a) => module instanceof a.type);
  if (activation !== undefined) return gaussianMoments((z) => activation.f(z, module), inputMoments());
  // In eval mode dropout passes its input through.
  if (module instanceof Flatten || module instanceof Identity || module instanceof Dropout || module instanceof Dropout2d) return inputMoments();
  return null;
}

/** The variances of one weight and one bias under an initialization scheme, or null for a scheme not set by the fans. */
function initVariances(init: InitName, fanIn: number, fanOut: number, gain: number): { weight: number; bias: number } | null {
  switch (init) {
    case 'pytorch':
      return { weight: 1 / (3 * fanIn), bias: 1 / (3 * fanIn) };
    case 'xavier-uniform':
    case 'xavier-normal':
      return { weight: (gain ** 2 * 2) / (fanIn + fanOut), bias: 0 };
    case 'kaiming-uniform':
    case 'kaiming-normal':
      return { weight: gain ** 2 / fanIn, bias: 0 };
    default:
      return null;
  }
}

/** The nonlinearity that sets a layer's initialization gain: the activation after it, else 'linear'. */
function nonlinearityOf(next: Module | undefined): { nonlinearity: Nonlinearity; slope?: number } {
  const activation = ACTIVATIONS.find((a) => next instanceof a.type);
  if (activation === undefined) return { nonlinearity: 'linear' };
  return next instanceof LeakyReLU ? { nonlinearity: 'leakyRelu', slope: next.negativeSlope } : { nonlinearity: activation.name };
}

/** Mean and variance of f(z) for z ~ N(mean, variance), by Simpson's rule over mean +- 8 standard deviations. */
function gaussianMoments(f: (z: number) => number, { mean, variance }: Moments): Moments {
  const steps = 1600;
  const h = 16 / steps;
  const sd = Math.sqrt(variance);
  const weights = new Float64Array(steps + 1);
  const values = new Float64Array(steps + 1);
  let total = 0;
  let first = 0;
  for (let i = 0; i <= steps; i++) {
    const t = -8 + i * h;
    weights[i] = (i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2) * Math.exp(-(t * t) / 2);
    values[i] = f(mean + sd * t);
    total += weights[i];
    first += weights[i] * values[i];
  }
  const m = first / total;
  let second = 0;
  for (let i = 0; i <= steps; i++) second += weights[i] * (values[i] - m) ** 2;
  return { mean: m, variance: second / total };
}

function norm(tensors: readonly Tensor[]): number | null {
  if (tensors.length === 0) return null;
  let squares = 0;
  for (const t of tensors) for (const v of t.dataSync()) squares += v * v;
  return Math.sqrt(squares);
}
