/**
 * nb.layerStats: measured activation statistics against the variances the initializers predict
 * (within sampling error), dead ReLUs and saturated sigmoids on constructed layers, gradient norms
 * against a direct computation, and a model left as it was.
 */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

const { Generator, Linear, ReLU, Sequential, Sigmoid, Tanh } = nb;

const BATCH = 4096;
const WIDTH = 256;

/** A stack of Linear layers initialized with `init`, each followed by `activation` if given. */
function stack(widths: number[], init: nb.InitName, activation: 'relu' | null, generator: nb.Generator): nb.Sequential {
  const layers: nb.Module[] = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    const layer = new Linear(widths[i], widths[i + 1], { generator });
    nb.init.initializeLinear(layer.weight, layer.bias, init, { nonlinearity: activation ?? 'linear', generator });
    layers.push(layer);
    if (activation === 'relu') layers.push(new ReLU());
  }
  return new Sequential(...layers);
}

/**
 * The standard error of a layer's measured second moment (or variance) on a batch. Given the
 * layer's input, the units (columns) of its output are independent, since each has weights of its
 * own: the measured value is the mean over units of each unit's value on the batch, so its standard
 * error is their standard deviation over sqrt(units). That covers both sources of error: the
 * random weights and the finite batch.
 */
function unitStandardError(y: nb.Tensor, centred: boolean): number {
  const values = Float64Array.from(y.dataSync());
  const [samples, units] = y.shape;
  const mean = centred ? values.reduce((s, v) => s + v, 0) / values.length : 0;
  const perUnit = new Float64Array(units);
  for (let i = 0; i < values.length; i++) perUnit[i % units] += (values[i] - mean) ** 2 / samples;
  const average = perUnit.reduce((s, v) => s + v, 0) / units;
  const spread = perUnit.reduce((s, v) => s + (v - average) ** 2, 0) / (units - 1);
  return Math.sqrt(spread / units);
}

/** layerStats on a batch without targets, with the standard error of every row's second moment (Linear) or variance (activations). */
function measure(model: nb.Sequential, x: nb.Tensor, init: nb.InitName): { rows: nb.LayerStats[]; errors: number[] } {
  const errors: number[] = [];
  const handles = model.layers.map((layer) => layer.registerForwardHook((module, _, output) => {
    errors.push(unitStandardError(output, !(module instanceof Linear)));
  }));
  const rows = nb.layerStats(model, x, { init });
  for (const handle of handles) handle.remove();
  return { rows, errors };
}

const secondMoment = (row: { mean: number; variance: number }) => row.variance + row.mean ** 2;

function moments(t: nb.Tensor): { mean: number; variance: number } {
  const values = Float64Array.from(t.dataSync());
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return { mean, variance: values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length };
}

describe('predicted against measured variances (4 standard errors)', () => {
  it("PyTorch's default init on a linear stack: Var[y_l] = 1/(3 n) + Var[y_{l-1}]/3", () => {
    const generator = new Generator(7);
    const model = stack(Array(7).fill(WIDTH), 'pytorch', null, generator);
    const x = nb.randn([BATCH, WIDTH], { generator });
    const { rows, errors } = measure(model, x, 'pytorch');
    expect(rows.map((r) => r.name)).toEqual(['0', '1', '2', '3', '4', '5']);
    let measuredInput = secondMoment(moments(x));
    let chained = measuredInput;
    rows.forEach((row, l) => {
      // Against the measured variance of the layer's input: only this layer's sampling error.
      const oneStep = 1 / (3 * WIDTH) + measuredInput / 3;
      expect(Math.abs(secondMoment(row) - oneStep), `layer ${l}: ${secondMoment(row)} vs ${oneStep} (standard error ${errors[l]})`).toBeLessThan(4 * errors[l]);
      // layerStats predicts the whole chain from the model's input.
      chained = 1 / (3 * WIDTH) + chained / 3;
      expect(row.predictedVariance! / chained).toBeCloseTo(1, 9);
      measuredInput = secondMoment(row);
    });
    // The bias term is what holds the variance up by the sixth layer: the formula without it fails the same test.
    expect(Math.abs(secondMoment(rows[5]) - secondMoment(rows[4]) / 3)).toBeGreaterThan(4 * errors[5]);
  });

  it('Xavier on linear layers of changing width: Var[y_l] = 2 n_in/(n_in + n_out) Var[y_{l-1}]', () => {
    const generator = new Generator(8);
    const widths = [WIDTH, 512, WIDTH, 384];
    const model = stack(widths, 'xavier-uniform', null, generator);
    const x = nb.randn([BATCH, WIDTH], { generator });
    const { rows, errors } = measure(model, x, 'xavier-uniform');
    let measuredInput = secondMoment(moments(x));
    let chained = measuredInput;
    rows.forEach((row, l) => {
      const factor = (2 * widths[l]) / (widths[l] + widths[l + 1]);
      expect(Math.abs(secondMoment(row) - factor * measuredInput), `layer ${l}`).toBeLessThan(4 * errors[l]);
      chained *= factor;
      expect(row.predictedVariance! / chained).toBeCloseTo(1, 9);
      measuredInput = secondMoment(row);
    });
  });

  it('He (kaiming-normal) with ReLU: pre-activations keep their variance, a ReLU output has v (1/2 - 1/(2 pi))', () => {
    const generator = new Generator(9);
    const model = stack(Array(5).fill(WIDTH), 'kaiming-normal', 'relu', generator);
    const x = nb.randn([BATCH, WIDTH], { generator });
    const { rows, errors } = measure(model, x, 'kaiming-normal');
    expect(rows.map((r) => r.type)).toEqual(['Linear', 'ReLU', 'Linear', 'ReLU', 'Linear', 'ReLU', 'Linear', 'ReLU']);
    const reluVariance = 0.5 - 1 / (2 * Math.PI);
    let inputSecondMoment = secondMoment(moments(x));
    let chained = 2 * inputSecondMoment;
    rows.forEach((row, l) => {
      if (row.type === 'Linear') {
        // Var[W] = 2/n_in: Var[y] = 2 E[h^2].
        expect(Math.abs(secondMoment(row) - 2 * inputSecondMoment), `layer ${l}`).toBeLessThan(4 * errors[l]);
        expect(row.predictedVariance! / chained).toBeCloseTo(1, 6);
      } else {
        const preActivation = rows[l - 1].variance;
        expect(Math.abs(row.variance - reluVariance * preActivation), `layer ${l}`).toBeLessThan(4 * errors[l]);
        expect(row.predictedVariance! / (reluVariance * chained)).toBeCloseTo(1, 6);
        inputSecondMoment = secondMoment(row);
      }
    });
  });

  it('sigmoid and tanh: the variance of f(z) for Gaussian z, integrated numerically', () => {
    const generator = new Generator(10);
    const z = nb.randn([BATCH, 64], { generator }).mul(2).add(0.5);
    for (const activation of [new Sigmoid(), new Tanh()]) {
      const [row] = nb.layerStats(activation, z);
      const y = Float64Array.from(activation.forward(z).dataSync());
      // Independent values: the standard error of a variance is sqrt((m4 - variance^2) / count).
      const m4 = y.reduce((s, v) => s + (v - row.mean) ** 4, 0) / y.length;
      const error = Math.sqrt((m4 - row.variance ** 2) / y.length);
      expect(row.name).toBe('');
      expect(Math.abs(row.variance - row.predictedVariance!), activation.constructor.name).toBeLessThan(4 * error);
    }
  });
});

describe('dead ReLUs and saturated activations', () => {
  const x = nb.randn([256, 8], { generator: new Generator(3) });

  function linear(bias: number[], weight = 1): nb.Linear {
    const layer = new Linear(8, bias.length, { generator: new Generator(4) });
    layer.loadStateDict({ weight: layer.weight.mul(weight), bias: nb.tensor(bias) });
    return layer;
  }

  it('a layer whose biases are very negative is 100% dead; dead units are those that are 0 on every sample', () => {
    const [, dead] = nb.layerStats(new Sequential(linear([-100, -100, -100, -100]), new ReLU()), x);
    expect(dead).toMatchObject({ type: 'ReLU', deadFraction: 1, zeroFraction: 1, saturatedFraction: null, mean: 0, variance: 0 });
    const [first, half] = nb.layerStats(new Sequential(linear([-100, -100, 100, 100]), new ReLU()), x);
    expect(first).toMatchObject({ type: 'Linear', deadFraction: null, zeroFraction: null });
    expect(half).toMatchObject({ deadFraction: 0.5, zeroFraction: 0.5 });
    // A convolution's units are its channels: one that is negative at every position of every image is dead.
    const conv = new nb.Conv2d(1, 2, 3, { generator: new Generator(5) });
    conv.loadStateDict({ weight: conv.weight, bias: nb.tensor([-100, 100]) });
    const [, channels] = nb.layerStats(new Sequential(conv, new ReLU()), nb.rand([16, 1, 8, 8], { generator: new Generator(6) }));
    expect(channels).toMatchObject({ outputShape: [16, 2, 6, 6], deadFraction: 0.5, zeroFraction: 0.5 });
    // Without the biases about half of the values are zero, but every unit is active on some sample.
    const [, alive] = nb.layerStats(new Sequential(linear([0, 0, 0, 0]), new ReLU()), x);
    expect(alive.deadFraction).toBe(0);
    expect(alive.zeroFraction).toBeGreaterThan(0.35);
    expect(alive.zeroFraction).toBeLessThan(0.65);
  });

  it('sigmoid outputs below 0.01 or above 0.99, tanh outputs beyond +-0.99, count as saturated', () => {
    // Zero weights: every sample gives sigmoid(b) or tanh(b).
    const [, sigmoid] = nb.layerStats(new Sequential(linear([10, -10, 4.5, 0], 0), new Sigmoid()), x);
    expect(sigmoid).toMatchObject({ type: 'Sigmoid', saturatedFraction: 0.5, deadFraction: null });
    const [, tanh] = nb.layerStats(new Sequential(linear([3, -3, 2.5, 0], 0), new Tanh()), x);
    expect(tanh).toMatchObject({ type: 'Tanh', saturatedFraction: 0.5 });
  });
});

describe('weight and gradient norms', () => {
  const generator = new Generator(5);
  const x = nb.randn([32, 10], { generator });
  const labels = nb.randint(0, 3, [32], { generator });
  const model = () => nb.mlp({ inputSize: 10, hiddenSizes: [8, 6], outputSize: 3, activation: 'tanh' }, { generator: new Generator(6) });

  function directNorms(m: nb.Sequential, loss: () => nb.Tensor): { weight: number; grad: number }[] {
    m.zeroGrad();
    loss().backward();
    const sumSquares = (ts: nb.Tensor[]) => Math.sqrt(ts.reduce((s, t) => s + t.square().sum().item(), 0));
    return m.layers.filter((l) => l instanceof Linear).map((l) => ({ weight: sumSquares(l.parameters()), grad: sumSquares(l.parameters().map((p) => p.grad!)) }));
  }

  it('are the L2 norms of each layer weight and bias, and of their gradients of the cross-entropy on the batch', () => {
    const m = model();
    const rows = nb.layerStats(m, [x, labels]);
    expect(rows.map((r) => [r.name, r.type])).toEqual([['0', 'Linear'], ['1', 'Tanh'], ['2', 'Linear'], ['3', 'Tanh'], ['4', 'Linear']]);
    const expected = directNorms(m, () => nb.crossEntropy(m.forward(x), labels));
    const linear = rows.filter((r) => r.type === 'Linear');
    linear.forEach((row, i) => {
      expect(row.weightNorm! / expected[i].weight).toBeCloseTo(1, 5);
      expect(row.gradNorm! / expected[i].grad).toBeCloseTo(1, 5);
    });
    expect(rows.filter((r) => r.type === 'Tanh').every((r) => r.weightNorm === null && r.gradNorm === null)).toBe(true);
  });

  it('use the loss given, and without targets there are no gradients', () => {
    const m = model();
    const targets = nb.randn([32, 3], { generator });
    const loss = (output: nb.Tensor, t: nb.Tensor) => output.sub(t).square().mean();
    const rows = nb.layerStats(m, [x, targets], { loss }).filter((r) => r.type === 'Linear');
    const expected = directNorms(m, () => loss(m.forward(x), targets));
    rows.forEach((row, i) => expect(row.gradNorm! / expected[i].grad).toBeCloseTo(1, 5));
    for (const row of nb.layerStats(m, [x])) expect(row.gradNorm).toBeNull();
  });
});

describe('the model after layerStats', () => {
  it('has no hooks left and the same outputs, state dict, modes and gradients; hooks of its own keep running', () => {
    const generator = new Generator(11);
    const m = nb.mlp({ inputSize: 10, hiddenSizes: [8], outputSize: 3, activation: 'relu', dropout: 0.5 }, { generator });
    const x = nb.randn([16, 10], { generator });
    const labels = nb.randint(0, 3, [16], { generator });
    const state = Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, t.toTypedArray()]));
    let ownHookCalls = 0;
    m.layers[1].registerForwardHook(() => {
      ownHookCalls++;
    });
    const output = m.eval().forward(x).toTypedArray();
    m.train();
    const grad = nb.ones([8, 10]);
    m.layers[0].parameters()[0].grad = grad;

    const rows = nb.layerStats(m, [x, labels]);
    expect(rows.map((r) => r.type)).toEqual(['Linear', 'ReLU', 'Dropout', 'Linear']);
    expect(ownHookCalls).toBe(2);
    for (const layer of m.layers) expect(Object.prototype.hasOwnProperty.call(layer, 'forward'), layer.constructor.name).toBe(layer === m.layers[1]);
    expect(m.layers[0].fuseWith(new ReLU())).not.toBeNull();
    expect([...m.modules()].every((module) => module.training)).toBe(true);
    expect(m.layers[0].parameters()[0].grad).toBe(grad);
    expect(m.layers[0].parameters()[1].grad).toBeNull();
    for (const [name, t] of Object.entries(m.stateDict())) allclose(t.toTypedArray(), state[name], 0, 0);
    allclose(m.eval().forward(x).toTypedArray(), output, 0, 0);
    expect(ownHookCalls).toBe(3);
  });
});

describe('layers of other networks', () => {
  it('LeNet: a row per layer; after a pooling layer, which has no rule, the predictions restart from the measured input', () => {
    const model = nb.lenet({ generator: new Generator(12) });
    const images = nb.rand([64, 1, 28, 28], { generator: new Generator(13) });
    const rows = nb.layerStats(model, [images, nb.randint(0, 10, [64], { generator: new Generator(14) })]);
    expect(rows.map((r) => r.name)).toEqual(Array.from({ length: 12 }, (_, i) => String(i)));
    expect(rows.map((r) => r.outputShape)).toEqual([
      [64, 6, 28, 28], [64, 6, 28, 28], [64, 6, 14, 14], [64, 16, 10, 10], [64, 16, 10, 10], [64, 16, 5, 5],
      [64, 400], [64, 120], [64, 120], [64, 84], [64, 84], [64, 10],
    ]);
    expect(rows.map((r) => r.predictedVariance === null)).toEqual([false, false, true, false, false, true, false, false, false, false, false, false]);
    // Flatten passes on the measured variance of the pooled values.
    expect(rows[6].predictedVariance).toBeCloseTo(rows[5].variance, 12);
    // The second convolution is predicted from the pooled output it was given: fan-in 6*5*5, PyTorch's default init.
    const pooled = rows[2];
    expect(rows[3].predictedVariance! / ((150 * (pooled.variance + pooled.mean ** 2)) / 450 + 1 / 450)).toBeCloseTo(1, 9);
    for (const row of rows) expect(row.gradNorm === null, row.type).toBe(row.weightNorm === null);
  });

  it('names the layers inside blocks by their path, in the order they run, and measures a recurrent layer on its output', () => {
    const generator = new Generator(15);
    const residual = new Sequential(new Linear(6, 6, { generator }), new nb.Residual(new Sequential(new Linear(6, 6, { generator }), new Tanh()), new Linear(6, 6, { generator })));
    expect(nb.layerStats(residual, nb.randn([8, 6], { generator })).map((r) => r.name)).toEqual(['0', '1.projection', '1.body.0', '1.body.1']);
    const classifier = new nb.SequenceClassifier('gru', 5, 7, 3, { generator });
    const rows = nb.layerStats(classifier, nb.randn([4, 6, 5], { generator }));
    expect(rows.map((r) => [r.name, r.type])).toEqual([['rnn', 'GRU'], ['fc', 'Linear']]);
    expect(rows[0].outputShape.at(-1)).toBe(7);
  });

  it('initializeModel: every Linear and convolution with the scheme, at the gain of the activation after it', () => {
    const model = nb.initializeModel(nb.lenet({ generator: new Generator(16) }), 'kaiming-normal', { generator: new Generator(17) });
    const variance = (t: nb.Tensor) => moments(t).variance;
    const conv = model.layers[0] as nb.Conv2d;
    const last = model.layers[11] as nb.Linear;
    // A ReLU after the first convolution: Var[W] = 2/fan_in with fan_in 1*5*5; nothing after the last Linear: 1/84.
    // Within 4 standard errors of a variance estimated from m values, 4 sqrt(2/m): 150 and 840 weights.
    expect(Math.abs((variance(conv.weight) * 25) / 2 - 1)).toBeLessThan(4 * Math.sqrt(2 / 150));
    expect(Math.abs(variance(last.weight) * 84 - 1)).toBeLessThan(4 * Math.sqrt(2 / 840));
    for (const layer of [conv, last]) allclose(layer.bias!, nb.zeros([layer.bias!.shape[0]]), 0, 0);
  });

  it('refuses options, batches and schemes it does not know', () => {
    const model = new Linear(2, 2);
    const x = nb.randn([3, 2]);
    expect(() => nb.layerStats(model, x, { int: 'pytorch' } as never)).toThrow(/layerStats: options has an unknown option "int" \(known: loss, init\)/);
    expect(() => nb.layerStats(model, x, { init: 'glorot' as never })).toThrow(/layerStats: init must be one of/);
    expect(() => nb.layerStats(model, [[1, 2]] as never)).toThrow(/layerStats: batch must be the inputs or \[inputs, targets\]/);
    expect(nb.layerStats(model, x, { init: 'constant' })[0].predictedVariance).toBeNull();
  });
});
