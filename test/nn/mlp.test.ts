import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

const { Generator, Linear, mlp } = nb;

const DEFAULT: nb.MlpConfig = { inputSize: 784, hiddenSizes: [40, 30, 20], outputSize: 10, activation: 'relu' };

const ACTIVATION_CLASS: Record<nb.ActivationName, string> = {
  sigmoid: 'Sigmoid',
  relu: 'ReLU',
  'leaky-relu': 'LeakyReLU',
  tanh: 'Tanh',
};

const maxAbs = (t: nb.Tensor) => Array.from(t.toTypedArray()).reduce((a, v) => Math.max(a, Math.abs(v)), 0);

describe('mlp structure', () => {
  it('the default 784-40-30-20-10 network is Linear/act x3 then a final Linear', () => {
    const net = mlp(DEFAULT);
    expect(net.layers.map((l) => l.constructor.name)).toEqual(['Linear', 'ReLU', 'Linear', 'ReLU', 'Linear', 'ReLU', 'Linear']);
    const linears = net.layers.filter((l): l is nb.Linear => l instanceof Linear);
    expect(linears.map((l) => [l.inFeatures, l.outFeatures])).toEqual([[784, 40], [40, 30], [30, 20], [20, 10]]);
    expect(linears.every((l) => l.bias !== null)).toBe(true);
  });

  it('has exactly 33,460 parameters (784*40+40 + 40*30+30 + 30*20+20 + 20*10+10)', () => {
    expect(784 * 40 + 40 + 40 * 30 + 30 + 30 * 20 + 20 + 20 * 10 + 10).toBe(33460);
    expect(mlp(DEFAULT).numParameters()).toBe(33460);
  });

  it('names parameters like a PyTorch nn.Sequential', () => {
    expect([...mlp(DEFAULT).namedParameters()].map(([n, p]) => `${n} [${p.shape.join(', ')}]`)).toEqual([
      '0.weight [40, 784]',
      '0.bias [40]',
      '2.weight [30, 40]',
      '2.bias [30]',
      '4.weight [20, 30]',
      '4.bias [20]',
      '6.weight [10, 20]',
      '6.bias [10]',
    ]);
  });

  for (const activation of nb.ACTIVATION_NAMES) {
    it(`activation '${activation}' puts a ${ACTIVATION_CLASS[activation]} after every hidden Linear and none after the last`, () => {
      const net = mlp({ inputSize: 5, hiddenSizes: [4, 3], outputSize: 2, activation });
      expect(net.layers.map((l) => l.constructor.name)).toEqual(['Linear', ACTIVATION_CLASS[activation], 'Linear', ACTIVATION_CLASS[activation], 'Linear']);
    });
  }

  it("'leaky-relu' uses PyTorch's default slope 0.01", () => {
    const net = mlp({ inputSize: 2, hiddenSizes: [2], outputSize: 1, activation: 'leaky-relu' });
    expect((net.at(1) as nb.LeakyReLU).negativeSlope).toBe(0.01);
  });

  it('no hidden layers gives a single Linear (logistic regression)', () => {
    const net = mlp({ inputSize: 784, hiddenSizes: [], outputSize: 10, activation: 'sigmoid' });
    expect(net.layers.map((l) => l.constructor.name)).toEqual(['Linear']);
    expect(net.numParameters()).toBe(7850);
  });

  it('the output is raw logits of shape [N, outputSize]', () => {
    const net = mlp({ inputSize: 6, hiddenSizes: [5], outputSize: 3, activation: 'sigmoid' }, { generator: new Generator(1) });
    const y = net.forward(nb.randn([4, 6], { generator: new Generator(2) }));
    expect([...y.shape]).toEqual([4, 3]);
    // Logits, not probabilities: rows do not sum to 1 and values may be negative.
    const rowSums = (y.sum(1).toArray() as number[]).map((s) => Math.abs(s - 1));
    expect(Math.max(...rowSums)).toBeGreaterThan(1e-3);
  });

  it('rejects sizes that are not positive integers, naming the position', () => {
    expect(() => mlp({ inputSize: 0, hiddenSizes: [3], outputSize: 2, activation: 'relu' })).toThrow(RangeError);
    expect(() => mlp({ inputSize: 4, hiddenSizes: [3, 2.5], outputSize: 2, activation: 'relu' })).toThrow(/2\.5.*position 2/);
    expect(() => mlp({ inputSize: 4, hiddenSizes: [3], outputSize: -1, activation: 'relu' })).toThrow(/-1/);
  });
});

describe('mlp parameter count for RGB NxN images', () => {
  /**
   * L weight layers with h units in each hidden layer (hiddenSizes = L - 1 copies of h): the first
   * layer has 3N^2 * h weights + h biases = (3N^2 + 1)h, each of the L - 2 hidden-to-hidden layers
   * h^2 + h, and the output layer hn + n.
   */
  const formula = (N: number, L: number, h: number, n: number) => (3 * N * N + 1) * h + (L - 2) * (h * h + h) + (h * n + n);

  const cases: [number, number, number, number][] = [
    [32, 3, 100, 10],
    [32, 2, 100, 10],
    [28, 4, 64, 10],
    [16, 5, 7, 3],
    [8, 6, 1, 1],
    [64, 3, 256, 100],
  ];

  for (const [N, L, h, n] of cases) {
    it(`N=${N}, L=${L}, h=${h}, n=${n}: (3N^2+1)h + (L-2)(h^2+h) + (hn+n) = ${formula(N, L, h, n)}`, () => {
      const net = mlp({ inputSize: 3 * N * N, hiddenSizes: Array<number>(L - 1).fill(h), outputSize: n, activation: 'relu' });
      expect(net.numParameters()).toBe(formula(N, L, h, n));
      expect(net.layers.filter((l) => l instanceof Linear)).toHaveLength(L);
    });
  }

  it('N=32, L=3, h=100, n=10 is 318,410 parameters (3072*100+100 + 100*100+100 + 100*10+10)', () => {
    expect(formula(32, 3, 100, 10)).toBe(3072 * 100 + 100 + 100 * 100 + 100 + 100 * 10 + 10);
    expect(mlp({ inputSize: 3072, hiddenSizes: [100, 100], outputSize: 10, activation: 'tanh' }).numParameters()).toBe(318410);
  });
});

describe('mlp initialization', () => {
  const linears = (net: nb.Sequential) => net.layers.filter((l): l is nb.Linear => l instanceof Linear);
  const isZero = (t: nb.Tensor) => Array.from(t.toTypedArray()).every((v) => v === 0);

  for (const init of nb.INIT_NAMES) {
    it(`init '${init}': biases are ${init === 'pytorch' ? 'random (not zero)' : 'zero'}`, () => {
      const net = mlp({ inputSize: 20, hiddenSizes: [16, 12], outputSize: 5, activation: 'tanh' }, { init, generator: new Generator(3) });
      for (const [i, layer] of linears(net).entries()) {
        expect(isZero(layer.bias!), `layer ${i} bias`).toBe(init !== 'pytorch');
      }
      if (init !== 'constant') {
        for (const layer of linears(net)) expect(new Set(layer.weight.toTypedArray()).size).toBeGreaterThan(1);
      }
    });
  }

  it("'pytorch' keeps weights and biases in [-1/sqrt(in), 1/sqrt(in)]", () => {
    const net = mlp(DEFAULT, { init: 'pytorch', generator: new Generator(4) });
    for (const layer of linears(net)) {
      const bound = 1 / Math.sqrt(layer.inFeatures);
      expect(maxAbs(layer.weight)).toBeLessThanOrEqual(bound);
      expect(maxAbs(layer.bias!)).toBeLessThanOrEqual(bound);
      expect(maxAbs(layer.bias!)).toBeGreaterThan(0);
    }
  });

  it("'kaiming-uniform' with relu uses bound sqrt(6/fanIn) on hidden layers and sqrt(3/fanIn) (gain 1) on the output layer", () => {
    const net = mlp({ inputSize: 400, hiddenSizes: [300, 200], outputSize: 100, activation: 'relu' }, { init: 'kaiming-uniform', generator: new Generator(5) });
    const layers = linears(net);
    for (const [i, layer] of layers.entries()) {
      const bound = Math.sqrt((i < layers.length - 1 ? 6 : 3) / layer.inFeatures);
      const m = maxAbs(layer.weight);
      // Tens of thousands of uniform samples reach within 1% of the bound.
      expect(m, `layer ${i}`).toBeLessThanOrEqual(bound * (1 + 1e-6));
      expect(m, `layer ${i}`).toBeGreaterThan(0.99 * bound);
    }
  });

  it("'xavier-uniform' with tanh uses bound (5/3) sqrt(6/(in+out)) on hidden layers", () => {
    const net = mlp({ inputSize: 300, hiddenSizes: [200], outputSize: 100, activation: 'tanh' }, { init: 'xavier-uniform', generator: new Generator(6) });
    const [hidden, out] = linears(net);
    const hb = (5 / 3) * Math.sqrt(6 / 500);
    expect(maxAbs(hidden.weight)).toBeLessThanOrEqual(hb * (1 + 1e-6));
    expect(maxAbs(hidden.weight)).toBeGreaterThan(0.99 * hb);
    const ob = Math.sqrt(6 / 300);
    expect(maxAbs(out.weight)).toBeLessThanOrEqual(ob * (1 + 1e-6));
    expect(maxAbs(out.weight)).toBeGreaterThan(0.99 * ob);
  });

  it('the same seeded generator gives identical weights; another seed gives different ones', () => {
    for (const init of nb.INIT_NAMES) {
      const a = mlp(DEFAULT, { init, generator: new Generator(42) }).stateDict();
      const b = mlp(DEFAULT, { init, generator: new Generator(42) }).stateDict();
      const c = mlp(DEFAULT, { init, generator: new Generator(43) }).stateDict();
      for (const name of Object.keys(a)) {
        expect(Array.from(a[name].toTypedArray()), `${init} ${name}`).toEqual(Array.from(b[name].toTypedArray()));
      }
      if (init !== 'constant') expect(Array.from(a['0.weight'].toTypedArray())).not.toEqual(Array.from(c['0.weight'].toTypedArray()));
    }
  });

  it('manualSeed makes the default generator reproducible', () => {
    nb.manualSeed(123);
    const a = mlp(DEFAULT).stateDict();
    nb.manualSeed(123);
    const b = mlp(DEFAULT).stateDict();
    const c = mlp(DEFAULT).stateDict();
    expect(Array.from(a['2.weight'].toTypedArray())).toEqual(Array.from(b['2.weight'].toTypedArray()));
    expect(Array.from(a['2.weight'].toTypedArray())).not.toEqual(Array.from(c['2.weight'].toTypedArray()));
  });
});
