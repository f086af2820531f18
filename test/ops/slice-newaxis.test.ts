import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

// null in a slice spec is a new axis, as PyTorch's x[:, None]: the same as nb.newaxis and as
// unsqueeze, alone and mixed with Ellipsis, indices and steps (the values are PyTorch 1.13's for
// the same Python indices), with float64 gradchecks. ':' is the whole dimension; null inside a
// range [start, end, step] still means a missing part.

const randn = (shape: number[], seed: number) => nb.randn(shape, { dtype: 'float64', generator: new nb.Generator(seed) });
const x = nb.arange(24).reshape(2, 3, 4);

describe('null in slice is a new axis', () => {
  it('matches unsqueeze', () => {
    expect(x.slice(':', null).shape).toEqual([2, 1, 3, 4]);
    expect(x.slice(':', null).toArray()).toEqual(x.unsqueeze(1).toArray());
    expect(x.slice(null).shape).toEqual([1, 2, 3, 4]);
    expect(x.slice(null).toArray()).toEqual(x.unsqueeze(0).toArray());
    expect(x.slice('...', null).toArray()).toEqual(x.unsqueeze(-1).toArray());
    expect(nb.tensor(5).slice(null).toArray()).toEqual([5]);
  });

  it('means the same as nb.newaxis wherever it stands', () => {
    for (const [withNull, withNewaxis] of [
      [[null, null], [nb.newaxis, nb.newaxis]],
      [[1, null, '::2'], [1, nb.newaxis, '::2']],
      [['...', null, '1::2'], ['...', nb.newaxis, '1::2']],
      [[null, ':', nb.ellipsis, nb.newaxis], [nb.newaxis, ':', nb.ellipsis, null]],
    ] as nb.SliceSpec[][][]) {
      const a = x.slice(...withNull);
      const b = x.slice(...withNewaxis);
      expect(a.shape, JSON.stringify(withNull)).toEqual(b.shape);
      expect(a.toArray()).toEqual(b.toArray());
    }
  });

  it('mixes with Ellipsis, indices and steps as PyTorch does', () => {
    expect(x.slice(1, null, '::2').toArray()).toEqual([[[12, 13, 14, 15], [20, 21, 22, 23]]]);
    expect(x.slice('...', null, '1::2').shape).toEqual([2, 3, 1, 2]);
    expect(x.slice(null, ':', '...', null).shape).toEqual([1, 2, 3, 4, 1]);
    expect(x.slice(':', null, -1).toArray()).toEqual([[[8, 9, 10, 11]], [[20, 21, 22, 23]]]);
  });

  it('takes no dimension of the input', () => {
    expect(x.slice(null, 0, null, 1, 2).toArray()).toEqual([[6]]);
    expect(() => x.slice(null, 0, 0, 0, 0)).toThrow(/slice: 4 indices given for a tensor of shape \[2, 3, 4\]/);
  });

  it('keeps null inside a range as a missing part, not a new axis', () => {
    expect(x.slice([null, 1]).shape).toEqual([1, 3, 4]);
    expect(x.slice(':', [null, null, 2]).toArray()).toEqual(x.slice(':', '::2').toArray());
  });

  it('passes gradcheck', () => {
    const t = randn([2, 3, 4], 3);
    for (const specs of [[':', null], [null], [null, '...', '::2', null], [1, null, '1:', nb.ellipsis], ['...', null, -2]] as nb.SliceSpec[][]) {
      expect(nb.gradcheck((a) => a.slice(...specs), [t]), JSON.stringify(specs)).toBe(true);
    }
  });
});
