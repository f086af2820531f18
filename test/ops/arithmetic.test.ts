import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

const randn = (shape: number[], seed: number) => nb.randn(shape, { dtype: 'float64', generator: new nb.Generator(seed) });
const positive = (shape: number[], seed: number) => nb.rand(shape, { dtype: 'float64', low: 0.5, high: 2, generator: new nb.Generator(seed) });
/** Values on a grid of step 0.5 shifted by `offset`: two grids with different offsets never come closer than the offset difference. */
const gridded = (shape: number[], seed: number, offset: number) =>
  nb.tensor(Float64Array.from(randn(shape, seed).toTypedArray(), (v) => Math.round(v * 2) / 2 + offset), { shape });

/** Reference NumPy broadcasting, written independently of the library. */
function broadcastRef(a: nb.Tensor, b: nb.Tensor, f: (x: number, y: number) => number): { shape: number[]; values: number[] } {
  const ndim = Math.max(a.ndim, b.ndim);
  const pad = (s: readonly number[]) => [...Array(ndim - s.length).fill(1), ...s];
  const as = pad(a.shape);
  const bs = pad(b.shape);
  const shape = as.map((d, i) => Math.max(d, bs[i]));
  const av = a.toTypedArray();
  const bv = b.toTypedArray();
  const flatIndex = (idx: number[], s: number[]) => idx.reduce((acc, i, k) => acc * s[k] + (s[k] === 1 ? 0 : i), 0);
  const total = shape.reduce((p, d) => p * d, 1);
  const values: number[] = [];
  for (let n = 0; n < total; n++) {
    const idx: number[] = [];
    let rest = n;
    for (let k = ndim - 1; k >= 0; k--) {
      idx.unshift(rest % shape[k]);
      rest = Math.floor(rest / shape[k]);
    }
    values.push(f(av[flatIndex(idx, as)], bv[flatIndex(idx, bs)]));
  }
  return { shape, values };
}

function expectBroadcast(out: nb.Tensor, a: nb.Tensor, b: nb.Tensor, f: (x: number, y: number) => number, atol = 1e-12) {
  const ref = broadcastRef(a, b, f);
  expect(out.shape).toEqual(ref.shape);
  allclose(out.toTypedArray(), ref.values, atol, 1e-10);
}

const BROADCAST_CASES: [number[], number[]][] = [
  [[2, 3], [2, 3]],
  [[3, 1], [4]],
  [[2, 3, 4], [3, 1]],
  [[4], []],
  [[1, 3], [2, 1]],
  [[2, 1, 3], [4, 1]],
];

/** Random broadcast-compatible shape pairs: b takes a suffix of a's shape with some dimensions set to 1. */
function randomShapePairs(count: number, seed: number): [number[], number[]][] {
  const g = new nb.Generator(seed);
  const pairs: [number[], number[]][] = [];
  for (let i = 0; i < count; i++) {
    const a = Array.from({ length: g.integer(1, 4) }, () => g.integer(1, 5));
    const b = a.slice(g.integer(0, a.length)).map((d) => (g.uniform() < 0.4 ? 1 : d));
    pairs.push(g.uniform() < 0.5 ? [a, b] : [b, a]);
  }
  return pairs;
}

describe('add / sub / mul / div: known values', () => {
  const a = nb.tensor([[1], [2], [3]]); // [3, 1]
  const b = nb.tensor([10, 20, 30, 40]); // [4]

  it('add broadcasts [3,1] with [4] to [3,4]', () => {
    const out = nb.add(a, b);
    expect(out.shape).toEqual([3, 4]);
    expect(out.toArray()).toEqual([[11, 21, 31, 41], [12, 22, 32, 42], [13, 23, 33, 43]]);
  });

  it('sub, mul and div broadcast the same way', () => {
    expect(nb.sub(a, b).toArray()).toEqual([[-9, -19, -29, -39], [-8, -18, -28, -38], [-7, -17, -27, -37]]);
    expect(nb.mul(a, b).toArray()).toEqual([[10, 20, 30, 40], [20, 40, 60, 80], [30, 60, 90, 120]]);
    allclose(nb.div(b, a), [[10, 20, 30, 40], [5, 10, 15, 20], [10 / 3, 20 / 3, 10, 40 / 3]]);
  });

  it('match a reference broadcasting implementation on many shape pairs', () => {
    const ops: [(x: nb.Tensor, y: nb.Tensor) => nb.Tensor, (x: number, y: number) => number][] = [
      [nb.add, (x, y) => x + y],
      [nb.sub, (x, y) => x - y],
      [nb.mul, (x, y) => x * y],
      [nb.div, (x, y) => x / y],
    ];
    [...BROADCAST_CASES, ...randomShapePairs(6, 1)].forEach(([sa, sb], i) => {
      const x = randn(sa, 100 + i);
      const y = positive(sb, 200 + i);
      for (const [op, f] of ops) {
        expectBroadcast(op(x, y), x, y, f);
        expectBroadcast(op(y, x), y, x, f);
      }
    });
  });

  it('accept plain numbers on either side', () => {
    const x = nb.tensor([1, 2, 4]);
    expect(x.add(1).toArray()).toEqual([2, 3, 5]);
    expect(nb.add(1, x).toArray()).toEqual([2, 3, 5]);
    expect(nb.sub(10, x).toArray()).toEqual([9, 8, 6]);
    expect(x.sub(1).toArray()).toEqual([0, 1, 3]);
    expect(x.mul(-2).toArray()).toEqual([-2, -4, -8]);
    expect(nb.div(1, x).toArray()).toEqual([1, 0.5, 0.25]);
    expect(x.div(4).toArray()).toEqual([0.25, 0.5, 1]);
  });

  it('follow int32 < float32 < float64 type promotion; division always gives floats', () => {
    const i = nb.tensor([1, 2], { dtype: 'int32' });
    const f = nb.tensor([1, 2]);
    const d = nb.tensor([1, 2], { dtype: 'float64' });
    expect(nb.add(i, i).dtype).toBe('int32');
    expect(nb.add(i, f).dtype).toBe('float32');
    expect(nb.mul(f, d).dtype).toBe('float64');
    expect(nb.mul(i, d).dtype).toBe('float64');
    expect(i.add(2).dtype).toBe('int32');
    expect(i.add(2.5).dtype).toBe('float32');
    expect(i.add(2.5).toArray()).toEqual([3.5, 4.5]);
    const q = nb.div(nb.tensor([1, 3], { dtype: 'int32' }), nb.tensor([2, 2], { dtype: 'int32' }));
    expect(q.dtype).toBe('float32');
    expect(q.toArray()).toEqual([0.5, 1.5]);
  });
});

describe('pow', () => {
  it('computes a ** b elementwise with broadcasting and numbers', () => {
    allclose(nb.pow(nb.tensor([1, 2, 3]), 2), [1, 4, 9]);
    allclose(nb.tensor([4, 9]).pow(0.5), [2, 3]);
    allclose(nb.pow(2, nb.tensor([0, 1, 3, -1])), [1, 2, 8, 0.5]);
    allclose(nb.pow(nb.tensor([[2], [3]]), nb.tensor([1, 2, 3])), [[2, 4, 8], [3, 9, 27]]);
    expect(nb.pow(nb.tensor([2], { dtype: 'int32' }), 2).dtype).toBe('float32');
  });

  it('has gradients b a^(b-1) for the base and a^b ln a for the exponent', () => {
    const a = nb.tensor([1.5, 2, 3], { dtype: 'float64', requiresGrad: true });
    const b = nb.tensor([2, 0.5, -1], { dtype: 'float64', requiresGrad: true });
    nb.pow(a, b).sum().backward();
    allclose(a.grad!, [2 * 1.5, 0.5 * 2 ** -0.5, -1 * 3 ** -2], 1e-12);
    allclose(b.grad!, [1.5 ** 2 * Math.log(1.5), Math.SQRT2 * Math.log(2), Math.log(3) / 3], 1e-12);
  });

  it('passes gradcheck with broadcasting and with number operands', () => {
    for (const [sa, sb] of BROADCAST_CASES) {
      expect(nb.gradcheck(nb.pow, [positive(sa, 1), randn(sb, 2)])).toBe(true);
    }
    expect(nb.gradcheck((x) => x.pow(3), [randn([2, 3], 3)])).toBe(true);
    expect(nb.gradcheck((x) => nb.pow(2, x), [randn([4], 4)])).toBe(true);
  });
});

describe('maximum / minimum', () => {
  it('pick the larger / smaller value with broadcasting', () => {
    const a = nb.tensor([[1], [5]]);
    const b = nb.tensor([0, 3, 7]);
    expect(nb.maximum(a, b).toArray()).toEqual([[1, 3, 7], [5, 5, 7]]);
    expect(nb.minimum(a, b).toArray()).toEqual([[0, 1, 1], [0, 3, 5]]);
    expect(nb.tensor([-1, 2]).maximum(0).toArray()).toEqual([0, 2]);
    expect(nb.tensor([-1, 2]).minimum(0).toArray()).toEqual([-1, 0]);
  });

  it('route the gradient to the winner and split it evenly on ties', () => {
    const a = nb.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const b = nb.tensor([1, 5, 0], { dtype: 'float64', requiresGrad: true });
    nb.maximum(a, b).sum().backward();
    expect(a.grad!.toArray()).toEqual([0.5, 0, 1]);
    expect(b.grad!.toArray()).toEqual([0.5, 1, 0]);
    a.zeroGrad();
    b.zeroGrad();
    nb.minimum(a, b).sum().backward();
    expect(a.grad!.toArray()).toEqual([0.5, 1, 0]);
    expect(b.grad!.toArray()).toEqual([0.5, 0, 1]);
  });

  it('sum the broadcast gradient back (one b element wins against a whole column)', () => {
    const a = nb.tensor([[1], [5]], { dtype: 'float64', requiresGrad: true });
    const b = nb.tensor([0, 3, 7], { dtype: 'float64', requiresGrad: true });
    nb.maximum(a, b).sum().backward();
    expect(a.grad!.toArray()).toEqual([[1], [2]]);
    expect(b.grad!.toArray()).toEqual([0, 1, 2]);
  });

  it('pass gradcheck away from ties', () => {
    for (const [sa, sb] of [...BROADCAST_CASES, ...randomShapePairs(4, 2)]) {
      const a = gridded(sa, 7, 0.25);
      const b = gridded(sb, 8, 0);
      expect(nb.gradcheck(nb.maximum, [a, b])).toBe(true);
      expect(nb.gradcheck(nb.minimum, [a, b])).toBe(true);
    }
  });
});

describe('arithmetic gradients', () => {
  it('add/sub give +-1 summed over the broadcast dimensions', () => {
    const a = nb.tensor([[1], [2], [3]], { requiresGrad: true });
    const b = nb.tensor([10, 20, 30, 40], { requiresGrad: true });
    nb.sub(a, b).sum().backward();
    expect(a.grad!.toArray()).toEqual([[4], [4], [4]]);
    expect(b.grad!.toArray()).toEqual([-3, -3, -3, -3]);
    expect(a.grad!.shape).toEqual([3, 1]);
  });

  it('mul gives the other operand, div gives 1/b and -a/b^2', () => {
    const a = nb.tensor([2, -3], { dtype: 'float64', requiresGrad: true });
    const b = nb.tensor([4, 0.5], { dtype: 'float64', requiresGrad: true });
    nb.mul(a, b).sum().backward();
    expect(a.grad!.toArray()).toEqual([4, 0.5]);
    expect(b.grad!.toArray()).toEqual([2, -3]);
    a.zeroGrad();
    b.zeroGrad();
    nb.div(a, b).sum().backward();
    allclose(a.grad!, [0.25, 2], 1e-12);
    allclose(b.grad!, [-2 / 16, 3 / 0.25], 1e-12);
  });

  it('pass gradcheck for fixed and random broadcasting shapes', () => {
    const ops = [nb.add, nb.sub, nb.mul, nb.div];
    [...BROADCAST_CASES, ...randomShapePairs(5, 3)].forEach(([sa, sb], i) => {
      for (const op of ops) {
        expect(nb.gradcheck(op, [randn(sa, 10 + i), positive(sb, 20 + i)])).toBe(true);
        expect(nb.gradcheck(op, [positive(sb, 30 + i), randn(sa, 40 + i)])).toBe(true);
      }
    });
  });

  it('pass gradcheck with number operands', () => {
    const x = positive([2, 3], 5);
    for (const fn of [
      (t: nb.Tensor) => t.add(3),
      (t: nb.Tensor) => nb.sub(1, t),
      (t: nb.Tensor) => t.mul(-2.5),
      (t: nb.Tensor) => nb.div(2, t),
      (t: nb.Tensor) => t.div(7),
    ]) {
      expect(nb.gradcheck(fn, [x])).toBe(true);
    }
  });

  it('only the operand that requires grad gets one', () => {
    const a = nb.tensor([1, 2], { requiresGrad: true });
    const b = nb.tensor([3, 4]);
    nb.mul(a, b).sum().backward();
    expect(a.grad!.toArray()).toEqual([3, 4]);
    expect(b.grad).toBeNull();
  });
});
