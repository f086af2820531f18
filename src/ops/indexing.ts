import { record } from '../autograd/graph.js';
import { formatShape, normalizeAxis, ShapeError, sizeOf } from '../base/shape.js';
import { assertTensor, Tensor } from '../tensor/tensor.js';
import { backendOf, run } from '../tensor/dispatch.js';

/** Throws unless `index` is int32 with every value in [0, limit), naming the first offender (reads the indices: a sync point). */
export function checkIndices(index: Tensor, limit: number, op: string, what: string): void {
  if (index.dtype !== 'int32') throw new TypeError(`${op}: ${what} must be an int32 tensor, got ${index.dtype}`);
  const values = index.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < 0 || v >= limit) throw new RangeError(`${op}: ${what} ${v} at position ${i} is out of range [0, ${limit})`);
  }
}

/** checkIndices for an index into dimension `axis` of `shape`: the errors name both. */
export function checkIndexInto(index: Tensor, shape: readonly number[], axis: number, op: string): void {
  if (index.dtype !== 'int32') throw new TypeError(`${op}: index must be an int32 tensor, got ${index.dtype}`);
  checkIndices(index, shape[axis], op, `index into dimension ${axis} of shape ${formatShape(shape)}:`);
}

/** out[..., j, ...] = x[..., index[..., j, ...], ...] along `axis` (torch.gather); index has x's shape except along axis. */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  const a = normalizeAxis(axis, x.ndim, 'gather');
  const sameOutside = index.ndim === x.ndim && index.shape.every((d, i) => i === a || d === x.shape[i]);
  if (!sameOutside) {
    throw new ShapeError(`gather: index of shape ${formatShape(index.shape)} must match input shape ${formatShape(x.shape)} in every dimension but ${a}`);
  }
  checkIndices(index, x.shape[a], 'gather', 'index');
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const out = Tensor.empty(index.shape, x.dtype, backendOf('gather', [x, index]));
  const layout = { outer, axisLength: x.shape[a], inner, indexAxisLength: index.shape[a] };
  run({ op: 'gather', ...layout }, [x, index], [out]);
  return record(out, 'gather', [x], (g) => [scatterAdd(g, index, x.shape, a, layout)]);
}

/**
 * The adjoint of gather: g added into zeros of `shape` at the gathered positions. Its gradient
 * (under createGraph) is gather again. For torch.scatter_add, see scatterAdd in ./scatter.ts.
 */
export function scatterAdd(g: Tensor, index: Tensor, shape: readonly number[], axis: number, layout: { outer: number; axisLength: number; inner: number; indexAxisLength: number }): Tensor {
  const out = Tensor.empty(shape, g.dtype, g.backend);
  run({ op: 'scatterAdd', ...layout }, [g, index], [out]);
  return record(out, 'scatterAdd', [g], (gOut) => [gather(gOut, axis, index)]);
}

/**
 * The entries of x at the positions `index` (a 1-D or 0-d int32 tensor) along `dim`, in that
 * order, repeats allowed (torch.index_select): the result has x's shape with dim's size replaced
 * by index's. The gradient adds each entry's gradient back at its position.
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  assertTensor(x, 'indexSelect', 'input');
  assertTensor(index, 'indexSelect', 'index');
  if (x.ndim === 0) throw new ShapeError('indexSelect: the input must have at least one dimension, got a 0-d tensor');
  const a = normalizeAxis(dim, x.ndim, 'indexSelect');
  if (index.ndim > 1) throw new ShapeError(`indexSelect: index must be 1-D (or 0-d), got shape ${formatShape(index.shape)}`);
  checkIndexInto(index, x.shape, a, 'indexSelect');
  const outShape = [...x.shape];
  outShape[a] = index.size;
  const out = Tensor.empty(outShape, x.dtype, backendOf('indexSelect', [x, index]));
  run({ op: 'indexSelect', outer: sizeOf(x.shape.slice(0, a)), axisLength: x.shape[a], inner: sizeOf(x.shape.slice(a + 1)) }, [x, index], [out]);
  return record(out, 'indexSelect', [x], (g) => [indexSelectAdjoint(g, a, index, x.shape)]);
}

/** The adjoint of indexSelect: zeros of `shape` with g's entries along `axis` added at `index` (repeats add up). */
export function indexSelectAdjoint(g: Tensor, axis: number, index: Tensor, shape: readonly number[]): Tensor {
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const count = index.size;
  // The scatterAdd kernel reads one index per element of g.
  const perElement = outer * inner === 1 ? index : expandIndex(index, [outer, count, inner]);
  const out = Tensor.empty(shape, g.dtype, g.backend);
  run({ op: 'scatterAdd', outer, axisLength: shape[axis], inner, indexAxisLength: count }, [g, perElement], [out]);
  return record(out, 'indexSelectAdjoint', [g], (gOut) => [indexSelect(gOut, axis, index)]);
}

function expandIndex(index: Tensor, shape: readonly [number, number, number]): Tensor {
  const out = Tensor.empty(shape, 'int32', index.backend);
  run({ op: 'copy', shape, srcOffset: 0, srcStrides: [0, 1, 0], dstOffset: 0, dstStrides: [shape[1] * shape[2], shape[2], 1], accumulate: false }, [index], [out]);
  return out;
}

/**
 * x read as a flat row-major array at the positions in `index` (torch.take): the result has
 * index's shape; negative positions count from the end.
 */
export function take(x: Tensor, index: Tensor): Tensor {
  assertTensor(x, 'take', 'input');
  assertTensor(index, 'take', 'index');
  if (index.dtype !== 'int32') throw new TypeError(`take: index must be an int32 tensor, got ${index.dtype}`);
  const n = x.size;
  const positions = Int32Array.from(index.dataSync(), (v, i) => {
    if (v < -n || v >= n) throw new RangeError(`take: index ${v} at position ${i} is out of range [-${n}, ${n}) for an input of shape ${formatShape(x.shape)} (${n} elements)`);
    return v < 0 ? v + n : v;
  });
  const flat = indexSelect(x.ndim === 0 ? x.reshape([1]) : x.reshape([n]), 0, Tensor.fromValues(positions, [positions.length], 'int32', x.backend));
  return flat.reshape(index.shape);
}

/** float32 one-hot rows for int32 class labels: shape [...labels.shape, numClasses]. */
export function oneHot(labels: Tensor, numClasses: number): Tensor {
  if (!Number.isInteger(numClasses) || numClasses <= 0) throw new RangeError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  checkIndices(labels, numClasses, 'oneHot', 'label');
  const out = Tensor.empty([...labels.shape, numClasses], 'float32', labels.backend);
  run({ op: 'oneHot', classes: numClasses }, [labels], [out]);
  return out;
}

/** The rows (entries along axis 0) of x at the given positions, copied into a new tensor; positions must be in range. */
export function takeRows(x: Tensor, positions: Tensor): Tensor {
  const out = Tensor.empty([positions.size, ...x.shape.slice(1)], x.dtype, backendOf('takeRows', [x, positions]));
  run({ op: 'indexSelect', outer: 1, axisLength: x.shape[0], inner: sizeOf(x.shape.slice(1)) }, [x, positions], [out]);
  return out;
}
