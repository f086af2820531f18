import { formatShape, ShapeError } from '../base/shape.js';
import { describeValue } from '../base/options.js';

/** One value for every spatial axis, or one per axis. */
export type PerAxis = number | readonly number[];

/**
 * An int (every side), one per axis, one per side (`[left, right]` in 1-D, `[top, bottom, left,
 * right]` in 2-D), 'valid' (none) or 'same' (output as large as the input; stride 1 only).
 */
export type Padding = PerAxis | 'valid' | 'same';

/** The spatial letters used in messages and formulas, by number of spatial axes. */
const AXIS_NAMES: Record<number, readonly string[]> = { 1: ['L'], 2: ['H', 'W'], 3: ['D', 'H', 'W'] };

export function axisNames(d: number): readonly string[] {
  return AXIS_NAMES[d] ?? Array.from({ length: d }, (_, i) => `d${i}`);
}

/** `value` as d integers >= `min`, with an error naming the op and the option. */
export function perAxis(value: unknown, d: number, op: string, name: string, min = 1): number[] {
  const values = typeof value === 'number' ? new Array<number>(d).fill(value) : value;
  if (!Array.isArray(values) || values.length !== d || !values.every((v) => Number.isInteger(v) && v >= min)) {
    throw new RangeError(`${op}: ${name} must be an integer >= ${min} or ${d} of them (one per spatial axis), got ${describeValue(value)}`);
  }
  return values as number[];
}

/** Padding before and after each spatial axis. */
export interface SidePadding {
  before: number[];
  after: number[];
}

export function resolvePadding(padding: unknown, d: number, op: string, geometry: { kernel: readonly number[]; dilation: readonly number[]; stride: readonly number[] }): SidePadding {
  if (padding === 'valid') return { before: new Array<number>(d).fill(0), after: new Array<number>(d).fill(0) };
  if (padding === 'same') {
    if (geometry.stride.some((s) => s !== 1)) {
      throw new RangeError(`${op}: padding 'same' needs stride 1 (as in PyTorch), got stride [${geometry.stride.join(', ')}]`);
    }
    // The total d(k - 1) is split with the smaller half before, as PyTorch does.
    const total = geometry.kernel.map((k, i) => geometry.dilation[i] * (k - 1));
    return { before: total.map((t) => Math.floor(t / 2)), after: total.map((t) => t - Math.floor(t / 2)) };
  }
  if (Array.isArray(padding) && padding.length === 2 * d && padding.every((p) => Number.isInteger(p) && p >= 0)) {
    return { before: padding.filter((_, i) => i % 2 === 0), after: padding.filter((_, i) => i % 2 === 1) };
  }
  if (typeof padding === 'number' || (Array.isArray(padding) && padding.length === d)) {
    const per = perAxis(padding, d, op, 'padding', 0);
    return { before: per, after: [...per] };
  }
  const sides = d === 1 ? '[left, right]' : d === 2 ? '[top, bottom, left, right]' : `${2 * d} values (before and after each axis)`;
  throw new RangeError(`${op}: padding must be an integer >= 0, ${d} of them (one per axis), ${sides}, 'valid' or 'same', got ${describeValue(padding)}`);
}

/**
 * Output length along one axis: floor((n + before + after - dilation (k - 1) - 1) / stride) + 1,
 * or with ceil in ceil mode, where (as in PyTorch) a last window that would start past the input
 * and the padding before it is dropped. Throws, naming the op, the input shape and the rule, when
 * the output would be empty.
 */
export function outputLength(
  op: string, inputShape: readonly number[], axis: number, d: number,
  { n, kernel, stride, dilation, before, after, ceilMode = false }: { n: number; kernel: number; stride: number; dilation: number; before: number; after: number; ceilMode?: boolean },
): number {
  const span = n + before + after - dilation * (kernel - 1) - 1;
  let out = span < 0 ? 0 : (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceilMode && out > 0 && (out - 1) * stride >= n + before) out--;
  if (out <= 0) {
    const name = axisNames(d)[axis];
    throw new ShapeError(
      `${op}: input of shape ${formatShape(inputShape)} gives an empty output along ${name}: ` +
      `${ceilMode ? 'ceil' : 'floor'}((${name} + pad_before + pad_after - dilation*(kernel-1) - 1)/stride) + 1 = ` +
      `${ceilMode ? 'ceil' : 'floor'}((${n} + ${before} + ${after} - ${dilation}*(${kernel}-1) - 1)/${stride}) + 1 = ${out}; ` +
      `the ${dilation > 1 ? 'dilated ' : ''}kernel (${dilation * (kernel - 1) + 1}) is larger than the padded input (${n + before + after})`,
    );
  }
  return out;
}

/** The input as [N, C, ...spatial], with a leading 1 added to an unbatched [C, ...spatial] one. */
export function batchedInput(op: string, shape: readonly number[], d: number): { batched: boolean } {
  if (shape.length === d + 2) return { batched: true };
  if (shape.length === d + 1) return { batched: false };
  const names = axisNames(d).join(', ');
  throw new ShapeError(`${op}: expected a ${d + 2}-D input [N, C, ${names}] (or ${d + 1}-D [C, ${names}] without a batch), got ${formatShape(shape)}`);
}

/** torch.nn.functional.pad's flat list (last axis first) for per-axis before/after amounts of the spatial axes. */
export function torchPads(before: readonly number[], after: readonly number[]): number[] {
  const pads: number[] = [];
  for (let i = before.length - 1; i >= 0; i--) pads.push(before[i], after[i]);
  return pads;
}
