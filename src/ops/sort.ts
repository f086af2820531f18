import { record } from '../autograd/graph.js';
import { formatShape, normalizeAxis, ShapeError, sizeOf } from '../base/shape.js';
import { describeValue } from '../base/options.js';
import { Tensor } from '../tensor/tensor.js';
import { run } from '../tensor/dispatch.js';
import { scatterAdd } from './indexing.js';
import { slice } from './shape.js';
import { valuesIndices, type ValuesIndices } from './values-indices.js';

/** The layout of x viewed as [outer, axisLength, inner] around `axis`, as the gather kernels take it. */
function aroundAxis(x: Tensor, axis: number) {
  return { outer: sizeOf(x.shape.slice(0, axis)), axisLength: x.shape[axis] ?? 1, inner: sizeOf(x.shape.slice(axis + 1)) };
}

function checkFlag(value: unknown, owner: string, name: string): void {
  if (typeof value !== 'boolean') throw new TypeError(`${owner}: ${name} must be a boolean, got ${describeValue(value)}`);
}

/**
 * The values along `dim` in ascending order (descending when asked), and where each came from
 * (torch.sort with stable=True: equal values keep their order, in both directions). NaN sorts above
 * every number, so it comes last ascending and first descending, as in PyTorch. The gradient goes
 * back to the position each value came from.
 */
export function sort(x: Tensor, dim = -1, descending = false): ValuesIndices {
  const { values, indices, axis, layout } = sortAlong('sort', x, dim, descending);
  record(values, 'sort', [x], (g) => [scatterAdd(g, indices, x.shape, axis, { ...layout, indexAxisLength: layout.axisLength })]);
  return valuesIndices(values, indices);
}

/** The positions that sort along `dim` (torch.argsort, stable). */
export function argsort(x: Tensor, dim = -1, descending = false): Tensor {
  return sortAlong('argsort', x, dim, descending).indices;
}

function sortAlong(owner: string, x: Tensor, dim: number, descending: boolean) {
  checkFlag(descending, owner, 'descending');
  const axis = normalizeAxis(dim, x.ndim, owner);
  const layout = aroundAxis(x, axis);
  const values = Tensor.empty(x.shape, x.dtype, x.backend);
  const indices = Tensor.empty(x.shape, 'int32', x.backend);
  run({ op: 'sort', ...layout, descending }, [x], [values, indices]);
  return { values, indices, axis, layout };
}

/**
 * The k largest values along `dim` (the k smallest unless `largest`), largest first (smallest
 * first), with their positions (torch.topk). Ties keep the order of their positions; PyTorch leaves
 * the order among ties unspecified, and so the result is sorted whatever `sorted` says.
 */
export function topk(x: Tensor, k: number, dim = -1, largest = true, sorted = true): ValuesIndices {
  checkFlag(largest, 'topk', 'largest');
  checkFlag(sorted, 'topk', 'sorted');
  const a = normalizeAxis(dim, x.ndim, 'topk');
  const length = x.shape[a] ?? 1;
  if (!Number.isInteger(k) || k < 0 || k > length) {
    throw new ShapeError(`topk: k must be an integer in [0, ${length}] (the size of dimension ${a} of shape ${formatShape(x.shape)}), got ${describeValue(k)}`);
  }
  const { values, indices } = sort(x, a, largest);
  const firstK = x.shape.map((_, i) => (i === a ? [0, k] : ':'));
  return valuesIndices(slice(values, firstK), slice(indices, firstK));
}
