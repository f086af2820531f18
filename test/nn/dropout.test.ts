import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

describe('dropout', () => {
  it('zeroes a fraction p of the elements and scales the rest by 1 / (1 - p)', () => {
    const x = nb.ones([200, 500]);
    const y = nb.dropout(x, 0.3, { generator: new nb.Generator(1) });
    const values = Array.from(y.data);
    const zeros = values.filter((v) => v === 0).length / values.length;
    // 100k Bernoulli(0.3) draws: standard error 0.00145.
    expect(Math.abs(zeros - 0.3)).toBeLessThan(0.006);
    expect(values.every((v) => v === 0 || Math.abs(v - 1 / 0.7) < 1e-6)).toBe(true);
    expect(Math.abs(y.mean().item() - 1)).toBeLessThan(0.01);
  });

  it('is the identity when not training or when p = 0, and all zeros when p = 1', () => {
    const x = nb.randn([4, 5]);
    expect(nb.dropout(x, 0.5, { training: false })).toBe(x);
    expect(nb.dropout(x, 0)).toBe(x);
    expect(Array.from(nb.dropout(x, 1).data).every((v) => v === 0)).toBe(true);
  });

  it('passes the gradient through the kept elements only, scaled like the values', () => {
    const x = nb.randn([6, 7], { dtype: 'float64' }).requiresGrad_();
    const y = nb.dropout(x, 0.4, { generator: new nb.Generator(3) });
    y.sum().backward();
    for (let i = 0; i < x.size; i++) {
      expect(x.grad!.data[i]).toBeCloseTo(y.data[i] === 0 ? 0 : 1 / 0.6, 12);
    }
  });

  it('the same generator seed gives the same mask', () => {
    const x = nb.ones([50]);
    const a = nb.dropout(x, 0.5, { generator: new nb.Generator(9) });
    const b = nb.dropout(x, 0.5, { generator: new nb.Generator(9) });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });

  it('the Dropout module is active in training mode and off after eval()', () => {
    const model = new nb.Sequential(new nb.Linear(3, 3), new nb.Dropout(0.5, { generator: new nb.Generator(2) }));
    const x = nb.ones([100, 3]);
    const reference = new nb.Sequential(model.at(0)!);
    const trained = model.forward(x);
    expect(Array.from(trained.data).some((v) => v === 0)).toBe(true);
    model.eval();
    expect(Array.from(model.forward(x).data)).toEqual(Array.from(reference.forward(x).data));
    expect(model.toString()).toContain('(1): Dropout(p=0.5)');
  });

  it('rejects a probability outside [0, 1]', () => {
    expect(() => new nb.Dropout(1.5)).toThrow(/Dropout: probability p must be in \[0, 1\], got 1.5/);
    expect(() => nb.dropout(nb.ones([2]), -0.1)).toThrow(/dropout: probability p must be in \[0, 1\], got -0.1/);
  });
});
