import { backward as runBackward, type GradFn } from '../autograd/graph.js';
import { getBackend } from '../backend/registry.js';
import * as arith from '../ops/arithmetic.js';
import * as cmp from '../ops/compare.js';
import * as ew from '../ops/elementwise.js';
import * as idx from '../ops/indexing.js';
import * as mm from '../ops/matmul.js';
import * as nnops from '../ops/nn.js';
import * as red from '../ops/reduce.js';
import * as shp from '../ops/shape.js';
import { type DType, dtypeOfArray, type TypedArray } from './dtype.js';
import { formatTensor } from './format.js';
import { type Shape, sizeOf, formatShape, ShapeError } from './shape.js';

export type TensorLike = Tensor | number;
export type NestedArray = number | readonly NestedArray[];
export type Axes = number | readonly number[];

/**
 * An n-dimensional array that can take part in reverse-mode autodiff. Storage is contiguous and
 * row-major, allocated by the active backend. The methods are thin conveniences over the functions
 * in src/ops, where each op's forward and backward rules live.
 */
export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** The backend-owned storage. Read it with toTypedArray(); writing it bypasses autodiff. */
  readonly data: TypedArray;
  requiresGrad = false;
  /** The accumulated gradient of a leaf after backward(). */
  grad: Tensor | null = null;
  /** How this tensor was computed; null for leaves. */
  gradFn: GradFn | null = null;

  constructor(data: TypedArray, shape: Shape) {
    if (data.length !== sizeOf(shape)) {
      throw new ShapeError(`Tensor: ${data.length} elements cannot have shape ${formatShape(shape)}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtypeOfArray(data);
  }

  /** A new uninitialized (zero-filled) tensor from the active backend. */
  static empty(shape: Shape, dtype: DType = 'float32'): Tensor {
    return new Tensor(getBackend().alloc(dtype, sizeOf(shape)), shape);
  }

  static full(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
    const t = Tensor.empty(shape, dtype);
    if (value !== 0) t.data.fill(value);
    return t;
  }

  get ndim(): number { return this.shape.length; }
  get size(): number { return this.data.length; }
  /** The number of elements (PyTorch's name for `size`). */
  numel(): number { return this.data.length; }
  get isLeaf(): boolean { return this.gradFn === null; }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`item: only one-element tensors can be converted to a number, this one has shape ${formatShape(this.shape)}`);
    return this.data[0];
  }

  /** Nested JavaScript arrays (a number for a 0-d tensor). */
  toArray(): NestedArray {
    const build = (axis: number, offset: number): NestedArray => {
      if (axis === this.ndim) return this.data[offset];
      const stride = sizeOf(this.shape.slice(axis + 1));
      return Array.from({ length: this.shape[axis] }, (_, i) => build(axis + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  /** A copy of the elements, row-major. */
  toTypedArray(): TypedArray {
    return this.data.slice();
  }

  toString(): string {
    return formatTensor(this);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return formatTensor(this);
  }

  /** Sets requiresGrad on a leaf; returns this. */
  requiresGrad_(value = true): this {
    if (value && this.dtype === 'int32') throw new TypeError('requiresGrad: only floating-point tensors can require gradients, this one is int32');
    if (!this.isLeaf) throw new Error('requiresGrad_: can only be set on leaf tensors; use detach() first');
    this.requiresGrad = value;
    return this;
  }

  backward(gradient?: Tensor): void { runBackward(this, gradient); }
  /** The same storage, cut off from the graph. */
  detach(): Tensor { return new Tensor(this.data, this.shape); }
  clone(): Tensor { return shp.clone(this); }
  to(dtype: DType): Tensor { return shp.cast(this, dtype); }
  zeroGrad(): void { this.grad = null; }

  add(other: TensorLike): Tensor { return arith.add(this, other); }
  sub(other: TensorLike): Tensor { return arith.sub(this, other); }
  mul(other: TensorLike): Tensor { return arith.mul(this, other); }
  div(other: TensorLike): Tensor { return arith.div(this, other); }
  pow(exponent: TensorLike): Tensor { return arith.pow(this, exponent); }
  maximum(other: TensorLike): Tensor { return arith.maximum(this, other); }
  minimum(other: TensorLike): Tensor { return arith.minimum(this, other); }

  neg(): Tensor { return ew.neg(this); }
  abs(): Tensor { return ew.abs(this); }
  exp(): Tensor { return ew.exp(this); }
  log(): Tensor { return ew.log(this); }
  log1p(): Tensor { return ew.log1p(this); }
  sqrt(): Tensor { return ew.sqrt(this); }
  square(): Tensor { return ew.square(this); }
  reciprocal(): Tensor { return ew.reciprocal(this); }
  sin(): Tensor { return ew.sin(this); }
  cos(): Tensor { return ew.cos(this); }
  sign(): Tensor { return ew.sign(this); }
  floor(): Tensor { return ew.floor(this); }
  ceil(): Tensor { return ew.ceil(this); }
  round(): Tensor { return ew.round(this); }
  sigmoid(): Tensor { return ew.sigmoid(this); }
  tanh(): Tensor { return ew.tanh(this); }
  relu(): Tensor { return ew.relu(this); }
  leakyRelu(alpha = 0.01): Tensor { return ew.leakyRelu(this, alpha); }
  clamp(min?: number, max?: number): Tensor { return cmp.clamp(this, min, max); }

  eq(other: TensorLike): Tensor { return cmp.eq(this, other); }
  ne(other: TensorLike): Tensor { return cmp.ne(this, other); }
  lt(other: TensorLike): Tensor { return cmp.lt(this, other); }
  le(other: TensorLike): Tensor { return cmp.le(this, other); }
  gt(other: TensorLike): Tensor { return cmp.gt(this, other); }
  ge(other: TensorLike): Tensor { return cmp.ge(this, other); }

  sum(axis?: Axes, keepDims = false): Tensor { return red.sum(this, axis, keepDims); }
  mean(axis?: Axes, keepDims = false): Tensor { return red.mean(this, axis, keepDims); }
  max(axis?: Axes, keepDims = false): Tensor { return red.max(this, axis, keepDims); }
  min(axis?: Axes, keepDims = false): Tensor { return red.min(this, axis, keepDims); }
  argmax(axis?: number, keepDims = false): Tensor { return red.argmax(this, axis, keepDims); }
  argmin(axis?: number, keepDims = false): Tensor { return red.argmin(this, axis, keepDims); }
  logsumexp(axis?: Axes, keepDims = false): Tensor { return red.logsumexp(this, axis, keepDims); }
  /** Unbiased by default; the second argument is keepDims or { unbiased, keepDims }. */
  var(axis?: Axes, options?: red.VarianceOptions | boolean): Tensor { return red.variance(this, axis, options); }
  std(axis?: Axes, options?: red.VarianceOptions | boolean): Tensor { return red.std(this, axis, options); }

  matmul(other: Tensor): Tensor { return mm.matmul(this, other); }

  reshape(...shape: number[] | [readonly number[]]): Tensor { return shp.reshape(this, flattenShapeArgs(shape)); }
  /** Same as reshape: storage is always contiguous, so every reshape is a view. */
  view(...shape: number[] | [readonly number[]]): Tensor { return shp.reshape(this, flattenShapeArgs(shape)); }
  flatten(startDim = 0, endDim = -1): Tensor { return shp.flatten(this, startDim, endDim); }
  permute(...dims: number[] | [readonly number[]]): Tensor { return shp.permute(this, flattenShapeArgs(dims)); }
  transpose(dim0 = -2, dim1 = -1): Tensor { return shp.transpose(this, dim0, dim1); }
  get T(): Tensor { return shp.permute(this, this.shape.map((_, i) => this.ndim - 1 - i)); }
  squeeze(axis?: Axes): Tensor { return shp.squeeze(this, axis); }
  unsqueeze(axis: number): Tensor { return shp.unsqueeze(this, axis); }
  expand(...shape: number[] | [readonly number[]]): Tensor { return shp.broadcastTo(this, flattenShapeArgs(shape)); }
  slice(...specs: shp.SliceSpec[]): Tensor { return shp.slice(this, specs); }

  gather(axis: number, index: Tensor): Tensor { return idx.gather(this, axis, index); }
  softmax(axis = -1): Tensor { return nnops.softmax(this, axis); }
  logSoftmax(axis = -1): Tensor { return nnops.logSoftmax(this, axis); }
}

function flattenShapeArgs(args: number[] | [readonly number[]]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as readonly number[])] : (args as number[]);
}

/** For functions that JavaScript callers may hand anything: a clear error instead of a crash inside. */
export function assertTensor(value: unknown, op: string, what: string): asserts value is Tensor {
  if (!(value instanceof Tensor)) {
    const got = Array.isArray(value) ? 'an array (wrap it with nb.tensor(...))' : value === null ? 'null' : typeof value;
    throw new TypeError(`${op}: ${what} must be a Tensor, got ${got}`);
  }
}
