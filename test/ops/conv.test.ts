import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';
import { fusedConvolution } from '../../src/ops/conv.js';

// Convolutions and pooling against the math: finite-difference gradients for every op and option,
// the layers' PyTorch layout and initialisation, the error messages, and output sizes from the
// literature. (Agreement with PyTorch's numbers: conv-torch.test.ts.)

let seed = 1;
const randn = (shape: number[]) => nb.randn(shape, { dtype: 'float64', generator: new nb.Generator(seed++) });

describe('gradcheck (float64 central differences) of every op and option', () => {
  type ConvFn = (x: nb.Tensor, w: nb.Tensor, b: nb.Tensor | null, options: object) => nb.Tensor;
  // [name, op, input shape, weight shape, bias, options]
  const convs: [string, ConvFn, number[], number[], boolean, object][] = [
    ['conv1d basic', nb.conv1d, [2, 2, 6], [3, 2, 3], true, {}],
    ['conv1d stride 2, padding 1', nb.conv1d, [1, 2, 7], [2, 2, 3], true, { stride: 2, padding: 1 }],
    ['conv1d dilation 2, stride 2', nb.conv1d, [1, 2, 9], [2, 2, 3], false, { dilation: 2, stride: 2 }],
    ['conv1d same, even kernel', nb.conv1d, [1, 2, 6], [2, 2, 4], true, { padding: 'same' }],
    ['conv1d valid', nb.conv1d, [1, 2, 5], [2, 2, 2], true, { padding: 'valid' }],
    ['conv1d per-side [2, 1]', nb.conv1d, [1, 2, 5], [2, 2, 3], true, { padding: [2, 1], stride: 2 }],
    ['conv1d groups 2', nb.conv1d, [1, 4, 5], [4, 2, 3], true, { groups: 2 }],
    ['conv1d depthwise', nb.conv1d, [2, 3, 5], [3, 1, 3], false, { groups: 3, padding: 1 }],
    ['conv1d unbatched', nb.conv1d, [2, 6], [3, 2, 3], true, { padding: 1 }],
    ['conv2d basic', nb.conv2d, [2, 2, 4, 5], [2, 2, 3, 3], true, {}],
    ['conv2d stride [2, 1], padding [1, 2], kernel [2, 3]', nb.conv2d, [1, 2, 5, 4], [2, 2, 2, 3], true, { stride: [2, 1], padding: [1, 2] }],
    ['conv2d dilation 2, padding 2', nb.conv2d, [1, 1, 5, 5], [2, 1, 3, 3], false, { dilation: 2, padding: 2 }],
    ['conv2d same, kernel [2, 3], dilation [2, 1]', nb.conv2d, [1, 2, 4, 4], [2, 2, 2, 3], true, { padding: 'same', dilation: [2, 1] }],
    ['conv2d per-side [1, 0, 0, 2], stride 2', nb.conv2d, [1, 2, 4, 4], [2, 2, 3, 3], true, { padding: [1, 0, 0, 2], stride: 2 }],
    ['conv2d groups 2', nb.conv2d, [1, 4, 4, 4], [2, 2, 2, 2], true, { groups: 2, stride: 2 }],
    ['conv2d depthwise, multiplier 2', nb.conv2d, [1, 2, 4, 4], [4, 1, 3, 3], true, { groups: 2, padding: 1 }],
    ['conv2d unbatched', nb.conv2d, [2, 4, 4], [2, 2, 3, 3], true, { stride: 2, padding: 1 }],
    ['convTranspose1d basic', nb.convTranspose1d, [2, 2, 4], [2, 3, 3], true, {}],
    ['convTranspose1d stride 2, padding 1, outputPadding 1', nb.convTranspose1d, [1, 2, 4], [2, 2, 3], true, { stride: 2, padding: 1, outputPadding: 1 }],
    ['convTranspose1d dilation 2, outputPadding 1', nb.convTranspose1d, [1, 2, 3], [2, 2, 3], false, { dilation: 2, outputPadding: 1 }],
    ['convTranspose1d groups 2', nb.convTranspose1d, [1, 4, 3], [4, 1, 2], true, { groups: 2, stride: 3 }],
    ['convTranspose1d unbatched', nb.convTranspose1d, [2, 4], [2, 2, 3], true, { stride: 2 }],
    ['convTranspose2d stride [2, 3], padding [0, 1], outputPadding [1, 2]', nb.convTranspose2d, [1, 2, 3, 2], [2, 2, 3, 2], true, { stride: [2, 3], padding: [0, 1], outputPadding: [1, 2] }],
    ['convTranspose2d dilation 2, stride 2', nb.convTranspose2d, [1, 1, 3, 3], [1, 2, 2, 2], true, { dilation: 2, stride: 2 }],
    ['convTranspose2d groups 2', nb.convTranspose2d, [1, 4, 2, 3], [4, 1, 3, 3], true, { groups: 2, padding: 1 }],
    ['convTranspose2d depthwise, unbatched', nb.convTranspose2d, [2, 3, 3], [2, 1, 2, 2], false, { groups: 2, stride: 2 }],
  ];
  it.each(convs)('%s: input, weight and bias', (_, op, xs, ws, bias, options) => {
    const outChannels = op === nb.convTranspose1d || op === nb.convTranspose2d ? ws[1] * ((options as { groups?: number }).groups ?? 1) : ws[0];
    const inputs = [randn(xs), randn(ws), ...(bias ? [randn([outChannels])] : [])];
    expect(nb.gradcheck((x, w, b) => op(x, w, b ?? null, options), inputs)).toBe(true);
  });

  type PoolFn = (x: nb.Tensor, options: nb.PoolOptions) => nb.Tensor;
  const pools: [string, PoolFn, number[], nb.PoolOptions][] = [
    ['maxPool1d kernel 2', nb.maxPool1d, [2, 2, 6], { kernelSize: 2 }],
    ['maxPool1d kernel 3, stride 2, padding 1', nb.maxPool1d, [1, 2, 7], { kernelSize: 3, stride: 2, padding: 1 }],
    ['maxPool1d dilation 2, ceil mode', nb.maxPool1d, [1, 2, 8], { kernelSize: 2, stride: 2, dilation: 2, ceilMode: true }],
    ['maxPool1d unbatched', nb.maxPool1d, [2, 5], { kernelSize: 3, stride: 1 }],
    ['maxPool2d kernel 2', nb.maxPool2d, [1, 2, 4, 4], { kernelSize: 2 }],
    ['maxPool2d kernel 3, stride 2, padding 1', nb.maxPool2d, [1, 2, 5, 5], { kernelSize: 3, stride: 2, padding: 1 }],
    ['maxPool2d kernel [2, 3], stride [1, 2], dilation [2, 1]', nb.maxPool2d, [1, 1, 5, 6], { kernelSize: [2, 3], stride: [1, 2], dilation: [2, 1] }],
    ['maxPool2d ceil mode', nb.maxPool2d, [1, 1, 5, 6], { kernelSize: 2, ceilMode: true }],
    ['avgPool1d padding 1', nb.avgPool1d, [1, 2, 7], { kernelSize: 3, stride: 2, padding: 1 }],
    ['avgPool1d countIncludePad false, ceil mode', nb.avgPool1d, [1, 2, 8], { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false, ceilMode: true }],
    ['avgPool1d divisorOverride', nb.avgPool1d, [2, 5], { kernelSize: 2, divisorOverride: 3 }],
    ['avgPool2d kernel 2', nb.avgPool2d, [1, 2, 4, 4], { kernelSize: 2 }],
    ['avgPool2d padding 1, countIncludePad false', nb.avgPool2d, [1, 1, 5, 5], { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }],
    ['avgPool2d ceil mode, padding 1', nb.avgPool2d, [1, 1, 6, 5], { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }],
    ['avgPool2d divisorOverride, stride [1, 2]', nb.avgPool2d, [1, 1, 4, 5], { kernelSize: [2, 3], stride: [1, 2], divisorOverride: 4 }],
  ];
  it.each(pools)('%s', (_, op, xs, options) => {
    // Random normal inputs have no ties, so max pooling is differentiable at them.
    expect(nb.gradcheck((x) => op(x, options), [randn(xs)])).toBe(true);
  });

  it.each([
    ['adaptiveAvgPool1d 7 -> 3', (x: nb.Tensor) => nb.adaptiveAvgPool1d(x, 3), [1, 2, 7]],
    ['adaptiveAvgPool1d 3 -> 4 (windows overlap)', (x: nb.Tensor) => nb.adaptiveAvgPool1d(x, [4]), [2, 3]],
    ['adaptiveAvgPool2d [5, 7] -> [2, 3]', (x: nb.Tensor) => nb.adaptiveAvgPool2d(x, [2, 3]), [1, 2, 5, 7]],
    ['adaptiveAvgPool2d [null, 2]', (x: nb.Tensor) => nb.adaptiveAvgPool2d(x, [null, 2]), [1, 2, 3, 5]],
  ] as const)('%s', (_, op, xs) => {
    expect(nb.gradcheck(op, [randn([...xs])])).toBe(true);
  });
});

describe('a convolution fused with its activation (Conv -> activation in a Sequential)', () => {
  const activations = [['relu', 0], ['sigmoid', 0], ['tanh', 0], ['leakyRelu', 0.1], ['leakyRelu', -0.5]] as const;
  it.each(activations)('%s (alpha %s): gradcheck of input, weight and bias, with groups and stride, with and without bias', (activation, alpha) => {
    for (const [xs, ws, options, bias] of [[[2, 4, 5, 5], [4, 2, 3, 3], { groups: 2, stride: 2, padding: 1 }, true], [[1, 2, 6], [3, 2, 3], { dilation: 2 }, false]] as const) {
      const d = xs.length - 2 as 1 | 2;
      const inputs = [randn([...xs]), randn([...ws]), ...(bias ? [randn([ws[0]])] : [])];
      expect(nb.gradcheck((x, w, b) => fusedConvolution(d, x, w, b ?? null, options, { activation, alpha }), inputs)).toBe(true);
    }
  });

  it.each(activations)('%s (alpha %s): the same outputs and gradients as the two layers run apart', (activation, alpha) => {
    const act = { relu: new nb.ReLU(), sigmoid: new nb.Sigmoid(), tanh: new nb.Tanh(), leakyRelu: new nb.LeakyReLU(alpha) }[activation];
    const conv = new nb.Conv2d(3, 4, 3, { padding: 1, generator: new nb.Generator(seed++) });
    const x = nb.randn([2, 3, 6, 6], { generator: new nb.Generator(seed++) });
    const run = (fused: boolean) => {
      conv.zeroGrad();
      const y = fused ? new nb.Sequential(conv, act).forward(x) : act.forward(conv.forward(x));
      y.mul(nb.randn(y.shape, { generator: new nb.Generator(3) })).sum().backward();
      return [y, conv.weight.grad!, conv.bias!.grad!].map((t) => t.toTypedArray());
    };
    const [apart, fused] = [run(false), run(true)];
    apart.forEach((expected, i) => allclose(fused[i], expected, 1e-5, 1e-5));
  });
});

describe('layers: PyTorch names, shapes and default initialisation', () => {
  const shapes = (m: nb.Module) => Object.fromEntries([...m.namedParameters()].map(([name, p]) => [name, [...p.shape]]));

  it('Conv1d, Conv2d: weight [C_out, C_in/groups, ...k], bias [C_out]', () => {
    expect(shapes(new nb.Conv1d(3, 4, 5))).toEqual({ weight: [4, 3, 5], bias: [4] });
    expect(shapes(new nb.Conv2d(4, 6, [3, 2], { groups: 2 }))).toEqual({ weight: [6, 2, 3, 2], bias: [6] });
    expect(shapes(new nb.Conv2d(3, 6, 3, { groups: 3, bias: false }))).toEqual({ weight: [6, 1, 3, 3] });
    expect(Object.keys(new nb.Conv2d(2, 2, 1).stateDict())).toEqual(['weight', 'bias']);
  });

  it('ConvTranspose1d, ConvTranspose2d: weight [C_in, C_out/groups, ...k], bias [C_out]', () => {
    expect(shapes(new nb.ConvTranspose1d(4, 6, 3, { groups: 2 }))).toEqual({ weight: [4, 3, 3], bias: [6] });
    expect(shapes(new nb.ConvTranspose2d(3, 2, [2, 3]))).toEqual({ weight: [3, 2, 2, 3], bias: [2] });
    expect(shapes(new nb.ConvTranspose2d(3, 3, 2, { groups: 3, bias: false }))).toEqual({ weight: [3, 1, 2, 2] });
  });

  it.each([
    ['Conv1d(16, 8, 5)', () => new nb.Conv1d(16, 8, 5, { generator: new nb.Generator(1) })],
    ['Conv2d(12, 16, 3)', () => new nb.Conv2d(12, 16, 3, { generator: new nb.Generator(2) })],
    ['Conv2d(8, 16, [3, 2], groups 4)', () => new nb.Conv2d(8, 16, [3, 2], { groups: 4, generator: new nb.Generator(3) })],
    ['ConvTranspose1d(8, 12, 4)', () => new nb.ConvTranspose1d(8, 12, 4, { generator: new nb.Generator(4) })],
    ['ConvTranspose2d(6, 12, 3, groups 2)', () => new nb.ConvTranspose2d(6, 12, 3, { groups: 2, generator: new nb.Generator(5) })],
  ])('%s: weight and bias uniform within +-1/sqrt(fanIn), fanIn = weight.shape[1] * prod(k)', (_, make) => {
    const m = make();
    const w = m.weight;
    const fanIn = w.shape.slice(1).reduce((a, b) => a * b, 1);
    const bound = 1 / Math.sqrt(fanIn);
    const ws = Array.from(w.toTypedArray());
    const bs = Array.from(m.bias!.toTypedArray());
    for (const v of [...ws, ...bs]) expect(Math.abs(v)).toBeLessThanOrEqual(bound * (1 + 1e-6));
    // ... and filling that range (not a narrower one): the largest of many uniform draws is near the bound.
    expect(Math.max(...ws.map(Math.abs))).toBeGreaterThan(0.95 * bound);
    expect(Math.abs(ws.reduce((a, b) => a + b, 0) / ws.length)).toBeLessThan(0.15 * bound);
  });

  it('float64 layers, and the forward pass is the functional op with the layer\'s weights', () => {
    const x = randn([2, 4, 6, 5]);
    const conv = new nb.Conv2d(4, 6, 3, { stride: 2, padding: 'valid', dilation: [1, 2], groups: 2, dtype: 'float64' });
    expect(conv.weight.dtype).toBe('float64');
    allclose(conv.forward(x), nb.conv2d(x, conv.weight, conv.bias, { stride: 2, dilation: [1, 2], groups: 2 }), 0, 0);
    const same = new nb.Conv1d(4, 2, 4, { padding: 'same', bias: false, dtype: 'float64' });
    const seq = randn([2, 4, 7]);
    expect(same.forward(seq).shape).toEqual([2, 2, 7]);
    allclose(same.forward(seq), nb.conv1d(seq, same.weight, null, { padding: 'same' }), 0, 0);
    const t = new nb.ConvTranspose2d(4, 2, 3, { stride: 2, padding: 1, outputPadding: 1, dtype: 'float64' });
    expect(t.forward(x).shape).toEqual([2, 2, 12, 10]);
    allclose(t.forward(x), nb.convTranspose2d(x, t.weight, t.bias, { stride: 2, padding: 1, outputPadding: 1 }), 0, 0);
    const t1 = new nb.ConvTranspose1d(4, 3, 2, { stride: 2, dtype: 'float64' });
    allclose(t1.forward(seq), nb.convTranspose1d(seq, t1.weight, t1.bias, { stride: 2 }), 0, 0);
  });

  it('pooling layers: a kernel size alone or full options, the same as the functions', () => {
    const x = randn([2, 3, 7, 6]);
    const seq = randn([2, 3, 9]);
    allclose(new nb.MaxPool2d(2).forward(x), nb.maxPool2d(x, { kernelSize: 2 }), 0, 0);
    expect(new nb.MaxPool2d(2).forward(x).shape).toEqual([2, 3, 3, 3]);
    allclose(new nb.MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 }).forward(x), nb.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }), 0, 0);
    allclose(new nb.MaxPool1d({ kernelSize: 3, ceilMode: true }).forward(seq), nb.maxPool1d(seq, { kernelSize: 3, ceilMode: true }), 0, 0);
    allclose(new nb.AvgPool2d({ kernelSize: 2, countIncludePad: false, padding: 1 }).forward(x), nb.avgPool2d(x, { kernelSize: 2, countIncludePad: false, padding: 1 }), 0, 0);
    allclose(new nb.AvgPool1d(3).forward(seq), nb.avgPool1d(seq, 3), 0, 0);
    allclose(new nb.AdaptiveAvgPool2d([null, 4]).forward(x), nb.adaptiveAvgPool2d(x, [null, 4]), 0, 0);
    expect(new nb.AdaptiveAvgPool2d([null, 4]).forward(x).shape).toEqual([2, 3, 7, 4]);
    allclose(new nb.AdaptiveAvgPool1d(4).forward(seq), nb.adaptiveAvgPool1d(seq, 4), 0, 0);
    expect(new nb.MaxPool2d(2).parameters()).toEqual([]);
  });

  it('GlobalAvgPool: [N, C, ...spatial] to [N, C], each channel\'s mean (= AdaptiveAvgPool2d(1) flattened)', () => {
    const x = randn([2, 3, 4, 5]);
    const g = new nb.GlobalAvgPool().forward(x);
    expect(g.shape).toEqual([2, 3]);
    allclose(g, nb.adaptiveAvgPool2d(x, 1).reshape([2, 3]), 1e-14, 1e-14);
    const values = x.toTypedArray();
    const first = Array.from(values.slice(0, 20)).reduce((a, b) => a + b, 0) / 20;
    expect(g.toTypedArray()[0]).toBeCloseTo(first, 14);
    expect(new nb.GlobalAvgPool().forward(randn([2, 3, 7])).shape).toEqual([2, 3]);
    expect(() => new nb.GlobalAvgPool().forward(randn([2, 3]))).toThrow(/GlobalAvgPool: expected \[N, C, \.\.\.spatial\] with at least one spatial axis, got \[2, 3\]/);
  });

  it('Residual without projection: f(x) + x, the identity when f\'s weights are zero', () => {
    const body = new nb.Conv2d(3, 3, 3, { padding: 1, dtype: 'float64' });
    const block = new nb.Residual(body);
    const x = randn([2, 3, 4, 4]);
    allclose(block.forward(x), body.forward(x).add(x), 1e-14, 1e-14);
    expect([...block.namedParameters()].map(([n]) => n)).toEqual(['body.weight', 'body.bias']);
    const zero = new nb.Residual(new nb.Conv2d(3, 3, 3, { padding: 1, dtype: 'float64' }));
    const zeroed = Object.fromEntries(Object.entries(zero.stateDict()).map(([k, v]) => [k, nb.zeros([...v.shape], { dtype: 'float64' })]));
    zero.loadStateDict(zeroed);
    allclose(zero.forward(x), x, 0, 0);
    // Its Jacobian is I + df/dx: the gradient of sum(y * g) w.r.t. x is g + (df/dx)^T g.
    expect(nb.gradcheck((t, w) => nb.conv2d(t, w, null, { padding: 1 }).add(t), [randn([1, 2, 3, 3]), randn([2, 2, 3, 3])])).toBe(true);
  });

  it('Residual with a projection: f(x) + P(x) (a 1x1 convolution), and an error without one', () => {
    const body = new nb.Conv2d(3, 5, 3, { padding: 1, stride: 2, dtype: 'float64' });
    const projection = new nb.Conv2d(3, 5, 1, { stride: 2, bias: false, dtype: 'float64' });
    const block = new nb.Residual(body, projection);
    const x = randn([2, 3, 6, 6]);
    const y = block.forward(x);
    expect(y.shape).toEqual([2, 5, 3, 3]);
    allclose(y, body.forward(x).add(projection.forward(x)), 1e-14, 1e-14);
    expect([...block.namedParameters()].map(([n]) => n)).toEqual(['body.weight', 'body.bias', 'projection.weight']);
    expect(() => new nb.Residual(body).forward(x)).toThrow(/Residual: the body gives shape \[2, 5, 3, 3\] but the shortcut \[2, 3, 6, 6\]; pass a projection/);
    y.sum().backward();
    expect(projection.weight.grad?.shape).toEqual([5, 3, 1, 1]);
    expect(body.weight.grad?.shape).toEqual([5, 3, 3, 3]);
  });
});

describe('error messages', () => {
  const x = nb.zeros([1, 1, 3, 3]);
  const w5 = nb.zeros([1, 1, 5, 5]);

  it('an empty output names the op (or layer), the input shape and the rule', () => {
    const rule = /conv2d: input of shape \[1, 1, 3, 3\] gives an empty output along H: floor\(\(H \+ pad_before \+ pad_after - dilation\*\(kernel-1\) - 1\)\/stride\) \+ 1 = floor\(\(3 \+ 0 \+ 0 - 1\*\(5-1\) - 1\)\/1\) \+ 1 = 0; the kernel \(5\) is larger than the padded input \(3\)/;
    expect(() => nb.conv2d(x, w5)).toThrow(nb.ShapeError);
    expect(() => nb.conv2d(x, w5)).toThrow(rule);
    expect(() => new nb.Conv2d(1, 1, 5).forward(x)).toThrow(rule);
    expect(() => nb.conv1d(nb.zeros([2, 3, 4]), nb.zeros([2, 3, 3]), null, { dilation: 2 })).toThrow(/conv1d: input of shape \[2, 3, 4\] gives an empty output along L: .* the dilated kernel \(5\) is larger than the padded input \(4\)/);
    expect(() => nb.maxPool2d(x, { kernelSize: [2, 4] })).toThrow(/maxPool2d: input of shape \[1, 1, 3, 3\] gives an empty output along W/);
    expect(() => nb.avgPool1d(nb.zeros([2, 2]), 3)).toThrow(/avgPool1d: input of shape \[2, 2\] gives an empty output along L/);
    expect(() => nb.convTranspose1d(nb.zeros([1, 1, 1]), nb.zeros([1, 1, 1]), null, { padding: 1 })).toThrow(/convTranspose1d: input of shape \[1, 1, 1\] gives an empty output along L: .* = -1/);
  });

  it('channels that do not divide by groups', () => {
    expect(() => nb.conv2d(nb.zeros([1, 3, 4, 4]), nb.zeros([2, 1, 3, 3]), null, { groups: 2 })).toThrow(/conv2d: 3 input and 2 output channels must both divide by groups = 2/);
    expect(() => nb.conv2d(nb.zeros([1, 4, 4, 4]), nb.zeros([3, 2, 3, 3]), null, { groups: 2 })).toThrow(/conv2d: 4 input and 3 output channels must both divide by groups = 2/);
    expect(() => nb.convTranspose2d(nb.zeros([1, 3, 4, 4]), nb.zeros([3, 1, 3, 3]), null, { groups: 2 })).toThrow(/convTranspose2d: 3 input channels must divide by groups = 2/);
    expect(() => new nb.Conv2d(3, 4, 3, { groups: 2 })).toThrow(/Conv2d: inChannels \(3\) and outChannels \(4\) must both divide by groups \(2\)/);
    expect(() => new nb.ConvTranspose1d(4, 3, 3, { groups: 2 })).toThrow(/ConvTranspose1d: inChannels \(4\) and outChannels \(3\) must both divide by groups \(2\)/);
    expect(() => nb.conv1d(nb.zeros([1, 2, 4]), nb.zeros([2, 2, 3]), null, { groups: 0 })).toThrow(/conv1d: groups must be a positive integer, got 0/);
  });

  it('wrong input rank', () => {
    expect(() => nb.conv2d(nb.zeros([4, 4]), w5)).toThrow(/conv2d: expected a 4-D input \[N, C, H, W\] \(or 3-D \[C, H, W\] without a batch\), got \[4, 4\]/);
    expect(() => new nb.Conv1d(1, 1, 3).forward(nb.zeros([1, 1, 4, 4]))).toThrow(/conv1d: expected a 3-D input \[N, C, L\] \(or 2-D \[C, L\] without a batch\), got \[1, 1, 4, 4\]/);
    expect(() => nb.maxPool2d(nb.zeros([2, 1, 3, 4, 4]), 2)).toThrow(/maxPool2d: expected a 4-D input \[N, C, H, W\] .* got \[2, 1, 3, 4, 4\]/);
    expect(() => nb.adaptiveAvgPool1d(nb.zeros([5]), 2)).toThrow(/adaptiveAvgPool1d: expected a 3-D input \[N, C, L\]/);
    expect(() => nb.conv2d(x, nb.zeros([1, 1, 3]))).toThrow(/conv2d: weight must be 4-D \[C_out, C_in\/groups, k_h, k_w\], got \[1, 1, 3\]/);
    expect(() => nb.convTranspose1d(nb.zeros([1, 1, 3]), nb.zeros([1, 1]))).toThrow(/convTranspose1d: weight must be 3-D \[C_in, C_out\/groups, k_l\], got \[1, 1\]/);
  });

  it('weight and input channels that do not match', () => {
    expect(() => nb.conv2d(nb.zeros([1, 3, 4, 4]), nb.zeros([2, 2, 3, 3]))).toThrow(
      /conv2d: weight of shape \[2, 2, 3, 3\] takes 2 input channels per group, but the input of shape \[1, 3, 4, 4\] has 3 channels in 1 group\(s\), 3 each/);
    expect(() => new nb.Conv2d(3, 8, 3).forward(nb.zeros([1, 1, 28, 28]))).toThrow(/conv2d: weight of shape \[8, 3, 3, 3\] takes 3 input channels per group, but the input of shape \[1, 1, 28, 28\] has 1 channels/);
    expect(() => nb.convTranspose2d(nb.zeros([1, 3, 4, 4]), nb.zeros([2, 2, 3, 3]))).toThrow(/convTranspose2d: weight of shape \[2, 2, 3, 3\] takes 2 input channels, but the input of shape \[1, 3, 4, 4\] has 3/);
    expect(() => nb.conv1d(nb.zeros([1, 2, 5]), nb.zeros([3, 2, 3]), nb.zeros([2]))).toThrow(/conv1d: bias must have shape \[3\] \(one per output channel\), got \[2\]/);
    expect(() => nb.conv1d(nb.zeros([1, 2, 5]), nb.zeros([3, 2, 3], { dtype: 'float64' }))).toThrow(/conv1d: input, weight and bias must share one float dtype, got float32, float64/);
  });

  it("'same' padding needs stride 1", () => {
    expect(() => nb.conv2d(nb.zeros([1, 1, 6, 6]), nb.zeros([1, 1, 3, 3]), null, { padding: 'same', stride: 2 })).toThrow(/conv2d: padding 'same' needs stride 1 \(as in PyTorch\), got stride \[2, 2\]/);
    expect(() => new nb.Conv1d(1, 1, 3, { padding: 'same', stride: [2] }).forward(nb.zeros([1, 1, 6]))).toThrow(/conv1d: padding 'same' needs stride 1/);
  });

  it('outputPadding must be below the stride (or the dilation)', () => {
    const input = nb.zeros([1, 1, 3, 3]);
    const weight = nb.zeros([1, 1, 3, 3]);
    expect(() => nb.convTranspose2d(input, weight, null, { stride: 2, outputPadding: 2 })).toThrow(/convTranspose2d: outputPadding \(2 along H\) must be smaller than the stride \(2\) or the dilation \(1\)/);
    expect(() => nb.convTranspose2d(input, weight, null, { outputPadding: [0, 1] })).toThrow(/convTranspose2d: outputPadding \(1 along W\) must be smaller than the stride \(1\) or the dilation \(1\)/);
    expect(() => new nb.ConvTranspose1d(1, 1, 3, { stride: 3, outputPadding: 3 }).forward(nb.zeros([1, 1, 3]))).toThrow(/convTranspose1d: outputPadding \(3 along L\) must be smaller than the stride \(3\)/);
    expect(nb.convTranspose1d(nb.zeros([1, 1, 3]), nb.zeros([1, 1, 3]), null, { dilation: 2, outputPadding: 1 }).shape).toEqual([1, 1, 8]);
  });

  it('pool padding at most half the kernel', () => {
    expect(() => nb.maxPool2d(x, { kernelSize: 2, padding: 2 })).toThrow(/maxPool2d: padding 2 along H is more than half the kernel \(1\), as PyTorch requires/);
    expect(() => nb.avgPool1d(nb.zeros([1, 1, 8]), { kernelSize: 3, padding: 2 })).toThrow(/avgPool1d: padding 2 along L is more than half the kernel \(1\)/);
    expect(() => nb.maxPool2d(x, { kernelSize: [3, 2], padding: [1, 2] })).toThrow(/maxPool2d: padding 2 along W is more than half the kernel \(1\)/);
    // Half the dilated kernel: 2 * (2 - 1) + 1 = 3, half 1.
    expect(nb.maxPool1d(nb.zeros([1, 1, 6]), { kernelSize: 2, dilation: 2, padding: 1 }).shape).toEqual([1, 1, 3]);
  });

  it('unknown options (typos) are named, with a suggestion', () => {
    const input = nb.zeros([1, 2, 5, 5]);
    const weight = nb.zeros([2, 2, 3, 3]);
    expect(() => nb.conv2d(input, weight, null, { strides: 2 } as nb.ConvOptions)).toThrow(/^conv2d: options has an unknown option "strides" \(known: stride, padding, dilation, groups\)$/);
    expect(() => nb.conv1d(nb.zeros([1, 2, 5]), nb.zeros([2, 2, 3]), null, { Dilation: 2 } as nb.ConvOptions)).toThrow(/conv1d: options has an unknown option "Dilation" .*; did you mean "dilation"\?/);
    expect(() => nb.convTranspose2d(input, weight, null, { output_padding: 1 } as nb.ConvTransposeOptions)).toThrow(/convTranspose2d: options has an unknown option "output_padding" .*did you mean "outputPadding"\?/);
    expect(() => nb.maxPool2d(input, { kernelSize: 2, ceil_mode: true } as nb.PoolOptions)).toThrow(/maxPool2d: options has an unknown option "ceil_mode" .*did you mean "ceilMode"\?/);
    expect(() => nb.avgPool2d(input, { kernelSize: 2, dilation: 2 })).toThrow(/avgPool2d: options has an unknown option "dilation" \(known: kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride\)/);
    expect(() => nb.maxPool1d(nb.zeros([1, 1, 4]), { kernelSize: 2, countIncludePad: false })).toThrow(/maxPool1d: options has an unknown option "countIncludePad"/);
    expect(() => new nb.Conv2d(2, 2, 3, { padding: 1, bais: false } as nb.ConvLayerOptions)).toThrow(/Conv2d: options has an unknown option "bais" \(known: stride, padding, dilation, groups, bias, dtype, generator\)/);
    expect(() => new nb.Conv1d(2, 2, 3, { padding_mode: 'zeros' } as nb.ConvLayerOptions)).toThrow(/Conv1d: options has an unknown option "padding_mode"/);
    expect(() => new nb.ConvTranspose2d(2, 2, 3, { outputpadding: 1 } as nb.ConvTransposeLayerOptions)).toThrow(/ConvTranspose2d: options has an unknown option "outputpadding"/);
    // Pooling layers check their options when they run.
    expect(() => new nb.MaxPool2d({ kernelSize: 2, strides: 1 } as nb.PoolOptions).forward(input)).toThrow(/maxPool2d: options has an unknown option "strides"/);
  });

  it('bad option values', () => {
    expect(() => nb.conv1d(nb.zeros([1, 1, 5]), nb.zeros([1, 1, 3]), null, { stride: 0 })).toThrow(/conv1d: stride must be an integer >= 1 or 1 of them/);
    expect(() => nb.conv2d(x, nb.zeros([1, 1, 2, 2]), null, { padding: 'full' as nb.Padding })).toThrow(/conv2d: padding must be an integer >= 0, 2 of them \(one per axis\), \[top, bottom, left, right\], 'valid' or 'same', got 'full'/);
    expect(() => nb.conv2d(x, nb.zeros([1, 1, 2, 2]), null, { padding: [1, 1, 1] })).toThrow(/conv2d: padding must be/);
    expect(() => nb.maxPool2d(x, { kernelSize: 2, ceilMode: 1 as unknown as boolean })).toThrow(/maxPool2d: ceilMode must be a boolean, got 1/);
    expect(() => nb.avgPool2d(x, { kernelSize: 2, divisorOverride: 0 })).toThrow(/avgPool2d: divisorOverride must be a positive integer, got 0/);
    expect(() => nb.adaptiveAvgPool2d(x, [2, 0])).toThrow(/adaptiveAvgPool2d: outputSize must be a positive integer or 2 of them \(null keeps an axis\)/);
    expect(() => nb.maxPool2d(nb.zeros([1, 1, 4, 4], { dtype: 'int32' }), 2)).toThrow(/maxPool2d: input must be float32 or float64, got int32/);
  });
});

describe('empty batches', () => {
  it('give empty outputs of the right shape, and empty gradients', () => {
    const x = nb.zeros([0, 2, 5, 5], { dtype: 'float64' }).requiresGrad_(true);
    expect(nb.conv2d(x, nb.zeros([3, 2, 3, 3], { dtype: 'float64' })).shape).toEqual([0, 3, 3, 3]);
    expect(nb.convTranspose2d(x, nb.zeros([2, 3, 3, 3], { dtype: 'float64' }), null, { stride: 2 }).shape).toEqual([0, 3, 11, 11]);
    expect(nb.avgPool2d(x, 2).shape).toEqual([0, 2, 2, 2]);
    expect(nb.adaptiveAvgPool2d(x, [3, 1]).shape).toEqual([0, 2, 3, 1]);
    const y = nb.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 });
    expect(y.shape).toEqual([0, 2, 3, 3]);
    y.sum().backward();
    expect(x.grad?.shape).toEqual([0, 2, 5, 5]);
    expect(nb.maxPool1d(nb.zeros([2, 0, 6]), 2).shape).toEqual([2, 0, 3]);
  });
});

describe('output sizes from the literature', () => {
  it('a 21x12 input with a 4x5 kernel, stride 4, no padding gives 5x2', () => {
    expect(nb.conv2d(nb.zeros([1, 1, 21, 12]), nb.zeros([1, 1, 4, 5]), null, { stride: 4 }).shape).toEqual([1, 1, 5, 2]);
    expect(new nb.Conv2d(3, 2, [4, 5], { stride: 4 }).forward(nb.zeros([3, 21, 12])).shape).toEqual([2, 5, 2]);
  });

  it('a length-7, 5-channel sequence with kernel 3, stride 2 gives length 3', () => {
    expect(nb.conv1d(nb.zeros([1, 5, 7]), nb.zeros([4, 5, 3]), null, { stride: 2 }).shape).toEqual([1, 4, 3]);
    expect(new nb.Conv1d(5, 4, 3, { stride: 2 }).forward(nb.zeros([5, 7])).shape).toEqual([4, 3]);
  });

  it('padding 1 with a 3x3 kernel and stride 1 keeps N x N', () => {
    for (const n of [1, 2, 3, 7, 28]) {
      expect(nb.conv2d(nb.zeros([1, 2, n, n]), nb.zeros([3, 2, 3, 3]), null, { padding: 1 }).shape).toEqual([1, 3, n, n]);
    }
  });

  it('each 2x2 max-pool halves height and width', () => {
    let t = nb.zeros([2, 3, 32, 24]);
    for (const [h, w] of [[16, 12], [8, 6], [4, 3], [2, 1]]) {
      t = nb.maxPool2d(t, 2);
      expect(t.shape).toEqual([2, 3, h, w]);
    }
    expect(nb.maxPool2d(nb.zeros([1, 1, 28, 28]), 2).shape).toEqual([1, 1, 14, 14]);
    expect(nb.maxPool2d(nb.zeros([1, 1, 7, 7]), 2).shape).toEqual([1, 1, 3, 3]); // floor(7 / 2)
    expect(nb.maxPool2d(nb.zeros([1, 1, 7, 7]), { kernelSize: 2, ceilMode: true }).shape).toEqual([1, 1, 4, 4]);
  });

  it('transposed convolutions invert the size map of the strided convolution', () => {
    // conv: floor((n + 2p - k) / s) + 1; convTranspose: (n - 1) s - 2p + k + outputPadding.
    for (const n of [7, 8]) {
      const y = nb.conv2d(nb.zeros([1, 1, n, n]), nb.zeros([1, 1, 3, 3]), null, { stride: 2, padding: 1 });
      expect(y.shape).toEqual([1, 1, 4, 4]);
      const back = nb.convTranspose2d(y, nb.zeros([1, 1, 3, 3]), null, { stride: 2, padding: 1, outputPadding: n === 8 ? 1 : 0 });
      expect(back.shape).toEqual([1, 1, n, n]);
    }
  });
});
