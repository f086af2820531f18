import type { DType, TypedArray } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';

/**
 * The kernel interface. Tensors hold arrays allocated by the active backend; every numeric loop
 * runs behind this interface, so a faster backend (WebAssembly SIMD, worker threads) replaces the
 * reference TypeScript kernels without changes to ops, nn, optim or data code.
 *
 * The interface is deliberately coarse where training time goes: Linear with its activation is one
 * call, softmax with cross-entropy is one call, an optimizer step over a whole parameter is one call.
 */
export interface Backend {
  readonly name: string;
  /** A zero-filled array that the backend owns (a WebAssembly backend hands out views of its memory). */
  alloc(dtype: DType, size: number): TypedArray;

  /** out[i] = op(x[i]); `param` is the slope of leakyRelu. */
  unary(op: UnaryOp, x: TypedArray, out: TypedArray, param?: number): void;
  /** out = g * f'(input), computed from the activation's output y (or its input, for relu-like ones). */
  activationGrad(activation: Activation, g: TypedArray, y: TypedArray, out: TypedArray, alpha: number): void;
  /** out = a op b with NumPy broadcasting; `outShape` is the broadcast shape. */
  binary(op: BinaryOp, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, out: TypedArray, outShape: Shape): void;
  where(cond: TypedArray, condShape: Shape, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, out: TypedArray, outShape: Shape): void;
  /** Copies `shape` elements between two strided layouts (transpose, slice, concat, broadcast). */
  copyStrided(src: TypedArray, srcOffset: number, srcStrides: Shape, dst: TypedArray, dstOffset: number, dstStrides: Shape, shape: Shape): void;
  /** out (reduced over `axes`, contiguous) = op over the axes of x. */
  reduce(op: ReduceOp, x: TypedArray, shape: Shape, axes: readonly number[], out: TypedArray): void;
  /** Index of the max/min along `axis` of x viewed as [outer, axisLength, inner]. */
  argReduce(op: 'argmax' | 'argmin', x: TypedArray, outer: number, axisLength: number, inner: number, out: Int32Array): void;
  /** One GEMM: out[m, n] = op(a)[m, k] @ op(b)[k, n], with op a transpose when requested. */
  matmul(a: TypedArray, aOffset: number, b: TypedArray, bOffset: number, out: TypedArray, outOffset: number, spec: MatmulSpec): void;
  /** Fused dense layer: out[rows, outF] = activation(x[rows, inF] @ weight[outF, inF]^T + bias). */
  linear(x: TypedArray, weight: TypedArray, bias: TypedArray | null, out: TypedArray, rows: number, inFeatures: number, outFeatures: number, activation: Activation, alpha: number): void;
  /** (Log-)softmax along the middle axis of x viewed as [outer, axisLength, inner]. */
  softmax(x: TypedArray, outer: number, axisLength: number, inner: number, out: TypedArray, log: boolean): void;
  /**
   * Softmax cross-entropy per row of logits[rows, classes]; targets are class indices (Int32Array of
   * length rows) or probabilities (rows x classes). Writes the softmax to `probs` and each row's loss to `losses`.
   */
  softmaxCrossEntropy(logits: TypedArray, rows: number, classes: number, targets: TypedArray, probs: TypedArray, losses: TypedArray): void;
  /** out[o, j, i] = x[o, index[o, j, i], i] for x viewed as [outer, axisLength, inner]. */
  gather(x: TypedArray, outer: number, axisLength: number, inner: number, index: Int32Array, indexAxisLength: number, out: TypedArray): void;
  /** The adjoint of gather: out[o, index[o, j, i], i] += g[o, j, i]. */
  scatterAdd(g: TypedArray, outer: number, axisLength: number, inner: number, index: Int32Array, indexAxisLength: number, out: TypedArray): void;
  sgdStep(param: TypedArray, grad: TypedArray, momentumBuffer: TypedArray | null, options: SgdStepOptions): void;
  adamStep(param: TypedArray, grad: TypedArray, m: TypedArray, v: TypedArray, options: AdamStepOptions): void;
}

export type UnaryOp =
  | 'neg' | 'abs' | 'exp' | 'log' | 'sqrt' | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'relu' | 'leakyRelu'
  | 'sign' | 'square' | 'reciprocal' | 'log1p' | 'floor' | 'ceil' | 'round';

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

export type ReduceOp = 'sum' | 'max' | 'min';

export type Activation = 'none' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu';

export interface MatmulSpec {
  m: number;
  n: number;
  k: number;
  /** a is stored as [k, m] instead of [m, k]. */
  transA: boolean;
  /** b is stored as [n, k] instead of [k, n]. */
  transB: boolean;
  /** Add into out instead of overwriting it. */
  accumulate: boolean;
}

export interface SgdStepOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  /** The first step initializes the momentum buffer with the gradient, as PyTorch does. */
  firstStep: boolean;
}

export interface AdamStepOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** AdamW: weight decay applied to the parameter directly instead of added to the gradient. */
  decoupledWeightDecay: boolean;
  /** 1-based step count, for bias correction. */
  step: number;
}
