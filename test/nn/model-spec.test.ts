import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

const { buildModel, ModelSpecError } = nb;

const build = (layers: unknown[]) => buildModel({ layers });
const names = (model: nb.Module) => Object.keys(model.stateDict());
const shapes = (model: nb.Module) => Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, [...t.shape]]));

describe('buildModel: layers and their PyTorch arguments', () => {
  it('maps snake_case constructor arguments to the layers nabla builds', () => {
    const model = build([
      { type: 'Conv2d', in_channels: 4, out_channels: 8, kernel_size: [3, 5], stride: 2, padding: 1, dilation: 1, groups: 2, bias: false },
      { type: 'ConvTranspose2d', in_channels: 8, out_channels: 6, kernel_size: 3, stride: 2, padding: 1, output_padding: 1, groups: 2 },
      { type: 'MaxPool2d', kernel_size: 3, stride: 1, padding: 1, dilation: 1, ceil_mode: true },
      { type: 'AvgPool2d', kernel_size: 2, count_include_pad: false, divisor_override: 3 },
      { type: 'LeakyReLU', negative_slope: 0.2 },
      { type: 'Dropout', p: 0.25 },
      { type: 'Flatten', start_dim: 1, end_dim: -1 },
      { type: 'Linear', in_features: 6, out_features: 3, bias: false },
    ]);
    const [convLayer, transposed, maxPool, avgPool, leaky, drop, flatten, linear] = model.layers;
    expect(convLayer).toBeInstanceOf(nb.Conv2d);
    expect(convLayer).toMatchObject({ inChannels: 4, outChannels: 8, kernelSize: [3, 5], stride: [2, 2], padding: 1, groups: 2, bias: null });
    expect(transposed).toMatchObject({ inChannels: 8, outChannels: 6, outputPadding: [1, 1], padding: [1, 1], groups: 2 });
    expect((maxPool as nb.MaxPool2d).options).toEqual({ kernelSize: 3, stride: 1, padding: 1, dilation: 1, ceilMode: true });
    expect((avgPool as nb.AvgPool2d).options).toEqual({ kernelSize: 2, countIncludePad: false, divisorOverride: 3 });
    expect(leaky).toMatchObject({ negativeSlope: 0.2 });
    expect(drop).toMatchObject({ p: 0.25 });
    expect(flatten).toMatchObject({ startDim: 1, endDim: -1 });
    expect(linear).toMatchObject({ inFeatures: 6, outFeatures: 3, bias: null });
  });

  it('knows the other layers, with PyTorch defaults when arguments are left out', () => {
    const model = build([
      { type: 'Conv1d', in_channels: 2, out_channels: 4, kernel_size: 3 },
      { type: 'BatchNorm1d', num_features: 4, eps: 1e-3, momentum: 0.2, affine: false, track_running_stats: true },
      { type: 'ConvTranspose1d', in_channels: 4, out_channels: 4, kernel_size: 2 },
      { type: 'MaxPool1d', kernel_size: 2 },
      { type: 'AvgPool1d', kernel_size: 1 },
      { type: 'AdaptiveAvgPool1d', output_size: 2 },
      { type: 'Sigmoid' }, { type: 'Tanh' }, { type: 'ReLU' }, { type: 'Identity' },
      { type: 'Flatten' }, { type: 'Softmax', dim: 1 }, { type: 'LogSoftmax' }, { type: 'Dropout' },
    ]);
    expect(model.layers.map((l) => l.constructor.name)).toEqual([
      'Conv1d', 'BatchNorm1d', 'ConvTranspose1d', 'MaxPool1d', 'AvgPool1d', 'AdaptiveAvgPool1d', 'Sigmoid', 'Tanh', 'ReLU', 'Identity', 'Flatten', 'Softmax', 'LogSoftmax', 'Dropout',
    ]);
    expect(model.layers[1]).toMatchObject({ numFeatures: 4, eps: 1e-3, momentum: 0.2, affine: false, trackRunningStats: true });
    expect(model.layers[0]).toMatchObject({ stride: [1], dilation: [1], groups: 1, padding: 0 });
    expect(model.layers[13]).toMatchObject({ p: 0.5 });
    expect(model.forward(nb.randn([2, 2, 9])).shape).toEqual([2, 8]);

    const images = build([
      { type: 'Conv2d', in_channels: 1, out_channels: 4, kernel_size: 3, padding: 'same' },
      { type: 'BatchNorm2d', num_features: 4 },
      { type: 'Dropout2d', p: 0.1 },
      { type: 'AdaptiveAvgPool2d', output_size: [2, 2] },
      { type: 'GlobalAvgPool' },
    ]);
    expect(images.layers.map((l) => l.constructor.name)).toEqual(['Conv2d', 'BatchNorm2d', 'Dropout2d', 'AdaptiveAvgPool2d', 'GlobalAvgPool']);
    expect(images.forward(nb.randn([3, 1, 6, 6])).shape).toEqual([3, 4]);
  });

  it('lists every type it knows', () => {
    expect([...nb.LAYER_TYPES].sort()).toEqual([
      'AdaptiveAvgPool1d', 'AdaptiveAvgPool2d', 'AvgPool1d', 'AvgPool2d', 'BatchNorm1d', 'BatchNorm2d', 'Conv1d', 'Conv2d', 'ConvTranspose1d', 'ConvTranspose2d',
      'Dropout', 'Dropout2d', 'ELU', 'Embedding', 'Flatten', 'GELU', 'GlobalAvgPool', 'Hardtanh', 'Identity', 'LayerNorm', 'LeakyReLU', 'Linear', 'LogSoftmax', 'MaxPool1d', 'MaxPool2d', 'Mish',
      'ParallelSum', 'ReLU', 'Residual', 'SELU', 'SequenceClassifier', 'SiLU', 'Sigmoid', 'Softmax', 'Softplus', 'Tanh',
    ]);
  });

  it('names parameters and buffers as PyTorch does: 0.weight, 1.running_mean, 2.body.0.weight, 3.branches.1.0.weight', () => {
    const model = build([
      { type: 'Conv2d', in_channels: 1, out_channels: 4, kernel_size: 3, padding: 1 },
      { type: 'BatchNorm2d', num_features: 4 },
      { type: 'Residual', body: [{ type: 'Conv2d', in_channels: 4, out_channels: 8, kernel_size: 1 }, { type: 'ReLU' }], projection: [{ type: 'Conv2d', in_channels: 4, out_channels: 8, kernel_size: 1, bias: false }] },
      { type: 'ParallelSum', branches: [[{ type: 'Conv2d', in_channels: 8, out_channels: 2, kernel_size: 1 }], [{ type: 'ReLU' }, { type: 'Conv2d', in_channels: 8, out_channels: 2, kernel_size: 3, padding: 1 }]] },
    ]);
    expect(names(model)).toEqual([
      '0.weight', '0.bias',
      '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked',
      '2.body.0.weight', '2.body.0.bias', '2.projection.0.weight',
      '3.branches.0.0.weight', '3.branches.0.0.bias', '3.branches.1.1.weight', '3.branches.1.1.bias',
    ]);
    expect(shapes(model)['3.branches.1.1.weight']).toEqual([2, 8, 3, 3]);
    expect(model.layers[2]).toBeInstanceOf(nb.Residual);
    expect(model.layers[3]).toBeInstanceOf(nb.ParallelSum);
    expect(model.forward(nb.randn([2, 1, 5, 5])).shape).toEqual([2, 2, 5, 5]);
  });

  it('a Residual without projection adds its input', () => {
    const model = build([{ type: 'Residual', body: [{ type: 'Linear', in_features: 3, out_features: 3 }] }]);
    const residual = model.layers[0] as nb.Residual;
    expect(residual.projection).toBeNull();
    for (const p of residual.body.parameters()) nb.init.constant_(p, 0);
    const x = nb.tensor([[1, 2, 3]]);
    expect(model.forward(x).toArray()).toEqual([[1, 2, 3]]);
  });

  it('initializes like PyTorch from the generator, reproducibly', () => {
    const spec = { layers: [{ type: 'Conv2d', in_channels: 2, out_channels: 3, kernel_size: 3 }, { type: 'Flatten' }, { type: 'Linear', in_features: 3, out_features: 2 }] };
    const a = buildModel(spec, { generator: new nb.Generator(5) });
    const b = buildModel(spec, { generator: new nb.Generator(5) });
    const c = buildModel(spec, { generator: new nb.Generator(6) });
    const flat = (m: nb.Module) => m.parameters().flatMap((p) => Array.from(p.toTypedArray()));
    expect(flat(a)).toEqual(flat(b));
    expect(flat(a)).not.toEqual(flat(c));
    const bound = 1 / Math.sqrt(2 * 9);
    expect(Math.max(...Array.from(a.layers[0].parameters()[0].toTypedArray()).map(Math.abs))).toBeLessThanOrEqual(bound);
  });

  it('LeNet-5: the built-in spec builds a 61,706-parameter network that maps [N, 1, 28, 28] to [N, 10]', () => {
    const model = nb.lenet();
    expect(model.numParameters()).toBe(61706);
    expect(model.layers.map((l) => l.constructor.name)).toEqual(['Conv2d', 'ReLU', 'MaxPool2d', 'Conv2d', 'ReLU', 'MaxPool2d', 'Flatten', 'Linear', 'ReLU', 'Linear', 'ReLU', 'Linear']);
    expect(model.forward(nb.randn([2, 1, 28, 28])).shape).toEqual([2, 10]);
    expect(nb.LENET.layers[0]).toEqual({ type: 'Conv2d', in_channels: 1, out_channels: 6, kernel_size: 5, padding: 2 });
    expect(Object.isFrozen(nb.LENET)).toBe(true);
    // The spec is plain JSON: it survives a round trip through a file.
    expect(buildModel(JSON.parse(JSON.stringify(nb.LENET))).numParameters()).toBe(61706);
  });
});

describe('buildModel: errors name the layer path and the key', () => {
  const fails = (spec: unknown, pattern: RegExp) => {
    expect(() => buildModel(spec)).toThrow(ModelSpecError);
    expect(() => buildModel(spec)).toThrow(pattern);
  };

  it('an unknown argument, with the close match', () => {
    fails({ layers: [{ type: 'ReLU' }, { type: 'Conv2d', in_channels: 1, out_channels: 6, kernal_size: 5 }] }, /^layers\[1\]: unknown argument "kernal_size" \(Conv2d takes in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias\); did you mean "kernel_size"\?$/);
    fails({ layers: [{ type: 'Linear', inFeatures: 3, out_features: 2 }] }, /layers\[0\]: unknown argument "inFeatures" .*did you mean "in_features"\?/);
    fails({ layers: [{ type: 'ReLU', inplace: true }] }, /^layers\[0\]: unknown argument "inplace" \(ReLU takes no arguments\)$/);
    fails({ layers: [{ type: 'MaxPool2d', kernel_size: 2, count_include_pad: true }] }, /layers\[0\]: unknown argument "count_include_pad" \(MaxPool2d takes kernel_size, stride, padding, dilation, ceil_mode\)/);
  });

  it('an unknown type, with the close match', () => {
    fails({ layers: [{ type: 'conv2d' }] }, /^layers\[0\]: unknown layer type "conv2d"; did you mean "Conv2d"\? \(known: .*Linear.*\)$/);
    fails({ layers: [{ type: 'Relu' }] }, /did you mean "ReLU"/);
    fails({ layers: [{ type: 'Transformer' }] }, /^layers\[0\]: unknown layer type "Transformer" \(known: /);
  });

  it('paths into nested blocks', () => {
    const bad = { type: 'Conv2d', in_channels: 4, out_channels: 4, kernel_size: 3, padding: 1, group: 2 };
    fails({ layers: [{ type: 'ReLU' }, { type: 'Residual', body: [{ type: 'ReLU' }, bad] }] }, /^layers\[1\]\.body\[1\]: unknown argument "group" .*did you mean "groups"\?/);
    fails({ layers: [{ type: 'Residual', body: [{ type: 'ReLU' }], projection: [bad] }] }, /^layers\[0\]\.projection\[0\]: unknown argument "group"/);
    fails({ layers: [{ type: 'ParallelSum', branches: [[{ type: 'ReLU' }], [{ type: 'ReLU' }, { type: 'Sigmoidd' }]] }] }, /^layers\[0\]\.branches\[1\]\[1\]: unknown layer type "Sigmoidd"; did you mean "Sigmoid"\?/);
    fails({ layers: [{ type: 'ParallelSum', branches: [] }] }, /^layers\[0\]\.branches: expected a non-empty array of layer lists/);
    fails({ layers: [{ type: 'Residual', body: { type: 'ReLU' } }] }, /^layers\[0\]\.body: expected a non-empty array of layers/);
    fails({ layers: [{ type: 'ParallelSum', branches: [{ type: 'ReLU' }] }] }, /^layers\[0\]\.branches\[0\]: expected a non-empty array of layers/);
  });

  it('a missing required argument', () => {
    fails({ layers: [{ type: 'Conv2d', in_channels: 1, out_channels: 6 }] }, /^layers\[0\]: Conv2d needs "kernel_size" \(required: in_channels, out_channels, kernel_size\)$/);
    fails({ layers: [{ type: 'Linear', in_features: 3 }] }, /Linear needs "out_features"/);
    fails({ layers: [{ type: 'Residual' }] }, /Residual needs "body"/);
  });

  it('bad values, in the spec\'s own argument names', () => {
    fails({ layers: [{ type: 'Conv2d', in_channels: 0, out_channels: 6, kernel_size: 5 }] }, /^layers\[0\]: Conv2d: in_channels must be a positive integer, got 0$/);
    fails({ layers: [{ type: 'Conv2d', in_channels: 3, out_channels: 6, kernel_size: 5, groups: 2 }] }, /^layers\[0\]: Conv2d: in_channels \(3\) and out_channels \(6\) must both divide by groups \(2\)$/);
    fails({ layers: [{ type: 'Linear', in_features: 3, out_features: 2, bias: 'yes' }] }, /^layers\[0\]: Linear: bias must be a boolean, got 'yes'$/);
    fails({ layers: [{ type: 'Dropout', p: 2 }] }, /^layers\[0\]: Dropout: probability p must be in \[0, 1\], got 2$/);
    fails({ layers: [{ type: 'BatchNorm2d', num_features: 4, track_running_stats: 1 }] }, /^layers\[0\]: BatchNorm2d: track_running_stats must be a boolean/);
  });

  it('a spec that is not { "layers": [...] }', () => {
    fails(null, /^model spec: expected an object \{ "layers": \[\.\.\.\] \}, got null$/);
    fails([{ type: 'ReLU' }], /^model spec: expected an object/);
    fails({ layer: [] }, /^model spec: unknown key "layer"; a spec has only "layers"; did you mean "layers"\?$/);
    fails({}, /^layers: expected a non-empty array of layers/);
    fails({ layers: [] }, /^layers: expected a non-empty array of layers/);
    fails({ layers: ['ReLU'] }, /^layers\[0\]: expected a layer object such as \{ "type": "ReLU" \}, got 'ReLU'$/);
    fails({ layers: [{ kernel_size: 3 }] }, /^layers\[0\]: "type" must name a layer \(/);
    expect(() => buildModel({ layers: [{ type: 'ReLU' }] }, { seed: 1 } as never)).toThrow(/buildModel: options has an unknown option "seed"/);
  });
});
