import { type DType, type TypedArray, arrayConstructor, checkDType, dtypeOfArray, isFloat } from '../base/dtype.js';
import { checkOptions } from '../base/options.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { checkShape, formatShape, ShapeError, type ShapeLike, sizeOf } from '../base/shape.js';
import { type NestedArray, Tensor } from '../tensor/tensor.js';
import { run } from '../tensor/dispatch.js';

export interface CreationOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends CreationOptions {
  generator?: Generator;
}

const CREATION_OPTIONS = ['dtype', 'requiresGrad'];
const TENSOR_OPTIONS = [...CREATION_OPTIONS, 'shape'];
const RANDOM_OPTIONS = [...CREATION_OPTIONS, 'generator'];
const RAND_OPTIONS = [...RANDOM_OPTIONS, 'low', 'high'];
const RANDN_OPTIONS = [...RANDOM_OPTIONS, 'mean', 'std'];

/** Checks the keys of a creation function's options and their dtype; returns them. */
function creationOptions<O extends CreationOptions>(options: O, known: readonly string[], owner: string): O {
  checkOptions(options, known, owner);
  if (options.dtype !== undefined) {
    try {
      checkDType(options.dtype);
    } catch (error) {
      throw new TypeError(`${owner}: ${(error as Error).message}`);
    }
  }
  return options;
}

function finish(t: Tensor, options: CreationOptions): Tensor {
  if (options.requiresGrad) t.requiresGrad_(true);
  return t;
}

/**
 * A tensor from nested arrays, a number, or a flat array or typed array with an optional `shape`
 * (a typed array's dtype is kept unless `dtype` says otherwise). Always copies, like torch.tensor. Nested arrays default to float32.
 */
export function tensor(values: NestedArray | TypedArray, options: CreationOptions & { shape?: readonly number[] } = {}): Tensor {
  creationOptions(options, TENSOR_OPTIONS, 'tensor');
  if (ArrayBuffer.isView(values)) {
    const shape = checkShape(options.shape ?? [values.length], 'tensor');
    const dtype = options.dtype ?? dtypeOfArray(values);
    return finish(Tensor.fromValues(values, shape, dtype), options);
  }
  const shape: number[] = [];
  for (let level: NestedArray = values; Array.isArray(level); level = (level as NestedArray[])[0]) shape.push(level.length);
  const flat = new (arrayConstructor(options.dtype ?? 'float32'))(sizeOf(shape));
  let position = 0;
  const visit = (node: NestedArray, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number') throw new ShapeError(`tensor: expected a number at ${path || 'the top level'}, found ${Array.isArray(node) ? 'an array' : typeof node}`);
      flat[position++] = node;
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new ShapeError(`tensor: ragged nested array: ${path || 'the top level'} should have ${shape[depth]} elements (shape ${formatShape(shape)})`);
    }
    node.forEach((child: NestedArray, i: number) => visit(child, depth + 1, `${path}[${i}]`));
  };
  visit(values, 0, '');
  if (options.shape !== undefined && shape.length > 1) {
    throw new ShapeError(`tensor: the shape option applies to flat arrays, but a nested array of shape ${formatShape(shape)} was given`);
  }
  const finalShape = options.shape === undefined ? shape : checkShape(options.shape, 'tensor');
  return finish(Tensor.fromValues(flat, finalShape, options.dtype ?? 'float32'), options);
}

function filled(owner: string, shape: ShapeLike, value: number, options: CreationOptions): Tensor {
  creationOptions(options, CREATION_OPTIONS, owner);
  return finish(Tensor.full(checkShape(shape, 'full'), value, options.dtype), options);
}

export function full(shape: ShapeLike, value: number, options: CreationOptions = {}): Tensor {
  return filled('full', shape, value, options);
}

export const zeros = (shape: ShapeLike, options: CreationOptions = {}) => filled('zeros', shape, 0, options);
export const ones = (shape: ShapeLike, options: CreationOptions = {}) => filled('ones', shape, 1, options);
export const zerosLike = (t: Tensor, options: CreationOptions = {}) => filledLike('zerosLike', t, 0, options);
export const onesLike = (t: Tensor, options: CreationOptions = {}) => filledLike('onesLike', t, 1, options);

/** t's shape, and t's dtype unless options give one. */
function filledLike(owner: string, t: Tensor, value: number, options: CreationOptions): Tensor {
  creationOptions(options, CREATION_OPTIONS, owner);
  return filled(owner, t.shape, value, { ...options, dtype: options.dtype ?? t.dtype });
}

/** [start, end) in steps of `step`, like numpy.arange; float32 unless `dtype` is given. */
export function arange(start: number, end?: number, step = 1, options: CreationOptions = {}): Tensor {
  creationOptions(options, CREATION_OPTIONS, 'arange');
  if (end === undefined) [start, end] = [0, start];
  if (step === 0 || !Number.isFinite(step)) throw new RangeError(`arange: step must be a finite non-zero number, got ${step}`);
  const length = Math.max(0, Math.ceil((end - start) / step));
  const t = Tensor.empty([length], options.dtype ?? 'float32');
  run({ op: 'arange', start, step }, [], [t]);
  return finish(t, options);
}

/** `steps` evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, steps: number, options: CreationOptions = {}): Tensor {
  creationOptions(options, CREATION_OPTIONS, 'linspace');
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  const values = Array.from({ length: steps }, (_, i) => (i === steps - 1 && steps > 1 ? end : start + i * delta));
  return finish(Tensor.fromValues(values, [steps], options.dtype ?? 'float32'), options);
}

export function eye(n: number, m = n, options: CreationOptions = {}): Tensor {
  creationOptions(options, CREATION_OPTIONS, 'eye');
  const t = Tensor.empty(checkShape([n, m], 'eye'), options.dtype ?? 'float32');
  run({ op: 'fill', value: 1, offset: 0, stride: m + 1, count: Math.min(n, m) }, [], [t]);
  return finish(t, options);
}

function randomTensor(owner: string, shape: ShapeLike, options: RandomOptions, sample: (g: Generator) => number): Tensor {
  const dtype = options.dtype ?? 'float32';
  const dims = checkShape(shape, owner);
  const generator = options.generator ?? defaultGenerator;
  const values = new (arrayConstructor(dtype))(sizeOf(dims));
  for (let i = 0; i < values.length; i++) values[i] = sample(generator);
  return finish(Tensor.fromValues(values, dims, dtype), options);
}

/** Uniform on [low, high). */
export function rand(shape: ShapeLike, options: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  const { low = 0, high = 1 } = creationOptions(options, RAND_OPTIONS, 'rand');
  return randomTensor('rand', shape, options, (g) => low + (high - low) * g.uniform());
}

/** Normal with the given mean and standard deviation (standard normal by default). */
export function randn(shape: ShapeLike, options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  const { mean = 0, std = 1 } = creationOptions(options, RANDN_OPTIONS, 'randn');
  return randomTensor('randn', shape, options, (g) => mean + std * g.normal());
}

/** Integers uniform on [low, high), int32 by default. */
export function randint(low: number, high: number, shape: ShapeLike, options: RandomOptions = {}): Tensor {
  creationOptions(options, RANDOM_OPTIONS, 'randint');
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) throw new RangeError(`randint: need integers low < high, got ${low} and ${high}`);
  if (options.dtype && isFloat(options.dtype) && options.requiresGrad) throw new TypeError('randint: integer samples cannot require gradients');
  return randomTensor('randint', shape, { dtype: 'int32', ...options }, (g) => g.integer(low, high));
}
