import { describe, it } from 'vitest';
import * as nb from '../../src/index.js';
import { attr, OnnxGraphBuilder, type OnnxAttributes } from '../../src/onnx/graph-builder.js';
import { importOnnx } from '../../src/onnx/import/index.js';
import { allclose } from '../helpers.js';
import { expectMatchesOrt, nodeGraph, positive, random, runOrt, withOpset, type NodeCase } from './import-helpers.js';

const { int, ints, float, floats, string, strings } = attr;

/** Each case is one node on random inputs; nabla's imported graph must give ONNX Runtime's outputs within 1e-5. */
function matchesOrt(cases: readonly NodeCase[]): void {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const { bytes, inputs } = nodeGraph(c);
    await expectMatchesOrt(bytes, inputs);
  });
}

describe('importOnnx: elementwise ops and activations', () => {
  const unary = (op: string, attributes = {}, positiveInputs = false): NodeCase => ({ name: `${op} ${JSON.stringify(attributes)}`, op, inputs: [[3, 4]], attributes, positiveInputs });
  const binary = (op: string, shapes: number[][], positiveInputs = false): NodeCase => ({ name: `${op} ${JSON.stringify(shapes)}`, op, inputs: shapes, positiveInputs });
  matchesOrt([
    binary('Add', [[2, 3, 4], [4]]), binary('Sub', [[2, 1, 4], [3, 1]]), binary('Mul', [[3, 4], [3, 4]]), binary('Div', [[3, 4], [1, 4]], true),
    binary('Pow', [[3, 4], [4]], true), binary('Sum', [[3, 4], [4], [3, 1]]), binary('Max', [[3, 4], [4]]), binary('Min', [[2, 3], [2, 3], [3]]),
    unary('Neg'), unary('Abs'), unary('Exp'), unary('Log', {}, true), unary('Sqrt', {}, true), unary('Reciprocal', {}, true), unary('Erf'),
    unary('Relu'), unary('LeakyRelu'), unary('LeakyRelu', { alpha: float(0.2) }), unary('Sigmoid'), unary('Tanh'), unary('HardSigmoid'),
    unary('HardSigmoid', { alpha: float(0.3), beta: float(0.4) }), unary('Elu'), unary('Elu', { alpha: float(0.5) }), unary('Selu'),
    unary('Selu', { alpha: float(1.2), gamma: float(0.9) }), unary('Softplus'),
    { name: 'Clip with min and max inputs', op: 'Clip', inputs: [[3, 4]], weights: { lo: nb.full([], -0.5), hi: nb.full([], 0.7) } },
    { name: 'Clip with only max', op: 'Clip', inputs: [[3, 4]], weights: { hi: nb.full([], 0.2) }, order: ['x0', '', 'hi'] },
    unary('Softmax'), unary('Softmax', { axis: int(0) }), unary('LogSoftmax'), unary('LogSoftmax', { axis: int(-2) }),
  ]);

  it('Softmax before opset 13 normalizes the input flattened at axis (default 1)', async () => {
    for (const attributes of [{}, { axis: int(2) }] as OnnxAttributes[]) {
      const { bytes, inputs } = nodeGraph({ name: 'softmax11', op: 'Softmax', inputs: [[2, 3, 4]], attributes });
      await expectMatchesOrt(withOpset(bytes, 11), inputs);
    }
  });
});

describe('importOnnx: Gemm and MatMul', () => {
  matchesOrt([
    { name: 'Gemm as torch writes nn.Linear (transB = 1)', op: 'Gemm', inputs: [[5, 6]], weights: { 'fc.weight': random([3, 6], 2), 'fc.bias': random([3], 3) }, attributes: { alpha: float(1), beta: float(1), transB: int(1) } },
    { name: 'Gemm with transA, alpha, beta and a 2-D C', op: 'Gemm', inputs: [[6, 5]], weights: { b: random([6, 3], 2), c: random([5, 3], 3) }, attributes: { alpha: float(0.5), beta: float(2), transA: int(1) } },
    { name: 'Gemm without C', op: 'Gemm', inputs: [[5, 6]], weights: { b: random([3, 6], 2) }, attributes: { transB: int(1) } },
    { name: 'MatMul batched and broadcast', op: 'MatMul', inputs: [[2, 5, 6], [6, 3]] },
  ]);
});

describe('importOnnx: Conv and ConvTranspose', () => {
  const conv = (name: string, input: number[], weight: number[], attributes = {}, bias = true): NodeCase => ({
    name, op: 'Conv', inputs: [input], weights: { w: random(weight, 2, 0.3), ...(bias ? { b: random([weight[0]], 3) } : {}) }, attributes,
  });
  matchesOrt([
    conv('as torch writes Conv2d(1, 6, 5, padding=2)', [2, 1, 10, 10], [6, 1, 5, 5], { dilations: ints([1, 1]), group: int(1), kernel_shape: ints([5, 5]), pads: ints([2, 2, 2, 2]), strides: ints([1, 1]) }),
    conv('asymmetric pads, strides, dilations', [2, 3, 11, 9], [4, 3, 3, 2], { pads: ints([0, 1, 2, 1]), strides: ints([2, 1]), dilations: ints([1, 2]) }),
    conv('groups, no bias', [1, 4, 7, 7], [6, 2, 3, 3], { group: int(2) }, false),
    conv('depthwise', [1, 3, 6, 6], [3, 1, 3, 3], { group: int(3), pads: ints([1, 1, 1, 1]) }),
    conv('auto_pad SAME_UPPER with stride 2', [1, 2, 8, 7], [3, 2, 4, 3], { auto_pad: string('SAME_UPPER'), strides: ints([2, 2]) }),
    conv('auto_pad SAME_LOWER', [1, 2, 7, 7], [3, 2, 4, 2], { auto_pad: string('SAME_LOWER') }),
    conv('auto_pad VALID', [1, 2, 7, 7], [3, 2, 3, 3], { auto_pad: string('VALID'), strides: ints([2, 2]) }),
    conv('1-D with pads and dilation', [2, 3, 12], [5, 3, 3], { pads: ints([2, 1]), dilations: ints([2]), strides: ints([2]) }),
  ]);
  const transposed = (name: string, input: number[], weight: number[], attributes: OnnxAttributes = {}, groups = 1): NodeCase => ({
    name, op: 'ConvTranspose', inputs: [input], weights: { w: random(weight, 2, 0.3), b: random([weight[1] * groups], 3) }, attributes,
  });
  matchesOrt([
    transposed('as torch writes ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1)', [2, 4, 5, 5], [4, 3, 3, 3], { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), output_padding: ints([1, 1]) }),
    transposed('asymmetric pads and dilation', [1, 2, 4, 5], [2, 3, 3, 2], { pads: ints([0, 1, 2, 0]), dilations: ints([2, 1]) }),
    transposed('groups', [1, 4, 3, 3], [4, 2, 2, 2], { group: int(2), strides: ints([2, 2]) }, 2),
    transposed('1-D', [2, 3, 6], [3, 2, 4], { strides: ints([3]), pads: ints([1, 2]) }),
  ]);
});

describe('importOnnx: pooling', () => {
  const pool = (name: string, op: string, input: number[], attributes = {}): NodeCase => ({ name, op, inputs: [input], attributes });
  matchesOrt([
    pool('MaxPool as torch writes MaxPool2d(2)', 'MaxPool', [2, 3, 8, 8], { ceil_mode: int(0), kernel_shape: ints([2, 2]), pads: ints([0, 0, 0, 0]), strides: ints([2, 2]) }),
    pool('MaxPool with the default stride 1', 'MaxPool', [1, 2, 5, 5], { kernel_shape: ints([3, 3]) }),
    pool('MaxPool with pads, dilations and ceil_mode', 'MaxPool', [1, 2, 9, 8], { kernel_shape: ints([3, 2]), pads: ints([1, 0, 1, 1]), strides: ints([2, 2]), dilations: ints([1, 2]), ceil_mode: int(1) }),
    pool('MaxPool 1-D with auto_pad SAME_UPPER', 'MaxPool', [2, 3, 9], { kernel_shape: ints([4]), strides: ints([2]), auto_pad: string('SAME_UPPER') }),
    pool('AveragePool without the padding in the divisor (the default)', 'AveragePool', [1, 2, 7, 7], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) }),
    pool('AveragePool with count_include_pad and ceil_mode', 'AveragePool', [1, 2, 8, 7], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), strides: ints([2, 2]), count_include_pad: int(1), ceil_mode: int(1) }),
    pool('AveragePool 1-D', 'AveragePool', [2, 3, 10], { kernel_shape: ints([3]), strides: ints([3]) }),
    pool('GlobalAveragePool', 'GlobalAveragePool', [2, 3, 5, 4]),
    pool('GlobalMaxPool', 'GlobalMaxPool', [2, 3, 5]),
  ]);
});

describe('importOnnx: BatchNormalization', () => {
  matchesOrt([
    {
      name: 'inference form, as torch writes BatchNorm2d in eval', op: 'BatchNormalization', inputs: [[2, 3, 4, 4]],
      weights: { 'bn.weight': random([3], 2), 'bn.bias': random([3], 3), 'bn.running_mean': random([3], 4), 'bn.running_var': positive([3], 5) },
      attributes: { epsilon: float(1e-5), momentum: float(0.9) },
    },
    { name: 'LayerNormalization over the last axis', op: 'LayerNormalization', inputs: [[2, 3, 5]], weights: { 'ln.weight': random([5], 2), 'ln.bias': random([5], 3) } },
    { name: 'LayerNormalization over the last two axes, no bias', op: 'LayerNormalization', inputs: [[2, 3, 5]], weights: { scale: random([3, 5], 2) }, attributes: { axis: int(-2), epsilon: float(1e-3) } },
    { name: '1-D features, another epsilon', op: 'BatchNormalization', inputs: [[5, 4]], weights: { s: random([4], 2), b: random([4], 3), m: random([4], 4), v: positive([4], 5) }, attributes: { epsilon: float(1e-3) } },
  ]);
});

describe('importOnnx: shape ops', () => {
  matchesOrt([
    { name: 'Flatten (axis 1)', op: 'Flatten', inputs: [[2, 3, 4, 5]] },
    { name: 'Flatten axis 0', op: 'Flatten', inputs: [[2, 3, 4]], attributes: { axis: int(0) } },
    { name: 'Flatten axis -1', op: 'Flatten', inputs: [[2, 3, 4]], attributes: { axis: int(-1) } },
    { name: 'Reshape with 0 and -1', op: 'Reshape', inputs: [[2, 3, 4]], ints: { shape: [0, -1, 2] } },
    { name: 'Transpose with perm', op: 'Transpose', inputs: [[2, 3, 4]], attributes: { perm: ints([1, 2, 0]) } },
    { name: 'Transpose reversing by default', op: 'Transpose', inputs: [[2, 3, 4]] },
    { name: 'Squeeze axes', op: 'Squeeze', inputs: [[2, 1, 4, 1]], ints: { axes: [-1, 1] } },
    { name: 'Squeeze every 1', op: 'Squeeze', inputs: [[1, 3, 1]] },
    { name: 'Unsqueeze', op: 'Unsqueeze', inputs: [[2, 3]], ints: { axes: [0, -1, 2] } },
    { name: 'Concat', op: 'Concat', inputs: [[2, 3], [2, 1], [2, 2]], attributes: { axis: int(-1) } },
    { name: 'Slice with negative starts and ends past the int32 range (as torch writes INT64_MAX)', op: 'Slice', inputs: [[4, 6]], ints: { starts: [1, -4], ends: [Number.MAX_SAFE_INTEGER, -1], axes: [0, 1] } },
    { name: 'Slice with steps', op: 'Slice', inputs: [[5, 7, 3]], ints: { starts: [0, 1], ends: [5, 7], axes: [0, -2], steps: [2, 3] } },
    { name: 'Gather with 2-D indices', op: 'Gather', inputs: [[5, 3]], ints: { indices: [4, 0, -1, 2] }, attributes: { axis: int(0) } },
    { name: 'Expand', op: 'Expand', inputs: [[3, 1]], ints: { shape: [2, 1, 4] } },
    { name: 'Pad with zeros', op: 'Pad', inputs: [[2, 3, 4]], ints: { pads: [0, 1, 2, 0, 0, 1] } },
    { name: 'Pad with a value', op: 'Pad', inputs: [[2, 3]], ints: { pads: [1, 0, 2, 3] }, weights: { value: nb.full([], 0.5) }, order: ['x0', 'pads', 'value'] },
    { name: 'Pad reflect', op: 'Pad', inputs: [[2, 4]], ints: { pads: [0, 2, 0, 1] }, attributes: { mode: string('reflect') } },
    { name: 'Pad edge', op: 'Pad', inputs: [[3, 4]], ints: { pads: [1, 2, 2, 1] }, attributes: { mode: string('edge') } },
    { name: 'Identity', op: 'Identity', inputs: [[2, 3]] },
    { name: 'Dropout in inference', op: 'Dropout', inputs: [[2, 3]] },
  ]);
});

describe('importOnnx: constants and casts', () => {
  it('Shape, ConstantOfShape, Constant (value_floats, value_int) and Cast compose as in ONNX Runtime', async () => {
    const g = new OnnxGraphBuilder('constants');
    const x = g.addInput('x', [2, 3]);
    const zeros = g.addOp('ConstantOfShape', [g.addOp('Shape', [x])]);
    const row = g.addOp('Constant', [], { value_floats: floats([0.5, -1, 2]) });
    const two = g.addOp('Cast', [g.addOp('Constant', [], { value_int: int(2) })], { to: int(1) });
    const sum = g.addOp('Mul', [g.addOp('Add', [g.addOp('Add', [x, zeros]), row]), two]);
    const y = g.addOp('Cast', [g.addOp('Cast', [sum], { to: int(11) })], { to: int(1) });
    g.addOutput(y, [2, 3]);
    await expectMatchesOrt(g.encode(), [random([2, 3], 1)]);
  });
});

describe('importOnnx: recurrent ops', () => {
  const [T, N, I, H] = [5, 3, 4, 6];
  const recurrent = (op: string, gates: number, attributes: OnnxAttributes, { directions = 1, bias = true, states = 0, batchFirst = false } = {}): NodeCase => {
    const weights = {
      W: random([directions, gates * H, I], 2, 0.4), R: random([directions, gates * H, H], 3, 0.4),
      ...(bias ? { B: random([directions, 2 * gates * H], 4, 0.4) } : {}),
      ...(states > 0 ? { h0: random([directions, N, H], 5) } : {}), ...(states > 1 ? { c0: random([directions, N, H], 6) } : {}),
    };
    const order = ['x0', 'W', 'R', bias ? 'B' : '', '', ...(states > 0 ? ['h0'] : []), ...(states > 1 ? ['c0'] : [])];
    return {
      name: `${op} ${JSON.stringify(Object.fromEntries(Object.entries(attributes).map(([k, a]) => [k, a.value])))} directions ${directions} bias ${bias} states ${states}`,
      op, inputs: [batchFirst ? [N, T, I] : [T, N, I]], weights, order, attributes: { hidden_size: int(H), ...attributes }, outputCount: op === 'LSTM' ? 3 : 2,
    };
  };
  matchesOrt([
    recurrent('LSTM', 4, {}),
    recurrent('LSTM', 4, { direction: string('bidirectional') }, { directions: 2, states: 2 }),
    recurrent('LSTM', 4, {}, { bias: false, states: 2 }),
    recurrent('LSTM', 4, { direction: string('reverse') }, { states: 1 }),
    recurrent('GRU', 3, { linear_before_reset: int(1) }, { states: 1 }),
    recurrent('GRU', 3, { direction: string('bidirectional') }, { directions: 2, states: 1 }),
    recurrent('GRU', 3, { linear_before_reset: int(1), direction: string('reverse') }),
    recurrent('RNN', 1, {}),
    recurrent('RNN', 1, { direction: string('bidirectional'), activations: strings(['Relu', 'Tanh']) }, { directions: 2, states: 1 }),
  ]);

  // ONNX Runtime's CPU kernels refuse layout = 1, so it runs the same weights with layout = 0 on the batch-second input.
  it.each([
    ['LSTM', 4, { direction: string('bidirectional') }, { directions: 2, states: 2 }],
    ['GRU', 3, { linear_before_reset: int(1) }, { states: 1 }],
    ['RNN', 1, { direction: string('reverse') }, {}],
  ] as const)('%s with layout = 1 (batch first) is %s with layout = 0 on the transposed input', async (op, gates, attributes, options) => {
    const batchFirst = nodeGraph(recurrent(op, gates, { ...attributes, layout: int(1) }, { ...options, batchFirst: true }));
    const timeFirst = nodeGraph(recurrent(op, gates, attributes, options));
    const x = batchFirst.inputs[0];
    const [y, ...finals] = importOnnx(batchFirst.bytes).forwardAll(x);
    const [yOrt, ...finalsOrt] = await runOrt(timeFirst.bytes, [x.permute([1, 0, 2])]);
    allclose(y.permute([1, 2, 0, 3]), yOrt, 1e-5, 1e-5);
    finals.forEach((f, i) => allclose(f.permute([1, 0, 2]), finalsOrt[i], 1e-5, 1e-5));
  });
});
