import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

const randn = (shape: number[], seed: number) => nb.randn(shape, { dtype: 'float64', generator: new nb.Generator(seed) });

/** Reference reduction written independently: groups the elements of `x` by their index outside `axes`. */
function reduceRef(x: nb.Tensor, axis: number | number[] | undefined, keepDims: boolean, f: (v: number[]) => number) {
  const ndim = x.ndim;
  const axes = axis === undefined ? x.shape.map((_, i) => i) : (typeof axis === 'number' ? [axis] : axis).map((a) => (a < 0 ? a + ndim : a));
  const outShape: number[] = [];
  x.shape.forEach((d, i) => {
    if (!axes.includes(i)) outShape.push(d);
    else if (keepDims) outShape.push(1);
  });
  const keptDims = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const groups = new Map<number, number[]>();
  const values = x.toTypedArray();
  for (let flat = 0; flat < x.size; flat++) {
    let rest = flat;
    let key = 0;
    let mult = 1;
    for (let k = ndim - 1; k >= 0; k--) {
      const i = rest % x.shape[k];
      rest = Math.floor(rest / x.shape[k]);
      if (!axes.includes(k)) key += i * mult;
      mult *= keptDims[k];
    }
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(values[flat]);
  }
  const keys = [...groups.keys()].sort((p, q) => p - q);
  return { shape: outShape, values: keys.map((k) => f(groups.get(k)!)) };
}

const sumRef = (v: number[]) => v.reduce((s, x) => s + x, 0);
const meanRef = (v: number[]) => sumRef(v) / v.length;
const varRef = (unbiased: boolean) => (v: number[]) => {
  const m = meanRef(v);
  return v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - (unbiased ? 1 : 0));
};
const lseRef = (v: number[]) => {
  const m = Math.max(...v);
  return m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0));
};

const AXES: (number | number[] | undefined)[] = [undefined, 0, 1, 2, -1, -2, -3, [0, 1], [0, 2], [1, 2], [-1, 0], [0, 1, 2]];

interface ReduceCase {
  name: string;
  fn: (x: nb.Tensor, axis: number | number[] | undefined, keepDims: boolean) => nb.Tensor;
  ref: (v: number[]) => number;
}

const CASES: ReduceCase[] = [
  { name: 'sum', fn: (x, a, k) => x.sum(a, k), ref: sumRef },
  { name: 'mean', fn: (x, a, k) => x.mean(a, k), ref: meanRef },
  { name: 'amax', fn: (x, a, k) => x.amax(a, k), ref: (v) => Math.max(...v) },
  { name: 'amin', fn: (x, a, k) => x.amin(a, k), ref: (v) => Math.min(...v) },
  { name: 'logsumexp', fn: (x, a, k) => x.logsumexp(a, k), ref: lseRef },
  { name: 'var (unbiased)', fn: (x, a, k) => x.var(a, { keepDims: k }), ref: varRef(true) },
  { name: 'var (biased)', fn: (x, a, k) => x.var(a, { keepDims: k, unbiased: false }), ref: varRef(false) },
  { name: 'std', fn: (x, a, k) => x.std(a, { keepDims: k }), ref: (v) => Math.sqrt(varRef(true)(v)) },
];

describe.each(CASES)('$name', (c) => {
  const x = randn([2, 3, 4], 1);

  it('matches the reference over every axis, several axes, negative axes and all, with and without keepDims', () => {
    for (const axis of AXES) {
      for (const keepDims of [false, true]) {
        const out = c.fn(x, axis, keepDims);
        const ref = reduceRef(x, axis, keepDims, c.ref);
        expect(out.shape, `axis ${JSON.stringify(axis)} keepDims ${keepDims}`).toEqual(ref.shape);
        allclose(out.toTypedArray(), ref.values, 1e-12, 1e-10);
      }
    }
  });

  it('passes gradcheck for every axis choice', () => {
    for (const axis of AXES) {
      for (const keepDims of [false, true]) {
        expect(nb.gradcheck((t) => c.fn(t, axis, keepDims), [x])).toBe(true);
      }
    }
  });
});

describe('known values', () => {
  const m = nb.tensor([[1, 2, 3], [4, 5, 6]]);

  it('sum and mean along rows and columns', () => {
    expect(m.sum().item()).toBe(21);
    expect(m.sum().shape).toEqual([]);
    expect(m.sum(0).toArray()).toEqual([5, 7, 9]);
    expect(m.sum(1).toArray()).toEqual([6, 15]);
    expect(m.sum(1, true).toArray()).toEqual([[6], [15]]);
    expect(m.sum(-1).toArray()).toEqual([6, 15]);
    expect(m.sum([0, 1], true).toArray()).toEqual([[21]]);
    expect(m.mean(0).toArray()).toEqual([2.5, 3.5, 4.5]);
    expect(m.mean().item()).toBe(3.5);
  });

  it('max, min, argmax and argmin', () => {
    const t = nb.tensor([[3, 9, 1], [7, 2, 8]]);
    expect(t.max().item()).toBe(9);
    expect(t.max(0).values.toArray()).toEqual([7, 9, 8]);
    expect(t.min(1).values.toArray()).toEqual([1, 2]);
    expect(t.argmax().item()).toBe(1); // index in the flattened tensor
    expect(t.argmin().item()).toBe(2);
    expect(t.argmax(0).toArray()).toEqual([1, 0, 1]);
    expect(t.argmax(1).toArray()).toEqual([1, 2]);
    expect(t.argmin(-1).toArray()).toEqual([2, 1]);
    expect(t.argmax(1, true).toArray()).toEqual([[1], [2]]);
    expect(t.argmax(1).dtype).toBe('int32');
  });

  it('argmax / argmin return the first index among ties', () => {
    expect(nb.tensor([1, 5, 5, 0, 5]).argmax().item()).toBe(1);
    expect(nb.tensor([2, 0, 0]).argmin().item()).toBe(1);
  });

  it('argmax / argmin match a reference along every axis of a 3-D tensor', () => {
    const x = randn([3, 4, 5], 9);
    for (const axis of [0, 1, 2, -1]) {
      const argRef = (pick: (a: number, b: number) => boolean) => (v: number[]) =>
        v.reduce((best, value, i) => (pick(value, v[best]) ? i : best), 0);
      allclose(x.argmax(axis).toTypedArray(), reduceRef(x, axis, false, argRef((a, b) => a > b)).values, 0);
      allclose(x.argmin(axis).toTypedArray(), reduceRef(x, axis, false, argRef((a, b) => a < b)).values, 0);
    }
  });

  it('var is unbiased (n - 1) by default, biased (n) on request; std is its square root', () => {
    const v = nb.tensor([1, 2, 3, 4], { dtype: 'float64' });
    expect(v.var().item()).toBeCloseTo(5 / 3, 12);
    expect(v.var(undefined, { unbiased: false }).item()).toBeCloseTo(1.25, 12);
    expect(v.std().item()).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(v.std(0, { unbiased: false }).item()).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(nb.var(nb.tensor([[1, 3], [2, 6]]), 1).toArray()).toEqual([2, 8]);
    expect(nb.var(nb.tensor([[1, 3], [2, 6]]), 0, { keepDims: true }).toArray()).toEqual([[0.5, 4.5]]);
  });

  it('var rejects too few elements for the divisor', () => {
    expect(() => nb.tensor([1]).var()).toThrow(/var: need at least 2 element/);
    expect(nb.tensor([1]).var(undefined, { unbiased: false }).item()).toBe(0);
  });

  it('logsumexp of huge values is finite: logsumexp([1000, 1000]) = 1000 + ln 2', () => {
    const big = nb.tensor([1000, 1000], { dtype: 'float64' });
    expect(big.logsumexp().item()).toBeCloseTo(1000 + Math.LN2, 10);
    const f32 = nb.tensor([1000, 1000]).logsumexp().item();
    expect(Number.isFinite(f32)).toBe(true);
    expect(f32).toBeCloseTo(1000 + Math.LN2, 3);
    expect(nb.tensor([-1000, -1000], { dtype: 'float64' }).logsumexp().item()).toBeCloseTo(-1000 + Math.LN2, 10);
    const rows = nb.tensor([[1000, 0], [0, -1000]], { dtype: 'float64' }).logsumexp(1);
    allclose(rows, [1000, 0], 1e-12);
  });

  it('logsumexp of huge values has a finite softmax gradient', () => {
    const x = nb.tensor([1000, 1000, 999], { dtype: 'float64', requiresGrad: true });
    x.logsumexp().backward();
    const z = 2 + Math.exp(-1);
    allclose(x.grad!, [1 / z, 1 / z, Math.exp(-1) / z], 1e-14);
  });

  it('logsumexp of all -Infinity is -Infinity, not NaN', () => {
    expect(nb.tensor([-Infinity, -Infinity]).logsumexp().item()).toBe(-Infinity);
  });

  it('int32 sums stay int32; mean, var and logsumexp of int32 are float32', () => {
    const i = nb.tensor([1, 2, 4], { dtype: 'int32' });
    expect(i.sum().dtype).toBe('int32');
    expect(i.sum().item()).toBe(7);
    expect(i.max().item()).toBe(4);
    expect(i.mean().dtype).toBe('float32');
    expect(i.mean().item()).toBeCloseTo(7 / 3, 6);
    expect(i.var().dtype).toBe('float32');
    expect(i.logsumexp().dtype).toBe('float32');
  });

  it('empty tensors: sum is 0, max has no identity and refuses', () => {
    expect(nb.zeros([0]).sum().item()).toBe(0);
    expect(nb.zeros([2, 0]).sum(1).toArray()).toEqual([0, 0]);
    expect(() => nb.zeros([0, 3]).max(0)).toThrow(/max: cannot reduce over an empty dimension.*\[0, 3\]/);
    expect(() => nb.zeros([0]).mean()).toThrow(/mean: cannot average over an empty dimension/);
    expect(() => nb.zeros([0]).argmax()).toThrow(/argmax: the tensor is empty/);
  });

  it('rejects a repeated axis', () => {
    expect(() => m.sum([1, -1])).toThrow(/sum: repeated axis/);
  });
});

describe('reduction gradients', () => {
  it('sum broadcasts the upstream gradient back; mean divides it by the count', () => {
    const x = nb.tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    x.sum(1).backward(nb.tensor([10, 20]));
    expect(x.grad!.toArray()).toEqual([[10, 10, 10], [20, 20, 20]]);
    x.zeroGrad();
    x.mean(0, true).backward(nb.tensor([[3, 6, 9]]));
    expect(x.grad!.toArray()).toEqual([[1.5, 3, 4.5], [1.5, 3, 4.5]]);
  });

  it('amax sends the gradient to the maximum, split evenly between ties (and so does max without a dim)', () => {
    const x = nb.tensor([[1, 3, 3], [2, 2, 0]], { dtype: 'float64', requiresGrad: true });
    x.amax(1).sum().backward();
    expect(x.grad!.toArray()).toEqual([[0, 0.5, 0.5], [0.5, 0.5, 0]]);
    x.zeroGrad();
    x.max().backward();
    expect(x.grad!.toArray()).toEqual([[0, 0.5, 0.5], [0, 0, 0]]);
    const y = nb.tensor([4, 4, 4, 1], { dtype: 'float64', requiresGrad: true });
    y.max().backward();
    allclose(y.grad!, [1 / 3, 1 / 3, 1 / 3, 0], 1e-15);
  });

  it('amin sends the gradient to the minimum, split evenly between ties', () => {
    const x = nb.tensor([[1, 3, 1], [2, 5, 0]], { dtype: 'float64', requiresGrad: true });
    x.amin(1).backward(nb.tensor([2, 4], { dtype: 'float64' }));
    expect(x.grad!.toArray()).toEqual([[1, 0, 1], [0, 0, 4]]);
  });

  it('var gradient is 2 (x - mean) / (n - 1)', () => {
    const values = [1, 2, 4, 9];
    const x = nb.tensor(values, { dtype: 'float64', requiresGrad: true });
    x.var().backward();
    const mean = 4;
    allclose(x.grad!, values.map((v) => (2 * (v - mean)) / 3), 1e-14);
  });
});
