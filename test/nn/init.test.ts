import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import {
  calculateFanInAndFanOut,
  calculateGain,
  constant_,
  INIT_NAMES,
  initializeLinear,
  kaimingNormal_,
  kaimingUniform_,
  normal_,
  ones_,
  pytorchLinearDefault_,
  uniform_,
  xavierNormal_,
  xavierUniform_,
  zeros_,
  type InitName,
} from '../../src/nn/init.js';

const { Generator, Tensor } = nb;

/** Population mean and variance, accumulated in float64. */
function stats(t: nb.Tensor): { mean: number; variance: number; maxAbs: number; min: number; max: number } {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of t.data) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / t.size;
  let sq = 0;
  for (const v of t.data) sq += (v - mean) ** 2;
  return { mean, variance: sq / t.size, maxAbs: Math.max(Math.abs(min), Math.abs(max)), min, max };
}

/**
 * Checks sample moments against theory with 5-sigma sampling tolerances: the sample mean has
 * standard error sigma / sqrt(n), the sample variance at most sigma^2 sqrt(2 / n) (normal; a uniform's is smaller).
 */
function expectMoments(t: nb.Tensor, mean: number, variance: number): void {
  const s = stats(t);
  const n = t.size;
  expect(Math.abs(s.mean - mean)).toBeLessThan(5 * Math.sqrt(variance / n));
  expect(Math.abs(s.variance - variance)).toBeLessThan(5 * variance * Math.sqrt(2 / n));
}

const gen = (seed = 1234) => new Generator(seed);

describe('calculateFanInAndFanOut', () => {
  it('uses [out, in] for a 2-D weight', () => {
    expect(calculateFanInAndFanOut(nb.zeros([10, 20]))).toEqual({ fanIn: 20, fanOut: 10 });
  });

  it('multiplies both fans by the receptive field of a conv kernel', () => {
    expect(calculateFanInAndFanOut(nb.zeros([16, 6, 5, 5]))).toEqual({ fanIn: 150, fanOut: 400 });
    expect(calculateFanInAndFanOut(nb.zeros([8, 3, 7]))).toEqual({ fanIn: 21, fanOut: 56 });
  });

  it('rejects tensors with fewer than 2 dimensions', () => {
    expect(() => calculateFanInAndFanOut(nb.zeros([5]))).toThrow(nb.ShapeError);
    expect(() => calculateFanInAndFanOut(nb.zeros([5]))).toThrow(/fewer than 2 dimensions.*\[5\]/);
    expect(() => calculateFanInAndFanOut(nb.zeros([]))).toThrow(/fewer than 2 dimensions/);
  });
});

describe('calculateGain', () => {
  it('matches torch.nn.init.calculate_gain', () => {
    for (const name of ['linear', 'identity', 'none', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose2d', 'sigmoid'] as const) {
      expect(calculateGain(name)).toBe(1);
    }
    expect(calculateGain('tanh')).toBe(5 / 3);
    expect(calculateGain('relu')).toBe(Math.sqrt(2));
    expect(calculateGain('selu')).toBe(3 / 4);
    expect(calculateGain('leaky_relu')).toBe(Math.sqrt(2 / (1 + 0.01 ** 2)));
    expect(calculateGain('leaky_relu', 0.2)).toBe(Math.sqrt(2 / (1 + 0.04)));
    expect(calculateGain('leakyRelu', 0)).toBe(Math.sqrt(2));
    expect(calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 15);
  });

  it('rejects unknown nonlinearities and bad slopes', () => {
    expect(() => calculateGain('gelu' as never)).toThrow(/unsupported nonlinearity 'gelu'/);
    expect(() => calculateGain('leaky_relu', Number.NaN)).toThrow(TypeError);
  });
});

describe('constant_, zeros_, ones_', () => {
  it('fill in place and return the same tensor', () => {
    const t = nb.randn([3, 4], { generator: gen() });
    expect(constant_(t, 2.5)).toBe(t);
    expect([...t.data]).toEqual(new Array(12).fill(2.5));
    expect(zeros_(t)).toBe(t);
    expect([...t.data]).toEqual(new Array(12).fill(0));
    expect(ones_(t)).toBe(t);
    expect([...t.data]).toEqual(new Array(12).fill(1));
  });

  it('write storage without recording autodiff', () => {
    const w = nb.zeros([2, 3], { requiresGrad: true });
    constant_(w, 3);
    normal_(w, 0, 1, { generator: gen() });
    expect(w.isLeaf).toBe(true);
    expect(w.gradFn).toBeNull();
    expect(w.requiresGrad).toBe(true);
    w.sum().backward();
    expect([...w.grad!.data]).toEqual([1, 1, 1, 1, 1, 1]);
  });
});

describe('uniform_ and normal_', () => {
  it('uniform_(a, b) has mean (a+b)/2, variance (b-a)^2/12 and stays in [a, b)', () => {
    const t = uniform_(nb.zeros([1000, 1000]), -2, 3, { generator: gen() });
    expectMoments(t, 0.5, 25 / 12);
    const s = stats(t);
    expect(s.min).toBeGreaterThanOrEqual(-2);
    expect(s.max).toBeLessThanOrEqual(3);
  });

  it('uniform_ defaults to U(0, 1)', () => {
    const t = uniform_(nb.zeros([500, 800], { dtype: 'float64' }), undefined, undefined, { generator: gen() });
    expectMoments(t, 0.5, 1 / 12);
    expect(stats(t).min).toBeGreaterThanOrEqual(0);
    expect(stats(t).max).toBeLessThan(1);
  });

  it('normal_(mean, std) has the given moments', () => {
    const t = normal_(nb.zeros([1000, 1000]), 1.5, 2, { generator: gen() });
    expectMoments(t, 1.5, 4);
  });

  it('rejects bad arguments and integer tensors', () => {
    expect(() => uniform_(nb.zeros([2]), 1, 0)).toThrow(/a <= b/);
    expect(() => normal_(nb.zeros([2]), 0, -1)).toThrow(/non-negative/);
    expect(() => normal_(nb.zeros([2]), Number.NaN, 1)).toThrow(/finite/);
    expect(() => uniform_(nb.zeros([2], { dtype: 'int32' }))).toThrow(TypeError);
  });
});

describe('xavier (Glorot)', () => {
  it('xavierUniform_: variance gain^2 * 2 / (fanIn + fanOut), |w| <= gain * sqrt(6 / (fanIn + fanOut))', () => {
    const gain = 5 / 3;
    const t = xavierUniform_(nb.zeros([500, 800]), gain, { generator: gen() });
    expectMoments(t, 0, (gain * gain * 2) / 1300);
    expect(stats(t).maxAbs).toBeLessThanOrEqual(Math.fround(gain * Math.sqrt(6 / 1300)));
    expect(stats(t).maxAbs).toBeGreaterThan(0.99 * gain * Math.sqrt(6 / 1300));
  });

  it('xavierNormal_: std gain * sqrt(2 / (fanIn + fanOut))', () => {
    const t = xavierNormal_(nb.zeros([1000, 1000]), 1, { generator: gen() });
    expectMoments(t, 0, 2 / 2000);
  });

  it('uses the receptive field for conv kernels', () => {
    const t = xavierUniform_(nb.zeros([64, 32, 5, 5]), 1, { generator: gen() }); // fanIn 800, fanOut 1600
    expectMoments(t, 0, 2 / 2400);
    expect(stats(t).maxAbs).toBeLessThanOrEqual(Math.fround(Math.sqrt(6 / 2400)));
  });
});

describe('kaiming (He)', () => {
  it('kaimingNormal_ defaults to fan_in with the relu gain: variance 2 / fanIn', () => {
    const t = kaimingNormal_(nb.zeros([500, 800]), { generator: gen() });
    expectMoments(t, 0, 2 / 800);
  });

  it('kaimingNormal_ with fan_out and leaky_relu: variance gain^2 / fanOut', () => {
    const t = kaimingNormal_(nb.zeros([500, 800]), { mode: 'fan_out', nonlinearity: 'leaky_relu', a: 0.2, generator: gen() });
    expectMoments(t, 0, 2 / (1 + 0.04) / 500);
  });

  it('kaimingNormal_ on a conv kernel uses fanIn = inC * kh * kw', () => {
    const t = kaimingNormal_(nb.zeros([128, 64, 3, 3]), { nonlinearity: 'relu', generator: gen() });
    expectMoments(t, 0, 2 / 576);
  });

  it('kaimingUniform_: bound gain * sqrt(3 / fan), variance gain^2 / fan', () => {
    const t = kaimingUniform_(nb.zeros([1000, 1000]), { nonlinearity: 'relu', generator: gen() });
    const bound = Math.sqrt(2) * Math.sqrt(3 / 1000);
    expectMoments(t, 0, 2 / 1000);
    expect(stats(t).maxAbs).toBeLessThanOrEqual(Math.fround(bound));
    expect(stats(t).maxAbs).toBeGreaterThan(0.99 * bound);
  });

  it('kaimingUniform_ with tanh and fan_out', () => {
    const t = kaimingUniform_(nb.zeros([500, 800]), { nonlinearity: 'tanh', mode: 'fan_out', generator: gen() });
    expectMoments(t, 0, (25 / 9) / 500);
    expect(stats(t).maxAbs).toBeLessThanOrEqual(Math.fround((5 / 3) * Math.sqrt(3 / 500)));
  });

  it('rejects unknown modes and nonlinearities', () => {
    expect(() => kaimingUniform_(nb.zeros([2, 2]), { mode: 'fan_avg' as never })).toThrow(/mode must be 'fan_in' or 'fan_out', got 'fan_avg'/);
    expect(() => kaimingNormal_(nb.zeros([2, 2]), { nonlinearity: 'swish' as never })).toThrow(/unsupported nonlinearity 'swish'/);
    expect(() => kaimingNormal_(nb.zeros([4]))).toThrow(/fewer than 2 dimensions/);
  });
});

describe('pytorchLinearDefault_', () => {
  it('draws weight and bias from U(-1/sqrt(fanIn), 1/sqrt(fanIn))', () => {
    const weight = nb.zeros([500, 800]);
    const bias = nb.zeros([500]);
    const result = pytorchLinearDefault_(weight, bias, { generator: gen() });
    expect(result.weight).toBe(weight);
    expect(result.bias).toBe(bias);
    const bound = 1 / Math.sqrt(800);
    expectMoments(weight, 0, (bound * bound) / 3);
    expect(stats(weight).maxAbs).toBeLessThanOrEqual(Math.fround(bound));
    expect(stats(weight).maxAbs).toBeGreaterThan(0.99 * bound);
    expect(stats(bias).maxAbs).toBeLessThanOrEqual(Math.fround(bound));
    expect(stats(bias).maxAbs).toBeGreaterThan(0.9 * bound);
    expect(new Set(bias.data).size).toBe(500);
  });

  it('gives the weight the same samples as kaimingUniform_ with a = sqrt(5)', () => {
    const a = pytorchLinearDefault_(nb.zeros([30, 40], { dtype: 'float64' }), null, { generator: gen(7) }).weight;
    const b = kaimingUniform_(nb.zeros([30, 40], { dtype: 'float64' }), { a: Math.sqrt(5), generator: gen(7) });
    for (let i = 0; i < a.size; i++) expect(b.data[i]).toBeCloseTo(a.data[i], 14);
  });
});

describe('reproducibility', () => {
  const initializers: [string, (t: nb.Tensor, g: nb.Generator) => nb.Tensor][] = [
    ['uniform_', (t, g) => uniform_(t, -1, 1, { generator: g })],
    ['normal_', (t, g) => normal_(t, 0, 1, { generator: g })],
    ['xavierUniform_', (t, g) => xavierUniform_(t, 1, { generator: g })],
    ['xavierNormal_', (t, g) => xavierNormal_(t, 1, { generator: g })],
    ['kaimingUniform_', (t, g) => kaimingUniform_(t, { generator: g })],
    ['kaimingNormal_', (t, g) => kaimingNormal_(t, { generator: g })],
    ['pytorchLinearDefault_', (t, g) => pytorchLinearDefault_(t, null, { generator: g }).weight],
  ];
  for (const [name, init] of initializers) {
    it(`${name} is reproducible from a seed`, () => {
      const first = init(nb.zeros([20, 30]), gen(42));
      const second = init(nb.zeros([20, 30]), gen(42));
      const other = init(nb.zeros([20, 30]), gen(43));
      expect([...second.data]).toEqual([...first.data]);
      expect([...other.data]).not.toEqual([...first.data]);
    });
  }

  it('uses the default generator, seeded by manualSeed, when none is given', () => {
    nb.manualSeed(5);
    const first = xavierNormal_(nb.zeros([10, 10]));
    nb.manualSeed(5);
    const second = xavierNormal_(nb.zeros([10, 10]));
    expect([...second.data]).toEqual([...first.data]);
  });

  it('leaves zero-element tensors alone', () => {
    const t = new Tensor(new Float32Array(0), [0, 5]);
    expect(xavierUniform_(t)).toBe(t);
    expect(kaimingNormal_(t)).toBe(t);
  });
});

describe('initializeLinear', () => {
  const fresh = () => ({ weight: nb.full([400, 600], 9), bias: nb.full([400], 9) });

  it('knows every InitName and zeroes biases for all but pytorch', () => {
    expect([...INIT_NAMES].sort()).toEqual(
      ['constant', 'uniform', 'normal', 'xavier-uniform', 'xavier-normal', 'kaiming-uniform', 'kaiming-normal', 'pytorch'].sort(),
    );
    for (const name of INIT_NAMES) {
      const { weight, bias } = fresh();
      initializeLinear(weight, bias, name, { nonlinearity: 'relu', generator: gen() });
      if (name === 'pytorch') {
        expect(stats(bias).maxAbs).toBeLessThanOrEqual(Math.fround(1 / Math.sqrt(600)));
        expect(stats(bias).maxAbs).toBeGreaterThan(0);
      } else {
        expect(stats(bias).maxAbs).toBe(0);
      }
      expect(weight.data.every((v) => v === 9)).toBe(false);
    }
  });

  it('applies the gain of the following nonlinearity', () => {
    const { weight, bias } = fresh();
    initializeLinear(weight, bias, 'xavier-uniform', { nonlinearity: 'tanh', generator: gen() });
    expectMoments(weight, 0, ((25 / 9) * 2) / 1000);
    expect(stats(weight).maxAbs).toBeLessThanOrEqual(Math.fround((5 / 3) * Math.sqrt(6 / 1000)));

    initializeLinear(weight, bias, 'xavier-normal', { generator: gen() }); // default 'linear': gain 1
    expectMoments(weight, 0, 2 / 1000);

    initializeLinear(weight, bias, 'kaiming-normal', { nonlinearity: 'relu', generator: gen() });
    expectMoments(weight, 0, 2 / 600);

    initializeLinear(weight, bias, 'kaiming-uniform', { nonlinearity: 'leakyRelu', negativeSlope: 0.1, generator: gen() });
    expectMoments(weight, 0, 2 / (1 + 0.01) / 600);

    initializeLinear(weight, bias, 'kaiming-normal', { nonlinearity: 'linear', generator: gen() });
    expectMoments(weight, 0, 1 / 600);
  });

  it('uses the documented defaults for constant, uniform and normal', () => {
    const { weight, bias } = fresh();
    initializeLinear(weight, bias, 'constant', { value: 0.25 });
    expect(weight.data.every((v) => v === 0.25)).toBe(true);
    initializeLinear(weight, bias, 'constant');
    expect(weight.data.every((v) => v === 0)).toBe(true);
    initializeLinear(weight, bias, 'uniform', { generator: gen() });
    expectMoments(weight, 0, (0.1 * 0.1) / 12);
    initializeLinear(weight, bias, 'normal', { std: 0.02, generator: gen() });
    expectMoments(weight, 0, 0.02 * 0.02);
  });

  it('accepts a layer without bias and validates its arguments', () => {
    const weight = nb.zeros([3, 4]);
    initializeLinear(weight, null, 'pytorch', { generator: gen() });
    expect(stats(weight).maxAbs).toBeGreaterThan(0);
    expect(() => initializeLinear(weight, null, 'he' as InitName)).toThrow(/unknown initialization 'he'.*xavier-uniform/);
    expect(() => initializeLinear(weight, nb.zeros([4]), 'normal')).toThrow(/bias must have shape \[3\].*\[3, 4\].*got \[4\]/);
    expect(() => initializeLinear(weight, null, 'xavier-normal', { nonlinearity: 'softplus' as never })).toThrow(/unsupported nonlinearity/);
    expect(() => initializeLinear(nb.zeros([3]), null, 'normal')).toThrow(nb.ShapeError);
  });
});
