import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

const { BatchNorm2d, Conv2d, ConvTranspose2d, Flatten, Linear, MaxPool2d, ParallelSum, ReLU, Residual, Sequential, mlp, summarize } = nb;

const DEFAULT: nb.MlpConfig = { inputSize: 784, hiddenSizes: [40, 30, 20], outputSize: 10, activation: 'relu' };

/** The value of a formula's middle part, "symbols = numbers = count", computed from its numbers. */
function evaluateNumbers(formula: string): number {
  const parts = formula.split(' = ');
  expect(parts, formula).toHaveLength(3);
  expect(parts[1], formula).toMatch(/^[\d+*/() ]+$/);
  return Function(`return ${parts[1]};`)() as number;
}

/** Every row's formula ends with its count, and its numbers give that count. */
function expectFormulasAddUp(summary: nb.ModelSummary): void {
  for (const row of summary.layers) {
    if (row.formula === '') {
      expect(row.parameters, row.name).toBe(0);
      continue;
    }
    expect(row.formula.endsWith(` = ${row.parameters}`), row.formula).toBe(true);
    expect(evaluateNumbers(row.formula), row.formula).toBe(row.parameters);
  }
}

const conv = (i: number, o: number, k: number, options: nb.ConvLayerOptions = {}) => new Conv2d(i, o, k, options);

/** 1x1 256->128, 3x3 128->128 (padding 1, `groups`), 1x1 128->256, with ReLUs, around a shortcut. */
const bottleneck = (groups = 1) =>
  new Sequential(new Residual(new Sequential(conv(256, 128, 1), new ReLU(), conv(128, 128, 3, { padding: 1, groups }), new ReLU(), conv(128, 256, 1))), new ReLU());

/** ResNeXt's split-transform-merge: 32 paths of 1x1 256->4, 3x3 4->4 (padding 1), 1x1 4->256, summed. */
const paths = () =>
  new Sequential(new Residual(new ParallelSum(...Array.from({ length: 32 }, () => new Sequential(conv(256, 4, 1), new ReLU(), conv(4, 4, 3, { padding: 1 }), new ReLU(), conv(4, 256, 1))))));

describe('summarize: rows', () => {
  it('gives the name, type, output shape, parameter count and formula of every layer of the default network', () => {
    const summary = summarize(mlp(DEFAULT), [784]);
    const rows = summary.layers;
    expect(rows.map((r) => r.name)).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    expect(rows.map((r) => r.type)).toEqual(['Linear', 'ReLU', 'Linear', 'ReLU', 'Linear', 'ReLU', 'Linear']);
    expect(rows.map((r) => r.outputShape)).toEqual([['N', 40], ['N', 40], ['N', 30], ['N', 30], ['N', 20], ['N', 20], ['N', 10]]);
    expect(rows.map((r) => r.parameters)).toEqual([31400, 0, 1230, 0, 620, 0, 210]);
    expect(rows.map((r) => r.formula)).toEqual([
      '(in + 1)*out = (784 + 1)*40 = 31400', '', '(in + 1)*out = (40 + 1)*30 = 1230', '', '(in + 1)*out = (30 + 1)*20 = 620', '', '(in + 1)*out = (20 + 1)*10 = 210',
    ]);
    expect(rows[0].layer).toBe('Linear(inFeatures=784, outFeatures=40, bias=true)');
    expect(rows[1].layer).toBe('ReLU()');
    expect(summary.totalParameters).toBe(33460);
    expect(rows.reduce((a, r) => a + r.parameters, 0)).toBe(33460);
    expect(summary.inputShape).toEqual(['N', 784]);
    expect(summary.outputShape).toEqual(['N', 10]);
  });

  it('follows a Flatten: shapes come from running the layers', () => {
    const m = new Sequential(new Flatten(), new Linear(784, 10));
    expect(summarize(m, [1, 28, 28]).layers.map((r) => r.outputShape)).toEqual([['N', 784], ['N', 10]]);
  });

  it('writes a bias-free layer without the + 1', () => {
    const rows = summarize(new Sequential(new Linear(5, 3, { bias: false }), new Flatten(), new Linear(3, 2)), [5]).layers;
    expect(rows[0]).toMatchObject({ name: '0', type: 'Linear', outputShape: ['N', 3], parameters: 15, formula: 'in*out = 5*3 = 15' });
    const convRow = summarize(new Sequential(conv(3, 8, 3, { bias: false })), [3, 8, 8]).layers[0];
    expect(convRow.formula).toBe('C_in*k_h*k_w/groups*C_out = 3*3*3/1*8 = 216');
  });

  it('Conv2d: (C_in*k_h*k_w/groups + 1)*C_out, in symbols and numbers', () => {
    const rows = summarize(nb.lenet(), [1, 28, 28]).layers;
    expect(rows[0].formula).toBe('(C_in*k_h*k_w/groups + 1)*C_out = (1*5*5/1 + 1)*6 = 156');
    expect(rows[3].formula).toBe('(C_in*k_h*k_w/groups + 1)*C_out = (6*5*5/1 + 1)*16 = 2416');
    const grouped = summarize(new Sequential(conv(128, 128, 3, { padding: 1, groups: 32 })), [128, 4, 4]).layers[0];
    expect(grouped.formula).toBe('(C_in*k_h*k_w/groups + 1)*C_out = (128*3*3/32 + 1)*128 = 4736');
    const rect = summarize(new Sequential(new Conv2d(2, 4, [3, 5])), [2, 9, 9]).layers[0];
    expect(rect.formula).toBe('(C_in*k_h*k_w/groups + 1)*C_out = (2*3*5/1 + 1)*4 = 124');
    const oneD = summarize(new Sequential(new nb.Conv1d(2, 4, 3)), [2, 9]).layers[0];
    expect(oneD.formula).toBe('(C_in*k/groups + 1)*C_out = (2*3/1 + 1)*4 = 28');
  });

  it('ConvTranspose2d: C_in*(C_out/groups)*k_h*k_w + C_out, and its multiply-adds scatter from the input', () => {
    const row = summarize(new Sequential(new ConvTranspose2d(16, 8, 3, { stride: 2 })), [16, 5, 5]).layers[0];
    expect(row.formula).toBe('C_in*(C_out/groups)*k_h*k_w + C_out = 16*(8/1)*3*3 + 8 = 1160');
    expect(row.outputShape).toEqual(['N', 8, 11, 11]);
    expect(row.multiplyAdds).toBe(16 * 5 * 5 * 8 * 3 * 3);
  });

  it('BatchNorm: 2*C when affine, and its running statistics are buffers, not parameters', () => {
    const summary = summarize(new Sequential(conv(3, 6, 3), new BatchNorm2d(6), new BatchNorm2d(6, { affine: false })), [3, 8, 8]);
    expect(summary.layers[1]).toMatchObject({ type: 'BatchNorm2d', parameters: 12, formula: '2*C = 2*6 = 12', multiplyAdds: 0 });
    expect(summary.layers[2]).toMatchObject({ parameters: 0, formula: '' });
    expect(summary.totalParameters).toBe((3 * 9 + 1) * 6 + 12);
    expect(summary.nonTrainableParameters).toBe(0);
  });

  it('another layer with parameters: each parameter by name and shape', () => {
    class Scale extends nb.Module {
      gain = new nb.Parameter(nb.ones([3, 4]));
      forward(x: nb.Tensor) { return x.mul(this.gain); }
    }
    expect(summarize(new Sequential(new Scale()), [3, 4]).layers[0].formula).toBe('gain 3*4 = 12');
  });

  it('every formula of these networks ends with its count and its numbers give it', () => {
    const cases: [nb.Module, number[]][] = [[mlp(DEFAULT), [784]], [nb.lenet(), [1, 28, 28]], [bottleneck(), [256, 4, 4]], [bottleneck(32), [256, 4, 4]]];
    for (const [model, shape] of cases) expectFormulasAddUp(summarize(model, shape));
  });

  it('summarizes a single module as one row named ""', () => {
    const summary = summarize(new Linear(4, 2), [4]);
    expect(summary.layers).toHaveLength(1);
    expect(summary.layers[0]).toMatchObject({ name: '', outputShape: ['N', 2], parameters: 10 });
  });
});

describe('summarize: nested blocks', () => {
  it('names the layers of Residual and ParallelSum blocks with dots, as the state dict does, each block before its layers', () => {
    const model = new Sequential(
      conv(3, 8, 3, { padding: 1 }),
      new Residual(new Sequential(conv(8, 8, 3, { padding: 1 }), new ReLU())),
      new Residual(new Sequential(conv(8, 16, 1)), new Sequential(conv(8, 16, 1, { bias: false }))),
      new ParallelSum(new Sequential(conv(16, 4, 1)), conv(16, 4, 3, { padding: 1 })),
    );
    const summary = summarize(model, [3, 6, 6]);
    expect(summary.layers.map((r) => [r.name, r.type, r.depth])).toEqual([
      ['0', 'Conv2d', 0],
      ['1', 'Residual', 0], ['1.body.0', 'Conv2d', 1], ['1.body.1', 'ReLU', 1],
      ['2', 'Residual', 0], ['2.body.0', 'Conv2d', 1], ['2.projection.0', 'Conv2d', 1],
      ['3', 'ParallelSum', 0], ['3.branches.0.0', 'Conv2d', 1], ['3.branches.1', 'Conv2d', 1],
    ]);
    const weights = [...model.namedParameters()].map(([name]) => name.replace(/\.(weight|bias)$/, ''));
    const rowsWithParameters = summary.layers.filter((r) => r.parameters > 0).map((r) => r.name);
    expect([...new Set(weights)]).toEqual(rowsWithParameters);
    expect(summary.layers.find((r) => r.name === '2')!.outputShape).toEqual(['N', 16, 6, 6]);
    expect(summary.layers.reduce((n, r) => n + r.parameters, 0)).toBe(model.numParameters());
    expectFormulasAddUp(summary);
  });

  it('a bottleneck (1x1 256->128, 3x3 128->128, 1x1 128->256, biases on) has 213,504 parameters', () => {
    const summary = summarize(bottleneck(), [256, 8, 8]);
    expect(summary.totalParameters).toBe(213504);
    expect((256 + 1) * 128 + (128 * 9 + 1) * 128 + (128 + 1) * 256).toBe(213504);
    expect(summary.layers.filter((r) => r.type === 'Conv2d').map((r) => r.parameters)).toEqual([32896, 147584, 33024]);
    expectFormulasAddUp(summary);
  });

  it('its split-transform-merge form (32 summed paths of 1x1 256->4, 3x3 4->4, 1x1 4->256) has 78,592; with grouped convolutions 70,656', () => {
    const split = summarize(paths(), [256, 8, 8]);
    expect(split.totalParameters).toBe(78592);
    expect(32 * ((256 + 1) * 4 + (4 * 9 + 1) * 4 + (4 + 1) * 256)).toBe(78592);
    expect(split.layers.filter((r) => r.type === 'Conv2d')).toHaveLength(96);
    expect(split.layers[1]).toMatchObject({ name: '0.body', type: 'ParallelSum', depth: 1, outputShape: ['N', 256, 8, 8], parameters: 0 });
    expect(split.layers[2].name).toBe('0.body.branches.0.0');
    expect(split.layers.at(-1)!.name).toBe('0.body.branches.31.4');
    const grouped = summarize(bottleneck(32), [256, 8, 8]);
    expect(grouped.totalParameters).toBe(70656);
    expect(grouped.layers.filter((r) => r.type === 'Conv2d').map((r) => r.parameters)).toEqual([32896, 4736, 33024]);
    // Both compute the same multiply-adds: 32 paths of 4 channels are 128 channels in 32 groups.
    expect(split.multiplyAdds).toBe(grouped.multiplyAdds);
    expect(grouped.multiplyAdds).toBe(64 * (256 * 128 + 128 * 9 * 4 + 128 * 256));
  });
});

describe('summarize: totals', () => {
  it('LeNet-5: 61,706 parameters, 416,520 multiply-adds and 60,008 bytes of activations per sample', () => {
    const summary = summarize(nb.lenet(), [1, 28, 28]);
    expect(summary.totalParameters).toBe(61706);
    expect(summary.trainableParameters).toBe(61706);
    expect(summary.nonTrainableParameters).toBe(0);
    expect(summary.layers.map((r) => r.multiplyAdds)).toEqual([6 * 28 * 28 * 25, 0, 0, 16 * 10 * 10 * 6 * 25, 0, 0, 0, 400 * 120, 0, 120 * 84, 0, 84 * 10]);
    expect(summary.multiplyAdds).toBe(416520);
    const elements = [6 * 28 * 28, 6 * 28 * 28, 6 * 14 * 14, 16 * 10 * 10, 16 * 10 * 10, 16 * 5 * 5, 400, 120, 120, 84, 84, 10];
    expect(summary.layers.map((r) => r.activationBytes)).toEqual(elements.map((n) => 4 * n));
    expect(summary.activationBytes).toBe(60008);
    expect(summary.dtype).toBe('float32');
  });

  it('activation memory follows the dtype', () => {
    const summary = summarize(new Sequential(new Linear(3, 5, { dtype: 'float64' }), new ReLU()), [3]);
    expect(summary.activationBytes).toBe(2 * 5 * 8);
    expect(summary.dtype).toBe('float64');
  });

  it('a parameter with requiresGrad false is non-trainable', () => {
    const model = new Sequential(new Linear(10, 5), new ReLU(), new Linear(5, 2));
    model.layers[0].parameters().forEach((p) => p.requiresGrad_(false));
    const summary = summarize(model, [10]);
    expect(summary.totalParameters).toBe(55 + 12);
    expect(summary.trainableParameters).toBe(12);
    expect(summary.nonTrainableParameters).toBe(55);
  });

  it('counts a tied weight once in the totals', () => {
    const a = new Linear(4, 4);
    const b = new Linear(4, 4);
    b.weight = a.weight;
    expect(summarize(new Sequential(a, b), [4]).totalParameters).toBe(16 + 4 + 4);
  });

  for (const [N, L, h, n] of [[32, 3, 100, 10], [28, 4, 64, 10], [16, 5, 7, 3], [8, 2, 1, 1]]) {
    it(`an MLP on a 3x${N}x${N} image with L=${L} layers of h=${h} units and n=${n} outputs has (3N^2+1)h + (L-2)(h^2+h) + (hn+n)`, () => {
      const expected = (3 * N * N + 1) * h + (L - 2) * (h * h + h) + (h * n + n);
      const model = new Sequential(new Flatten(), mlp({ inputSize: 3 * N * N, hiddenSizes: Array<number>(L - 1).fill(h), outputSize: n, activation: 'relu' }));
      const summary = summarize(model, [3, N, N]);
      expect(summary.totalParameters).toBe(expected);
      expect(summary.layers.filter((r) => r.type === 'Linear').map((r) => r.name)).toEqual(Array.from({ length: L }, (_, i) => `1.${2 * i}`));
      expect(summary.multiplyAdds).toBe(expected - (L - 1) * h - n);
      expectFormulasAddUp(summary);
    });
  }
});

describe('summarize: running the sample', () => {
  it('runs in eval mode and restores every module\'s mode: no dropout mask drawn, no running statistics updated', () => {
    const generator = new nb.Generator(3);
    const bn = new BatchNorm2d(2);
    const model = new Sequential(conv(1, 2, 3), bn, new nb.Dropout(0.5, { generator }), new MaxPool2d(2));
    model.layers[3].eval();
    summarize(model, [1, 6, 6]);
    expect(generator.uniform()).toBe(new nb.Generator(3).uniform());
    expect(model.layers.map((l) => l.training)).toEqual([true, true, true, false]);
    expect(Array.from(bn.runningMean!.toTypedArray())).toEqual([0, 0]);
    expect(bn.numBatchesTracked!.item()).toBe(0);
  });

  it('names the layer that cannot take its input', () => {
    expect(() => summarize(nb.lenet(), [1, 32, 32])).toThrow(/summarize: layer 7 \(Linear\) cannot take an input of shape \[N, 576\]/);
    expect(() => summarize(new Sequential(new Residual(new Sequential(conv(3, 4, 1)))), [3, 5, 5])).toThrow(/summarize: layer 0 \(Residual\) cannot take an input of shape \[N, 3, 5, 5\]: Residual: the body gives shape/);
  });
});

describe('summaryJson', () => {
  it('has snake_case keys with total_params at the top level', () => {
    const json = nb.summaryJson(summarize(nb.lenet(), [1, 28, 28]));
    expect(json).toMatchObject({
      input_shape: ['N', 1, 28, 28], output_shape: ['N', 10], dtype: 'float32',
      total_params: 61706, trainable_params: 61706, non_trainable_params: 0, mult_adds: 416520, activation_bytes: 60008,
    });
    const layers = json.layers as Record<string, unknown>[];
    expect(layers[0]).toEqual({
      name: '0', type: 'Conv2d', layer: expect.stringMatching(/^Conv2d\(/), output_shape: ['N', 6, 28, 28], params: 156,
      formula: '(C_in*k_h*k_w/groups + 1)*C_out = (1*5*5/1 + 1)*6 = 156', mult_adds: 117600, activation_bytes: 18816,
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
