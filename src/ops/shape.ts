import { PartialGradient, record } from '../autograd/graph.js';
import type { CopyKernel } from '../backend/kernels.js';
import type { DType } from '../base/dtype.js';
import {
  broadcastShapes, broadcastStrides, formatShape, normalizeAxes, normalizeAxis, shapesEqual, ShapeError,
  sizeOf, stridesOf,
} from '../base/shape.js';
import { Tensor, type Axes } from '../tensor/tensor.js';
import { backendOf, run } from '../tensor/dispatch.js';
import { sumToShape } from './broadcast.js';

/** Shares storage: tensors are always contiguous. One dimension may be -1 (inferred). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = [...shape];
  const inferred = target.indexOf(-1);
  if (inferred !== target.lastIndexOf(-1)) throw new ShapeError(`reshape: only one dimension can be -1, got ${formatShape(shape)}`);
  if (inferred >= 0) {
    const known = sizeOf(target.filter((_, i) => i !== inferred));
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(`reshape: cannot reshape a tensor of shape ${formatShape(x.shape)} (${x.size} elements) into ${formatShape(shape)}`);
    }
    target[inferred] = x.size / known;
  }
  if (target.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(target) !== x.size) {
    throw new ShapeError(`reshape: cannot reshape a tensor of shape ${formatShape(x.shape)} (${x.size} elements) into ${formatShape(shape)}`);
  }
  if (shapesEqual(target, x.shape)) return x;
  return record(new Tensor(x.storage, target), 'reshape', [x], (g) => [g.reshape(x.shape)]);
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const start = normalizeAxis(startDim, x.ndim, 'flatten');
  const end = normalizeAxis(endDim, x.ndim, 'flatten');
  if (start > end) throw new ShapeError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  return reshape(x, [...x.shape.slice(0, start), sizeOf(x.shape.slice(start, end + 1)), ...x.shape.slice(end + 1)]);
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const perm = dims.map((d) => normalizeAxis(d, x.ndim, 'permute'));
  if (perm.length !== x.ndim || new Set(perm).size !== perm.length) {
    throw new ShapeError(`permute: ${formatShape(dims)} is not a permutation of the ${x.ndim} dimensions of a tensor of shape ${formatShape(x.shape)}`);
  }
  if (perm.every((p, i) => p === i)) return x;
  const outShape = perm.map((p) => x.shape[p]);
  const strides = stridesOf(x.shape);
  const out = Tensor.empty(outShape, x.dtype, x.backend);
  run(copyKernel(outShape, 0, perm.map((p) => strides[p]), 0, stridesOf(outShape)), [x], [out]);
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return record(out, 'permute', [x], (g) => [permute(g, inverse)]);
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normalizeAxis(dim0, x.ndim, 'transpose');
  const b = normalizeAxis(dim1, x.ndim, 'transpose');
  const perm = x.shape.map((_, i) => (i === a ? b : i === b ? a : i));
  return permute(x, perm);
}

export function squeeze(x: Tensor, axis?: Axes): Tensor {
  const axes = axis === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes(axis, x.ndim, 'squeeze');
  for (const a of axes) {
    if (x.shape[a] !== 1) throw new ShapeError(`squeeze: dimension ${a} of shape ${formatShape(x.shape)} has size ${x.shape[a]}, not 1`);
  }
  return reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
}

export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis(axis, x.ndim + 1, 'unsqueeze');
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** Repeats size-1 (or missing leading) dimensions to `shape`; the gradient sums them back. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  const target = [...shape];
  if (!shapesEqual(broadcastShapes(x.shape, target, 'broadcastTo'), target)) {
    throw new ShapeError(`broadcastTo: a tensor of shape ${formatShape(x.shape)} cannot be broadcast to ${formatShape(shape)}`);
  }
  if (shapesEqual(x.shape, target)) return x;
  const out = Tensor.empty(target, x.dtype, x.backend);
  run(copyKernel(target, 0, broadcastStrides(x.shape, target), 0, stridesOf(target)), [x], [out]);
  return record(out, 'broadcastTo', [x], (g) => [sumToShape(g, x.shape)]);
}

/** In a slice spec, a new dimension of size 1 at that place (NumPy's newaxis, PyTorch's None); null means the same. */
export const newaxis: unique symbol = Symbol('newaxis');
/** In a slice spec, as many whole dimensions as the other entries leave (Python's `...`); the string '...' means the same. */
export const ellipsis: unique symbol = Symbol('ellipsis');

/**
 * One entry per dimension, from the first: a number picks one index and drops the dimension; a
 * range `[start, end, step]`, an object `{ start, end, step }` or a string 'start:end:step' keeps
 * it (negative indices count from the end, missing parts mean the whole dimension, so ':' keeps
 * all of it). `nb.newaxis` or null (PyTorch's `x[:, None]`) inserts a dimension of size 1 and
 * `nb.ellipsis` (or '...') stands for the dimensions the other entries leave out. Steps are
 * positive, as in PyTorch: for a reversed order, flip the dimension first (`nb.flip(x, dims)`).
 */
export type SliceSpec =
  | number | null | string | readonly (number | null | undefined)[] | { start?: number; end?: number; step?: number }
  | typeof newaxis | typeof ellipsis;

type AxisSpec = Exclude<SliceSpec, typeof newaxis | null | typeof ellipsis>;
interface AxisSlice { start: number; step: number; length: number; keep: boolean }

const isEllipsis = (spec: SliceSpec) => spec === ellipsis || (typeof spec === 'string' && spec.trim() === '...');
const isNewaxis = (spec: SliceSpec): spec is typeof newaxis | null => spec === newaxis || spec === null;

function resolveSlice(spec: AxisSpec, size: number, axis: number): AxisSlice {
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < -size || spec >= size) {
      throw new ShapeError(`slice: index ${spec} is out of range for dimension ${axis} of size ${size}`);
    }
    return { start: spec < 0 ? spec + size : spec, step: 1, length: 1, keep: false };
  }
  let start: number | null | undefined;
  let end: number | null | undefined;
  let step: number | null | undefined;
  if (typeof spec === 'string') {
    const parts = spec.split(':');
    if (parts.length < 2 || parts.length > 3 || parts.some((p) => p.trim() !== '' && !/^\s*-?\d+\s*$/.test(p))) {
      throw new ShapeError(`slice: cannot parse '${spec}' for dimension ${axis}; expected 'start:end', 'start:end:step' or '...'`);
    }
    [start, end, step] = parts.map((p) => (p.trim() === '' ? undefined : Number(p)));
  } else if (Array.isArray(spec)) {
    [start, end, step] = spec as (number | null | undefined)[];
  } else {
    ({ start, end, step } = spec as { start?: number; end?: number; step?: number });
  }
  const s = step ?? 1;
  if (Number.isInteger(s) && s < 0) {
    throw new ShapeError(`slice: step must be positive, got ${s} for dimension ${axis} (as in PyTorch); to reverse, flip the dimension first: nb.flip(x, [${axis}])`);
  }
  if (!Number.isInteger(s) || s <= 0) throw new ShapeError(`slice: step must be a positive integer, got ${s} for dimension ${axis}`);
  const clampIndex = (i: number) => Math.min(size, Math.max(0, i < 0 ? i + size : i));
  const from = clampIndex(start ?? 0);
  const to = clampIndex(end ?? size);
  return { start: from, step: s, length: Math.max(0, Math.ceil((to - from) / s)), keep: true };
}

export function slice(x: Tensor, specs: readonly SliceSpec[]): Tensor {
  const ellipses = specs.filter(isEllipsis).length;
  if (ellipses > 1) throw new ShapeError(`slice: at most one ellipsis ('...') may appear, got ${ellipses}`);
  const consuming = specs.filter((spec) => !isNewaxis(spec) && !isEllipsis(spec)).length;
  if (consuming > x.ndim) throw new ShapeError(`slice: ${consuming} indices given for a tensor of shape ${formatShape(x.shape)}`);
  // Each spec with the dimension it applies to; an ellipsis becomes whole dimensions, and dimensions left over at the end are whole too.
  const whole = (count: number) => new Array<AxisSpec>(count).fill(':');
  const expanded = [
    ...specs.flatMap((spec) => (isEllipsis(spec) ? whole(x.ndim - consuming) : [spec as AxisSpec | typeof newaxis | null])),
    ...whole(ellipses ? 0 : x.ndim - consuming),
  ];
  const slices: AxisSlice[] = [];
  const outShape: number[] = [];
  for (const spec of expanded) {
    if (isNewaxis(spec)) {
      outShape.push(1);
      continue;
    }
    const axis = slices.length;
    const s = resolveSlice(spec, x.shape[axis], axis);
    slices.push(s);
    if (s.keep) outShape.push(s.length);
  }
  return reshape(sliceAxes(x, slices), outShape);
}

/** x[start : start + length] along dim (torch.narrow): a slice that keeps the dimension. */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const a = normalizeAxis(dim, x.ndim, 'narrow');
  const size = x.shape[a];
  const from = Number.isInteger(start) && start < 0 ? start + size : start;
  if (!Number.isInteger(from) || from < 0 || from > size) throw new RangeError(`narrow: start ${start} is out of range for dimension ${a} of size ${size}`);
  if (!Number.isInteger(length) || length < 0 || from + length > size) {
    throw new RangeError(`narrow: length ${length} from start ${from} runs past the end of dimension ${a} of size ${size}`);
  }
  return sliceAxes(x, x.shape.map((d, i) => (i === a ? { start: from, step: 1, length, keep: true } : { start: 0, step: 1, length: d, keep: true })));
}

/** The strided part of x that `slices` describe (one per dimension), kept dimensions and dropped ones alike of their lengths. */
function sliceAxes(x: Tensor, slices: readonly AxisSlice[]): Tensor {
  const strides = stridesOf(x.shape);
  const offset = slices.reduce((acc, s, axis) => acc + s.start * strides[axis], 0);
  const viewShape = slices.map((s) => s.length);
  const viewStrides = slices.map((s, axis) => s.step * strides[axis]);
  const out = Tensor.empty(viewShape, x.dtype, x.backend);
  run(copyKernel(viewShape, offset, viewStrides, 0, stridesOf(viewShape)), [x], [out]);
  return record(out, 'slice', [x], (g) => [new PartialGradient(g, copyKernel(viewShape, 0, stridesOf(viewShape), offset, viewStrides))]);
}

/** The elements in reverse order along each of `dims` (torch.flip); the gradient is flipped back. */
export function flip(x: Tensor, dims: Axes): Tensor {
  const axes = normalizeAxes(dims, x.ndim, 'flip');
  const strides = stridesOf(x.shape);
  const offset = axes.reduce((acc, a) => acc + Math.max(0, x.shape[a] - 1) * strides[a], 0);
  const out = Tensor.empty(x.shape, x.dtype, x.backend);
  run(copyKernel(x.shape, offset, strides.map((s, i) => (axes.includes(i) ? -s : s)), 0, strides), [x], [out]);
  return record(out, 'flip', [x], (g) => [flip(g, axes)]);
}

export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new ShapeError('concat: needs at least one tensor');
  const first = tensors[0];
  if (first.ndim === 0) throw new ShapeError('concat: zero-dimensional tensors cannot be concatenated; use stack');
  const a = normalizeAxis(axis, first.ndim, 'concat');
  tensors.forEach((t, i) => {
    const compatible = t.ndim === first.ndim && t.shape.every((d, j) => j === a || d === first.shape[j]);
    if (!compatible) {
      throw new ShapeError(`concat: tensor ${i} has shape ${formatShape(t.shape)}, which differs from ${formatShape(first.shape)} outside axis ${a}`);
    }
    if (t.dtype !== first.dtype) throw new TypeError(`concat: tensor ${i} is ${t.dtype} but tensor 0 is ${first.dtype}`);
  });
  const outShape = [...first.shape];
  outShape[a] = tensors.reduce((acc, t) => acc + t.shape[a], 0);
  const out = Tensor.empty(outShape, first.dtype, backendOf('concat', tensors));
  const outStrides = stridesOf(outShape);
  const starts: number[] = [];
  let start = 0;
  for (const t of tensors) {
    starts.push(start);
    run(copyKernel(t.shape, 0, stridesOf(t.shape), start * outStrides[a], outStrides), [t], [out]);
    start += t.shape[a];
  }
  return record(out, 'concat', tensors, (g) =>
    tensors.map((t, i) => (t.requiresGrad ? narrow(g, a, starts[i], t.shape[a]) : null)),
  );
}

export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new ShapeError('stack: needs at least one tensor');
  tensors.forEach((t, i) => {
    if (!shapesEqual(t.shape, tensors[0].shape)) {
      throw new ShapeError(`stack: tensor ${i} has shape ${formatShape(t.shape)} but tensor 0 has ${formatShape(tensors[0].shape)}`);
    }
  });
  const a = normalizeAxis(axis, tensors[0].ndim + 1, 'stack');
  return concat(tensors.map((t) => unsqueeze(t, a)), a);
}

export function clone(x: Tensor): Tensor {
  const out = Tensor.empty(x.shape, x.dtype, x.backend);
  run(copyKernel(x.shape, 0, stridesOf(x.shape), 0, stridesOf(x.shape)), [x], [out]);
  return record(out, 'clone', [x], (g) => [g]);
}

/** Converts to another dtype; float-to-int truncates toward zero. Gradients flow between float types. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (dtype === x.dtype) return x;
  const out = Tensor.empty(x.shape, dtype, x.backend);
  run({ op: 'cast' }, [x], [out]);
  if (dtype === 'int32') return out;
  return record(out, 'cast', [x], (g) => [g.to(x.dtype)]);
}

/** Copies `shape` elements from one strided layout to another. */
export function copyKernel(shape: readonly number[], srcOffset: number, srcStrides: readonly number[], dstOffset: number, dstStrides: readonly number[]): CopyKernel {
  return { op: 'copy', shape, srcOffset, srcStrides, dstOffset, dstStrides, accumulate: false };
}
