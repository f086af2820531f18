import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

const f64 = { dtype: 'float64' } as const;
const randn = (shape: number[], seed: number) => nb.randn(shape, { ...f64, generator: new nb.Generator(seed) });
/** Rows with no zero, one zero and two zeros, where the product rules have their special cases. */
const withZeros = () => nb.tensor([[1.5, -0.5, 2, 0.75], [0.5, 0, -1.5, 2], [0, 1.25, 0, -2]], f64);
type Op = (x: nb.Tensor) => nb.Tensor;
/** The gradient of sum(f(x) * w) as a function of x, recorded so that gradcheck checks f's second derivatives. */
const gradientOf = (f: Op, w: nb.Tensor): Op => (x) => nb.grad((t: nb.Tensor) => f(t).mul(w).sum(), { createGraph: true })(x);

describe('gradients against finite differences (float64)', () => {
  const CASES: [string, Op, () => nb.Tensor][] = [
    ['prod', (x) => x.prod(), () => randn([5], 1)],
    ['prod(dim) with zeros', (x) => x.prod(1), withZeros],
    ['prod(0, keepDims) with zeros', (x) => x.prod(0, true), withZeros],
    ['prod of a one-element dimension', (x) => x.prod(1), () => randn([3, 1], 2)],
    ['cumsum', (x) => x.cumsum(0), () => randn([3, 4], 3)],
    ['cumsum(-1)', (x) => x.cumsum(-1), () => randn([2, 3, 4], 4)],
    ['cumprod', (x) => x.cumprod(1), () => randn([3, 5], 5)],
    ['cumprod with zeros', (x) => x.cumprod(1), withZeros],
    ['cumprod(0) with zeros', (x) => x.cumprod(0), withZeros],
    ['max(dim).values', (x) => x.max(1).values, () => randn([3, 4], 6)],
    ['min(0, keepDims).values', (x) => x.min(0, true).values, () => randn([3, 4], 7)],
    ['amax over two axes', (x) => x.amax([0, 2]), () => randn([2, 3, 4], 8)],
    ['sort', (x) => x.sort(1).values, () => randn([3, 5], 9)],
    ['sort descending along 0', (x) => x.sort(0, true).values, () => randn([4, 3], 10)],
    ['topk', (x) => x.topk(2, 1).values, () => randn([3, 5], 11)],
    ['topk smallest', (x) => x.topk(3, 0, false).values, () => randn([4, 2], 12)],
    ['erf', (x) => x.erf(), () => randn([8], 13).mul(2)],
    ['expm1', (x) => x.expm1(), () => randn([8], 14)],
    ['gelu', (x) => x.gelu(), () => randn([8], 15).mul(3)],
    ['gelu tanh', (x) => x.gelu('tanh'), () => randn([8], 16).mul(3)],
    ['silu', (x) => x.silu(), () => randn([8], 17).mul(3)],
    ['elu', (x) => x.elu(0.7), () => randn([8], 18).mul(3)],
    ['selu', (x) => x.selu(), () => randn([8], 19).mul(3)],
    ['softplus', (x) => x.softplus(2, 3), () => randn([8], 20).mul(3)],
    ['hardtanh', (x) => x.hardtanh(-0.5, 1.5), () => randn([8], 21).mul(2)],
    ['mish', (x) => x.mish(), () => randn([8], 22).mul(3)],
    ['var with correction 2', (x) => x.var(1, { correction: 2 }), () => randn([3, 5], 23)],
    ['std with correction 0', (x) => x.std(undefined, { correction: 0 }), () => randn([3, 5], 24)],
  ];
  it.each(CASES)('%s', (_, f, input) => {
    expect(nb.gradcheck(f, [input()])).toBe(true);
  });

  it.each([2, 1, 3, 1.5, 0.5, -1, Infinity, -Infinity, 'fro'] as const)('norm with p = %s over all, one and two dimensions', (p) => {
    const x = randn([3, 4], 25);
    expect(nb.gradcheck((t) => t.norm(p), [x])).toBe(true);
    expect(nb.gradcheck((t) => t.norm(p, 1), [x])).toBe(true);
    expect(nb.gradcheck((t) => t.norm(p, [0, 1], true), [x])).toBe(true);
  });

  const SECOND: [string, Op, () => nb.Tensor][] = [
    ['prod with zeros', (x) => x.prod(1), withZeros],
    ['cumprod with zeros', (x) => x.cumprod(1), withZeros],
    ['cumprod along 0', (x) => x.cumprod(0), () => randn([4, 2], 26)],
    ['norm p = 2', (x) => x.norm(2, 1), () => randn([3, 4], 27)],
    ['norm p = 3', (x) => x.norm(3), () => randn([3, 4], 28)],
    ['gelu', (x) => x.gelu(), () => randn([6], 29).mul(2)],
    ['softplus', (x) => x.softplus(), () => randn([6], 30).mul(2)],
    ['mish', (x) => x.mish(), () => randn([6], 31).mul(2)],
  ];
  it.each(SECOND)('second derivatives of %s (createGraph)', (_, f, input) => {
    const x = input();
    const w = randn(f(x).shape as number[], 32);
    expect(nb.gradcheck(gradientOf(f, w), [x])).toBe(true);
  });
});

describe('prod, cumsum and cumprod', () => {
  it('multiply and accumulate along a dimension, 1 over an empty one', () => {
    const x = nb.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(x.prod().item()).toBe(720);
    expect(x.prod(1).toArray()).toEqual([6, 120]);
    expect(x.prod(-2, true).toArray()).toEqual([[4, 10, 18]]);
    expect(x.cumsum(1).toArray()).toEqual([[1, 3, 6], [4, 9, 15]]);
    expect(x.cumprod(0).toArray()).toEqual([[1, 2, 3], [4, 10, 18]]);
    expect(nb.zeros([2, 0]).prod(1).toArray()).toEqual([1, 1]);
    expect(nb.tensor(3).prod(0).item()).toBe(3);
  });

  it('keep int32', () => {
    const i = nb.tensor([1, 2, 3], { dtype: 'int32' });
    expect(i.cumsum(0).dtype).toBe('int32');
    expect(i.prod().dtype).toBe('int32');
    expect(i.prod().item()).toBe(6);
  });

  it('send the product of the others to a single zero, and nothing where a row has two', () => {
    const x = nb.tensor([[2, 0, 3], [0, 4, 0]], { ...f64, requiresGrad: true });
    x.prod(1).sum().backward();
    expect(x.grad!.toArray()).toEqual([[0, 6, 0], [0, 0, 0]]);
  });

  it('refuse several dimensions and bad ones', () => {
    const x = nb.zeros([2, 3]);
    expect(() => x.prod([0, 1] as unknown as number)).toThrow(/prod: dim must be one integer \(as in torch.prod\), got an array/);
    expect(() => x.cumsum(2)).toThrow(/cumsum: axis 2 is out of range for a tensor with 2 dimension\(s\)/);
    expect(() => x.cumprod(-3)).toThrow(/cumprod: axis -3 is out of range/);
  });
});

describe('max and min', () => {
  const x = nb.tensor([[3, 9, 1, 9], [7, 2, 8, 2]]);

  it('reduce everything without a dimension, and give values and indices along one (torch.max(x, dim))', () => {
    expect(x.max().item()).toBe(9);
    expect(nb.min(x).item()).toBe(1);
    const [values, indices] = x.max(1);
    expect(values.toArray()).toEqual([9, 8]);
    expect(indices.toArray()).toEqual([1, 2]); // the first of tied maxima
    expect(indices.dtype).toBe('int32');
    expect(x.max(1)[0].toArray()).toEqual([9, 8]); // indexed as PyTorch's named tuple
    const min = nb.min(x, 0, true);
    expect(min.values.toArray()).toEqual([[3, 2, 1, 2]]);
    expect(min.indices.toArray()).toEqual([[0, 1, 0, 1]]);
    expect(x.amax(1).toArray()).toEqual([9, 8]);
    expect(x.amin([0, 1]).item()).toBe(1);
  });

  it('send the gradient along a dimension to the selected index only, and split it between ties without one', () => {
    const t = nb.tensor([[1, 3, 3], [2, 2, 0]], { ...f64, requiresGrad: true });
    t.max(1).values.sum().backward();
    expect(t.grad!.toArray()).toEqual([[0, 1, 0], [1, 0, 0]]);
    t.zeroGrad();
    t.amax(1).sum().backward();
    expect(t.grad!.toArray()).toEqual([[0, 0.5, 0.5], [0.5, 0.5, 0]]);
  });

  it('say how to reduce over several dimensions', () => {
    expect(() => x.max([0, 1] as unknown as number)).toThrow(/max: dim must be one integer \(torch.max\(x, dim\) gives values and indices\), got an array; reduce over several dimensions with amax/);
    expect(() => x.min(2)).toThrow(/min: axis 2 is out of range/);
    expect(() => nb.zeros([0, 2]).max(0)).toThrow(/max: cannot reduce over an empty dimension/);
  });
});

describe('sort, argsort and topk', () => {
  it('sort stably in both directions, NaN above everything', () => {
    const x = nb.tensor([2, NaN, 1, 2, -Infinity, 1]);
    const [values, indices] = x.sort();
    expect(Array.from(values.dataSync())).toEqual([-Infinity, 1, 1, 2, 2, NaN]);
    expect(indices.toArray()).toEqual([4, 2, 5, 0, 3, 1]);
    expect(x.sort(0, true).indices.toArray()).toEqual([1, 0, 3, 2, 5, 4]);
    expect(x.argsort(-1, true).toArray()).toEqual([1, 0, 3, 2, 5, 4]);
    expect(nb.argsort(nb.tensor([[3, 1], [2, 4]]), 0).toArray()).toEqual([[1, 0], [0, 1]]);
  });

  it('topk gives the k largest (or smallest) in order, with their positions', () => {
    const x = nb.tensor([[1, 5, 3, 5], [0, -1, 4, 2]]);
    const { values, indices } = x.topk(2);
    expect(values.toArray()).toEqual([[5, 5], [4, 2]]);
    expect(indices.toArray()).toEqual([[1, 3], [2, 3]]);
    expect(nb.topk(x, 1, 0, false).values.toArray()).toEqual([[0, -1, 3, 2]]);
    expect(x.topk(0).values.shape).toEqual([2, 0]);
  });

  it('refuse a k out of range and flags that are not booleans', () => {
    const x = nb.zeros([2, 3]);
    expect(() => x.topk(4)).toThrow(/topk: k must be an integer in \[0, 3\] \(the size of dimension 1 of shape \[2, 3\]\), got 4/);
    expect(() => x.topk(1.5)).toThrow(/topk: k must be an integer/);
    expect(() => x.sort(0, 'desc' as unknown as boolean)).toThrow(/sort: descending must be a boolean, got 'desc'/);
    expect(() => x.topk(1, -1, 1 as unknown as boolean)).toThrow(/topk: largest must be a boolean, got 1/);
    expect(() => x.argsort(2)).toThrow(/argsort: axis 2 is out of range/);
  });
});

describe('norm', () => {
  const x = nb.tensor([[3, -4, 0], [0, 0, 0]], f64);

  it('computes p-norms, the max and min norms, the nonzero count and Frobenius', () => {
    expect(x.norm().item()).toBe(5);
    expect(x.norm('fro', 1).toArray()).toEqual([5, 0]);
    expect(x.norm(1, 1, true).toArray()).toEqual([[7], [0]]);
    expect(x.norm(Infinity, 1).toArray()).toEqual([4, 0]);
    expect(x.norm(-Infinity, 1).toArray()).toEqual([0, 0]);
    expect(x.norm(0).item()).toBe(2);
    allclose(nb.norm(x, 3, 1), [Math.cbrt(27 + 64), 0], 1e-12);
  });

  it('has a zero gradient where the norm is zero (no NaN)', () => {
    const t = nb.zeros([3], { ...f64, requiresGrad: true });
    t.norm().backward();
    expect(t.grad!.toArray()).toEqual([0, 0, 0]);
  });

  it('refuses other orders and integer input', () => {
    expect(() => x.norm('nuc' as never)).toThrow(/norm: p must be a number \(Infinity and -Infinity included\) or 'fro', got 'nuc' \(the nuclear norm needs singular values/);
    expect(() => x.norm(NaN)).toThrow(/norm: p must be a number/);
    expect(() => nb.tensor([1, 2], { dtype: 'int32' }).norm()).toThrow(/norm: input must be float32 or float64, got int32/);
  });
});

describe('predicates: isnan, isfinite, any, all', () => {
  const x = nb.tensor([[1, NaN, 0], [Infinity, 0, 0]]);

  it('give int32 masks of 0 and 1', () => {
    expect(x.isnan().toArray()).toEqual([[0, 1, 0], [0, 0, 0]]);
    expect(nb.isfinite(x).toArray()).toEqual([[1, 0, 1], [0, 1, 1]]);
    expect(x.isnan().dtype).toBe('int32');
    expect(nb.tensor([1, 2], { dtype: 'int32' }).isfinite().toArray()).toEqual([1, 1]);
  });

  it('any and all over all or some dimensions (NaN counts as true), with PyTorch\'s empty cases', () => {
    expect(x.any().item()).toBe(1);
    expect(x.all().item()).toBe(0);
    expect(x.any(1).toArray()).toEqual([1, 1]);
    expect(nb.all(nb.tensor([[1, NaN], [0, 2]]), 1, true).toArray()).toEqual([[1], [0]]);
    expect(nb.any(nb.zeros([2, 2]), 0).toArray()).toEqual([0, 0]);
    expect(nb.zeros([0]).any().item()).toBe(0);
    expect(nb.zeros([0]).all().item()).toBe(1);
  });
});

describe('activations', () => {
  it('have their known values', () => {
    const x = nb.tensor([-1, 0, 2], f64);
    const phi = (v: number) => 0.5 * (1 + nb.tensor(v / Math.SQRT2, f64).erf().item());
    allclose(x.gelu(), [-phi(-1), 0, 2 * phi(2)], 1e-15);
    allclose(x.silu(), [-1 / (1 + Math.E), 0, 2 / (1 + Math.exp(-2))], 1e-15);
    allclose(x.elu(2), [2 * Math.expm1(-1), 0, 2], 1e-15);
    allclose(x.selu(), [nb.SELU_SCALE * nb.SELU_ALPHA * Math.expm1(-1), 0, 2 * nb.SELU_SCALE], 1e-15);
    allclose(x.softplus(), [Math.log1p(Math.exp(-1)), Math.LN2, Math.log1p(Math.exp(2))], 1e-15);
    allclose(x.softplus(1, 1), [Math.log1p(Math.exp(-1)), Math.LN2, 2], 1e-15); // 2 > threshold: linear
    expect(x.hardtanh(-0.5, 1).toArray()).toEqual([-0.5, 0, 1]);
    allclose(x.mish(), [-Math.tanh(Math.log1p(Math.exp(-1))), 0, 2 * Math.tanh(Math.log1p(Math.exp(2)))], 1e-15);
  });

  it('stay finite far out, in value and gradient', () => {
    for (const f of [nb.gelu, nb.silu, nb.elu, nb.selu, nb.softplus, nb.mish] as ((x: nb.Tensor) => nb.Tensor)[]) {
      const x = nb.tensor([-1000, 1000], { requiresGrad: true });
      const y = f(x);
      y.sum().backward();
      expect(Array.from(y.dataSync()).every(Number.isFinite), f.name).toBe(true);
      expect(Array.from(x.grad!.dataSync()).every(Number.isFinite), f.name).toBe(true);
    }
  });

  it('hardtanh passes the gradient only strictly inside its bounds; elu\'s gradient at 0 is alpha', () => {
    const x = nb.tensor([-1, -0.5, 1, 2], { ...f64, requiresGrad: true });
    x.hardtanh().sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 1, 0, 0]);
    const z = nb.tensor([0], { ...f64, requiresGrad: true });
    z.elu(0.3).sum().backward();
    expect(z.grad!.item()).toBeCloseTo(0.3, 15);
  });

  it('refuse bad arguments and integer input', () => {
    const x = nb.zeros([2]);
    expect(() => x.gelu('erf' as never)).toThrow(/gelu: approximate must be 'none' or 'tanh', got 'erf'/);
    expect(() => x.elu(NaN)).toThrow(/elu: alpha must be a finite number, got NaN/);
    expect(() => x.softplus(0)).toThrow(/softplus: beta must be nonzero/);
    expect(() => x.softplus(1, NaN)).toThrow(/softplus: threshold must be a number, got NaN/);
    expect(() => x.hardtanh(1, -1)).toThrow(/hardtanh: minVal \(1\) must not be greater than maxVal \(-1\)/);
    expect(() => nb.tensor([1], { dtype: 'int32' }).silu()).toThrow(/silu: input must be float32 or float64, got int32/);
  });
});

describe('var and std with correction', () => {
  const x = nb.tensor([1, 2, 4, 9], f64);

  it('divide by n - correction; unbiased is correction 1 or 0', () => {
    const squares = 1 * 1 + 2 * 2 + 4 * 4 + 9 * 9 - 4 * 4 ** 2; // sum (x - mean)^2 with mean 4
    expect(x.var(0, { correction: 0 }).item()).toBeCloseTo(squares / 4, 14);
    expect(x.var(0, { correction: 2 }).item()).toBeCloseTo(squares / 2, 14);
    expect(x.var(0, { correction: 1.5 }).item()).toBeCloseTo(squares / 2.5, 14);
    expect(x.std(0, { correction: 0 }).item()).toBe(x.std(0, { unbiased: false }).item());
    expect(nb.var(x).item()).toBe(x.var(0, { correction: 1 }).item());
  });

  it('refuse both at once, a bad correction and too few elements', () => {
    expect(() => x.var(0, { unbiased: true, correction: 1 })).toThrow(/var: give either unbiased or correction, not both/);
    expect(() => x.std(0, { correction: 4.5 })).toThrow(/std: need at least 5 element\(s\)/);
    expect(() => x.std(0, { correction: -1 })).toThrow(/std: correction must be a finite number >= 0, got -1/);
    expect(() => x.var(0, { correction: 4 })).toThrow(/var: need at least 5 element\(s\) along the reduced axes of shape \[4\] \(correction 4\), got 4/);
    expect(() => x.std(0, { corection: 1 } as never)).toThrow(/std: options has an unknown option "corection" \(known: unbiased, correction, keepDims\)/);
  });
});

describe('tensors as JSON and nested arrays', () => {
  it('JSON.stringify gives dtype, shape and the elements', () => {
    const x = nb.tensor([[1, 2], [3, 4]], { dtype: 'int32' });
    expect(JSON.parse(JSON.stringify(x))).toEqual({ dtype: 'int32', shape: [2, 2], data: [1, 2, 3, 4] });
    expect(JSON.stringify({ w: nb.tensor(0.5) })).toBe('{"w":{"dtype":"float32","shape":[],"data":[0.5]}}');
  });

  it('toArray(rank) checks the rank and is typed by it', () => {
    const matrix: number[][] = nb.tensor([[1, 2], [3, 4]]).toArray(2);
    expect(matrix[1][0]).toBe(3);
    const scalar: number = nb.tensor(7).toArray(0);
    expect(scalar).toBe(7);
    const cube: number[][][] = nb.zeros([1, 1, 2]).toArray(3);
    expect(cube).toEqual([[[0, 0]]]);
    expect(() => nb.zeros([2, 2]).toArray(1)).toThrow(/toArray: expected a tensor of rank 1, got shape \[2, 2\] \(rank 2\)/);
  });
});

describe('cumprod\'s gradient under createGraph', () => {
  it('is the same as without, zeros included (the O(n^2) form that differentiates again)', () => {
    for (const [x, dim] of [[withZeros(), 1], [withZeros(), 0], [randn([2, 3, 4], 33), 1]] as const) {
      const w = randn([...x.shape], 34);
      const f = (t: nb.Tensor) => t.cumprod(dim).mul(w).sum();
      allclose(nb.grad(f, { createGraph: true })(x), nb.grad(f)(x), 1e-12, 1e-12);
    }
  });

  it('gives prod the same second derivatives (through the reversed running products)', () => {
    const x = withZeros();
    const w = randn([3], 35);
    const v = randn([3, 4], 36);
    const gradientTimesV = (t: nb.Tensor) => nb.grad((u: nb.Tensor) => u.prod(1).mul(w).sum(), { createGraph: true })(t).mul(v).sum();
    allclose(nb.grad(gradientTimesV, { createGraph: true })(x), nb.grad(gradientTimesV)(x), 1e-12, 1e-12);
  });
});
