import { backward as runBackward, type BackwardOptions, type GradFn } from '../autograd/graph.js';
import type { Backend } from '../backend/backend.js';
import { getBackend, resolveBackend } from '../backend/registry.js';
import { allocStorage, Storage } from '../backend/storage.js';
import * as arith from '../ops/arithmetic.js';
import * as cmp from '../ops/compare.js';
import * as ew from '../ops/elementwise.js';
import * as idx from '../ops/indexing.js';
import * as inplace from '../ops/inplace.js';
import * as masked from '../ops/masked.js';
import * as rep from '../ops/repeat.js';
import * as rolling from '../ops/roll.js';
import * as scat from '../ops/scatter.js';
import * as pieces from '../ops/split.js';
import * as mm from '../ops/matmul.js';
import * as nnops from '../ops/nn.js';
import * as red from '../ops/reduce.js';
import * as act from '../ops/activations.js';
import * as cum from '../ops/cumulative.js';
import * as nrm from '../ops/norm.js';
import * as srt from '../ops/sort.js';
import type { ValuesIndices } from '../ops/values-indices.js';
import * as shp from '../ops/shape.js';
import { type DType, dtypeOfArray, type TypedArray } from '../base/dtype.js';
import { run, useAfterFree } from './dispatch.js';
import { formatTensor } from './format.js';
import { type Shape, sizeOf, formatShape, ShapeError } from '../base/shape.js';

export type TensorLike = Tensor | number;
export type NestedArray = number | readonly NestedArray[];
/** Nested arrays `rank` levels deep (number[][] for rank 2); NestedArray when the rank is not a literal. */
export type ArrayOfRank<R extends number, Depth extends unknown[] = []> =
  number extends R ? NestedArray : Depth['length'] extends R ? number : ArrayOfRank<R, [unknown, ...Depth]>[];
export type Axes = number | readonly number[];

/**
 * An n-dimensional array that can take part in reverse-mode autodiff. Its elements live in a
 * storage owned by one backend (contiguous, row-major); reading them is explicit (`dataSync()`,
 * `dataAsync()`, `toTypedArray()`, `item()`, `toArray()`). The methods are thin conveniences over
 * the functions in src/ops, where each op's forward and backward rules live.
 */
export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** The backend-owned elements; shared by views (reshape, detach). */
  readonly storage: Storage;
  requiresGrad = false;
  /** The accumulated gradient of a leaf after backward(). */
  grad: Tensor | null = null;
  /** How this tensor was computed; null for leaves. */
  gradFn: GradFn | null = null;

  /** A tensor over a storage, or over a copy of a typed array on the active backend. */
  constructor(storage: Storage | TypedArray, shape: Shape) {
    const own = storage instanceof Storage ? storage : hostCopy(storage, getBackend());
    if (own.size !== sizeOf(shape)) {
      throw new ShapeError(`Tensor: ${own.size} elements cannot have shape ${formatShape(shape)}`);
    }
    this.storage = own;
    this.shape = Object.freeze([...shape]);
    this.dtype = own.dtype;
  }

  /** A new zero-filled tensor on `backend` (the active one by default). */
  static empty(shape: Shape, dtype: DType = 'float32', backend: Backend = getBackend()): Tensor {
    return new Tensor(allocStorage(backend, dtype, sizeOf(shape)), shape);
  }

  static full(shape: Shape, value: number, dtype: DType = 'float32', backend: Backend = getBackend()): Tensor {
    const t = Tensor.empty(shape, dtype, backend);
    if (value !== 0) run({ op: 'fill', value, offset: 0, stride: 1, count: t.size }, [], [t]);
    return t;
  }

  /** A tensor holding a copy of host values. */
  static fromValues(values: ArrayLike<number>, shape: Shape, dtype: DType, backend: Backend = getBackend()): Tensor {
    if (values.length !== sizeOf(shape)) throw new ShapeError(`Tensor: ${values.length} elements cannot have shape ${formatShape(shape)}`);
    const t = Tensor.empty(shape, dtype, backend);
    backend.write(t.storage, values);
    return t;
  }

  /** The backend that owns this tensor's storage and runs the ops on it. */
  get backend(): Backend { return this.storage.backend; }
  get ndim(): number { return this.shape.length; }
  get size(): number { return this.storage.size; }
  /** The number of elements (PyTorch's name for `size`). */
  numel(): number { return this.storage.size; }
  get isLeaf(): boolean { return this.gradFn === null; }

  /**
   * The elements, row-major: a sync point (it waits for pending work on asynchronous backends). On
   * the JS backend this is the storage itself, not a copy: treat it as read-only.
   */
  dataSync(): TypedArray {
    if (this.storage.freed) throw useAfterFree('dataSync');
    return this.backend.readSync(this.storage);
  }

  /** The elements, once the backend has computed them. */
  dataAsync(): Promise<TypedArray> {
    if (this.storage.freed) return Promise.reject(useAfterFree('dataAsync'));
    return this.backend.read(this.storage);
  }

  /**
   * @deprecated Use dataSync() to read, and ops (or nb.noGrad with in-place kernels) to write. The
   * live array behind the storage, on backends that keep one in JS memory; kept for one release.
   */
  get data(): TypedArray {
    const host = this.backend.hostArray?.(this.storage);
    if (host === undefined) throw new Error(`Tensor.data: backend '${this.backend.name}' keeps no JS array behind its tensors; read with dataSync() or dataAsync()`);
    return host;
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`item: only one-element tensors can be converted to a number, this one has shape ${formatShape(this.shape)}`);
    return this.dataSync()[0];
  }

  /**
   * Nested JavaScript arrays (a number for a 0-d tensor). Given the rank it expects, which it checks,
   * it is typed to match: `x.toArray(2)` is a number[][].
   */
  toArray(): NestedArray;
  toArray<R extends number>(rank: R): ArrayOfRank<R>;
  toArray(rank?: number): NestedArray {
    if (rank !== undefined && rank !== this.ndim) {
      throw new ShapeError(`toArray: expected a tensor of rank ${describeRank(rank)}, got shape ${formatShape(this.shape)} (rank ${this.ndim})`);
    }
    const values = this.dataSync();
    const build = (axis: number, offset: number): NestedArray => {
      if (axis === this.ndim) return values[offset];
      const stride = sizeOf(this.shape.slice(axis + 1));
      return Array.from({ length: this.shape[axis] }, (_, i) => build(axis + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  /** What JSON.stringify writes: `{ dtype, shape, data }`, the elements row-major (NaN and infinities become null, as JSON has no such numbers). */
  toJSON(): { dtype: DType; shape: number[]; data: number[] } {
    return { dtype: this.dtype, shape: [...this.shape], data: Array.from(this.dataSync()) };
  }

  /** A copy of the elements, row-major. */
  toTypedArray(): TypedArray {
    return this.dataSync().slice();
  }

  /** The same values on another backend (by object or name); this tensor when it is already there. */
  toBackend(backend: Backend | string): Tensor {
    const target = resolveBackend(backend, 'toBackend');
    if (target === this.backend) return this;
    return new Tensor(hostCopy(this.dataSync(), target), this.shape);
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

  /**
   * Accumulates d(this)/d(leaf) into every leaf's .grad. The graph's saved tensors are released
   * afterwards, as in PyTorch: a second backward through it needs `{ retainGraph: true }` the first time.
   */
  backward(gradient?: Tensor | BackwardOptions, options?: BackwardOptions): void {
    if (gradient instanceof Tensor || gradient === undefined) runBackward(this, gradient, options);
    else runBackward(this, undefined, gradient);
  }

  /** The same storage, cut off from the graph. */
  detach(): Tensor { return new Tensor(this.storage, this.shape); }
  clone(): Tensor { return shp.clone(this); }
  to(dtype: DType): Tensor { return shp.cast(this, dtype); }
  zeroGrad(): void { this.grad = null; }

  // In place, bumping the storage's version (see src/ops/inplace.ts); each returns this.
  add_(other: TensorLike, alpha = 1): this { return inplace.add_(this, other, alpha) as this; }
  sub_(other: TensorLike, alpha = 1): this { return inplace.sub_(this, other, alpha) as this; }
  mul_(other: TensorLike): this { return inplace.mul_(this, other) as this; }
  div_(other: TensorLike): this { return inplace.div_(this, other) as this; }
  clamp_(min?: number, max?: number): this { return inplace.clamp_(this, min, max) as this; }
  fill_(value: number): this { return inplace.fill_(this, value) as this; }
  zero_(): this { return inplace.zero_(this) as this; }
  copy_(src: Tensor): this { return inplace.copy_(this, src) as this; }

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
  erf(): Tensor { return ew.erf(this); }
  expm1(): Tensor { return ew.expm1(this); }
  isnan(): Tensor { return ew.isnan(this); }
  isfinite(): Tensor { return ew.isfinite(this); }
  gelu(approximate: act.GeluApproximation = 'none'): Tensor { return act.gelu(this, approximate); }
  silu(): Tensor { return act.silu(this); }
  elu(alpha = 1): Tensor { return act.elu(this, alpha); }
  selu(): Tensor { return act.selu(this); }
  softplus(beta = 1, threshold = 20): Tensor { return act.softplus(this, beta, threshold); }
  hardtanh(minVal = -1, maxVal = 1): Tensor { return act.hardtanh(this, minVal, maxVal); }
  mish(): Tensor { return act.mish(this); }
  clamp(min?: number, max?: number): Tensor { return cmp.clamp(this, min, max); }

  eq(other: TensorLike): Tensor { return cmp.eq(this, other); }
  ne(other: TensorLike): Tensor { return cmp.ne(this, other); }
  lt(other: TensorLike): Tensor { return cmp.lt(this, other); }
  le(other: TensorLike): Tensor { return cmp.le(this, other); }
  gt(other: TensorLike): Tensor { return cmp.gt(this, other); }
  ge(other: TensorLike): Tensor { return cmp.ge(this, other); }

  sum(axis?: Axes, keepDims = false): Tensor { return red.sum(this, axis, keepDims); }
  mean(axis?: Axes, keepDims = false): Tensor { return red.mean(this, axis, keepDims); }
  /** The largest element; along `dim`, the largest values and their indices (torch.max). Over several dimensions: amax. */
  max(): Tensor;
  max(dim: number, keepDims?: boolean): ValuesIndices;
  max(dim?: number, keepDims = false): Tensor | ValuesIndices { return dim === undefined ? red.max(this) : red.max(this, dim, keepDims); }
  /** The smallest element; along `dim`, the smallest values and their indices (torch.min). Over several dimensions: amin. */
  min(): Tensor;
  min(dim: number, keepDims?: boolean): ValuesIndices;
  min(dim?: number, keepDims = false): Tensor | ValuesIndices { return dim === undefined ? red.min(this) : red.min(this, dim, keepDims); }
  amax(axis?: Axes, keepDims = false): Tensor { return red.amax(this, axis, keepDims); }
  amin(axis?: Axes, keepDims = false): Tensor { return red.amin(this, axis, keepDims); }
  prod(dim?: number, keepDims = false): Tensor { return cum.prod(this, dim, keepDims); }
  cumsum(dim: number): Tensor { return cum.cumsum(this, dim); }
  cumprod(dim: number): Tensor { return cum.cumprod(this, dim); }
  norm(p: nrm.NormOrder = 2, dim?: Axes, keepDims = false): Tensor { return nrm.norm(this, p, dim, keepDims); }
  any(axis?: Axes, keepDims = false): Tensor { return red.any(this, axis, keepDims); }
  all(axis?: Axes, keepDims = false): Tensor { return red.all(this, axis, keepDims); }
  sort(dim = -1, descending = false): ValuesIndices { return srt.sort(this, dim, descending); }
  argsort(dim = -1, descending = false): Tensor { return srt.argsort(this, dim, descending); }
  topk(k: number, dim = -1, largest = true, sorted = true): ValuesIndices { return srt.topk(this, k, dim, largest, sorted); }
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
  indexSelect(dim: number, index: Tensor): Tensor { return idx.indexSelect(this, dim, index); }
  take(index: Tensor): Tensor { return idx.take(this, index); }
  maskedSelect(mask: Tensor): Tensor { return masked.maskedSelect(this, mask); }
  maskedFill(mask: Tensor, value: number | Tensor): Tensor { return masked.maskedFill(this, mask, value); }
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor { return scat.scatter(this, dim, index, src); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return scat.scatterAdd(this, dim, index, src); }
  /** This where the condition is set, other elsewhere (torch.Tensor.where). */
  where(condition: Tensor, other: TensorLike): Tensor { return cmp.where(condition, this, other); }
  flip(...dims: number[] | [readonly number[]]): Tensor { return shp.flip(this, flattenShapeArgs(dims)); }
  narrow(dim: number, start: number, length: number): Tensor { return shp.narrow(this, dim, start, length); }
  split(sizeOrSections: number | readonly number[], dim = 0): Tensor[] { return pieces.split(this, sizeOrSections, dim); }
  chunk(chunks: number, dim = 0): Tensor[] { return pieces.chunk(this, chunks, dim); }
  unbind(dim = 0): Tensor[] { return pieces.unbind(this, dim); }
  repeat(...sizes: number[] | [readonly number[]]): Tensor { return rep.repeat(this, flattenShapeArgs(sizes)); }
  tile(...dims: number[] | [readonly number[]]): Tensor { return rep.tile(this, flattenShapeArgs(dims)); }
  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor { return rolling.roll(this, shifts, dims); }
  softmax(axis = -1): Tensor { return nnops.softmax(this, axis); }
  logSoftmax(axis = -1): Tensor { return nnops.logSoftmax(this, axis); }
}

function hostCopy(values: TypedArray, backend: Backend): Storage {
  const storage = allocStorage(backend, dtypeOfArray(values), values.length);
  backend.write(storage, values);
  return storage;
}

function describeRank(rank: unknown): string {
  return typeof rank === 'number' ? String(rank) : typeof rank;
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
