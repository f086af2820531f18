import type { TypedArray } from '../../base/dtype.js';
import type { Shape } from '../../base/shape.js';
import type { CopyKernel } from '../kernels.js';

/** Axes of a multi-operand walk after dropping size-1 axes and merging adjacent ones contiguous in every operand. */
export interface MergedAxes {
  dims: number[];
  /** dimStrides[operand][axis] */
  dimStrides: number[][];
}

/** null when the index space is empty. */
export function mergeAxes(shape: Shape, strides: readonly Shape[]): MergedAxes | null {
  const dims: number[] = [];
  const dimStrides: number[][] = strides.map(() => []);
  for (let axis = 0; axis < shape.length; axis++) {
    if (shape[axis] === 1) continue;
    if (shape[axis] === 0) return null;
    const last = dims.length - 1;
    const mergeable = last >= 0 && strides.every((s, o) => dimStrides[o][last] === s[axis] * shape[axis]);
    if (mergeable) {
      dims[last] *= shape[axis];
      for (let o = 0; o < strides.length; o++) dimStrides[o][last] = strides[o][axis];
    } else {
      dims.push(shape[axis]);
      for (let o = 0; o < strides.length; o++) dimStrides[o].push(strides[o][axis]);
    }
  }
  return { dims, dimStrides };
}

/**
 * Walks a multi-dimensional index space one innermost row at a time, for several operands that
 * each have their own strides (0 along broadcast axes). Adjacent axes that are contiguous in every
 * operand are merged first, so same-shape operands become a single long row.
 * `visit` gets each operand's offset at the start of the row, the row length and each operand's
 * stride along the row.
 */
export function forEachRow(
  shape: Shape,
  strides: readonly Shape[],
  visit: (offsets: readonly number[], length: number, rowStrides: readonly number[]) => void,
  baseOffsets?: readonly number[],
): void {
  const operands = strides.length;
  const merged = mergeAxes(shape, strides);
  if (merged === null) return;
  const { dims, dimStrides } = merged;
  const offsets = baseOffsets ? [...baseOffsets] : new Array<number>(operands).fill(0);
  if (dims.length === 0) {
    visit(offsets, 1, new Array<number>(operands).fill(0));
    return;
  }
  const inner = dims.length - 1;
  const rowLength = dims[inner];
  const rowStrides = dimStrides.map((s) => s[inner]);
  const counter = new Array<number>(inner).fill(0);
  for (;;) {
    visit(offsets, rowLength, rowStrides);
    let axis = inner - 1;
    while (axis >= 0) {
      counter[axis]++;
      for (let o = 0; o < operands; o++) offsets[o] += dimStrides[o][axis];
      if (counter[axis] < dims[axis]) break;
      for (let o = 0; o < operands; o++) offsets[o] -= dimStrides[o][axis] * dims[axis];
      counter[axis] = 0;
      axis--;
    }
    if (axis < 0) return;
  }
}

/** A block of a strided copy: rows x cols elements, with each side's element strides along both. */
export interface CopyBlock {
  rows: number;
  cols: number;
  srcRow: number;
  srcCol: number;
  dstRow: number;
  dstCol: number;
}

/**
 * Walks a strided copy's index space as 2-D blocks: the two innermost merged axes form each block
 * and the others run as an odometer, so that short rows (im2col's, one per kernel tap and output
 * row) do not each pay a step of it. `visit` gets each block's first source and destination offset.
 */
export function forEachBlock(
  shape: Shape, srcStrides: Shape, dstStrides: Shape, srcOffset: number, dstOffset: number,
  visit: (src: number, dst: number, block: CopyBlock) => void,
): void {
  const merged = mergeAxes(shape, [srcStrides, dstStrides]);
  if (merged === null) return;
  const { dims, dimStrides: [ss, ds] } = merged;
  while (dims.length < 2) {
    dims.unshift(1);
    ss.unshift(0);
    ds.unshift(0);
  }
  const outer = dims.length - 2;
  const block = { rows: dims[outer], cols: dims[outer + 1], srcRow: ss[outer], srcCol: ss[outer + 1], dstRow: ds[outer], dstCol: ds[outer + 1] };
  const counter = new Array<number>(outer).fill(0);
  let s0 = srcOffset;
  let d0 = dstOffset;
  for (;;) {
    visit(s0, d0, block);
    let axis = outer - 1;
    while (axis >= 0) {
      counter[axis]++;
      s0 += ss[axis];
      d0 += ds[axis];
      if (counter[axis] < dims[axis]) break;
      s0 -= ss[axis] * dims[axis];
      d0 -= ds[axis] * dims[axis];
      counter[axis] = 0;
      axis--;
    }
    if (axis < 0) return;
  }
}

/** From this length a contiguous row is copied by TypedArray.set (a memcpy); below, the loop is cheaper than the view it needs. */
const LONG_ROW = 64;

/** Strided copy (or accumulation), a block at a time: convolutions and pooling are mostly this kernel. */
export function copy(kernel: CopyKernel, [src]: readonly TypedArray[], [dst]: readonly TypedArray[]): void {
  const { shape, srcOffset, srcStrides, dstOffset, dstStrides, accumulate } = kernel;
  forEachBlock(shape, srcStrides, dstStrides, srcOffset, dstOffset, (s0, d0, { rows, cols, srcRow, srcCol, dstRow, dstCol }) => {
    for (let r = 0, sRow = s0, dRow = d0; r < rows; r++, sRow += srcRow, dRow += dstRow) {
      if (!accumulate && srcCol === 1 && dstCol === 1 && cols >= LONG_ROW) dst.set(src.subarray(sRow, sRow + cols) as never, dRow);
      else if (accumulate) for (let c = 0, s = sRow, d = dRow; c < cols; c++, s += srcCol, d += dstCol) dst[d] += src[s];
      else for (let c = 0, s = sRow, d = dRow; c < cols; c++, s += srcCol, d += dstCol) dst[d] = src[s];
    }
  });
}
