/**
 * Weight initialization with the semantics of PyTorch's torch.nn.init. Every `..._` function fills
 * an existing tensor in place by writing its storage directly (nothing is recorded for autodiff,
 * as if under torch.no_grad) and returns the same tensor. Random fills draw from `options.generator`,
 * or from the seedable default generator, so a fixed seed reproduces the same weights.
 *
 * The variance-preserving schemes keep the scale of activations (Glorot/Xavier) or of activations
 * through a rectifier (He/Kaiming) roughly constant from layer to layer:
 *   xavier:  Var(w) = gain^2 * 2 / (fanIn + fanOut)
 *   kaiming: Var(w) = gain^2 / fan
 * and a uniform U(-b, b) has variance b^2 / 3, which fixes the uniform bounds below.
 */
import { isFloat } from '../base/dtype.js';
import { checkChoice, checkOptions, describeAliases } from '../base/options.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { formatShape, ShapeError } from '../base/shape.js';
import { type Tensor } from '../tensor/tensor.js';
import { run } from '../tensor/dispatch.js';

export interface InitOptions {
  /** Source of randomness; defaults to the global `defaultGenerator` (seeded by `manualSeed`). */
  generator?: Generator;
}

/**
 * The nonlinearity that follows the layer being initialized: PyTorch's names, except that leaky
 * ReLU is 'leakyRelu' as everywhere in nabla; 'leaky_relu', PyTorch's spelling, is accepted as an
 * alias for code ported from PyTorch. 'none' (an alias of 'linear') lets the activation names of
 * `linear(x, W, b, { activation })` be passed straight through.
 */
export type Nonlinearity =
  | 'linear'
  | 'identity'
  | 'none'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leakyRelu'
  | 'leaky_relu'
  | 'selu';

export type FanMode = 'fan_in' | 'fan_out';

/** Scheme names accepted by `initializeLinear` (and the CLI's `--init` flag). */
export type InitName =
  | 'constant'
  | 'uniform'
  | 'normal'
  | 'xavier-uniform'
  | 'xavier-normal'
  | 'kaiming-uniform'
  | 'kaiming-normal'
  | 'pytorch';

export const INIT_NAMES: readonly InitName[] = Object.freeze([
  'constant',
  'uniform',
  'normal',
  'xavier-uniform',
  'xavier-normal',
  'kaiming-uniform',
  'kaiming-normal',
  'pytorch',
]);

const LINEAR_LIKE = new Set<string>([
  'linear', 'identity', 'none',
  'conv1d', 'conv2d', 'conv3d',
  'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d',
  'sigmoid',
]);

const NONLINEARITIES: readonly string[] = [...LINEAR_LIKE, 'tanh', 'relu', 'leakyRelu', 'selu'];

/** Other spellings of a nonlinearity, and the canonical name each stands for. */
const NONLINEARITY_ALIASES: Readonly<Record<string, Nonlinearity>> = Object.freeze({ leaky_relu: 'leakyRelu' });

const FAN_MODES: readonly FanMode[] = ['fan_in', 'fan_out'];
const INIT_OPTIONS = ['generator'];
const KAIMING_OPTIONS = ['generator', 'a', 'mode', 'nonlinearity'];
const INITIALIZE_LINEAR_OPTIONS = ['generator', 'nonlinearity', 'negativeSlope', 'mode', 'value', 'bound', 'std'];

/** The canonical name of a nonlinearity ('leaky_relu' becomes 'leakyRelu'), or a RangeError naming `owner` and listing the names. */
function resolveNonlinearity(nonlinearity: unknown, owner: string): Nonlinearity {
  if (typeof nonlinearity === 'string') {
    if (NONLINEARITIES.includes(nonlinearity)) return nonlinearity as Nonlinearity;
    if (Object.prototype.hasOwnProperty.call(NONLINEARITY_ALIASES, nonlinearity)) return NONLINEARITY_ALIASES[nonlinearity];
  }
  throw new RangeError(
    `${owner}: unsupported nonlinearity '${String(nonlinearity)}'; expected one of ${NONLINEARITIES.join(', ')}${describeAliases(NONLINEARITY_ALIASES)}`,
  );
}

/**
 * fanIn and fanOut of a weight: for [out, in] they are in and out; for a convolution kernel
 * [outChannels, inChannels / groups, ...kernel] both are multiplied by the receptive field size
 * (the product of the kernel dimensions), e.g. [16, 6, 5, 5] gives fanIn 150, fanOut 400.
 */
export function calculateFanInAndFanOut(tensor: Tensor): { fanIn: number; fanOut: number } {
  if (tensor.ndim < 2) {
    throw new ShapeError(
      `calculateFanInAndFanOut: fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions, got shape ${formatShape(tensor.shape)}`,
    );
  }
  let receptiveField = 1;
  for (let i = 2; i < tensor.ndim; i++) receptiveField *= tensor.shape[i];
  return { fanIn: tensor.shape[1] * receptiveField, fanOut: tensor.shape[0] * receptiveField };
}

/**
 * The recommended gain for a nonlinearity (torch.nn.init.calculate_gain): 1 for linear, identity,
 * convolutions and sigmoid; 5/3 for tanh; sqrt(2) for relu; sqrt(2 / (1 + slope^2)) for leakyRelu
 * (or 'leaky_relu'; slope = `param`, default 0.01); 3/4 for selu. `param` is ignored for the others.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  return gainOf(resolveNonlinearity(nonlinearity, 'calculateGain'), param, 'calculateGain');
}

function gainOf(nonlinearity: Nonlinearity, param: number | undefined, owner: string): number {
  if (LINEAR_LIKE.has(nonlinearity)) return 1;
  switch (nonlinearity) {
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) {
        throw new TypeError(`${owner}: negative slope ${String(slope)} is not a finite number`);
      }
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default: // not reached: callers pass names from resolveNonlinearity
      throw new RangeError(`${owner}: unsupported nonlinearity '${String(nonlinearity)}'`);
  }
}

function requireFloat(tensor: Tensor, op: string): void {
  if (!isFloat(tensor.dtype)) throw new TypeError(`${op}: can only fill a floating-point tensor, got ${tensor.dtype}`);
}

function requireFinite(value: number, what: string, op: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`${op}: ${what} must be a finite number, got ${String(value)}`);
}

function fill(tensor: Tensor, generator: Generator, sample: (g: Generator) => number): Tensor {
  const values = new Float64Array(tensor.size);
  for (let i = 0; i < values.length; i++) values[i] = sample(generator);
  tensor.backend.write(tensor.storage, values);
  return tensor;
}

function fillUniform(tensor: Tensor, low: number, high: number, generator: Generator): Tensor {
  const width = high - low;
  return fill(tensor, generator, (g) => low + width * g.uniform());
}

function fillNormal(tensor: Tensor, mean: number, std: number, generator: Generator): Tensor {
  return fill(tensor, generator, (g) => mean + std * g.normal());
}

/** Fills with `value` (any dtype; int32 tensors store it truncated). */
export function constant_(tensor: Tensor, value: number): Tensor {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new RangeError(`constant_: value must be a number, got ${String(value)}`);
  run({ op: 'fill', value, offset: 0, stride: 1, count: tensor.size }, [], [tensor]);
  return tensor;
}

export function zeros_(tensor: Tensor): Tensor {
  return constant_(tensor, 0);
}

export function ones_(tensor: Tensor): Tensor {
  return constant_(tensor, 1);
}

/** Fills with samples from U(a, b) (a <= b); variance (b - a)^2 / 12. */
export function uniform_(tensor: Tensor, a = 0, b = 1, options: InitOptions = {}): Tensor {
  checkOptions(options, INIT_OPTIONS, 'uniform_');
  requireFloat(tensor, 'uniform_');
  requireFinite(a, 'a', 'uniform_');
  requireFinite(b, 'b', 'uniform_');
  if (a > b) throw new RangeError(`uniform_: expected a <= b, got a = ${a} and b = ${b}`);
  return fillUniform(tensor, a, b, options.generator ?? defaultGenerator);
}

/** Fills with samples from N(mean, std^2) (std >= 0). */
export function normal_(tensor: Tensor, mean = 0, std = 1, options: InitOptions = {}): Tensor {
  checkOptions(options, INIT_OPTIONS, 'normal_');
  requireFloat(tensor, 'normal_');
  requireFinite(mean, 'mean', 'normal_');
  requireFinite(std, 'std', 'normal_');
  if (std < 0) throw new RangeError(`normal_: std must be non-negative, got ${std}`);
  return fillNormal(tensor, mean, std, options.generator ?? defaultGenerator);
}

function requireGain(gain: number, op: string): void {
  requireFinite(gain, 'gain', op);
  if (gain < 0) throw new RangeError(`${op}: gain must be non-negative, got ${gain}`);
}

/** Glorot & Bengio (2010): U(-bound, bound) with bound = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform_(tensor: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  checkOptions(options, INIT_OPTIONS, 'xavierUniform_');
  requireFloat(tensor, 'xavierUniform_');
  requireGain(gain, 'xavierUniform_');
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor);
  if (tensor.size === 0) return tensor; // nothing to fill (and the fans may be zero)
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return fillUniform(tensor, -bound, bound, options.generator ?? defaultGenerator);
}

/** Glorot & Bengio (2010): N(0, std^2) with std = gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal_(tensor: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  checkOptions(options, INIT_OPTIONS, 'xavierNormal_');
  requireFloat(tensor, 'xavierNormal_');
  requireGain(gain, 'xavierNormal_');
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor);
  if (tensor.size === 0) return tensor;
  const std = gain * Math.sqrt(2 / (fanIn + fanOut));
  return fillNormal(tensor, 0, std, options.generator ?? defaultGenerator);
}

export interface KaimingOptions extends InitOptions {
  /** Negative slope of the rectifier after this layer (used only with 'leakyRelu'); default 0. */
  a?: number;
  /** 'fan_in' (default) preserves the variance of activations forward, 'fan_out' of gradients backward. */
  mode?: FanMode;
  /** Default 'leakyRelu' (with a = 0 that is the relu gain sqrt(2)), as PyTorch's default 'leaky_relu'. */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(tensor: Tensor, options: KaimingOptions, op: string): number {
  const { a = 0, mode = 'fan_in', nonlinearity = 'leakyRelu' } = checkOptions(options, KAIMING_OPTIONS, op);
  checkChoice(mode, FAN_MODES, op, 'mode');
  const canonical = resolveNonlinearity(nonlinearity, op);
  requireFinite(a, 'a', op);
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor);
  const fan = mode === 'fan_in' ? fanIn : fanOut;
  const gain = gainOf(canonical, a, op);
  return gain / Math.sqrt(fan);
}

/** He et al. (2015): U(-bound, bound) with bound = gain * sqrt(3 / fan). */
export function kaimingUniform_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  requireFloat(tensor, 'kaimingUniform_');
  const std = kaimingStd(tensor, options, 'kaimingUniform_');
  if (tensor.size === 0) return tensor;
  const bound = Math.sqrt(3) * std;
  return fillUniform(tensor, -bound, bound, options.generator ?? defaultGenerator);
}

/** He et al. (2015): N(0, std^2) with std = gain / sqrt(fan). */
export function kaimingNormal_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  requireFloat(tensor, 'kaimingNormal_');
  const std = kaimingStd(tensor, options, 'kaimingNormal_');
  if (tensor.size === 0) return tensor;
  return fillNormal(tensor, 0, std, options.generator ?? defaultGenerator);
}

/**
 * PyTorch's default for nn.Linear (and conv layers): the weight is kaiming-uniform with a = sqrt(5),
 * whose bound gain * sqrt(3 / fanIn) = sqrt(2 / 6) * sqrt(3 / fanIn) is exactly 1 / sqrt(fanIn), and
 * the bias is U(-1 / sqrt(fanIn), 1 / sqrt(fanIn)). The weight is drawn first, then the bias.
 */
export function pytorchLinearDefault_(weight: Tensor, bias: Tensor | null, options: InitOptions = {}): { weight: Tensor; bias: Tensor | null } {
  checkOptions(options, INIT_OPTIONS, 'pytorchLinearDefault_');
  requireFloat(weight, 'pytorchLinearDefault_');
  if (bias !== null) requireFloat(bias, 'pytorchLinearDefault_');
  const generator = options.generator ?? defaultGenerator;
  const { fanIn } = calculateFanInAndFanOut(weight);
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  if (weight.size > 0) fillUniform(weight, -bound, bound, generator);
  if (bias !== null) fillUniform(bias, -bound, bound, generator);
  return { weight, bias };
}

export interface InitializeLinearOptions extends InitOptions {
  /** The activation applied to this layer's output, which sets the xavier/kaiming gain; default 'linear'. */
  nonlinearity?: Nonlinearity;
  /** Negative slope when the nonlinearity is leakyRelu; default 0.01. */
  negativeSlope?: number;
  /** Fan used by the kaiming schemes; default 'fan_in'. */
  mode?: FanMode;
  /** Weight value for 'constant'; default 0. */
  value?: number;
  /** Half-width of U(-bound, bound) for 'uniform'; default 0.05. */
  bound?: number;
  /** Standard deviation of N(0, std^2) for 'normal'; default 0.05. */
  std?: number;
}

/**
 * Initializes a Linear layer's weight [out, in] (and bias [out], if any) with the named scheme.
 * xavier-* use gain = calculateGain(nonlinearity); kaiming-* use that nonlinearity (and its
 * negative slope) directly. Biases are zero for every scheme except 'pytorch', which draws them
 * from U(-1/sqrt(fanIn), 1/sqrt(fanIn)) like torch.nn.Linear.
 */
export function initializeLinear(weight: Tensor, bias: Tensor | null, name: InitName, options: InitializeLinearOptions = {}): void {
  const op = 'initializeLinear';
  const { nonlinearity: given = 'linear', negativeSlope = 0.01, mode = 'fan_in', value = 0, bound = 0.05, std = 0.05 } = checkOptions(options, INITIALIZE_LINEAR_OPTIONS, op);
  const generator = options.generator ?? defaultGenerator;
  if (!(INIT_NAMES as readonly string[]).includes(name)) {
    throw new RangeError(`initializeLinear: unknown initialization '${String(name)}'; expected one of ${INIT_NAMES.join(', ')}`);
  }
  const nonlinearity = resolveNonlinearity(given, op);
  checkChoice(mode, FAN_MODES, op, 'mode');
  if (weight.ndim < 2) throw new ShapeError(`initializeLinear: weight must be at least 2-D [outFeatures, inFeatures], got ${formatShape(weight.shape)}`);
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new ShapeError(`initializeLinear: bias must have shape [${weight.shape[0]}] to match weight ${formatShape(weight.shape)}, got ${formatShape(bias.shape)}`);
  }
  const isLeaky = nonlinearity === 'leakyRelu';
  const gain = gainOf(nonlinearity, isLeaky ? negativeSlope : undefined, op);
  switch (name) {
    case 'constant':
      requireFinite(value, 'value', 'initializeLinear');
      constant_(weight, value);
      break;
    case 'uniform':
      requireFinite(bound, 'bound', 'initializeLinear');
      if (bound < 0) throw new RangeError(`initializeLinear: bound must be non-negative, got ${bound}`);
      uniform_(weight, -bound, bound, { generator });
      break;
    case 'normal':
      normal_(weight, 0, std, { generator });
      break;
    case 'xavier-uniform':
      xavierUniform_(weight, gain, { generator });
      break;
    case 'xavier-normal':
      xavierNormal_(weight, gain, { generator });
      break;
    case 'kaiming-uniform':
      kaimingUniform_(weight, { nonlinearity, a: isLeaky ? negativeSlope : 0, mode, generator });
      break;
    case 'kaiming-normal':
      kaimingNormal_(weight, { nonlinearity, a: isLeaky ? negativeSlope : 0, mode, generator });
      break;
    case 'pytorch':
      pytorchLinearDefault_(weight, bias, { generator });
      return;
  }
  if (bias !== null) zeros_(bias);
}
