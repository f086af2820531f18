import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

const randn = (shape: number[], seed: number) => nb.randn(shape, { dtype: 'float64', generator: new nb.Generator(seed) });
const positive = (shape: number[], seed: number) => nb.rand(shape, { dtype: 'float64', low: 0.3, high: 3, generator: new nb.Generator(seed) });
/** Standard normal values pushed at least 0.05 away from 0 (the kink of abs/relu/leakyRelu). */
const awayFromZero = (shape: number[], seed: number) =>
  nb.tensor(Float64Array.from(randn(shape, seed).toTypedArray(), (v) => v + (v < 0 ? -0.05 : 0.05)), { shape });

const X = [-2.5, -1, -0.25, 0, 0.5, 1, 3];
const X_POSITIVE = [0.1, 0.5, 1, 2.5, 3];
const sigmoidRef = (v: number) => 1 / (1 + Math.exp(-v));

interface UnaryCase {
  name: string;
  fn: (x: nb.Tensor) => nb.Tensor;
  ref: (v: number) => number;
  /** derivative, for the explicit gradient check */
  d: (v: number) => number;
  domain: 'any' | 'positive' | 'nonzero';
}

const CASES: UnaryCase[] = [
  { name: 'neg', fn: nb.neg, ref: (v) => -v, d: () => -1, domain: 'any' },
  { name: 'abs', fn: nb.abs, ref: Math.abs, d: Math.sign, domain: 'nonzero' },
  { name: 'exp', fn: nb.exp, ref: Math.exp, d: Math.exp, domain: 'any' },
  { name: 'log', fn: nb.log, ref: Math.log, d: (v) => 1 / v, domain: 'positive' },
  { name: 'log1p', fn: nb.log1p, ref: Math.log1p, d: (v) => 1 / (1 + v), domain: 'positive' },
  { name: 'sqrt', fn: nb.sqrt, ref: Math.sqrt, d: (v) => 0.5 / Math.sqrt(v), domain: 'positive' },
  { name: 'square', fn: nb.square, ref: (v) => v * v, d: (v) => 2 * v, domain: 'any' },
  { name: 'reciprocal', fn: nb.reciprocal, ref: (v) => 1 / v, d: (v) => -1 / (v * v), domain: 'positive' },
  { name: 'sin', fn: nb.sin, ref: Math.sin, d: Math.cos, domain: 'any' },
  { name: 'cos', fn: nb.cos, ref: Math.cos, d: (v) => -Math.sin(v), domain: 'any' },
  { name: 'sigmoid', fn: nb.sigmoid, ref: sigmoidRef, d: (v) => sigmoidRef(v) * (1 - sigmoidRef(v)), domain: 'any' },
  { name: 'tanh', fn: nb.tanh, ref: Math.tanh, d: (v) => 1 - Math.tanh(v) ** 2, domain: 'any' },
  { name: 'relu', fn: nb.relu, ref: (v) => Math.max(0, v), d: (v) => (v > 0 ? 1 : 0), domain: 'nonzero' },
  { name: 'leakyRelu', fn: (x) => nb.leakyRelu(x), ref: (v) => (v > 0 ? v : 0.01 * v), d: (v) => (v > 0 ? 1 : 0.01), domain: 'nonzero' },
];

const inputFor = (c: UnaryCase, shape: number[], seed: number) =>
  c.domain === 'positive' ? positive(shape, seed) : c.domain === 'nonzero' ? awayFromZero(shape, seed) : randn(shape, seed);

describe.each(CASES)('$name', (c) => {
  it('matches the reference function elementwise and keeps the shape', () => {
    const values = c.domain === 'positive' ? X_POSITIVE : X;
    const x = nb.tensor(values, { dtype: 'float64' });
    const y = c.fn(x);
    expect(y.shape).toEqual([values.length]);
    expect(y.dtype).toBe('float64');
    allclose(y, values.map(c.ref), 1e-12, 1e-12);
    const m = nb.tensor([values.slice(0, 2), values.slice(2, 4)], { dtype: 'float64' });
    expect(c.fn(m).shape).toEqual([2, 2]);
  });

  it('backward gives the analytic derivative', () => {
    const x = inputFor(c, [7], 1);
    x.requiresGrad_();
    c.fn(x).sum().backward();
    allclose(x.grad!, Array.from(x.toTypedArray(), c.d), 1e-12, 1e-10);
  });

  it('passes gradcheck on random input of several shapes', () => {
    for (const [i, shape] of [[3], [2, 3], [2, 1, 4], []].entries()) {
      expect(nb.gradcheck(c.fn, [inputFor(c, shape, 10 + i)])).toBe(true);
    }
  });

  it('accepts float32 input', () => {
    const x = nb.tensor([0.5, 1.5]);
    const y = c.fn(x);
    expect(y.dtype).toBe('float32');
    allclose(y, [0.5, 1.5].map(c.ref), 1e-6, 1e-6);
  });
});

describe('activation derivatives, explicitly', () => {
  const xs = [-6, -2, -0.5, 0.3, 1, 4];

  it("sigmoid'(x) = s(1 - s)", () => {
    const x = nb.tensor(xs, { dtype: 'float64', requiresGrad: true });
    const s = x.sigmoid();
    s.sum().backward();
    const sv = xs.map((v) => 1 / (1 + Math.exp(-v)));
    allclose(s, sv, 1e-14);
    allclose(x.grad!, sv.map((v) => v * (1 - v)), 1e-14);
  });

  it("tanh'(x) = 1 - tanh(x)^2", () => {
    const x = nb.tensor(xs, { dtype: 'float64', requiresGrad: true });
    x.tanh().sum().backward();
    allclose(x.grad!, xs.map((v) => 1 - Math.tanh(v) ** 2), 1e-14);
  });

  it('relu passes the gradient for x > 0 and blocks it for x <= 0 (0 at x = 0)', () => {
    const x = nb.tensor([-1, 0, 2], { requiresGrad: true });
    const y = x.relu();
    expect(y.toArray()).toEqual([0, 0, 2]);
    y.backward(nb.tensor([5, 6, 7]));
    expect(x.grad!.toArray()).toEqual([0, 0, 7]);
  });

  it('leaky ReLU has slope alpha for x < 0 and 1 for x > 0', () => {
    const alpha = 0.2;
    const x = nb.tensor([-3, -0.5, 0.5, 2], { dtype: 'float64', requiresGrad: true });
    const y = x.leakyRelu(alpha);
    allclose(y, [-0.6, -0.1, 0.5, 2], 1e-15);
    y.backward(nb.tensor([1, 2, 3, 4], { dtype: 'float64' }));
    allclose(x.grad!, [alpha * 1, alpha * 2, 3, 4], 1e-15);
    expect(nb.gradcheck((t) => t.leakyRelu(alpha), [awayFromZero([3, 4], 3)])).toBe(true);
  });

  it('leaky ReLU defaults to alpha = 0.01', () => {
    const x = nb.tensor([-2, 2], { dtype: 'float64', requiresGrad: true });
    const y = nb.leakyRelu(x);
    allclose(y, [-0.02, 2], 1e-15);
    y.sum().backward();
    allclose(x.grad!, [0.01, 1], 1e-15);
  });

  it('sigmoid and tanh saturate without NaN for huge inputs', () => {
    const x = nb.tensor([-1000, 1000], { requiresGrad: true });
    expect(x.sigmoid().toArray()).toEqual([0, 1]);
    expect(x.tanh().toArray()).toEqual([-1, 1]);
    x.sigmoid().sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 0]);
  });
});

describe('dtype rules', () => {
  const i = nb.tensor([-2, 3], { dtype: 'int32' });

  it('neg, abs, square and relu keep int32', () => {
    expect(i.neg().dtype).toBe('int32');
    expect(i.neg().toArray()).toEqual([2, -3]);
    expect(i.abs().toArray()).toEqual([2, 3]);
    expect(i.square().toArray()).toEqual([4, 9]);
    expect(i.relu().toArray()).toEqual([0, 3]);
    expect(i.relu().dtype).toBe('int32');
  });

  it('exp, log, sqrt, sigmoid, ... of int32 produce float32', () => {
    for (const fn of [nb.exp, nb.sqrt, nb.sigmoid, nb.tanh, nb.sin, nb.reciprocal]) expect(fn(i).dtype).toBe('float32');
    allclose(nb.exp(nb.tensor([0, 1], { dtype: 'int32' })), [1, Math.E]);
  });
});

describe('piecewise-constant ops: sign, floor, ceil, round', () => {
  const x = nb.tensor([-1.5, -0.2, 0, 0.7, 2.5], { dtype: 'float64', requiresGrad: true });

  it('compute the expected values', () => {
    expect(x.sign().toArray()).toEqual([-1, -1, 0, 1, 1]);
    expect(x.floor().toArray()).toEqual([-2, -1, 0, 0, 2]);
    expect(x.ceil().toArray()).toEqual([-1, -0, 0, 1, 3]);
    expect(nb.round(nb.tensor([-1.4, 0.2, 0.6, 2.4], { dtype: 'float64' })).toArray()).toEqual([-1, 0, 1, 2]);
  });

  it('are not recorded for autodiff (zero derivative almost everywhere)', () => {
    for (const fn of [nb.sign, nb.floor, nb.ceil, nb.round]) {
      const y = fn(x);
      expect(y.gradFn).toBeNull();
      expect(y.requiresGrad).toBe(false);
    }
  });
});
