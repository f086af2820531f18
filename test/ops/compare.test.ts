import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

const randn = (shape: number[], seed: number) => nb.randn(shape, { dtype: 'float64', generator: new nb.Generator(seed) });

describe('comparisons', () => {
  const a = nb.tensor([1, 2, 3, 4]);
  const b = nb.tensor([4, 2, 1, 4]);

  it('return int32 masks of 0 and 1', () => {
    expect(nb.eq(a, b).dtype).toBe('int32');
    expect(nb.eq(a, b).toArray()).toEqual([0, 1, 0, 1]);
    expect(nb.ne(a, b).toArray()).toEqual([1, 0, 1, 0]);
    expect(nb.lt(a, b).toArray()).toEqual([1, 0, 0, 0]);
    expect(nb.le(a, b).toArray()).toEqual([1, 1, 0, 1]);
    expect(nb.gt(a, b).toArray()).toEqual([0, 0, 1, 0]);
    expect(nb.ge(a, b).toArray()).toEqual([0, 1, 1, 1]);
  });

  it('accept numbers and broadcast', () => {
    expect(a.gt(2).toArray()).toEqual([0, 0, 1, 1]);
    expect(a.le(2.5).toArray()).toEqual([1, 1, 0, 0]);
    expect(a.eq(3).toArray()).toEqual([0, 0, 1, 0]);
    expect(nb.tensor([[1], [3]]).lt(nb.tensor([2, 4])).toArray()).toEqual([[1, 1], [0, 1]]);
  });

  it('are not differentiable: the mask does not require grad', () => {
    const x = nb.tensor([1, 2], { requiresGrad: true });
    const m = x.gt(1);
    expect(m.requiresGrad).toBe(false);
    expect(m.gradFn).toBeNull();
  });

  it('treat NaN as unequal to everything', () => {
    const n = nb.tensor([NaN, 1]);
    expect(n.eq(n).toArray()).toEqual([0, 1]);
    expect(n.ne(n).toArray()).toEqual([1, 0]);
  });
});

describe('where', () => {
  it('selects a where the condition is non-zero and b elsewhere', () => {
    const cond = nb.tensor([1, 0, 1, 0], { dtype: 'int32' });
    expect(nb.where(cond, nb.tensor([1, 2, 3, 4]), nb.tensor([10, 20, 30, 40])).toArray()).toEqual([1, 20, 3, 40]);
  });

  it('broadcasts the condition and both branches; numbers are allowed', () => {
    const cond = nb.tensor([[1], [0]], { dtype: 'int32' }); // [2,1]
    const out = nb.where(cond, nb.tensor([1, 2, 3]), -1);
    expect(out.shape).toEqual([2, 3]);
    expect(out.toArray()).toEqual([[1, 2, 3], [-1, -1, -1]]);
    expect(nb.where(nb.tensor([1, 0], { dtype: 'int32' }), 2.5, -1).toArray()).toEqual([2.5, -1]);
    const x = nb.tensor([-2, 3, -1]);
    expect(nb.where(x.gt(0), x, 0).toArray()).toEqual([0, 3, 0]);
  });

  it('sends the gradient to the branch that was selected, summed over broadcasting', () => {
    const cond = nb.tensor([[1, 0, 1], [0, 0, 1]], { dtype: 'int32' });
    const a = nb.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true }); // broadcast over rows
    const b = nb.tensor([[4, 5, 6], [7, 8, 9]], { dtype: 'float64', requiresGrad: true });
    const out = nb.where(cond, a, b);
    expect(out.toArray()).toEqual([[1, 5, 3], [7, 8, 3]]);
    out.backward(nb.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' }));
    expect(a.grad!.toArray()).toEqual([1, 0, 3 + 6]);
    expect(b.grad!.toArray()).toEqual([[0, 2, 0], [4, 5, 0]]);
  });

  it('passes gradcheck for both branches', () => {
    const cond = randn([2, 3, 4], 1).gt(0);
    expect(nb.gradcheck((a, b) => nb.where(cond, a, b), [randn([2, 3, 4], 2), randn([3, 1], 3)])).toBe(true);
    expect(nb.gradcheck((a) => nb.where(cond, a, 0), [randn([4], 4)])).toBe(true);
  });
});

describe('clamp', () => {
  const x = nb.tensor([-3, -1, 0, 0.5, 2, 5]);

  it('limits values to [min, max], either bound optional', () => {
    expect(x.clamp(-1, 2).toArray()).toEqual([-1, -1, 0, 0.5, 2, 2]);
    expect(x.clamp(0).toArray()).toEqual([0, 0, 0, 0.5, 2, 5]);
    expect(x.clamp(undefined, 1).toArray()).toEqual([-3, -1, 0, 0.5, 1, 1]);
    expect(nb.clamp(x, -1, -1).toArray()).toEqual([-1, -1, -1, -1, -1, -1]);
  });

  it('passes the gradient only where the value was inside [min, max] (bounds included)', () => {
    const t = nb.tensor([-3, -1, 0, 0.5, 2, 5], { requiresGrad: true });
    t.clamp(-1, 2).backward(nb.tensor([1, 2, 3, 4, 5, 6]));
    expect(t.grad!.toArray()).toEqual([0, 2, 3, 4, 5, 0]);
    t.zeroGrad();
    t.clamp(0).sum().backward();
    expect(t.grad!.toArray()).toEqual([0, 0, 1, 1, 1, 1]);
  });

  it('passes gradcheck away from the bounds', () => {
    const v = nb.tensor([[-2.3, -0.7, 0.1], [0.9, 1.4, 3.2]], { dtype: 'float64' });
    expect(nb.gradcheck((t) => t.clamp(-1, 1), [v])).toBe(true);
    expect(nb.gradcheck((t) => t.clamp(undefined, 0.5).mul(t), [v])).toBe(true);
  });

  it('keeps the dtype and rejects missing or inverted bounds', () => {
    expect(nb.tensor([1, 5], { dtype: 'int32' }).clamp(2, 3).toArray()).toEqual([2, 3]);
    expect(nb.tensor([1, 5], { dtype: 'float64' }).clamp(2, 3).dtype).toBe('float64');
    expect(() => x.clamp()).toThrow(/give at least one of min and max/);
    expect(() => x.clamp(2, 1)).toThrow(/min \(2\) is greater than max \(1\)/);
    allclose(x.clamp(-0.25, 0.25), [-0.25, -0.25, 0, 0.25, 0.25, 0.25]);
  });
});
