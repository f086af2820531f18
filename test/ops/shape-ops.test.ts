import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

// Ellipsis and new axes in slice, flip, narrow, split, chunk, unbind, repeat, tile, pad's modes and
// roll: values, float64 gradchecks and argument errors. PyTorch's own numbers for the subtle cases
// are in shape-ops-torch.test.ts.

const randn = (shape: number[], seed: number) => nb.randn(shape, { dtype: 'float64', generator: new nb.Generator(seed) });
const x = nb.arange(24).reshape(2, 3, 4);
const shapes = (ts: nb.Tensor[]) => ts.map((t) => t.shape);

describe('slice with ellipsis and new axes', () => {
  it('lets an ellipsis stand for the dimensions the other entries leave out', () => {
    expect(x.slice(nb.ellipsis, 1).toArray()).toEqual([[1, 5, 9], [13, 17, 21]]);
    expect(x.slice('...', 1).toArray()).toEqual(x.slice(':', ':', 1).toArray());
    expect(x.slice(1, '...').shape).toEqual([3, 4]);
    expect(x.slice(1, nb.ellipsis, '1:3').toArray()).toEqual([[13, 14], [17, 18], [21, 22]]);
    expect(x.slice(0, 1, nb.ellipsis, 2).item()).toBe(6);
    expect(x.slice('...').shape).toEqual([2, 3, 4]);
  });

  it('inserts a dimension of size 1 for each newaxis', () => {
    expect(x.slice(nb.newaxis).shape).toEqual([1, 2, 3, 4]);
    expect(x.slice(':', nb.newaxis).shape).toEqual([2, 1, 3, 4]);
    expect(x.slice('...', nb.newaxis).shape).toEqual([2, 3, 4, 1]);
    expect(x.slice(nb.newaxis, 1, nb.newaxis, '::2', nb.newaxis).shape).toEqual([1, 1, 2, 1, 4]);
    expect(nb.tensor(5).slice(nb.newaxis, nb.newaxis).toArray()).toEqual([[5]]);
  });

  it('passes gradcheck with ellipses and new axes', () => {
    const t = randn([2, 3, 4], 1);
    for (const specs of [[nb.ellipsis, '1:3'], [nb.newaxis, 1, nb.ellipsis, nb.newaxis], ['::2', nb.ellipsis, -1, nb.newaxis]] as nb.SliceSpec[][]) {
      expect(nb.gradcheck((a) => a.slice(...specs), [t])).toBe(true);
    }
  });

  it('refuses two ellipses, too many indices and negative steps (pointing to flip)', () => {
    expect(() => x.slice('...', 0, nb.ellipsis)).toThrow(/slice: at most one ellipsis \('...'\) may appear, got 2/);
    expect(() => x.slice(0, 0, 0, nb.ellipsis, 0)).toThrow(/slice: 4 indices given for a tensor of shape \[2, 3, 4\]/);
    expect(() => x.slice(nb.newaxis, 0, 0, 0, 0)).toThrow(/4 indices given/);
    expect(() => x.slice('::-1')).toThrow(/slice: step must be positive, got -1 for dimension 0 \(as in PyTorch\); to reverse, flip the dimension first: nb.flip\(x, \[0\]\)/);
  });
});

describe('flip', () => {
  it('reverses the order along the given dims', () => {
    const m = nb.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(nb.flip(m, [0]).toArray()).toEqual([[4, 5, 6], [1, 2, 3]]);
    expect(m.flip(1).toArray()).toEqual([[3, 2, 1], [6, 5, 4]]);
    expect(m.flip(-1, 0).toArray()).toEqual([[6, 5, 4], [3, 2, 1]]);
    expect(m.flip([]).toArray()).toEqual(m.toArray());
    expect(nb.flip(nb.zeros([0, 2]), 0).shape).toEqual([0, 2]);
    expect(x.flip(1).slice('::2').flip(1).toArray()).toEqual(x.slice('::2').toArray());
  });

  it('passes gradcheck (and a flipped slice gives negative steps)', () => {
    expect(nb.gradcheck((a) => nb.flip(a, [0, 2]), [randn([2, 3, 2], 1)])).toBe(true);
    expect(nb.gradcheck((a) => nb.flip(a, 1).slice(':', '1::2'), [randn([2, 5], 2)])).toBe(true);
  });

  it('refuses repeated or out-of-range dims', () => {
    expect(() => x.flip(0, 0)).toThrow(/flip: repeated axis in \[0, 0\]/);
    expect(() => x.flip(3)).toThrow(/flip: axis 3 is out of range for a tensor with 3 dimension/);
  });
});

describe('narrow', () => {
  it('keeps length entries from start along dim', () => {
    expect(x.narrow(2, 1, 2).toArray()).toEqual(x.slice(':', ':', '1:3').toArray());
    expect(nb.narrow(x, 0, -1, 1).shape).toEqual([1, 3, 4]);
    expect(nb.gradcheck((a) => a.narrow(1, 1, 2), [randn([2, 3], 1)])).toBe(true);
    expect(() => x.narrow(1, 2, 2)).toThrow(/narrow: length 2 from start 2 runs past the end of dimension 1 of size 3/);
    expect(() => x.narrow(1, 4, 0)).toThrow(/narrow: start 4 is out of range for dimension 1 of size 3/);
  });
});

describe('split, chunk and unbind', () => {
  it('split cuts pieces of one size (the last shorter) or of the given sizes', () => {
    expect(shapes(nb.split(x, 2, 2))).toEqual([[2, 3, 2], [2, 3, 2]]);
    expect(shapes(x.split(2, 1))).toEqual([[2, 2, 4], [2, 1, 4]]);
    expect(shapes(x.split([1, 0, 3], -1))).toEqual([[2, 3, 1], [2, 3, 0], [2, 3, 3]]);
    expect(x.split(5, 1).length).toBe(1);
    expect(nb.split(nb.arange(5), [2, 3])[1].toArray()).toEqual([2, 3, 4]);
  });

  it('chunk gives ceil(size / chunks) per piece, so sometimes fewer pieces than asked', () => {
    expect(shapes(nb.chunk(nb.arange(5), 4))).toEqual([[2], [2], [1]]);
    expect(shapes(nb.chunk(nb.arange(6), 4))).toEqual([[2], [2], [2]]);
    expect(shapes(x.chunk(3, 1))).toEqual([[2, 1, 4], [2, 1, 4], [2, 1, 4]]);
    expect(shapes(nb.chunk(nb.zeros([0]), 2))).toEqual([[0]]);
  });

  it('unbind gives the entries along dim without it', () => {
    const rows = x.unbind(1);
    expect(shapes(rows)).toEqual([[2, 4], [2, 4], [2, 4]]);
    expect(rows[2].toArray()).toEqual(x.slice(':', 2).toArray());
  });

  it('pass gradcheck: every piece sends its gradient to its part', () => {
    const t = randn([5, 3], 1);
    const all = (pieces: nb.Tensor[]) => nb.concat(pieces.map((p, i) => p.mul(i + 1).flatten()));
    expect(nb.gradcheck((a) => all(nb.split(a, [2, 0, 3])), [t])).toBe(true);
    expect(nb.gradcheck((a) => all(nb.chunk(a, 2, 1)), [t])).toBe(true);
    expect(nb.gradcheck((a) => nb.stack(nb.unbind(a, 1).reverse(), 0), [t])).toBe(true);
  });

  it('name the sizes that do not fit', () => {
    expect(() => x.split([1, 1], 1)).toThrow(/split: section sizes \[1, 1\] add up to 2, but dimension 1 of \[2, 3, 4\] has size 3/);
    expect(() => x.split(0)).toThrow(/split: the piece size must be a positive integer, got 0/);
    expect(() => x.split([2, -1, 2], 1)).toThrow(/split: section sizes must be non-negative integers, got \[2, -1, 2\]/);
    expect(() => nb.split(x, '2' as never)).toThrow(/split: sizeOrSections must be a piece size or an array of section sizes, got '2'/);
    expect(() => x.chunk(0)).toThrow(/chunk: chunks must be a positive integer, got 0/);
    expect(() => x.unbind(3)).toThrow(/unbind: axis 3 is out of range/);
  });
});

describe('repeat and tile', () => {
  const v = nb.tensor([[1, 2]]);

  it('repeat copies the whole tensor along each dimension, adding leading ones', () => {
    expect(v.repeat(2, 2).toArray()).toEqual([[1, 2, 1, 2], [1, 2, 1, 2]]);
    expect(nb.repeat(nb.tensor([1, 2]), [2, 1, 2]).shape).toEqual([2, 1, 4]);
    expect(v.repeat(0, 1).shape).toEqual([0, 2]);
    expect(nb.tensor(3).repeat(2).toArray()).toEqual([3, 3]);
    expect(v.repeat(1, 1).storage, 'a copy, as in PyTorch').not.toBe(v.storage);
  });

  it('tile pads the counts with leading ones where repeat would refuse', () => {
    expect(v.tile(2).toArray()).toEqual([[1, 2, 1, 2]]);
    expect(nb.tile(v, [2, 1]).toArray()).toEqual([[1, 2], [1, 2]]);
    expect(() => v.repeat(2)).toThrow(/repeat: 1 repeat counts given for a tensor of shape \[1, 2\]; give at least one per dimension \(or use tile\)/);
  });

  it('pass gradcheck (the gradient sums the copies)', () => {
    expect(nb.gradcheck((a) => a.repeat(2, 1, 3), [randn([2, 2], 1)])).toBe(true);
    expect(nb.gradcheck((a) => a.tile([3]), [randn([2, 2], 2)])).toBe(true);
    expect(() => nb.repeat(v, 2 as never)).toThrow(/repeat: sizes must be an array of repeat counts, got 2/);
    expect(() => nb.tile(v, 2 as never)).toThrow(/tile: dims must be an array of repeat counts, got 2/);
    expect(() => v.repeat(1, -1)).toThrow(/repeat: the repeat counts must be non-negative integers, got \[1, -1\]/);
  });
});

describe('pad modes', () => {
  const row = nb.tensor([[1, 2, 3]]);

  it('fills the border by mirroring, repeating the edge or wrapping around', () => {
    expect(nb.pad(row, [2, 2]).toArray()).toEqual([[0, 0, 1, 2, 3, 0, 0]]);
    expect(nb.pad(row, [2, 1], 'constant', 9).toArray()).toEqual([[9, 9, 1, 2, 3, 9]]);
    expect(nb.pad(row, [2, 2], 'reflect').toArray()).toEqual([[3, 2, 1, 2, 3, 2, 1]]);
    expect(nb.pad(row, [2, 2], 'replicate').toArray()).toEqual([[1, 1, 1, 2, 3, 3, 3]]);
    expect(nb.pad(row, [3, 1], 'circular').toArray()).toEqual([[1, 2, 3, 1, 2, 3, 1]]);
    expect(nb.pad(nb.tensor([[1, 2], [3, 4]]), [0, 1, 1, 0], 'replicate').toArray()).toEqual([[1, 2, 2], [1, 2, 2], [3, 4, 4]]);
  });

  it('keeps the number-as-value form the convolutions use', () => {
    expect(nb.pad(row, [1, 0], -Infinity).toArray()).toEqual([[-Infinity, 1, 2, 3]]);
    expect(nb.pad(row, [-1, 0]).toArray()).toEqual([[2, 3]]);
  });

  it('pass gradcheck in every mode (the border\'s gradient goes back to the entries it copies)', () => {
    const t = randn([1, 2, 3, 4], 1);
    for (const mode of nb.PAD_MODES) expect(nb.gradcheck((a) => nb.pad(a, [2, 1, 0, 2], mode), [t]), mode).toBe(true);
  });

  it('refuses amounts the mode cannot fill, a value outside constant mode and unknown modes', () => {
    expect(() => nb.pad(row, [3, 0], 'reflect')).toThrow(/pad: reflect padding \(3, 0\) of dimension 1 must be smaller than its size 3 \(input \[1, 3\]\)/);
    expect(() => nb.pad(row, [4, 0], 'circular')).toThrow(/pad: circular padding \(4, 0\) of dimension 1 must be at most its size 3/);
    expect(() => nb.pad(row, [-1, 0], 'replicate')).toThrow(/pad: mode 'replicate' cannot crop: the padding \(-1, 0\) of dimension 1 must be non-negative/);
    expect(() => nb.pad(nb.zeros([2, 0]), [1, 1], 'replicate')).toThrow(/pad: replicate padding needs at least one entry to repeat, but dimension 1 of \[2, 0\] is empty/);
    expect(() => nb.pad(row, [1, 1], 'reflect', 0)).toThrow(/pad: mode 'reflect' takes no fill value, got 0; only 'constant' does/);
    expect(() => nb.pad(row, [1, 1], 'mirror' as never)).toThrow(/pad: mode must be one of 'constant', 'reflect', 'replicate', 'circular', got 'mirror'/);
    expect(() => nb.pad(row, [1, 1, 1])).toThrow(/pad: padding must be \(before, after\) integer pairs for at most 2 dimensions/);
  });
});

describe('roll', () => {
  const m = nb.arange(6).reshape(2, 3);

  it('shifts cyclically along each dim, negative shifts the other way', () => {
    expect(nb.roll(m, 1, 1).toArray()).toEqual([[2, 0, 1], [5, 3, 4]]);
    expect(m.roll(-1, 1).toArray()).toEqual([[1, 2, 0], [4, 5, 3]]);
    expect(m.roll([1, 4], [0, 1]).toArray()).toEqual([[5, 3, 4], [2, 0, 1]]);
    expect(m.roll([1, 1], [1, 1]).toArray()).toEqual(m.roll(2, 1).toArray());
    expect(m.roll(3, 1).storage, 'a copy, as in PyTorch').not.toBe(m.storage);
  });

  it('rolls the flattened tensor when no dims are given', () => {
    expect(m.roll(2).toArray()).toEqual([[4, 5, 0], [1, 2, 3]]);
    expect(nb.roll(nb.zeros([0]), 3).shape).toEqual([0]);
  });

  it('passes gradcheck', () => {
    expect(nb.gradcheck((a) => nb.roll(a, [2, -1], [0, 2]), [randn([3, 2, 2], 1)])).toBe(true);
    expect(nb.gradcheck((a) => a.roll(-4), [randn([2, 3], 2)])).toBe(true);
  });

  it('needs one shift per dim', () => {
    expect(() => m.roll([1, 2], [0])).toThrow(/roll: 2 shifts given for 1 dims; give one shift per dim/);
    expect(() => m.roll([1, 2])).toThrow(/roll: without dims, give one shift \(the flattened tensor's\), got 2/);
    expect(() => m.roll(1.5, 0)).toThrow(/roll: shifts must be integers, got \[1.5\]/);
  });
});
