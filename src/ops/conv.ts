import { isFloat } from '../base/dtype.js';
import { checkOptions, describeValue } from '../base/options.js';
import { formatShape, ShapeError, sizeOf, stridesOf } from '../base/shape.js';
import { isGradEnabled, record } from '../autograd/graph.js';
import type { ViewAxes } from '../backend/kernels.js';
import { backendOf, run } from '../tensor/dispatch.js';
import { Tensor } from '../tensor/tensor.js';
import { add } from './arithmetic.js';
import { activationBackward, leakyRelu } from './elementwise.js';
import { batchedMatmul, matmul } from './matmul.js';
import type { LinearActivation } from './nn.js';
import { pad } from './pad.js';
import { sum } from './reduce.js';
import { permute, reshape, squeeze, transpose, unsqueeze } from './shape.js';
import { asStrided, asStridedScatter } from './strided.js';
import { axisNames, batchedInput, outputLength, type Padding, type PerAxis, perAxis, resolvePadding, torchPads } from './window.js';

export interface ConvOptions {
  /** Step between windows (default 1). */
  stride?: PerAxis;
  /** Zero padding (default 0): see Padding. */
  padding?: Padding;
  /** Spacing between kernel taps (default 1). */
  dilation?: PerAxis;
  /** Input and output channels split into this many independent groups (default 1; C_in for depthwise). */
  groups?: number;
}

export interface ConvTransposeOptions {
  stride?: PerAxis;
  /** Removed from both ends of each axis of the full output (default 0): dilation (k - 1) - padding zeros of the equivalent convolution. */
  padding?: PerAxis;
  /** Added to one end of each axis, to pick among the output sizes a strided convolution maps to the same size (default 0; below the stride or the dilation). */
  outputPadding?: PerAxis;
  dilation?: PerAxis;
  groups?: number;
}

const CONV_OPTIONS = ['stride', 'padding', 'dilation', 'groups'];
const CONV_TRANSPOSE_OPTIONS = ['stride', 'padding', 'outputPadding', 'dilation', 'groups'];

/** 1-D convolution (cross-correlation, as in PyTorch): input [N, C_in, L], weight [C_out, C_in/groups, k]. */
export function conv1d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvOptions = {}): Tensor {
  return convolution('conv1d', 1, input, weight, bias, options, NO_ACTIVATION);
}

/** 2-D convolution (cross-correlation, as in PyTorch): input [N, C_in, H, W], weight [C_out, C_in/groups, k_h, k_w]. */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvOptions = {}): Tensor {
  return convolution('conv2d', 2, input, weight, bias, options, NO_ACTIVATION);
}

/**
 * activation(conv(input)) in one pass: the bias and the activation applied to the product where it
 * is made (a convolution layer followed by its activation, see Conv.fuseWith).
 */
export function fusedConvolution(d: 1 | 2, input: Tensor, weight: Tensor, bias: Tensor | null, options: ConvOptions, activation: Required<LinearActivation>): Tensor {
  // With a negative slope the sign of the output no longer tells which branch was taken.
  if (activation.activation === 'leakyRelu' && activation.alpha < 0) return leakyRelu(convolution(`conv${d}d`, d, input, weight, bias, options, NO_ACTIVATION), activation.alpha);
  return convolution(`conv${d}d`, d, input, weight, bias, options, activation);
}

const NO_ACTIVATION: Required<LinearActivation> = { activation: 'none', alpha: 0 };

/** The adjoint of conv1d in its input: input [N, C_in, L], weight [C_in, C_out/groups, k]. */
export function convTranspose1d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvTransposeOptions = {}): Tensor {
  return transposedConvolution('convTranspose1d', 1, input, weight, bias, options);
}

/** The adjoint of conv2d in its input: input [N, C_in, H, W], weight [C_in, C_out/groups, k_h, k_w]. */
export function convTranspose2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvTransposeOptions = {}): Tensor {
  return transposedConvolution('convTranspose2d', 2, input, weight, bias, options);
}

interface Checked {
  input: Tensor;
  batched: boolean;
  groups: number;
  kernel: number[];
  stride: number[];
  dilation: number[];
}

/** The checks both convolutions share; `channelsPerGroup` is what weight.shape[1] must be. */
function checkConv(op: string, d: number, x: Tensor, weight: Tensor, bias: Tensor | null, options: ConvOptions | ConvTransposeOptions, inChannelAxis: 0 | 1): Checked {
  const { batched } = batchedInput(op, x.shape, d);
  const input = batched ? x : unsqueeze(x, 0);
  if (weight.ndim !== d + 2) {
    const layout = inChannelAxis === 1 ? `[C_out, C_in/groups, ${axisNames(d).map((a) => `k_${a.toLowerCase()}`).join(', ')}]` : `[C_in, C_out/groups, ${axisNames(d).map((a) => `k_${a.toLowerCase()}`).join(', ')}]`;
    throw new ShapeError(`${op}: weight must be ${d + 2}-D ${layout}, got ${formatShape(weight.shape)}`);
  }
  if (!isFloat(input.dtype) || input.dtype !== weight.dtype || (bias !== null && bias.dtype !== weight.dtype)) {
    throw new TypeError(`${op}: input, weight and bias must share one float dtype, got ${input.dtype}, ${weight.dtype}${bias ? `, ${bias.dtype}` : ''}`);
  }
  const { groups = 1 } = options;
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${op}: groups must be a positive integer, got ${describeValue(groups)}`);
  const channels = input.shape[1];
  if (inChannelAxis === 1) {
    const [outChannels, perGroup] = weight.shape;
    if (channels % groups !== 0 || outChannels % groups !== 0) {
      throw new ShapeError(`${op}: ${channels} input and ${outChannels} output channels must both divide by groups = ${groups}`);
    }
    if (perGroup !== channels / groups) {
      throw new ShapeError(`${op}: weight of shape ${formatShape(weight.shape)} takes ${perGroup} input channels per group, but the input of shape ${formatShape(x.shape)} has ${channels} channels in ${groups} group(s), ${channels / groups} each`);
    }
  } else {
    if (weight.shape[0] !== channels) {
      throw new ShapeError(`${op}: weight of shape ${formatShape(weight.shape)} takes ${weight.shape[0]} input channels, but the input of shape ${formatShape(x.shape)} has ${channels}`);
    }
    if (channels % groups !== 0) throw new ShapeError(`${op}: ${channels} input channels must divide by groups = ${groups}`);
  }
  const outChannels = inChannelAxis === 1 ? weight.shape[0] : weight.shape[1] * groups;
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new ShapeError(`${op}: bias must have shape [${outChannels}] (one per output channel), got ${formatShape(bias.shape)}`);
  }
  return {
    input, batched, groups,
    kernel: weight.shape.slice(2),
    stride: perAxis(options.stride ?? 1, d, op, 'stride'),
    dilation: perAxis(options.dilation ?? 1, d, op, 'dilation'),
  };
}

/** y = act(bias + W * x) by im2col: the windows of the padded input as the columns of one product per group, read in place. */
function convolution(op: string, d: number, x: Tensor, weight: Tensor, bias: Tensor | null, options: ConvOptions, activation: Required<LinearActivation>): Tensor {
  checkOptions(options, CONV_OPTIONS, op);
  const { input, batched, groups, kernel, stride, dilation } = checkConv(op, d, x, weight, bias, options, 1);
  const { before, after } = resolvePadding(options.padding ?? 0, d, op, { kernel, dilation, stride });
  const spatial = input.shape.slice(2);
  const outSize = spatial.map((n, i) => outputLength(op, x.shape, i, d, { n, kernel: kernel[i], stride: stride[i], dilation: dilation[i], before: before[i], after: after[i] }));
  const padded = pad(input, torchPads(before, after));
  const [batch, channels] = input.shape;
  const outChannels = weight.shape[0];
  const perGroup = channels / groups;
  const s = stridesOf(padded.shape);
  const spatialStrides = s.slice(2);
  // Columns [G, C_in/G * prod(k), N * prod(out)]: the batch joins the product's columns, so each
  // group is one large product instead of one small product per sample.
  const windowShape = [groups, perGroup, ...kernel, batch, ...outSize];
  const windowStrides = [perGroup * s[1], s[1], ...spatialStrides.map((st, i) => dilation[i] * st), s[0], ...spatialStrides.map((st, i) => stride[i] * st)];
  const taps = perGroup * sizeOf(kernel);
  const product = windowProduct(reshape(weight, [groups, outChannels / groups, taps]), padded, windowShape, windowStrides, bias, activation);
  const y = reshape(product, [batch, outChannels, ...outSize]);
  return batched ? y : squeeze(y, 0);
}

/**
 * act(W[g] @ columns[g] + bias[g]) for each group g, the bias per row (output channel), where
 * columns = the windows of `padded` (shape [G, C/G, ...k, N, ...out], the first 1 + d + 1 axes
 * being the taps), read through a viewMatmul kernel without materializing them, and written
 * channels-first: the output is [N, C, prod(out)]. Backward, from gz = g * act'(y) brought to the
 * product's layout [G, C/G, N prod(out)]: d bias = the rows' sums of gz, dW = gz columns^T (the
 * columns read through the view again), d(padded) = the windows' adjoint (col2im) of W^T gz.
 */
function windowProduct(
  weight: Tensor, padded: Tensor, windowShape: readonly number[], windowStrides: readonly number[], bias: Tensor | null, { activation, alpha }: Required<LinearActivation>,
): Tensor {
  const [groups, m, k] = weight.shape;
  const tapAxes = (windowShape.length + 1) / 2; // [G, C/G, ...k] before [N, ...out]
  const columns = { shape: windowShape.slice(tapAxes), strides: windowStrides.slice(tapAxes) };
  const taps = { shape: windowShape.slice(1, tapAxes), strides: windowStrides.slice(1, tapAxes) };
  const batch = windowShape[tapAxes];
  const positions = sizeOf(windowShape.slice(tapAxes + 1));
  const inputs = bias === null ? [weight, padded] : [weight, padded, bias];
  const out = Tensor.empty([batch, groups * m, positions], weight.dtype, backendOf('conv', inputs));
  const fused = bias !== null || activation !== 'none';
  const outSamples = { length: positions, stride: groups * m * positions };
  for (let g = 0; g < groups; g++) {
    run({
      op: 'viewMatmul', m, aOffset: g * m * k, outOffset: g * m * positions, viewOffset: g * windowStrides[0], taps, columns, transposeView: false, outSamples,
      ...(fused ? { epilogue: { activation, alpha, biasOffset: bias === null ? null : g * m } } : {}),
    }, inputs, [out]);
  }
  return record(out, activation === 'none' ? 'conv' : `conv+${activation}`, inputs, (gOut) => {
    const gy = activation === 'none' ? gOut : activationBackward(activation, gOut, out, alpha);
    const gz = reshape(permute(reshape(gy, [batch, groups, m, positions]), [1, 2, 0, 3]), [groups, m, batch * positions]);
    const gWeight = weight.requiresGrad ? columnsProduct(gz, padded, taps, columns, windowStrides[0]) : null;
    const gPadded = padded.requiresGrad ? windowsAdjoint(weight, gz, padded, taps, columns, windowStrides[0]) : null;
    const gBias = bias?.requiresGrad ? reshape(sum(gz, 2), bias.shape) : null;
    return [gWeight, gPadded, gBias];
  });
}

/**
 * The gradient of the padded input: W[g]^T @ gz[g] added back through the windows (col2im), in one
 * viewScatter kernel. With createGraph it is composed of differentiable ops instead.
 */
function windowsAdjoint(weight: Tensor, gz: Tensor, padded: Tensor, taps: ViewAxes, columns: ViewAxes, groupStride: number): Tensor {
  const [groups, m] = weight.shape;
  if (isGradEnabled() && (gz.requiresGrad || weight.requiresGrad)) {
    const windowShape = [groups, ...taps.shape, ...columns.shape];
    return asStridedScatter(reshape(batchedMatmul(weight, gz, true, false), windowShape), padded.shape, [groupStride, ...taps.strides, ...columns.strides]);
  }
  const out = Tensor.empty(padded.shape, gz.dtype, backendOf('conv', [weight, gz]));
  run({ op: 'viewScatter', groups, m, viewOffset: 0, viewGroupStride: groupStride, taps, columns }, [weight, gz], [out]);
  return out;
}

/**
 * gOut[g] @ columns[g]^T for each group g (the weight gradient), the columns read through the view
 * as in the forward product. With createGraph it is composed of differentiable ops instead.
 */
function columnsProduct(gOut: Tensor, padded: Tensor, taps: ViewAxes, columns: ViewAxes, groupStride: number): Tensor {
  const [groups, m, n] = gOut.shape;
  const k = sizeOf(taps.shape);
  if (isGradEnabled() && (gOut.requiresGrad || padded.requiresGrad)) {
    const windowShape = [groups, ...taps.shape, ...columns.shape];
    return batchedMatmul(gOut, reshape(asStrided(padded, windowShape, [groupStride, ...taps.strides, ...columns.strides]), [groups, k, n]), false, true);
  }
  const out = Tensor.empty([groups, m, k], gOut.dtype, backendOf('conv', [gOut, padded]));
  for (let g = 0; g < groups; g++) {
    run({ op: 'viewMatmul', m, aOffset: g * m * n, outOffset: g * m * k, viewOffset: g * groupStride, taps, columns, transposeView: true }, [gOut, padded], [out]);
  }
  return out;
}

/** y = bias + W^T x scattered back through the windows (col2im), cropped by the padding. */
function transposedConvolution(op: string, d: number, x: Tensor, weight: Tensor, bias: Tensor | null, options: ConvTransposeOptions): Tensor {
  checkOptions(options, CONV_TRANSPOSE_OPTIONS, op);
  const { input, batched, groups, kernel, stride, dilation } = checkConv(op, d, x, weight, bias, options, 0);
  const padding = perAxis(options.padding ?? 0, d, op, 'padding', 0);
  const outputPadding = perAxis(options.outputPadding ?? 0, d, op, 'outputPadding', 0);
  outputPadding.forEach((p, i) => {
    if (p >= Math.max(stride[i], dilation[i])) {
      throw new RangeError(`${op}: outputPadding (${p} along ${axisNames(d)[i]}) must be smaller than the stride (${stride[i]}) or the dilation (${dilation[i]})`);
    }
  });
  const [batch, channels] = input.shape;
  const spatial = input.shape.slice(2);
  const perGroup = channels / groups;
  const outPerGroup = weight.shape[1];
  const outChannels = outPerGroup * groups;
  const full = spatial.map((n, i) => (n - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1);
  const outSize = full.map((f, i) => f - 2 * padding[i] + outputPadding[i]);
  outSize.forEach((n, i) => {
    if (n <= 0) {
      const name = axisNames(d)[i];
      throw new ShapeError(`${op}: input of shape ${formatShape(x.shape)} gives an empty output along ${name}: (${name} - 1)*stride - 2*padding + dilation*(kernel-1) + outputPadding + 1 = (${spatial[i]} - 1)*${stride[i]} - 2*${padding[i]} + ${dilation[i]}*(${kernel[i]}-1) + ${outputPadding[i]} + 1 = ${n}`);
    }
  });
  const taps = outPerGroup * sizeOf(kernel);
  const w = transpose(reshape(weight, [groups, perGroup, taps]), 1, 2);
  const byGroup = permute(reshape(input, [batch, groups, perGroup, sizeOf(spatial)]), [1, 2, 0, 3]);
  const columns = matmul(w, reshape(byGroup, [groups, perGroup, batch * sizeOf(spatial)]));
  const fullShape = [batch, outChannels, ...full];
  const s = stridesOf(fullShape);
  const spatialStrides = s.slice(2);
  const scattered = asStridedScatter(
    reshape(columns, [groups, outPerGroup, ...kernel, batch, ...spatial]),
    fullShape,
    [outPerGroup * s[1], s[1], ...spatialStrides.map((st, i) => dilation[i] * st), s[0], ...spatialStrides.map((st, i) => stride[i] * st)],
  );
  const cropped = pad(scattered, torchPads(padding.map((p) => -p), padding.map((p, i) => outputPadding[i] - p)));
  return finish(cropped, bias, batched);
}

function finish(y: Tensor, bias: Tensor | null, batched: boolean): Tensor {
  const withBias = bias === null ? y : add(y, reshape(bias, [bias.shape[0], ...y.shape.slice(2).map(() => 1)]));
  return batched ? withBias : squeeze(withBias, 0);
}
