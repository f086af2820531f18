import { isFloat } from '../base/dtype.js';
import { checkOptions, describeValue } from '../base/options.js';
import { formatShape, ShapeError, sizeOf, stridesOf } from '../base/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { div } from './arithmetic.js';
import { record } from '../autograd/graph.js';
import { run } from '../tensor/dispatch.js';
import { scatterAdd } from './indexing.js';
import { matmul } from './matmul.js';
import { pad } from './pad.js';
import { sum } from './reduce.js';
import { reshape, squeeze, transpose, unsqueeze } from './shape.js';
import { asStrided } from './strided.js';
import { axisNames, batchedInput, outputLength, type PerAxis, perAxis, resolvePadding, torchPads } from './window.js';

export interface PoolOptions {
  kernelSize: PerAxis;
  /** Default: the kernel size. */
  stride?: PerAxis;
  /** Implicit padding (default 0): an int, per axis or per side; at most half the (dilated) kernel. */
  padding?: PerAxis;
  /** Max pooling only (default 1). */
  dilation?: PerAxis;
  /** Ceil instead of floor in the output size, keeping a last partial window (default false). */
  ceilMode?: boolean;
  /** Average pooling only: count the zero padding in each window's divisor (default true). */
  countIncludePad?: boolean;
  /** Average pooling only: divide every window sum by this instead. */
  divisorOverride?: number;
}

const MAX_OPTIONS = ['kernelSize', 'stride', 'padding', 'dilation', 'ceilMode'];
const AVG_OPTIONS = ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'];

/** Max over each window of [N, C, L] (or [C, L]); the gradient goes to the first maximum of each window, as in PyTorch. */
export const maxPool1d = (input: Tensor, options: PoolOptions | PerAxis): Tensor => maxPool('maxPool1d', 1, input, options);
/** Max over each window of [N, C, H, W] (or [C, H, W]); the gradient goes to the first maximum of each window, as in PyTorch. */
export const maxPool2d = (input: Tensor, options: PoolOptions | PerAxis): Tensor => maxPool('maxPool2d', 2, input, options);
/** Mean over each window of [N, C, L] (or [C, L]). */
export const avgPool1d = (input: Tensor, options: PoolOptions | PerAxis): Tensor => avgPool('avgPool1d', 1, input, options);
/** Mean over each window of [N, C, H, W] (or [C, H, W]). */
export const avgPool2d = (input: Tensor, options: PoolOptions | PerAxis): Tensor => avgPool('avgPool2d', 2, input, options);

/** Where windowsOf puts the elements of each window. */
const WINDOW_AXIS = 2;

interface Windows {
  /** [N, C, window, ...out] */
  windows: Tensor;
  batched: boolean;
  outSize: number[];
  geometry: { kernel: number[]; stride: number[]; before: number[]; after: number[] };
}

interface Geometry {
  /** [N, C, ...spatial]: the input with its batch axis. */
  input: Tensor;
  batched: boolean;
  kernel: number[];
  stride: number[];
  dilation: number[];
  before: number[];
  after: number[];
  outSize: number[];
}

/** The checked options and the output size of a pooling of x. */
function poolGeometry(op: string, d: number, x: Tensor, options: PoolOptions, allowed: readonly string[]): Geometry {
  checkOptions(options, allowed, op);
  const { batched } = batchedInput(op, x.shape, d);
  if (!isFloat(x.dtype)) throw new TypeError(`${op}: input must be float32 or float64, got ${x.dtype}`);
  const input = batched ? x : unsqueeze(x, 0);
  const kernel = perAxis(options.kernelSize, d, op, 'kernelSize');
  const stride = perAxis(options.stride ?? kernel, d, op, 'stride');
  const dilation = perAxis(options.dilation ?? 1, d, op, 'dilation');
  const ceilMode = options.ceilMode ?? false;
  if (typeof ceilMode !== 'boolean') throw new TypeError(`${op}: ceilMode must be a boolean, got ${describeValue(ceilMode)}`);
  const { before, after } = resolvePadding(options.padding ?? 0, d, op, { kernel, dilation, stride });
  [...before, ...after].forEach((p, j) => {
    const i = j % d;
    const half = Math.floor((dilation[i] * (kernel[i] - 1) + 1) / 2);
    if (p > half) throw new RangeError(`${op}: padding ${p} along ${axisNames(d)[i]} is more than half the kernel (${half}), as PyTorch requires`);
  });
  const spatial = input.shape.slice(2);
  const outSize = spatial.map((n, i) => outputLength(op, x.shape, i, d, { n, kernel: kernel[i], stride: stride[i], dilation: dilation[i], before: before[i], after: after[i], ceilMode }));
  return { input, batched, kernel, stride, dilation, before, after, outSize };
}

const asOptions = (raw: PoolOptions | PerAxis): PoolOptions => (typeof raw === 'number' || Array.isArray(raw) ? { kernelSize: raw as PerAxis } : (raw as PoolOptions));

/** Every window of the padded input, the window's elements along WINDOW_AXIS. */
function windowsOf(op: string, d: number, x: Tensor, raw: PoolOptions | PerAxis, allowed: readonly string[], fill: number): Windows {
  const { input, batched, kernel, stride, dilation, before, after, outSize } = poolGeometry(op, d, x, asOptions(raw), allowed);
  const spatial = input.shape.slice(2);
  // In ceil mode the last window may run past the padding: pad far enough for it (it is clipped later).
  const reach = outSize.map((o, i) => (o - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1 - spatial[i] - before[i]);
  const padded = pad(input, torchPads(before, after.map((a, i) => Math.max(a, reach[i]))), fill);
  const s = stridesOf(padded.shape).slice(2);
  const [batch, channels] = input.shape;
  // Window elements before output positions, so that the copy's inner rows run along the output.
  const view = asStrided(padded, [batch, channels, ...kernel, ...outSize], [stridesOf(padded.shape)[0], stridesOf(padded.shape)[1], ...s.map((st, i) => dilation[i] * st), ...s.map((st, i) => stride[i] * st)]);
  return { windows: reshape(view, [batch, channels, sizeOf(kernel), ...outSize]), batched, outSize, geometry: { kernel, stride, before, after } };
}

/**
 * One pass of the maxPool kernel: the maxima and where they are. The gradient goes back to those
 * places (a scatter-add, so overlapping windows that share a maximum add up).
 */
function maxPool(op: string, d: number, x: Tensor, options: PoolOptions | PerAxis): Tensor {
  const { input, batched, kernel, stride, dilation, before, outSize } = poolGeometry(op, d, x, asOptions(options), MAX_OPTIONS);
  const [batch, channels, ...spatial] = input.shape;
  const planes = batch * channels;
  const outShape = [batch, channels, ...outSize];
  const backend = input.backend;
  const values = Tensor.empty(outShape, input.dtype, backend);
  const indices = Tensor.empty(outShape, 'int32', backend);
  // 1-D pooling is 2-D pooling of planes of height 1.
  const asPlane = (axes: readonly number[], one: number) => (d === 1 ? [one, axes[0]] : [...axes]);
  if (values.size > 0) {
    run({
      op: 'maxPool', planes, inSize: asPlane(spatial, 1), outSize: asPlane(outSize, 1), kernel: asPlane(kernel, 1),
      stride: asPlane(stride, 1), dilation: asPlane(dilation, 1), padding: asPlane(before, 0),
    }, [input], [values, indices]);
  }
  const planeSize = sizeOf(spatial);
  const outPlane = sizeOf(outSize);
  const y = record(values, op, [input], (g) => [
    reshape(scatterAdd(reshape(g, [planes, outPlane]), reshape(indices, [planes, outPlane]), [planes, planeSize], 1, { outer: planes, axisLength: planeSize, inner: 1, indexAxisLength: outPlane }), input.shape),
  ]);
  return batched ? y : squeeze(y, 0);
}

function avgPool(op: string, d: number, x: Tensor, options: PoolOptions | PerAxis): Tensor {
  const { windows, batched, outSize, geometry } = windowsOf(op, d, x, options, AVG_OPTIONS, 0);
  const raw: Partial<PoolOptions> = typeof options === 'number' || Array.isArray(options) ? {} : (options as PoolOptions);
  const { countIncludePad = true, divisorOverride } = raw;
  if (typeof countIncludePad !== 'boolean') throw new TypeError(`${op}: countIncludePad must be a boolean, got ${describeValue(countIncludePad)}`);
  if (divisorOverride !== undefined && !(Number.isInteger(divisorOverride) && divisorOverride > 0)) {
    throw new RangeError(`${op}: divisorOverride must be a positive integer, got ${describeValue(divisorOverride)}`);
  }
  const spatial = (batched ? x.shape : [1, ...x.shape]).slice(2);
  const divisor = divisorOverride ?? divisors(spatial, outSize, geometry, countIncludePad);
  const y = div(sum(windows, WINDOW_AXIS), typeof divisor === 'number' ? divisor : Tensor.fromValues(divisor, outSize, x.dtype, x.backend));
  return batched ? y : squeeze(y, 0);
}

/**
 * PyTorch's divisor for each window: its extent within the padded input (the padding counted) or
 * within the input itself, per axis, multiplied; a ceil-mode window past the padding is clipped.
 */
function divisors(spatial: readonly number[], outSize: readonly number[], { kernel, stride, before, after }: Windows['geometry'], countIncludePad: boolean): Float64Array {
  const perAxisCounts = outSize.map((o, i) => Array.from({ length: o }, (_, j) => {
    const start = j * stride[i] - before[i];
    const end = Math.min(start + kernel[i], spatial[i] + after[i]);
    return countIncludePad ? end - start : Math.min(end, spatial[i]) - Math.max(start, 0);
  }));
  const out = new Float64Array(sizeOf(outSize));
  const strides = stridesOf(outSize);
  for (let flat = 0; flat < out.length; flat++) {
    let count = 1;
    for (let i = 0; i < outSize.length; i++) count *= perAxisCounts[i][Math.floor(flat / strides[i]) % outSize[i]];
    out[flat] = count;
  }
  return out;
}

/** Average pooling to a fixed output size (PyTorch's windows floor(i n / out) .. ceil((i + 1) n / out)); null keeps that axis. */
export const adaptiveAvgPool1d = (input: Tensor, outputSize: number | readonly (number | null)[]): Tensor => adaptiveAvgPool('adaptiveAvgPool1d', 1, input, outputSize);
export const adaptiveAvgPool2d = (input: Tensor, outputSize: number | readonly (number | null)[]): Tensor => adaptiveAvgPool('adaptiveAvgPool2d', 2, input, outputSize);

/**
 * PyTorch's adaptive windows along an axis of n elements, as an [out, n] averaging matrix (row-major):
 * window o covers floor(o n / out) .. ceil((o + 1) n / out). The ONNX export multiplies by it too.
 */
export function adaptiveAveragingWeights(n: number, out: number): Float64Array {
  const weights = new Float64Array(out * n);
  for (let o = 0; o < out; o++) {
    const start = Math.floor((o * n) / out);
    const end = Math.ceil(((o + 1) * n) / out);
    for (let j = start; j < end; j++) weights[o * n + j] = 1 / (end - start);
  }
  return weights;
}

/** Separable: one averaging matrix per axis, A[o, i] = 1 / |window o| for i in window o, applied by matrix products. */
function adaptiveAvgPool(op: string, d: number, x: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  const { batched } = batchedInput(op, x.shape, d);
  if (!isFloat(x.dtype)) throw new TypeError(`${op}: input must be float32 or float64, got ${x.dtype}`);
  const sizes = typeof outputSize === 'number' ? new Array<number | null>(d).fill(outputSize) : outputSize;
  if (!Array.isArray(sizes) || sizes.length !== d || !sizes.every((s) => s === null || (Number.isInteger(s) && s > 0))) {
    throw new RangeError(`${op}: outputSize must be a positive integer or ${d} of them (null keeps an axis), got ${describeValue(outputSize)}`);
  }
  let y = batched ? x : unsqueeze(x, 0);
  const spatial = y.shape.slice(2);
  for (let i = 0; i < d; i++) {
    const n = spatial[i];
    const out = sizes[i] ?? n;
    if (n === 0) throw new ShapeError(`${op}: input of shape ${formatShape(x.shape)} is empty along ${axisNames(d)[i]}`);
    const averaging = Tensor.fromValues(adaptiveAveragingWeights(n, out), [out, n], y.dtype, y.backend);
    // Bring axis i last, average it, and put it back.
    const axis = 2 + i;
    const moved = axis === y.ndim - 1 ? y : transpose(y, axis, -1);
    const pooled = matmul(moved, transpose(averaging, 0, 1));
    y = axis === y.ndim - 1 ? pooled : transpose(pooled, axis, -1);
  }
  return batched ? y : squeeze(y, 0);
}
