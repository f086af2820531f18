import { formatShape, normalizeAxis, ShapeError, stridesOf, type Shape } from '../base/shape.js';
import { assertTensor, Tensor } from '../tensor/tensor.js';
import { add } from './arithmetic.js';
import { where } from './compare.js';
import { checkIndexInto, indexSelect, indexSelectAdjoint } from './indexing.js';

/*
 * torch.scatter and torch.scatter_add, out of place: each element of `index` (position p, value v)
 * sends src[p] to the element of x at p with its coordinate along `dim` replaced by v. index has
 * x's number of dimensions and is no larger than src anywhere, nor than x outside dim; src's
 * elements beyond index's shape are not read. Both are composed from indexSelect and its adjoint on
 * the flattened tensors, at positions computed here from the indices (which are read: a sync point).
 */

/**
 * A copy of x with src's elements (or `value`) written at the indexed positions. Where index
 * repeats a position the last element, in row-major order, wins (PyTorch leaves the choice
 * undefined), and it alone gets the gradient of that position; x's gradient is zero there.
 */
export function scatter(x: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
  const a = checkScatter('scatter', x, dim, index, src);
  const srcShape = src instanceof Tensor ? src.shape : index.shape;
  const { destination, source } = scatterPositions(x.shape, a, index, srcShape);
  const winner = new Int32Array(x.size).fill(-1);
  destination.forEach((d, e) => (winner[d] = e));
  const hit = Int32Array.from(winner, (e) => (e >= 0 ? 1 : 0));
  const mask = Tensor.fromValues(hit, x.shape, 'int32', x.backend);
  if (!(src instanceof Tensor)) return where(mask, Tensor.full([], src, x.dtype, x.backend), x);
  const written = winner.filter((e) => e >= 0);
  return where(mask, place(x, src, written.map((e) => source[e]), written.map((e) => destination[e])), x);
}

/** x plus src's elements added at the indexed positions; repeated positions add up. */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  assertTensor(src, 'scatterAdd', 'src');
  const a = checkScatter('scatterAdd', x, dim, index, src);
  const { destination, source } = scatterPositions(x.shape, a, index, src.shape);
  return add(x, place(x, src, source, destination));
}

/** Zeros of x's shape with src's flat elements at `source` added at flat positions `destination`. */
function place(x: Tensor, src: Tensor, source: Int32Array, destination: Int32Array): Tensor {
  const flat = src.reshape([src.size]);
  const readsAllInOrder = source.length === src.size && source.every((s, i) => s === i);
  const values = readsAllInOrder ? flat : indexSelect(flat, 0, Tensor.fromValues(source, [source.length], 'int32', src.backend));
  return indexSelectAdjoint(values, 0, Tensor.fromValues(destination, [destination.length], 'int32', x.backend), [x.size]).reshape(x.shape);
}

/** PyTorch's rules for the operands; returns dim, normalized. */
function checkScatter(op: string, x: Tensor, dim: number, index: Tensor, src: Tensor | number): number {
  assertTensor(x, op, 'input');
  assertTensor(index, op, 'index');
  const a = normalizeAxis(dim, x.ndim, op);
  if (src instanceof Tensor) {
    if (src.dtype !== x.dtype) throw new TypeError(`${op}: src is ${src.dtype} but the input is ${x.dtype}; convert one with .to(...)`);
    if (src.ndim !== x.ndim) throw new ShapeError(`${op}: src must have as many dimensions as the input ${formatShape(x.shape)}, got shape ${formatShape(src.shape)}`);
  } else if (typeof src !== 'number') {
    throw new TypeError(`${op}: src must be a Tensor or a number, got ${typeof src}`);
  }
  if (index.ndim !== x.ndim) throw new ShapeError(`${op}: index must have as many dimensions as the input ${formatShape(x.shape)}, got shape ${formatShape(index.shape)}`);
  index.shape.forEach((d, i) => {
    if (i !== a && d > x.shape[i]) {
      throw new ShapeError(`${op}: index of shape ${formatShape(index.shape)} is larger than the input ${formatShape(x.shape)} in dimension ${i} (${d} > ${x.shape[i]}); only dimension ${a} may be larger`);
    }
    if (src instanceof Tensor && d > src.shape[i]) {
      throw new ShapeError(`${op}: index of shape ${formatShape(index.shape)} is larger than src ${formatShape(src.shape)} in dimension ${i} (${d} > ${src.shape[i]})`);
    }
  });
  checkIndexInto(index, x.shape, a, op);
  return a;
}

/** For each element of index, row-major: the flat position it writes in x and the flat position of the src element it sends. */
function scatterPositions(xShape: Shape, axis: number, index: Tensor, srcShape: Shape): { destination: Int32Array; source: Int32Array } {
  const values = index.dataSync();
  const xStrides = stridesOf(xShape);
  const srcStrides = stridesOf(srcShape);
  const destination = new Int32Array(values.length);
  const source = new Int32Array(values.length);
  const coords = new Array<number>(index.ndim).fill(0);
  for (let e = 0; e < values.length; e++) {
    let d = 0;
    let s = 0;
    for (let k = 0; k < coords.length; k++) {
      d += (k === axis ? values[e] : coords[k]) * xStrides[k];
      s += coords[k] * srcStrides[k];
    }
    destination[e] = d;
    source[e] = s;
    for (let k = coords.length - 1; k >= 0 && ++coords[k] === index.shape[k]; k--) coords[k] = 0;
  }
  return { destination, source };
}
