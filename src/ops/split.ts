import { describeValue } from '../base/options.js';
import { formatShape, normalizeAxis, ShapeError } from '../base/shape.js';
import { assertTensor, type Tensor } from '../tensor/tensor.js';
import { narrow, squeeze } from './shape.js';

/*
 * Pieces of a tensor along one dimension, each a copy (nabla's tensors are contiguous) whose
 * gradient flows back into its part of the input.
 */

/**
 * torch.split: pieces of `sizeOrSections` entries along dim (the last one shorter when the size
 * does not divide), or pieces of the given sizes, which must add up to the dimension's size.
 */
export function split(x: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  assertTensor(x, 'split', 'input');
  const a = normalizeAxis(dim, x.ndim, 'split');
  const size = x.shape[a];
  let sections: number[];
  if (typeof sizeOrSections === 'number') {
    if (!Number.isInteger(sizeOrSections) || sizeOrSections <= 0) throw new RangeError(`split: the piece size must be a positive integer, got ${sizeOrSections}`);
    const count = Math.max(1, Math.ceil(size / sizeOrSections));
    sections = Array.from({ length: count }, (_, i) => Math.min(sizeOrSections, size - i * sizeOrSections));
  } else if (!Array.isArray(sizeOrSections)) {
    throw new TypeError(`split: sizeOrSections must be a piece size or an array of section sizes, got ${describeValue(sizeOrSections)}`);
  } else {
    sections = [...sizeOrSections];
    if (!sections.every((s) => Number.isInteger(s) && s >= 0)) throw new RangeError(`split: section sizes must be non-negative integers, got [${sections.join(', ')}]`);
    const total = sections.reduce((acc, s) => acc + s, 0);
    if (total !== size) {
      throw new ShapeError(`split: section sizes [${sections.join(', ')}] add up to ${total}, but dimension ${a} of ${formatShape(x.shape)} has size ${size}`);
    }
  }
  let start = 0;
  return sections.map((length) => {
    const piece = narrow(x, a, start, length);
    start += length;
    return piece;
  });
}

/** torch.chunk: `chunks` pieces of ceil(size / chunks) entries along dim; fewer when that size leaves nothing for the last ones. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  assertTensor(x, 'chunk', 'input');
  if (!Number.isInteger(chunks) || chunks <= 0) throw new RangeError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const size = x.shape[normalizeAxis(dim, x.ndim, 'chunk')];
  return split(x, Math.max(1, Math.ceil(size / chunks)), dim);
}

/** torch.unbind: the entries along dim, each without that dimension. */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  assertTensor(x, 'unbind', 'input');
  const a = normalizeAxis(dim, x.ndim, 'unbind');
  return Array.from({ length: x.shape[a] }, (_, i) => squeeze(narrow(x, a, i, 1), a));
}
