import { record } from '../autograd/graph.js';
import { getBackend } from '../backend/registry.js';
import { formatShape, normalizeAxis, ShapeError, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** Throws unless `index` is int32 with every value in [0, limit), naming the first offender. */
export function checkIndices(index: Tensor, limit: number, op: string, what: string): void {
  if (index.dtype !== 'int32') throw new TypeError(`${op}: ${what} must be an int32 tensor, got ${index.dtype}`);
  for (let i = 0; i < index.size; i++) {
    const v = index.data[i];
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
  const out = Tensor.empty(index.shape, x.dtype);
  const indices = index.data as Int32Array;
  getBackend().gather(x.data, outer, x.shape[a], inner, indices, index.shape[a], out.data);
  return record(out, 'gather', [x], (g) => {
    const gx = Tensor.empty(x.shape, g.dtype);
    getBackend().scatterAdd(g.data, outer, x.shape[a], inner, indices, index.shape[a], gx.data);
    return [gx];
  });
}

/** float32 one-hot rows for int32 class labels: shape [...labels.shape, numClasses]. */
export function oneHot(labels: Tensor, numClasses: number): Tensor {
  if (!Number.isInteger(numClasses) || numClasses <= 0) throw new RangeError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  checkIndices(labels, numClasses, 'oneHot', 'label');
  const out = Tensor.empty([...labels.shape, numClasses], 'float32');
  for (let i = 0; i < labels.size; i++) out.data[i * numClasses + labels.data[i]] = 1;
  return out;
}
