import { record } from '../autograd/graph.js';
import { checkChoice, describeValue } from '../base/options.js';
import { formatShape, ShapeError, stridesOf } from '../base/shape.js';
import { assertTensor, Tensor } from '../tensor/tensor.js';
import { run } from '../tensor/dispatch.js';
import { indexSelect } from './indexing.js';

export const PAD_MODES = ['constant', 'reflect', 'replicate', 'circular'] as const;
/**
 * How pad fills the border (torch.nn.functional.pad), for [1, 2, 3] padded by 2 on both sides:
 * 'constant' with a value (0 0 1 2 3 0 0), 'reflect' mirrors without repeating the edge
 * (3 2 1 2 3 2 1), 'replicate' repeats the edge (1 1 1 2 3 3 3), 'circular' wraps around (2 3 1 2 3 1 2).
 */
export type PadMode = (typeof PAD_MODES)[number];

/**
 * Pads x in torch.nn.functional.pad's order: `pads` holds (before, after) pairs starting from the
 * last dimension, [left, right, top, bottom, ...]. In 'constant' mode (the default) a negative
 * amount crops, and `value` fills (0 by default); a number in place of the mode is that value
 * (pad(x, pads, -Infinity) for max pooling). The other modes take no value, and each amount must
 * be non-negative and, for 'reflect', smaller than the dimension (at most its size for 'circular').
 * Padding by nothing returns x itself.
 */
export function pad(x: Tensor, pads: readonly number[], mode: PadMode | number = 'constant', value?: number): Tensor {
  assertTensor(x, 'pad', 'input');
  if (!Array.isArray(pads) || pads.length % 2 !== 0 || pads.length / 2 > x.ndim || !pads.every(Number.isInteger)) {
    throw new ShapeError(`pad: padding must be (before, after) integer pairs for at most ${x.ndim} dimensions (the last first), got ${Array.isArray(pads) ? `[${pads.join(', ')}]` : describeValue(pads)} for ${formatShape(x.shape)}`);
  }
  if (typeof mode === 'number') return constantPad(x, pads, mode);
  const checked = checkChoice(mode, PAD_MODES, 'pad', 'mode');
  if (checked === 'constant') {
    if (value !== undefined && typeof value !== 'number') throw new TypeError(`pad: the fill value must be a number, got ${describeValue(value)}`);
    return constantPad(x, pads, value ?? 0);
  }
  if (value !== undefined) throw new TypeError(`pad: mode '${checked}' takes no fill value, got ${describeValue(value)}; only 'constant' does`);
  let out = x;
  for (let i = 0; i < pads.length / 2; i++) {
    const axis = x.ndim - 1 - i;
    const [before, after] = [pads[2 * i], pads[2 * i + 1]];
    if (before === 0 && after === 0) continue;
    out = indexSelect(out, axis, Tensor.fromValues(sourcePositions(checked, x.shape[axis], before, after, axis, x.shape), [x.shape[axis] + before + after], 'int32', x.backend));
  }
  return out;
}

/** Where each entry of a dimension of `size` padded by (before, after) comes from. */
function sourcePositions(mode: Exclude<PadMode, 'constant'>, size: number, before: number, after: number, axis: number, shape: readonly number[]): Int32Array {
  const amounts = `(${before}, ${after})`;
  if (before < 0 || after < 0) throw new RangeError(`pad: mode '${mode}' cannot crop: the padding ${amounts} of dimension ${axis} must be non-negative`);
  if (mode === 'reflect' && Math.max(before, after) >= size) {
    throw new RangeError(`pad: reflect padding ${amounts} of dimension ${axis} must be smaller than its size ${size} (input ${formatShape(shape)})`);
  }
  if (mode === 'circular' && Math.max(before, after) > size) {
    throw new RangeError(`pad: circular padding ${amounts} of dimension ${axis} must be at most its size ${size} (input ${formatShape(shape)})`);
  }
  if (mode === 'replicate' && size === 0) throw new RangeError(`pad: replicate padding needs at least one entry to repeat, but dimension ${axis} of ${formatShape(shape)} is empty`);
  return Int32Array.from({ length: size + before + after }, (_, j) => {
    const i = j - before;
    if (mode === 'replicate') return Math.min(size - 1, Math.max(0, i));
    if (mode === 'circular') return ((i % size) + size) % size;
    const mirrored = Math.abs(i);
    return mirrored < size ? mirrored : 2 * (size - 1) - mirrored;
  });
}

/** Constant padding; the gradient is the upstream gradient's interior (a negative pad). */
function constantPad(x: Tensor, pads: readonly number[], value: number): Tensor {
  const before = x.shape.map(() => 0);
  const after = x.shape.map(() => 0);
  for (let i = 0; i < pads.length / 2; i++) {
    before[x.ndim - 1 - i] = pads[2 * i];
    after[x.ndim - 1 - i] = pads[2 * i + 1];
  }
  const outShape = x.shape.map((d, i) => d + before[i] + after[i]);
  if (outShape.some((d) => d < 0)) {
    throw new ShapeError(`pad: padding [${pads.join(', ')}] would give ${formatShape(x.shape)} a negative size (${formatShape(outShape)})`);
  }
  if (before.every((p) => p === 0) && after.every((p) => p === 0)) return x;
  // The part of x that survives cropping, and where it lands in the result.
  const kept = x.shape.map((d, i) => Math.max(0, d + Math.min(0, before[i]) + Math.min(0, after[i])));
  const xStrides = stridesOf(x.shape);
  const outStrides = stridesOf(outShape);
  const srcOffset = before.reduce((acc, p, i) => acc + Math.max(0, -p) * xStrides[i], 0);
  const dstOffset = before.reduce((acc, p, i) => acc + Math.max(0, p) * outStrides[i], 0);
  const out = Tensor.full(outShape, value, x.dtype, x.backend);
  if (kept.every((d) => d > 0)) {
    run({ op: 'copy', shape: kept, srcOffset, srcStrides: xStrides, dstOffset, dstStrides: outStrides, accumulate: false }, [x], [out]);
  }
  return record(out, 'pad', [x], (g) => [constantPad(g, pads.map((p) => -p), 0)]);
}
