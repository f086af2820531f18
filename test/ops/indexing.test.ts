import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

const randn = (shape: number[], seed: number) => nb.randn(shape, { dtype: 'float64', generator: new nb.Generator(seed) });
const int = (values: nb.NestedArray) => nb.tensor(values, { dtype: 'int32' });

describe('gather', () => {
  const x = nb.tensor([[1, 2, 3], [4, 5, 6]]);

  it('picks out[i][j] = x[i][index[i][j]] along axis 1', () => {
    expect(nb.gather(x, 1, int([[2, 0], [1, 1]])).toArray()).toEqual([[3, 1], [5, 5]]);
    expect(x.gather(-1, int([[0], [2]])).toArray()).toEqual([[1], [6]]);
  });

  it('picks out[i][j] = x[index[i][j]][j] along axis 0', () => {
    expect(nb.gather(x, 0, int([[1, 0, 1]])).toArray()).toEqual([[4, 2, 6]]);
    expect(nb.gather(x, 0, int([[1, 1, 0], [0, 0, 1], [1, 0, 0]])).toArray()).toEqual([[4, 5, 3], [1, 2, 6], [4, 2, 3]]);
  });

  it('matches a reference along every axis of a 3-D tensor', () => {
    const t = randn([2, 3, 4], 1);
    const tv = t.toTypedArray();
    for (const axis of [0, 1, 2]) {
      const idxShape = [2, 3, 4];
      idxShape[axis] = 5;
      const index = nb.randint(0, t.shape[axis], idxShape, { generator: new nb.Generator(axis) });
      const iv = index.toTypedArray();
      const expected: number[] = [];
      for (let i = 0; i < idxShape[0]; i++) {
        for (let j = 0; j < idxShape[1]; j++) {
          for (let k = 0; k < idxShape[2]; k++) {
            const src = [i, j, k];
            src[axis] = iv[(i * idxShape[1] + j) * idxShape[2] + k];
            expected.push(tv[(src[0] * 3 + src[1]) * 4 + src[2]]);
          }
        }
      }
      const out = t.gather(axis, index);
      expect(out.shape).toEqual(idxShape);
      allclose(out.toTypedArray(), expected, 0);
    }
  });

  it('accumulates the gradient of repeated indices (scatter-add)', () => {
    const v = nb.tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    v.gather(1, int([[2, 2, 0], [1, 1, 1]])).backward(nb.tensor([[1, 10, 100], [1, 2, 3]]));
    expect(v.grad!.toArray()).toEqual([[100, 0, 11], [0, 6, 0]]);
  });

  it('passes gradcheck along every axis, with repeated indices', () => {
    const t = randn([3, 4, 2], 2);
    for (const axis of [0, 1, 2, -1]) {
      const idxShape = [3, 4, 2];
      idxShape[(axis + 3) % 3] = 6;
      const index = nb.randint(0, t.shape[(axis + 3) % 3], idxShape, { generator: new nb.Generator(10 + axis) });
      expect(nb.gradcheck((a) => a.gather(axis, index), [t])).toBe(true);
    }
  });

  it('requires int32 indices and an index shape matching outside the axis', () => {
    expect(() => x.gather(1, nb.tensor([[0], [1]]))).toThrow(/gather: index must be an int32 tensor, got float32/);
    expect(() => x.gather(1, int([[0]]))).toThrow(/gather: index of shape \[1, 1\] must match input shape \[2, 3\] in every dimension but 1/);
  });
});

describe('oneHot', () => {
  it('turns int32 labels into float32 one-hot rows', () => {
    const o = nb.oneHot(int([0, 2, 1]), 3);
    expect(o.dtype).toBe('float32');
    expect(o.toArray()).toEqual([[1, 0, 0], [0, 0, 1], [0, 1, 0]]);
  });

  it('appends the class dimension to any label shape', () => {
    const o = nb.oneHot(int([[1, 0], [3, 3]]), 4);
    expect(o.shape).toEqual([2, 2, 4]);
    expect(o.toArray()).toEqual([[[0, 1, 0, 0], [1, 0, 0, 0]], [[0, 0, 0, 1], [0, 0, 0, 1]]]);
    expect(nb.oneHot(int(2), 3).toArray()).toEqual([0, 0, 1]);
  });

  it('rejects labels out of range, float labels and a bad class count', () => {
    expect(() => nb.oneHot(int([0, 3]), 3)).toThrow(/oneHot: label 3 at position 1 is out of range \[0, 3\)/);
    expect(() => nb.oneHot(int([-1]), 3)).toThrow(/label -1 at position 0 is out of range/);
    expect(() => nb.oneHot(nb.tensor([0, 1]), 3)).toThrow(/label must be an int32 tensor, got float32/);
    expect(() => nb.oneHot(int([0]), 0)).toThrow(/numClasses must be a positive integer, got 0/);
  });
});
