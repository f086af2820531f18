import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

describe('tensor() from nested arrays', () => {
  it('infers the shape from the nesting and stores row-major float32 by default', () => {
    const t = nb.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.ndim).toBe(2);
    expect(t.size).toBe(6);
    expect(t.dtype).toBe('float32');
    expect(Array.from(t.toTypedArray())).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('handles deeper nesting, a plain number (0-d) and empty arrays', () => {
    expect(nb.tensor([[[1, 2]], [[3, 4]]]).shape).toEqual([2, 1, 2]);
    const scalar = nb.tensor(7.5);
    expect(scalar.shape).toEqual([]);
    expect(scalar.ndim).toBe(0);
    expect(scalar.item()).toBe(7.5);
    expect(nb.tensor([]).shape).toEqual([0]);
    expect(nb.tensor([[], []]).shape).toEqual([2, 0]);
  });

  it('honours the dtype option (int32 truncates, float64 keeps precision)', () => {
    const i = nb.tensor([1.9, -2.7, 3], { dtype: 'int32' });
    expect(i.dtype).toBe('int32');
    expect(i.toTypedArray()).toBeInstanceOf(Int32Array);
    expect(Array.from(i.toTypedArray())).toEqual([1, -2, 3]);
    const d = nb.tensor([0.1, 1e-300], { dtype: 'float64' });
    expect(d.dtype).toBe('float64');
    expect(Array.from(d.toTypedArray())).toEqual([0.1, 1e-300]);
    // float32 rounds 0.1 to the nearest float32
    expect(nb.tensor([0.1]).item()).toBe(Math.fround(0.1));
  });

  it('sets requiresGrad when asked, and refuses it for int32', () => {
    expect(nb.tensor([1, 2], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(nb.tensor([1, 2]).requiresGrad).toBe(false);
    expect(() => nb.tensor([1, 2], { dtype: 'int32', requiresGrad: true })).toThrow(/floating-point.*int32/);
  });

  it('rejects ragged arrays with a message that names the offending position and the expected length', () => {
    expect(() => nb.tensor([[1, 2], [3]])).toThrow(nb.ShapeError);
    expect(() => nb.tensor([[1, 2], [3]])).toThrow(/ragged.*\[1\] should have 2 elements.*\[2, 2\]/);
    expect(() => nb.tensor([[1, 2], 3] as unknown as nb.NestedArray)).toThrow(/ragged.*\[1\] should have 2 elements/);
    expect(() => nb.tensor([1, [2]] as unknown as nb.NestedArray)).toThrow(/expected a number at \[1\], found an array/);
    expect(() => nb.tensor([[1, 2], [3, 'x']] as unknown as nb.NestedArray)).toThrow(/expected a number at \[1\]\[1\], found string/);
  });
});

describe('tensor() from typed arrays', () => {
  it('keeps the typed array dtype and defaults to a 1-D shape', () => {
    const i = nb.tensor(new Int32Array([4, 5, 6]));
    expect(i.dtype).toBe('int32');
    expect(i.shape).toEqual([3]);
    expect(nb.tensor(new Float64Array([1, 2])).dtype).toBe('float64');
    expect(nb.tensor(new Float32Array([1, 2])).dtype).toBe('float32');
  });

  it('takes an explicit shape and converts when a dtype is given', () => {
    const t = nb.tensor(new Float64Array([1, 2, 3, 4, 5, 6]), { shape: [3, 2] });
    expect(t.shape).toEqual([3, 2]);
    expect(t.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    const c = nb.tensor(new Float64Array([1.5, -2.5]), { dtype: 'int32' });
    expect(c.dtype).toBe('int32');
    expect(Array.from(c.toTypedArray())).toEqual([1, -2]);
    const f = nb.tensor(new Int32Array([1, 2]), { dtype: 'float32' });
    expect(f.dtype).toBe('float32');
    expect(Array.from(f.toTypedArray())).toEqual([1, 2]);
  });

  it('rejects a shape that does not match the number of elements', () => {
    expect(() => nb.tensor(new Float32Array(6), { shape: [4, 2] })).toThrow(/6 elements cannot have shape \[4, 2\]/);
    expect(() => nb.tensor(new Float32Array(2), { shape: [-1, 2] })).toThrow(/invalid shape \[-1, 2\]/);
  });
});

describe('filled tensors', () => {
  it('zeros, ones and full give the requested shape, value and dtype', () => {
    const z = nb.zeros([2, 3]);
    expect(z.shape).toEqual([2, 3]);
    expect(z.dtype).toBe('float32');
    expect(Array.from(z.toTypedArray())).toEqual([0, 0, 0, 0, 0, 0]);
    const o = nb.ones([4], { dtype: 'int32' });
    expect(o.dtype).toBe('int32');
    expect(Array.from(o.toTypedArray())).toEqual([1, 1, 1, 1]);
    const f = nb.full([2, 2], -3.5, { dtype: 'float64' });
    expect(f.toArray()).toEqual([[-3.5, -3.5], [-3.5, -3.5]]);
    expect(nb.full([], 2).shape).toEqual([]);
    expect(nb.zeros([0, 5]).size).toBe(0);
    expect(nb.ones([2], { requiresGrad: true }).requiresGrad).toBe(true);
  });

  it('zerosLike / onesLike copy shape and dtype', () => {
    const base = nb.tensor([[1, 2, 3]], { dtype: 'float64' });
    const z = nb.zerosLike(base);
    expect(z.shape).toEqual([1, 3]);
    expect(z.dtype).toBe('float64');
    expect(Array.from(nb.onesLike(base).toTypedArray())).toEqual([1, 1, 1]);
  });

  it('rejects invalid shapes', () => {
    expect(() => nb.zeros([2, -1])).toThrow(/full: invalid shape \[2, -1\]/);
    expect(() => nb.ones([1.5])).toThrow(/invalid shape/);
  });
});

describe('arange', () => {
  it('counts from 0 with one argument, like numpy.arange(n)', () => {
    const t = nb.arange(5);
    expect(t.dtype).toBe('float32');
    expect(Array.from(t.toTypedArray())).toEqual([0, 1, 2, 3, 4]);
  });

  it('excludes the end, supports fractional and negative steps and a dtype', () => {
    expect(Array.from(nb.arange(2, 5).toTypedArray())).toEqual([2, 3, 4]);
    allclose(nb.arange(1, 2, 0.3, { dtype: 'float64' }), [1, 1.3, 1.6, 1.9], 1e-12);
    expect(Array.from(nb.arange(5, 0, -2, { dtype: 'int32' }).toTypedArray())).toEqual([5, 3, 1]);
    expect(nb.arange(3, 3).shape).toEqual([0]);
    expect(nb.arange(5, 0).shape).toEqual([0]);
    allclose(nb.arange(0, 1, 0.1), [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
  });

  it('rejects a zero step', () => {
    expect(() => nb.arange(0, 5, 0)).toThrow(/step must be a finite non-zero number, got 0/);
  });
});

describe('linspace', () => {
  it('gives evenly spaced values including both ends', () => {
    allclose(nb.linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
    allclose(nb.linspace(-1, 1, 3, { dtype: 'float64' }), [-1, 0, 1], 0);
    const t = nb.linspace(0, 0.7, 8, { dtype: 'float64' });
    expect(t.toTypedArray()[7]).toBe(0.7); // the end point is exact
    expect(nb.linspace(0, 1, 0).shape).toEqual([0]);
  });

  // NOTE: linspace(0, 1, 1) returns [1] but numpy/PyTorch return [start] = [0] — reported as a src bug, not asserted.
  it('linspace(start, end, 1) returns [start] like numpy', () => {
    expect(nb.linspace(2, 5, 1).toArray()).toEqual([2]);
  });

  it('rejects a negative or fractional number of steps', () => {
    expect(() => nb.linspace(0, 1, -1)).toThrow(/steps must be a non-negative integer, got -1/);
    expect(() => nb.linspace(0, 1, 2.5)).toThrow(/steps must be a non-negative integer/);
  });
});

describe('eye', () => {
  it('has ones on the main diagonal', () => {
    expect(nb.eye(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(nb.eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(nb.eye(3, 2, { dtype: 'int32' }).toArray()).toEqual([[1, 0], [0, 1], [0, 0]]);
    expect(nb.eye(3, 2, { dtype: 'int32' }).dtype).toBe('int32');
  });
});

describe('random tensors with a seeded Generator', () => {
  const values = (t: nb.Tensor) => Array.from(t.toTypedArray());

  it('the same seed gives the same values; a different seed gives different ones', () => {
    for (const make of [
      (g: nb.Generator) => nb.rand([50], { generator: g }),
      (g: nb.Generator) => nb.randn([50], { generator: g }),
      (g: nb.Generator) => nb.randint(0, 1000, [50], { generator: g }),
    ]) {
      expect(values(make(new nb.Generator(42)))).toEqual(values(make(new nb.Generator(42))));
      expect(values(make(new nb.Generator(42)))).not.toEqual(values(make(new nb.Generator(43))));
    }
  });

  it('re-seeding a generator with manualSeed restarts its sequence', () => {
    const g = new nb.Generator(7);
    const first = values(nb.randn([9], { generator: g, dtype: 'float64' })); // odd count: a spare normal is pending
    g.manualSeed(7);
    expect(values(nb.randn([9], { generator: g, dtype: 'float64' }))).toEqual(first);
  });

  it('manualSeed seeds the default generator', () => {
    nb.manualSeed(123);
    const a = values(nb.rand([10]));
    const b = values(nb.rand([10]));
    nb.manualSeed(123);
    expect(values(nb.rand([10]))).toEqual(a);
    expect(b).not.toEqual(a);
  });

  it('consecutive draws from one generator differ', () => {
    const g = new nb.Generator(1);
    expect(values(nb.rand([20], { generator: g }))).not.toEqual(values(nb.rand([20], { generator: g })));
  });

  it('rand is uniform on [low, high)', () => {
    const t = nb.rand([20000], { generator: new nb.Generator(5), low: -2, high: 3, dtype: 'float64' });
    const v = values(t);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...v)).toBeLessThan(3);
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    expect(mean).toBeCloseTo(0.5, 1); // sd of the mean is 1.44/sqrt(20000) ~ 0.01
    const g = new nb.Generator(9);
    const u = values(nb.rand([1000], { generator: g }));
    expect(u.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('randn has mean ~ 0 and variance ~ 1 over 100k samples', () => {
    const v = values(nb.randn([100000], { generator: new nb.Generator(2024), dtype: 'float64' }));
    const n = v.length;
    const mean = v.reduce((s, x) => s + x, 0) / n;
    const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
    // standard errors: 0.0032 for the mean, 0.0045 for the variance; these bounds are > 6 sigma
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.03);
    // about 68.3% of samples lie within one standard deviation
    const within = v.filter((x) => Math.abs(x) < 1).length / n;
    expect(Math.abs(within - 0.6827)).toBeLessThan(0.01);
  });

  it('randn honours mean and std options', () => {
    const v = values(nb.randn([20000], { generator: new nb.Generator(3), mean: 5, std: 0.5, dtype: 'float64' }));
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const sd = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (v.length - 1));
    expect(Math.abs(mean - 5)).toBeLessThan(0.03);
    expect(Math.abs(sd - 0.5)).toBeLessThan(0.03);
  });

  it('randint draws int32 integers in [low, high), hitting every value', () => {
    const t = nb.randint(3, 7, [2000], { generator: new nb.Generator(11) });
    expect(t.dtype).toBe('int32');
    const v = values(t);
    expect(v.every((x) => Number.isInteger(x) && x >= 3 && x < 7)).toBe(true);
    expect(new Set(v)).toEqual(new Set([3, 4, 5, 6]));
    const neg = values(nb.randint(-2, 0, [200], { generator: new nb.Generator(1) }));
    expect(new Set(neg)).toEqual(new Set([-2, -1]));
    expect(nb.randint(0, 5, [3], { dtype: 'float32' }).dtype).toBe('float32');
  });

  it('randint rejects an empty or fractional range', () => {
    expect(() => nb.randint(5, 5, [3])).toThrow(/need integers low < high, got 5 and 5/);
    expect(() => nb.randint(0, 2.5, [3])).toThrow(/need integers low < high/);
  });
});

describe('reading values out', () => {
  it('item() returns the value of a one-element tensor of any shape', () => {
    expect(nb.tensor([[2.5]]).item()).toBe(2.5);
    expect(nb.tensor(-4, { dtype: 'int32' }).item()).toBe(-4);
  });

  it('item() on several elements names the shape', () => {
    expect(() => nb.tensor([1, 2]).item()).toThrow(/only one-element tensors.*shape \[2\]/);
  });

  it('toArray() returns nested arrays matching the shape (a number for 0-d)', () => {
    expect(nb.tensor([[1, 2], [3, 4], [5, 6]]).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(nb.tensor([[[1], [2]]]).toArray()).toEqual([[[1], [2]]]);
    expect(nb.tensor(3).toArray()).toBe(3);
    expect(nb.zeros([2, 0]).toArray()).toEqual([[], []]);
  });

  it('toTypedArray() returns a row-major copy of the right class', () => {
    const t = nb.tensor([[1, 2], [3, 4]], { dtype: 'float64' });
    const copy = t.toTypedArray();
    expect(copy).toBeInstanceOf(Float64Array);
    expect(Array.from(copy)).toEqual([1, 2, 3, 4]);
    copy[0] = 100;
    expect(t.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(nb.tensor([1], { dtype: 'int32' }).toTypedArray()).toBeInstanceOf(Int32Array);
    expect(nb.tensor([1]).toTypedArray()).toBeInstanceOf(Float32Array);
  });
});

describe('printing', () => {
  it('formats floats with 4 decimals in aligned columns, followed by the shape', () => {
    const s = nb.tensor([[1, 2.5], [-3, 4]]).toString();
    expect(s).toBe('tensor([[ 1.0000,  2.5000],\n        [-3.0000,  4.0000]], shape=[2, 2])');
  });

  it('rounds to 4 decimals and shows non-default dtypes and gradient state', () => {
    const s = nb.tensor([3.14159265, 2.71828], { dtype: 'float64' }).toString();
    expect(s).toContain('3.1416');
    expect(s).toContain('2.7183');
    expect(s).toContain('shape=[2]');
    expect(s).toContain('dtype=float64');
    expect(nb.tensor([1], { requiresGrad: true }).toString()).toContain('requiresGrad=true');
    const y = nb.tensor([1], { requiresGrad: true }).mul(2);
    expect(y.toString()).toContain('gradFn=mul');
  });

  it('prints a 0-d tensor as a bare number', () => {
    expect(nb.tensor(3).toString()).toBe('tensor(3.0000, shape=[])');
  });

  it('prints int32 without decimals', () => {
    const s = nb.tensor([1, 20, 3], { dtype: 'int32' }).toString();
    expect(s).toBe('tensor([ 1, 20,  3], shape=[3], dtype=int32)');
    expect(s).not.toContain('.');
  });

  it('switches to exponent notation for very small or very large magnitudes', () => {
    const s = nb.tensor([1e-6, 1], { dtype: 'float64' }).toString();
    expect(s).toContain('1.0000e-6');
    expect(s).toContain('1.0000e+0');
  });

  it('prints non-finite values as nan / inf', () => {
    const s = nb.tensor([NaN, Infinity, -Infinity]).toString();
    expect(s).toContain('nan');
    expect(s).toContain(' inf');
    expect(s).toContain('-inf');
  });

  it('summarizes tensors of more than 1000 elements with "..." and the first/last 3 entries', () => {
    const s = nb.arange(2000).toString();
    expect(s).toContain('...');
    expect(s).toContain('0.0000');
    expect(s).toContain('2.0000');
    expect(s).toContain('1997.0000');
    expect(s).toContain('1999.0000');
    expect(s).not.toContain('3.0000,');
    expect(s).not.toContain('1000.0000');
    expect(s).toContain('shape=[2000]');
    expect(s.length).toBeLessThan(200);

    const m = nb.arange(2000).reshape(2, 1000).toString();
    expect(m.split('...').length - 1).toBe(2); // one per row
    expect(m).toContain('shape=[2, 1000]');

    expect(nb.arange(1000).toString()).not.toContain('...');
    expect(nb.arange(1001).toString()).toContain('...');

    // A dataset-sized tensor prints its corners only (this once overflowed the call stack).
    const big = nb.zeros([60000, 784]).toString();
    expect(big.split('\n')).toHaveLength(7);
    expect(big).toContain('shape=[60000, 784]');
    // Width and notation follow the printed values, not the elided ones.
    const huge = nb.zeros([100, 100]);
    huge.data[5000] = 1e12;
    expect(huge.toString()).not.toContain('e+');
  });
});
