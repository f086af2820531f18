import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

const { Generator, Linear, Sequential, Sigmoid, Tanh, ReLU, LeakyReLU, Softmax, LogSoftmax, Flatten, Identity } = nb;

/** Row-major values of a tensor as plain numbers. */
const values = (t: nb.Tensor) => Array.from(t.toTypedArray());

/** y[r][o] = sum_i x[r][i] * W[o][i] + b[o], by hand in float64. */
function linearByHand(x: nb.Tensor, w: nb.Tensor, b: nb.Tensor | null): number[][] {
  const [rows, inF] = x.shape;
  const outF = w.shape[0];
  const xs = values(x);
  const ws = values(w);
  const bs = b ? values(b) : null;
  return Array.from({ length: rows }, (_, r) =>
    Array.from({ length: outF }, (_, o) => {
      let s = bs ? bs[o] : 0;
      for (let i = 0; i < inF; i++) s += xs[r * inF + i] * ws[o * inF + i];
      return s;
    }),
  );
}

describe('Linear', () => {
  it('stores weight [out, in] and bias [out] as parameters named weight and bias', () => {
    const layer = new Linear(5, 3);
    expect([...layer.weight.shape]).toEqual([3, 5]);
    expect([...layer.bias!.shape]).toEqual([3]);
    expect(layer.inFeatures).toBe(5);
    expect(layer.outFeatures).toBe(3);
    expect([...layer.namedParameters()].map(([n]) => n)).toEqual(['weight', 'bias']);
    expect(layer.weight.dtype).toBe('float32');
    expect(layer.weight.requiresGrad && layer.bias!.requiresGrad).toBe(true);
  });

  it('bias: false has no bias parameter', () => {
    const layer = new Linear(4, 2, { bias: false });
    expect(layer.bias).toBeNull();
    expect([...layer.namedParameters()].map(([n]) => n)).toEqual(['weight']);
  });

  it('dtype option gives float64 parameters', () => {
    const layer = new Linear(4, 2, { dtype: 'float64' });
    expect(layer.weight.dtype).toBe('float64');
    expect(layer.bias!.dtype).toBe('float64');
  });

  it('initializes like PyTorch: weight and bias in [-1/sqrt(in), 1/sqrt(in)]', () => {
    for (const [inF, outF] of [[1, 7], [3, 5], [100, 20], [784, 40]]) {
      const layer = new Linear(inF, outF, { generator: new Generator(inF) });
      const bound = 1 / Math.sqrt(inF);
      const w = values(layer.weight);
      const b = values(layer.bias!);
      expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...b.map(Math.abs))).toBeLessThanOrEqual(bound);
      // Not all zero, not constant.
      expect(new Set(w).size).toBeGreaterThan(1);
    }
  });

  it('on a big layer the weights have mean ~0 and variance ~bound^2/3 (uniform), using the full range', () => {
    const inF = 400;
    const layer = new Linear(inF, 500, { generator: new Generator(7) });
    const bound = 1 / Math.sqrt(inF);
    const w = values(layer.weight);
    const n = w.length;
    const mean = w.reduce((a, v) => a + v, 0) / n;
    const variance = w.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
    const expected = bound ** 2 / 3;
    expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(expected / n));
    // The sample variance of U(-b, b) has standard deviation b^2 * sqrt(4/45 / n).
    expect(Math.abs(variance - expected)).toBeLessThan(5 * bound ** 2 * Math.sqrt(4 / 45 / n));
    const max = w.reduce((a, v) => Math.max(a, v), -Infinity);
    const min = w.reduce((a, v) => Math.min(a, v), Infinity);
    expect(max).toBeGreaterThan(0.99 * bound);
    expect(min).toBeLessThan(-0.99 * bound);
  });

  it('the same generator seed gives the same weights; different seeds differ', () => {
    const a = new Linear(6, 4, { generator: new Generator(11) });
    const b = new Linear(6, 4, { generator: new Generator(11) });
    const c = new Linear(6, 4, { generator: new Generator(12) });
    expect(values(a.weight)).toEqual(values(b.weight));
    expect(values(a.bias!)).toEqual(values(b.bias!));
    expect(values(a.weight)).not.toEqual(values(c.weight));
  });

  it('forward computes x W^T + b', () => {
    const layer = new Linear(4, 3, { generator: new Generator(1) });
    const x = nb.tensor([[1, 2, 3, 4], [-1, 0.5, 0, 2], [0.25, -3, 1, -1]]);
    const y = layer.forward(x);
    expect([...y.shape]).toEqual([3, 3]);
    allclose(y, linearByHand(x, layer.weight, layer.bias), 1e-5, 1e-5);
  });

  it('forward without bias computes x W^T, with a known weight', () => {
    const layer = new Linear(2, 3, { bias: false });
    layer.weight.data.set([1, 2, 3, 4, 5, 6]); // rows: [1, 2], [3, 4], [5, 6]
    allclose(layer.forward(nb.tensor([[1, 1], [2, -1]])), [[3, 7, 11], [0, 2, 4]], 0, 0);
  });

  it('forward applies to the last dimension of a batched 3-D input', () => {
    const layer = new Linear(3, 2, { generator: new Generator(2) });
    const x = nb.randn([2, 4, 3], { generator: new Generator(3) });
    const y = layer.forward(x);
    expect([...y.shape]).toEqual([2, 4, 2]);
    allclose(y.reshape([8, 2]), linearByHand(x.reshape([8, 3]), layer.weight, layer.bias), 1e-5, 1e-5);
  });

  it('rejects an input whose last dimension is not inFeatures', () => {
    const layer = new Linear(4, 2);
    expect(() => layer.forward(nb.zeros([3, 5]))).toThrow(nb.ShapeError);
    expect(() => layer.forward(nb.zeros([3, 5]))).toThrow(/4/);
  });

  it('gradients of forward match finite differences (gradcheck, float64)', () => {
    const g = new Generator(5);
    const layer = new Linear(4, 3, { dtype: 'float64', generator: g });
    const x = nb.randn([5, 4], { dtype: 'float64', generator: g });
    expect(nb.gradcheck((x, w, b) => nb.linear(x, w, b), [x, layer.weight, layer.bias!])).toBe(true);
    expect(nb.gradcheck((x, w) => nb.linear(x, w), [x, layer.weight])).toBe(true);
  });

  it('gradients of the fused Linear + activation kernels match finite differences', () => {
    const g = new Generator(6);
    const layer = new Linear(4, 3, { dtype: 'float64', generator: g });
    // Keep pre-activations away from the relu kink.
    const x = nb.randn([6, 4], { dtype: 'float64', generator: g });
    for (const [activation, alpha] of [['sigmoid', 0], ['tanh', 0], ['relu', 0], ['leakyRelu', 0.2]] as const) {
      expect(
        nb.gradcheck((x, w, b) => nb.linear(x, w, b, { activation, alpha }), [x, layer.weight, layer.bias!]),
        activation,
      ).toBe(true);
    }
  });

  it('gradients w.r.t. its own parameters after backward equal the closed forms dW = g^T x, db = sum g', () => {
    const layer = new Linear(3, 2, { dtype: 'float64', generator: new Generator(8) });
    const x = nb.tensor([[1, 2, 3], [-1, 0, 2]], { dtype: 'float64', requiresGrad: true });
    const y = layer.forward(x);
    // L = sum(y * c) so dL/dy = c.
    const c = nb.tensor([[1, -2], [0.5, 3]], { dtype: 'float64' });
    y.mul(c).sum().backward();
    allclose(layer.weight.grad!, [[1 * 1 + 0.5 * -1, 1 * 2 + 0.5 * 0, 1 * 3 + 0.5 * 2], [-2 * 1 + 3 * -1, -2 * 2 + 3 * 0, -2 * 3 + 3 * 2]], 1e-12);
    allclose(layer.bias!.grad!, [1.5, 1], 1e-12);
    const w = values(layer.weight);
    // dx = c W
    allclose(x.grad!, [
      [1 * w[0] - 2 * w[3], 1 * w[1] - 2 * w[4], 1 * w[2] - 2 * w[5]],
      [0.5 * w[0] + 3 * w[3], 0.5 * w[1] + 3 * w[4], 0.5 * w[2] + 3 * w[5]],
    ], 1e-12);
  });

  it('rejects sizes that are not positive integers', () => {
    for (const [i, o] of [[0, 3], [3, 0], [-1, 2], [2.5, 3], [3, 1.5], [NaN, 2], [Infinity, 2]]) {
      expect(() => new Linear(i, o), `${i}, ${o}`).toThrow(RangeError);
    }
    expect(() => new Linear(0, 3)).toThrow(/inFeatures.*0/);
    expect(() => new Linear(3, -2)).toThrow(/outFeatures.*-2/);
  });
});

/** Activations as functions of a float64 number, and their derivatives, written independently. */
const REFERENCE = {
  sigmoid: { f: (v: number) => 1 / (1 + Math.exp(-v)), d: (v: number) => { const s = 1 / (1 + Math.exp(-v)); return s * (1 - s); } },
  tanh: { f: Math.tanh, d: (v: number) => 1 - Math.tanh(v) ** 2 },
  relu: { f: (v: number) => Math.max(0, v), d: (v: number) => (v > 0 ? 1 : 0) },
  leaky02: { f: (v: number) => (v > 0 ? v : 0.2 * v), d: (v: number) => (v > 0 ? 1 : 0.2) },
};

const MODULES: [keyof typeof REFERENCE, () => nb.Module][] = [
  ['sigmoid', () => new Sigmoid()],
  ['tanh', () => new Tanh()],
  ['relu', () => new ReLU()],
  ['leaky02', () => new LeakyReLU(0.2)],
];

describe('activation modules', () => {
  const points = [-3, -1.25, -0.5, -0.01, 0.01, 0.3, 1, 2.5, 4];

  for (const [name, make] of MODULES) {
    it(`${name}: values and derivatives match the closed forms`, () => {
      const x = nb.tensor(points, { dtype: 'float64', requiresGrad: true });
      const y = make().forward(x);
      allclose(y, points.map(REFERENCE[name].f), 1e-12, 1e-12);
      y.sum().backward();
      allclose(x.grad!, points.map(REFERENCE[name].d), 1e-12, 1e-12);
    });
  }

  it('LeakyReLU defaults to slope 0.01', () => {
    const x = nb.tensor([-2, 3], { requiresGrad: true });
    const y = new LeakyReLU().forward(x);
    allclose(y, [-0.02, 3], 1e-7);
    y.sum().backward();
    allclose(x.grad!, [0.01, 1], 1e-7);
  });

  it('Softmax: rows are exp(x)/sum(exp(x)) over the chosen dim', () => {
    const rows = [[1, 2, 3], [-1, 0, 5]];
    const x = nb.tensor(rows, { dtype: 'float64' });
    const byHand = rows.map((r) => { const e = r.map(Math.exp); const s = e.reduce((a, b) => a + b); return e.map((v) => v / s); });
    allclose(new Softmax().forward(x), byHand, 1e-12);
    allclose(new Softmax(1).forward(x), byHand, 1e-12);
    // dim 0: columns sum to 1
    const cols = [0, 1, 2].map((j) => { const e = rows.map((r) => Math.exp(r[j])); const s = e[0] + e[1]; return e.map((v) => v / s); });
    allclose(new Softmax(0).forward(x), [[cols[0][0], cols[1][0], cols[2][0]], [cols[0][1], cols[1][1], cols[2][1]]], 1e-12);
  });

  it('LogSoftmax: x - log(sum(exp(x))), stable for large inputs', () => {
    const rows = [[1, 2, 3], [1000, 1001, 1002]];
    const x = nb.tensor(rows, { dtype: 'float64' });
    const lse = (r: number[]) => { const m = Math.max(...r); return m + Math.log(r.reduce((a, v) => a + Math.exp(v - m), 0)); };
    const byHand = rows.map((r) => r.map((v) => v - lse(r)));
    allclose(new LogSoftmax().forward(x), byHand, 1e-9);
    allclose(new LogSoftmax(1).forward(x), byHand, 1e-9);
  });

  it('Softmax and LogSoftmax gradients match finite differences', () => {
    const x = nb.randn([3, 4], { dtype: 'float64', generator: new Generator(9) });
    expect(nb.gradcheck((t) => new Softmax(1).forward(t), [x])).toBe(true);
    expect(nb.gradcheck((t) => new LogSoftmax(0).forward(t), [x])).toBe(true);
  });

  it('Flatten: all but the batch dimension by default, or startDim..endDim, keeping row-major order', () => {
    const x = nb.arange(120).reshape([2, 3, 4, 5]);
    const flat = new Flatten().forward(x);
    expect([...flat.shape]).toEqual([2, 60]);
    expect(values(flat)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    expect([...new Flatten(0).forward(x).shape]).toEqual([120]);
    expect([...new Flatten(1, 2).forward(x).shape]).toEqual([2, 12, 5]);
    expect([...new Flatten(2).forward(x).shape]).toEqual([2, 3, 20]);
  });

  it('Identity returns its input unchanged and passes gradients through', () => {
    const x = nb.tensor([1, -2, 3], { requiresGrad: true });
    const y = new Identity().forward(x);
    expect(values(y)).toEqual([1, -2, 3]);
    y.mul(nb.tensor([2, 3, 4])).sum().backward();
    expect(values(x.grad!)).toEqual([2, 3, 4]);
  });

  it('parameter-free modules have no parameters', () => {
    for (const m of [new Sigmoid(), new Tanh(), new ReLU(), new LeakyReLU(), new Softmax(), new LogSoftmax(), new Flatten(), new Identity()]) {
      expect(m.numParameters(), m.constructor.name).toBe(0);
    }
  });
});

describe('Sequential', () => {
  it('names parameters by layer index', () => {
    const seq = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2));
    expect([...seq.namedParameters()].map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(seq.length).toBe(3);
    expect(seq.at(1)).toBeInstanceOf(ReLU);
    expect(seq.at(-1)).toBeInstanceOf(Linear);
  });

  it('an empty Sequential is the identity', () => {
    const x = nb.tensor([[1, 2]]);
    expect(values(new Sequential().forward(x))).toEqual([1, 2]);
  });

  /**
   * Sequential fuses Linear + elementwise activation into one kernel; the result must equal the
   * unfused computation: each layer's forward applied in turn, then the same backward.
   */
  const ACTIVATIONS: [string, () => nb.Module][] = [
    ['Sigmoid', () => new Sigmoid()],
    ['Tanh', () => new Tanh()],
    ['ReLU', () => new ReLU()],
    ['LeakyReLU(0.2)', () => new LeakyReLU(0.2)],
    ['LeakyReLU(0)', () => new LeakyReLU(0)],
    ['LeakyReLU(-0.5)', () => new LeakyReLU(-0.5)],
    ['LeakyReLU(1.5)', () => new LeakyReLU(1.5)],
  ];

  for (const dtype of ['float64', 'float32'] as const) {
    for (const [name, makeActivation] of ACTIVATIONS) {
      it(`Linear -> ${name} -> Linear (${dtype}): same outputs and gradients as applying the layers one by one`, () => {
        const g = new Generator(21);
        const seq = new Sequential(new Linear(5, 6, { dtype, generator: g }), makeActivation(), new Linear(6, 3, { dtype, generator: g }));
        const xData = nb.randn([7, 5], { dtype, generator: new Generator(22) });
        const tol = dtype === 'float64' ? 1e-12 : 1e-5;

        // Fused path.
        const x1 = xData.clone().requiresGrad_(true);
        const y1 = seq.forward(x1);
        const c = nb.randn([7, 3], { dtype, generator: new Generator(23) });
        y1.mul(c).sum().backward();
        const fusedGrads = seq.parameters().map((p) => p.grad!.clone());
        const fusedInputGrad = x1.grad!.clone();
        seq.zeroGrad();

        // Manual path: one layer at a time, never two layers in one call.
        const x2 = xData.clone().requiresGrad_(true);
        let h: nb.Tensor = x2;
        for (const layer of seq.layers) h = layer.forward(h);
        allclose(y1, h, tol, tol);
        h.mul(c).sum().backward();
        seq.parameters().forEach((p, i) => allclose(fusedGrads[i], p.grad!, tol, tol));
        allclose(fusedInputGrad, x2.grad!, tol, tol);

        // And against the closed form of the activation, computed by hand in float64.
        const [l0, act, l2] = seq.layers as [nb.Linear, nb.Module, nb.Linear];
        const ref =
          act instanceof LeakyReLU
            ? (v: number) => (v > 0 ? v : act.negativeSlope * v)
            : { Sigmoid: REFERENCE.sigmoid.f, Tanh: REFERENCE.tanh.f, ReLU: REFERENCE.relu.f }[act.constructor.name as 'Sigmoid']!;
        const hidden = linearByHand(xData, l0.weight, l0.bias).map((r) => r.map(ref));
        const hiddenT = nb.tensor(hidden, { dtype });
        allclose(y1, linearByHand(hiddenT, l2.weight, l2.bias), tol * 10, tol * 10);
      });
    }
  }

  it('fuses only Linear directly followed by an activation: Flatten and Softmax layers still apply', () => {
    const g = new Generator(30);
    const seq = new Sequential(new Flatten(), new Linear(6, 4, { generator: g, dtype: 'float64' }), new Tanh(), new Linear(4, 3, { generator: g, dtype: 'float64' }), new Softmax(1));
    const x = nb.randn([2, 2, 3], { dtype: 'float64', generator: new Generator(31) });
    const y = seq.forward(x);
    expect([...y.shape]).toEqual([2, 3]);
    const l1 = seq.at(1) as nb.Linear;
    const l3 = seq.at(3) as nb.Linear;
    const h = linearByHand(x.reshape([2, 6]), l1.weight, l1.bias).map((r) => r.map(Math.tanh));
    const logits = linearByHand(nb.tensor(h, { dtype: 'float64' }), l3.weight, l3.bias);
    const probs = logits.map((r) => { const e = r.map(Math.exp); const s = e.reduce((a, b) => a + b); return e.map((v) => v / s); });
    allclose(y, probs, 1e-12);
  });

  it('two activations in a row after a Linear are both applied', () => {
    const layer = new Linear(2, 2, { dtype: 'float64' });
    layer.weight.data.set([1, 0, 0, 1]);
    layer.bias!.data.set([0, 0]);
    const seq = new Sequential(layer, new ReLU(), new Sigmoid());
    const y = seq.forward(nb.tensor([[-1, 2]], { dtype: 'float64' }));
    allclose(y, [[0.5, 1 / (1 + Math.exp(-2))]], 1e-12);
  });
});
