import { record } from '../autograd/graph.js';
import { formatShape, normalizeAxis, ShapeError, sizeOf } from '../base/shape.js';
import { Tensor } from '../tensor/tensor.js';
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

/** The adjoint of gather: g added into zeros of `shape` at the gathered positions. Its gradient (under createGraph) is gather again. */
export function scatterAdd(g: Tensor, index: Tensor, shape: readonly number[], axis: number, layout: { outer: number; axisLength: number; inner: number; indexAxisLength: number }): Tensor {
  const out = Tensor.empty(shape, g.dtype, g.backend);
  run({ op: 'scatterAdd', ...layout }, [g, index], [out]);
  return record(out, 'scatterAdd', [g], (gOut) => [gather(gOut, axis, index)]);
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
