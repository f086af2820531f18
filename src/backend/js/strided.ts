import type { TypedArray } from '../../base/dtype.js';
import type { Shape } from '../../base/shape.js';
import type { CopyKernel } from '../kernels.js';

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
  const dims: number[] = [];
  const dimStrides: number[][] = strides.map(() => []);
  for (let axis = 0; axis < shape.length; axis++) {
    if (shape[axis] === 1) continue;
    if (shape[axis] === 0) return;
    const last = dims.length - 1;
    const mergeable = last >= 0 && strides.every((s, o) => dimStrides[o][last] === s[axis] * shape[axis]);
    if (mergeable) {
      dims[last] *= shape[axis];
      for (let o = 0; o < operands; o++) dimStrides[o][last] = strides[o][axis];
    } else {
      dims.push(shape[axis]);
      for (let o = 0; o < operands; o++) dimStrides[o].push(strides[o][axis]);
    }
  }
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

export function copy(kernel: CopyKernel, [src]: readonly TypedArray[], [dst]: readonly TypedArray[]): void {
  const { shape, srcOffset, srcStrides, dstOffset, dstStrides, accumulate } = kernel;
  forEachRow(shape, [srcStrides, dstStrides], ([s0, d0], n, [ss, ds]) => {
    if (accumulate) {
      for (let i = 0, s = s0, d = d0; i < n; i++, s += ss, d += ds) dst[d] += src[s];
    } else if (ss === 1 && ds === 1) {
      dst.set(src.subarray(s0, s0 + n) as never, d0);
    } else {
      for (let i = 0, s = s0, d = d0; i < n; i++, s += ss, d += ds) dst[d] = src[s];
    }
  }, [srcOffset, dstOffset]);
}
