import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

const randn = (shape: number[], seed: number) => nb.randn(shape, { dtype: 'float64', generator: new nb.Generator(seed) });
const values = (t: nb.Tensor) => Array.from(t.toTypedArray());
/** 0, 1, 2, ... in the given shape */
const seq = (...shape: number[]) => nb.arange(shape.reduce((p, d) => p * d, 1)).reshape(shape);

describe('reshape / view', () => {
  const x = seq(2, 3, 4);

  it('keeps the row-major order and infers one -1 dimension', () => {
    expect(x.reshape(4, 6).shape).toEqual([4, 6]);
    expect(x.reshape([6, 4]).shape).toEqual([6, 4]);
    expect(x.reshape(-1).shape).toEqual([24]);
    expect(x.reshape(3, -1).shape).toEqual([3, 8]);
    expect(x.reshape(-1, 2, 3).shape).toEqual([4, 2, 3]);
    expect(values(x.reshape(4, -1))).toEqual(values(x));
    expect(seq(2, 3).reshape(3, 2).toArray()).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(x.view(24).shape).toEqual([24]);
    expect(nb.reshape(nb.tensor([5]), []).shape).toEqual([]);
    expect(nb.zeros([0, 3]).reshape(-1, 3).shape).toEqual([0, 3]);
  });

  it('reshapes the gradient back to the input shape (gradcheck)', () => {
    expect(nb.gradcheck((t) => t.reshape(-1, 2).mul(t.reshape(-1, 2)), [randn([2, 3, 2], 1)])).toBe(true);
    const t = nb.ones([2, 3], { requiresGrad: true });
    t.reshape(6).backward(nb.arange(6));
    expect(t.grad!.toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
  });

  it('rejects more than one -1', () => {
    expect(() => x.reshape(-1, -1)).toThrow(/only one dimension can be -1, got \[-1, -1\]/);
  });
});

describe('flatten', () => {
  const x = seq(2, 3, 4);

  it('merges the dimensions from startDim to endDim (inclusive)', () => {
    expect(x.flatten().shape).toEqual([24]);
    expect(x.flatten(1).shape).toEqual([2, 12]);
    expect(x.flatten(0, 1).shape).toEqual([6, 4]);
    expect(x.flatten(-2, -1).shape).toEqual([2, 12]);
    expect(x.flatten(1, 1).shape).toEqual([2, 3, 4]);
    expect(values(x.flatten(1))).toEqual(values(x));
    expect(nb.flatten(nb.tensor(3)).shape).toEqual([1]);
  });

  it('passes gradcheck and rejects startDim > endDim', () => {
    expect(nb.gradcheck((t) => t.flatten(1), [randn([2, 3, 2], 2)])).toBe(true);
    expect(() => x.flatten(2, 1)).toThrow(/startDim 2 comes after endDim 1/);
  });
});

describe('permute / transpose / T', () => {
  const x = seq(2, 3, 4); // x[i][j][k] = 12 i + 4 j + k

  it('permute reorders the dimensions: out[k][i][j] = x[i][j][k]', () => {
    const p = x.permute(2, 0, 1);
    expect(p.shape).toEqual([4, 2, 3]);
    const expected: number[][][] = [];
    for (let k = 0; k < 4; k++) {
      expected.push([]);
      for (let i = 0; i < 2; i++) {
        expected[k].push([]);
        for (let j = 0; j < 3; j++) expected[k][i].push(12 * i + 4 * j + k);
      }
    }
    expect(p.toArray()).toEqual(expected);
    expect(x.permute([0, 1, 2])).toBe(x); // the identity permutation is free
    expect(x.permute(-1, 0, 1).shape).toEqual([4, 2, 3]);
  });

  it('transpose swaps two dimensions (the last two by default)', () => {
    expect(seq(2, 3).transpose().toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(x.transpose().shape).toEqual([2, 4, 3]);
    const t = x.transpose(0, 2);
    expect(t.shape).toEqual([4, 3, 2]);
    expect((t.toArray() as number[][][])[3][2][1]).toBe(12 * 1 + 4 * 2 + 3);
    expect(nb.transpose(x, 1, -1).shape).toEqual([2, 4, 3]);
  });

  it('T reverses all dimensions', () => {
    expect(seq(2, 3).T.toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    const t = x.T;
    expect(t.shape).toEqual([4, 3, 2]);
    expect((t.toArray() as number[][][])[1][2][0]).toBe(4 * 2 + 1);
    expect(nb.tensor([1, 2, 3]).T.toArray()).toEqual([1, 2, 3]);
  });

  it('pass gradcheck (the gradient is permuted back)', () => {
    const r = randn([2, 3, 4], 3);
    expect(nb.gradcheck((t) => t.permute(1, 2, 0), [r])).toBe(true);
    expect(nb.gradcheck((t) => t.transpose(0, 1), [r])).toBe(true);
    expect(nb.gradcheck((t) => t.T, [r])).toBe(true);
  });

  it('reject a non-permutation', () => {
    expect(() => x.permute(0, 0, 1)).toThrow(/\[0, 0, 1\] is not a permutation of the 3 dimensions.*\[2, 3, 4\]/);
    expect(() => x.permute(0, 1)).toThrow(/not a permutation/);
  });
});

describe('squeeze / unsqueeze', () => {
  const x = nb.zeros([1, 3, 1]);

  it('squeeze removes size-1 dimensions (all, or the given ones)', () => {
    expect(x.squeeze().shape).toEqual([3]);
    expect(x.squeeze(0).shape).toEqual([3, 1]);
    expect(x.squeeze(-1).shape).toEqual([1, 3]);
    expect(x.squeeze([0, 2]).shape).toEqual([3]);
    expect(nb.zeros([1]).squeeze().shape).toEqual([]);
  });

  it('unsqueeze inserts a size-1 dimension (negative axes count from the new end)', () => {
    const v = nb.tensor([1, 2, 3]);
    expect(v.unsqueeze(0).shape).toEqual([1, 3]);
    expect(v.unsqueeze(1).shape).toEqual([3, 1]);
    expect(v.unsqueeze(-1).shape).toEqual([3, 1]);
    expect(v.unsqueeze(0).toArray()).toEqual([[1, 2, 3]]);
    expect(nb.tensor(5).unsqueeze(0).toArray()).toEqual([5]);
  });

  it('pass gradcheck', () => {
    expect(nb.gradcheck((t) => t.squeeze(1).unsqueeze(0), [randn([3, 1, 2], 4)])).toBe(true);
  });

  it('squeeze refuses a dimension that is not 1', () => {
    expect(() => x.squeeze(1)).toThrow(/squeeze: dimension 1 of shape \[1, 3, 1\] has size 3, not 1/);
  });
});

describe('expand / broadcastTo', () => {
  it('repeats size-1 and missing leading dimensions', () => {
    expect(nb.tensor([[1], [2], [3]]).expand(3, 4).toArray()).toEqual([[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]]);
    expect(nb.tensor([1, 2, 3]).expand([2, 3]).toArray()).toEqual([[1, 2, 3], [1, 2, 3]]);
    expect(nb.broadcastTo(nb.tensor(7), [2, 2]).toArray()).toEqual([[7, 7], [7, 7]]);
    expect(nb.broadcastTo(nb.tensor([[1, 2]]), [2, 3, 2]).shape).toEqual([2, 3, 2]);
  });

  it('sums the gradient over the repeated dimensions', () => {
    const x = nb.tensor([[1], [2]], { requiresGrad: true });
    x.expand(3, 2, 4).sum().backward();
    expect(x.grad!.toArray()).toEqual([[12], [12]]);
    expect(nb.gradcheck((t) => t.expand(2, 3, 4), [randn([3, 1], 5)])).toBe(true);
  });

  it('refuses to broadcast to a smaller or incompatible shape', () => {
    expect(() => nb.tensor([1, 2, 3]).expand(2, 4)).toThrow(/broadcastTo:.*\[3\].*\[2, 4\]/);
    expect(() => nb.zeros([2, 3]).expand(3)).toThrow(/broadcastTo: a tensor of shape \[2, 3\] cannot be broadcast to \[3\]/);
  });
});

describe('slice', () => {
  const v = nb.arange(10);
  const m = seq(3, 4); // m[i][j] = 4 i + j

  it('a number picks one index and drops the dimension (negative counts from the end)', () => {
    expect(v.slice(3).shape).toEqual([]);
    expect(v.slice(3).item()).toBe(3);
    expect(v.slice(-1).item()).toBe(9);
    expect(m.slice(1).toArray()).toEqual([4, 5, 6, 7]);
    expect(m.slice(-1, 0).item()).toBe(8);
    expect(m.slice(':', 2).toArray()).toEqual([2, 6, 10]);
  });

  it('ranges as arrays, objects or "start:end:step" strings keep the dimension', () => {
    expect(values(v.slice([2, 5]))).toEqual([2, 3, 4]);
    expect(values(v.slice('1:3'))).toEqual([1, 2]);
    expect(values(v.slice('::3'))).toEqual([0, 3, 6, 9]);
    expect(values(v.slice('-3:'))).toEqual([7, 8, 9]);
    expect(values(v.slice(':-7'))).toEqual([0, 1, 2]);
    expect(values(v.slice('-5:-1:2'))).toEqual([5, 7]);
    expect(values(v.slice({ start: 1, end: 8, step: 3 }))).toEqual([1, 4, 7]);
    expect(values(v.slice([null, null, 2]))).toEqual([0, 2, 4, 6, 8]);
    expect(values(v.slice(' 2 : 4 '))).toEqual([2, 3]);
    expect(m.slice('0:2', '1:3').toArray()).toEqual([[1, 2], [5, 6]]);
    expect(m.slice('::2', '1::2').toArray()).toEqual([[1, 3], [9, 11]]);
    expect(m.slice('1:').shape).toEqual([2, 4]);
  });

  it('clamps range ends like Python and allows empty results', () => {
    expect(m.slice('1:100').shape).toEqual([2, 4]);
    expect(m.slice([-100, 1]).toArray()).toEqual([[0, 1, 2, 3]]);
    expect(m.slice('5:').shape).toEqual([0, 4]);
    expect(v.slice('4:2').shape).toEqual([0]);
  });

  it('scatters the gradient back into the sliced positions', () => {
    const x = nb.zeros([5], { requiresGrad: true });
    x.slice('1:5:2').sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 1, 0, 1, 0]);
    const y = nb.zeros([2, 3], { requiresGrad: true });
    y.slice(1, '1:').backward(nb.tensor([7, 8]));
    expect(y.grad!.toArray()).toEqual([[0, 0, 0], [0, 7, 8]]);
  });

  it('passes gradcheck for numbers, ranges, strings, steps and negative indices', () => {
    const x = randn([4, 5, 3], 6);
    for (const specs of [
      [1],
      [-1, '1:4'],
      ['1:3', ':', 2],
      ['::2', '-3:', [0, 3, 2]],
      [{ start: 1, step: 2 }, 4, -2],
    ] as nb.SliceSpec[][]) {
      expect(nb.gradcheck((t) => t.slice(...specs), [x]), JSON.stringify(specs)).toBe(true);
    }
  });

  it('rejects bad specs with a message naming the dimension', () => {
    expect(() => v.slice('1:2:0')).toThrow(/step must be a positive integer, got 0 for dimension 0/);
    expect(() => v.slice('a:b')).toThrow(/cannot parse 'a:b' for dimension 0/);
    expect(() => v.slice('3')).toThrow(/cannot parse '3'/);
    expect(() => m.slice(0, 0, 0)).toThrow(/3 indices given for a tensor of shape \[3, 4\]/);
  });
});

describe('concat', () => {
  it('joins along an existing axis', () => {
    const a = nb.tensor([[1, 2]]);
    const b = nb.tensor([[3, 4], [5, 6]]);
    expect(nb.concat([a, b]).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    const c = nb.tensor([[1], [2]]);
    const d = nb.tensor([[3, 4], [5, 6]]);
    expect(nb.concat([c, d], 1).toArray()).toEqual([[1, 3, 4], [2, 5, 6]]);
    expect(nb.concat([c, d], -1).toArray()).toEqual([[1, 3, 4], [2, 5, 6]]);
    expect(nb.concat([nb.tensor([1, 2])]).toArray()).toEqual([1, 2]);
    expect(nb.concat([nb.zeros([0, 2]), a]).toArray()).toEqual([[1, 2]]);
  });

  it('passes the matching slice of the gradient to each input', () => {
    const a = nb.zeros([2, 1], { requiresGrad: true });
    const b = nb.zeros([2, 2], { requiresGrad: true });
    nb.concat([a, b], 1).backward(nb.tensor([[1, 2, 3], [4, 5, 6]]));
    expect(a.grad!.toArray()).toEqual([[1], [4]]);
    expect(b.grad!.toArray()).toEqual([[2, 3], [5, 6]]);
  });

  it('passes gradcheck along each axis', () => {
    for (const axis of [0, 1, 2, -1]) {
      const shapes = [0, 1, 2].map((i) => [2, 3, 2].map((d, k) => (k === (axis + 3) % 3 ? i + 1 : d)));
      const inputs = shapes.map((s, i) => randn(s, 10 + i));
      expect(nb.gradcheck((...ts) => nb.concat(ts, axis), inputs)).toBe(true);
    }
  });

  it('only inputs that require grad get one', () => {
    const a = nb.ones([2], { requiresGrad: true });
    const b = nb.ones([3]);
    nb.concat([a, b]).sum().backward();
    expect(a.grad!.toArray()).toEqual([1, 1]);
    expect(b.grad).toBeNull();
  });

  it('rejects an empty list and mixed dtypes', () => {
    expect(() => nb.concat([])).toThrow(/concat: needs at least one tensor/);
    expect(() => nb.concat([nb.tensor([1]), nb.tensor([1], { dtype: 'int32' })])).toThrow(/tensor 1 is int32 but tensor 0 is float32/);
  });
});

describe('stack', () => {
  const a = nb.tensor([1, 2, 3]);
  const b = nb.tensor([4, 5, 6]);

  it('joins along a new axis', () => {
    expect(nb.stack([a, b]).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(nb.stack([a, b], 1).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(nb.stack([a, b], -1).shape).toEqual([3, 2]);
    expect(nb.stack([nb.tensor(1), nb.tensor(2)]).toArray()).toEqual([1, 2]);
  });

  it('passes gradcheck along each axis', () => {
    for (const axis of [0, 1, 2, -1]) {
      expect(nb.gradcheck((x, y) => nb.stack([x, y], axis), [randn([2, 3], 20), randn([2, 3], 21)])).toBe(true);
    }
  });

  it('requires equal shapes', () => {
    expect(() => nb.stack([a, nb.tensor([1, 2])])).toThrow(/stack: tensor 1 has shape \[2\] but tensor 0 has \[3\]/);
    expect(() => nb.stack([])).toThrow(/stack: needs at least one tensor/);
  });
});

describe('clone and dtype conversion', () => {
  it('clone copies the storage and passes the gradient through', () => {
    const x = nb.tensor([1, 2], { requiresGrad: true });
    const c = x.clone();
    expect(c.data).not.toBe(x.data);
    c.mul(3).sum().backward();
    expect(x.grad!.toArray()).toEqual([3, 3]);
  });

  it('to() converts (float to int truncates toward zero) and gradients flow between float types', () => {
    expect(nb.tensor([1.7, -1.7]).to('int32').toArray()).toEqual([1, -1]);
    const x = nb.tensor([0.5, 1.5], { requiresGrad: true });
    const y = x.to('float64');
    expect(y.dtype).toBe('float64');
    y.mul(y).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    allclose(x.grad!, [1, 3]);
    expect(x.to('float32')).toBe(x);
  });
});
