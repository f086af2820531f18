import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

// indexSelect, take, maskedSelect, maskedFill, scatter, scatterAdd and where with numbers: values,
// float64 gradchecks and argument errors. PyTorch's own numbers for them are in shape-ops-torch.test.ts.

const randn = (shape: number[], seed: number) => nb.randn(shape, { dtype: 'float64', generator: new nb.Generator(seed) });
const int = (values: nb.NestedArray) => nb.tensor(values, { dtype: 'int32' });
const x = nb.tensor([[1, 2, 3], [4, 5, 6]]);

describe('indexSelect', () => {
  it('picks whole slices along dim, in the index order, repeats allowed', () => {
    expect(nb.indexSelect(x, 1, int([2, 0, 2])).toArray()).toEqual([[3, 1, 3], [6, 4, 6]]);
    expect(x.indexSelect(0, int([1])).toArray()).toEqual([[4, 5, 6]]);
    expect(x.indexSelect(-1, int(1)).shape).toEqual([2, 1]);
    expect(x.indexSelect(0, int([])).shape).toEqual([0, 3]);
  });

  it('adds the gradient of repeated positions, and passes gradcheck on every dim', () => {
    const v = nb.tensor([1, 2, 3], { requiresGrad: true });
    v.indexSelect(0, int([2, 2, 0])).backward(nb.tensor([1, 10, 100]));
    expect(v.grad!.toArray()).toEqual([100, 0, 11]);
    for (const dim of [0, 1, 2]) expect(nb.gradcheck((t) => nb.indexSelect(t, dim, int([1, 0, 1, 1])), [randn([2, 3, 2], dim)])).toBe(true);
  });

  it('is twice differentiable (its gradient is recorded under createGraph)', () => {
    const t = randn([4, 2], 5).requiresGrad_();
    const [g] = nb.gradients(t.indexSelect(0, int([3, 3, 1])).square().sum(), [t], undefined, { createGraph: true });
    const [gg] = nb.gradients(g!.sum(), [t]);
    expect(gg!.toArray()).toEqual([[0, 0], [2, 2], [0, 0], [4, 4]]);
  });

  it('names the argument and the rule it breaks', () => {
    expect(() => x.indexSelect(1, int([3]))).toThrow(/indexSelect: index into dimension 1 of shape \[2, 3\]: 3 at position 0 is out of range \[0, 3\)/);
    expect(() => x.indexSelect(1, int([-1]))).toThrow(/-1 at position 0 is out of range \[0, 3\)/);
    expect(() => x.indexSelect(0, nb.tensor([0]))).toThrow(/indexSelect: index must be an int32 tensor, got float32/);
    expect(() => x.indexSelect(0, int([[0]]))).toThrow(/indexSelect: index must be 1-D \(or 0-d\), got shape \[1, 1\]/);
    expect(() => x.indexSelect(2, int([0]))).toThrow(/indexSelect: axis 2 is out of range/);
    expect(() => nb.indexSelect([1, 2] as never, 0, int([0]))).toThrow(/indexSelect: input must be a Tensor, got an array/);
  });
});

describe('take', () => {
  it('reads the input as a flat array, the result shaped like the index, negative positions from the end', () => {
    expect(nb.take(x, int([[5, 0], [-1, -6]])).toArray()).toEqual([[6, 1], [6, 1]]);
    expect(x.take(int(4)).shape).toEqual([]);
    expect(nb.take(nb.tensor(7), int([0, -1, 0])).toArray()).toEqual([7, 7, 7]);
  });

  it('passes gradcheck with repeated positions', () => {
    expect(nb.gradcheck((t) => nb.take(t, int([[0, 5, -1], [3, 3, 2]])), [randn([2, 3], 1)])).toBe(true);
  });

  it('refuses positions outside [-n, n)', () => {
    expect(() => nb.take(x, int([6]))).toThrow(/take: index 6 at position 0 is out of range \[-6, 6\) for an input of shape \[2, 3\] \(6 elements\)/);
    expect(() => nb.take(x, int([0, -7]))).toThrow(/index -7 at position 1/);
    expect(() => nb.take(x, nb.tensor([0]))).toThrow(/take: index must be an int32 tensor, got float32/);
  });
});

describe('maskedSelect and maskedFill', () => {
  const mask = int([[1, 0, 1], [0, 0, 1]]);

  it('maskedSelect gives the selected elements in row-major order, mask and input broadcast together', () => {
    expect(nb.maskedSelect(x, mask).toArray()).toEqual([1, 3, 6]);
    expect(x.maskedSelect(x.gt(2)).toArray()).toEqual([3, 4, 5, 6]);
    expect(nb.maskedSelect(nb.tensor([10, 20]), int([[1, 1], [0, 1]])).toArray()).toEqual([10, 20, 20]);
    expect(x.maskedSelect(int([0, 0, 0])).shape).toEqual([0]);
  });

  it('maskedFill writes the value where the mask (broadcast to the input) is set, keeping the dtype', () => {
    expect(nb.maskedFill(x, mask, -1).toArray()).toEqual([[-1, 2, -1], [4, 5, -1]]);
    expect(x.maskedFill(int([0, 1, 0]), 0.5).toArray()).toEqual([[1, 0.5, 3], [4, 0.5, 6]]);
    const ints = int([1, 2, 3]).maskedFill(int([1, 0, 0]), 9);
    expect([ints.dtype, ints.toArray()]).toEqual(['int32', [9, 2, 3]]);
  });

  it('pass gradcheck; a 0-d tensor value gets the sum of the filled positions\' gradient', () => {
    const m = int([[1, 0, 0, 1], [0, 1, 1, 0]]);
    expect(nb.gradcheck((t) => nb.maskedSelect(t, m), [randn([2, 4], 1)])).toBe(true);
    expect(nb.gradcheck((t) => nb.maskedSelect(t, int([[1], [0], [1]])), [randn([4], 2)])).toBe(true);
    expect(nb.gradcheck((t, v) => nb.maskedFill(t, m, v), [randn([2, 4], 3), randn([], 4)])).toBe(true);
    const value = nb.tensor(2, { requiresGrad: true });
    nb.maskedFill(nb.zeros([2, 4]), m, value).sum().backward();
    expect(value.grad!.item()).toBe(4);
  });

  it('name the mask and its shape when it does not fit', () => {
    expect(() => nb.maskedFill(x, int([1, 0]), 0)).toThrow(/maskedFill: shapes \[2, 3\] and \[2\] cannot be broadcast/);
    expect(() => nb.maskedFill(nb.zeros([3]), int([[1, 0, 1], [0, 0, 0]]), 0)).toThrow(/maskedFill: a mask of shape \[2, 3\] cannot be broadcast to the input's shape \[3\]/);
    expect(() => nb.maskedFill(x, nb.tensor([1, 0, 1]), 0)).toThrow(/maskedFill: mask must be an int32 tensor of 0s and 1s .* got float32/);
    expect(() => nb.maskedFill(x, mask, nb.tensor([1, 2]))).toThrow(/maskedFill: a tensor value must be 0-d, got shape \[2\]/);
    expect(() => nb.maskedFill(x, mask, '1' as never)).toThrow(/maskedFill: value must be a number or a 0-d Tensor, got string/);
    expect(() => nb.maskedSelect(x, int([[1], [0], [1]]))).toThrow(/maskedSelect: shapes \[2, 3\] and \[3, 1\] cannot be broadcast/);
  });
});

describe('scatter and scatterAdd', () => {
  const zeros = nb.zeros([2, 4]);
  const index = int([[1, 1, 1, 2], [0, 3, 0, 0]]);
  const src = nb.tensor([[1, 2, 3, 4], [5, 6, 7, 8]]);

  it('scatterAdd adds every element of src at its indexed position, repeats adding up', () => {
    expect(nb.scatterAdd(zeros, 1, index, src).toArray()).toEqual([[0, 6, 4, 0], [20, 0, 0, 6]]);
    expect(nb.ones([3, 2]).scatterAdd(0, int([[2, 0]]), nb.tensor([[5, 7]])).toArray()).toEqual([[1, 8], [1, 1], [6, 1]]);
  });

  it('scatter writes src (or a value); a repeated position keeps the last write in row-major order, as PyTorch on the CPU', () => {
    expect(nb.scatter(zeros, 1, index, src).toArray()).toEqual([[0, 3, 4, 0], [8, 0, 0, 6]]);
    expect(nb.scatter(nb.zeros([3, 2]), 0, int([[0, 1], [0, 1], [0, 0]]), nb.arange(6).reshape(3, 2)).toArray()).toEqual([[4, 5], [0, 3], [0, 0]]);
    expect(nb.ones([2, 3]).scatter(1, int([[2], [0]]), -1).toArray()).toEqual([[1, 1, -1], [-1, 1, 1]]);
  });

  it('read only the part of src that the index covers, and write only where the index reaches', () => {
    const big = nb.arange(12).reshape(3, 4);
    expect(nb.scatter(nb.zeros([3, 3]), 0, int([[2, 0]]), big).toArray()).toEqual([[0, 1, 0], [0, 0, 0], [0, 0, 0]]);
    expect(nb.scatterAdd(nb.zeros([3, 3]), 1, int([[0, 0], [2, 1]]), big).toArray()).toEqual([[1, 0, 0], [0, 5, 4], [0, 0, 0]]);
  });

  it('pass gradcheck for the input and src (a smaller index, a larger src, repeated positions for scatterAdd)', () => {
    const i3 = int([[[0, 2], [1, 1]], [[2, 0], [0, 1]]]);
    for (const dim of [0, 1, 2]) {
      expect(nb.gradcheck((t, s) => nb.scatterAdd(t, dim, i3, s), [randn([3, 3, 3], dim), randn([2, 3, 2], 10 + dim)])).toBe(true);
    }
    expect(nb.gradcheck((t, s) => nb.scatter(t, 1, int([[3, 0], [1, 2]]), s), [randn([2, 4], 1), randn([3, 3], 2)])).toBe(true);
    expect(nb.gradcheck((t) => nb.scatter(t, 0, int([[1, 0, 1]]), 2.5), [randn([2, 3], 3)])).toBe(true);
  });

  it('give a repeated position\'s gradient to the element that was written there, and none to the input', () => {
    const s = nb.tensor([[1, 2, 3]], { requiresGrad: true });
    const t = nb.zeros([1, 2], { requiresGrad: true });
    nb.scatter(t, 1, int([[0, 0, 1]]), s).backward(nb.tensor([[10, 20]]));
    expect(s.grad!.toArray()).toEqual([[0, 10, 20]]);
    expect(t.grad!.toArray()).toEqual([[0, 0]]);
  });

  it('name the argument, the shapes and the rule', () => {
    expect(() => nb.scatter(zeros, 1, int([[4]]), src)).toThrow(/scatter: index into dimension 1 of shape \[2, 4\]: 4 at position 0 is out of range \[0, 4\)/);
    expect(() => nb.scatter(zeros, 1, int([1, 2]), src)).toThrow(/scatter: index must have as many dimensions as the input \[2, 4\], got shape \[2\]/);
    expect(() => nb.scatter(zeros, 1, int([[0], [0], [0]]), nb.zeros([3, 1]))).toThrow(/index of shape \[3, 1\] is larger than the input \[2, 4\] in dimension 0 \(3 > 2\); only dimension 1 may be larger/);
    expect(() => nb.scatterAdd(zeros, 1, int([[0, 1, 2]]), nb.zeros([1, 2]))).toThrow(/scatterAdd: index of shape \[1, 3\] is larger than src \[1, 2\] in dimension 1 \(3 > 2\)/);
    expect(() => nb.scatterAdd(zeros, 1, index, src.to('float64'))).toThrow(/scatterAdd: src is float64 but the input is float32/);
    expect(() => nb.scatterAdd(zeros, 1, index, 1 as never)).toThrow(/scatterAdd: src must be a Tensor, got number/);
    expect(() => nb.scatter(zeros, 1, index.to('float32'), src)).toThrow(/scatter: index must be an int32 tensor, got float32/);
  });
});

describe('where with numbers', () => {
  const cond = int([1, 0, 1]);

  it('takes a number beside a tensor in the tensor\'s dtype, and two numbers as float32', () => {
    const both = nb.where(cond, 1, 0);
    expect([both.dtype, both.toArray()]).toEqual(['float32', [1, 0, 1]]);
    expect(nb.where(cond, 0.5, -1).toArray()).toEqual([0.5, -1, 0.5]);
    const f64 = nb.where(cond, nb.tensor([1, 2, 3], { dtype: 'float64' }), 0.25);
    expect([f64.dtype, f64.toArray()]).toEqual(['float64', [1, 0.25, 3]]);
    expect(nb.where(cond, 9, int([1, 2, 3])).dtype).toBe('int32');
    expect(nb.where(cond, 0.5, int([1, 2, 3])).toArray()).toEqual([0.5, 2, 0.5]);
    expect(nb.where(int([[1], [0]]), 1, 2).shape).toEqual([2, 1]);
  });

  it('Tensor.where(condition, other) keeps this where the condition is set', () => {
    expect(nb.tensor([1, 2, 3]).where(cond, -1).toArray()).toEqual([1, -1, 3]);
    expect(nb.gradcheck((a) => nb.where(cond, 2, a), [randn([3], 1)])).toBe(true);
    expect(nb.gradcheck((a) => a.where(cond, 2), [randn([2, 3], 2)])).toBe(true);
  });

  it('names what is not a tensor or a number', () => {
    expect(() => nb.where(cond, 'a' as never, 0)).toThrow(/where: a must be a Tensor or a number, got 'a'/);
    expect(() => nb.where(cond, 0, [1] as never)).toThrow(/where: b must be a Tensor or a number, got an array/);
    expect(() => nb.where([1, 0] as never, 0, 1)).toThrow(/where: condition must be a Tensor, got an array/);
  });
});
