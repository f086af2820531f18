import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

/** The value shared by each [H, W] channel of x (flattened [N * C] or [C]), or NaN where a channel is not constant. */
function channelValues(x: nb.Tensor): number[] {
  const plane = x.shape[x.ndim - 1] * x.shape[x.ndim - 2];
  const values = Array.from(x.toTypedArray());
  return Array.from({ length: values.length / plane }, (_, c) => {
    const channel = values.slice(c * plane, (c + 1) * plane);
    return channel.every((v) => v === channel[0]) ? channel[0] : NaN;
  });
}

describe('dropout2d', () => {
  it('zeroes whole channels with probability p and scales the others by 1 / (1 - p)', () => {
    const y = nb.dropout2d(nb.ones([40, 50, 3, 2]), 0.3, { generator: new nb.Generator(1) });
    const channels = channelValues(y);
    expect(channels.every((v) => v === 0 || Math.abs(v - 1 / 0.7) < 1e-6)).toBe(true);
    // 2000 Bernoulli(0.3) channels: standard error 0.0102.
    const dropped = channels.filter((v) => v === 0).length / channels.length;
    expect(Math.abs(dropped - 0.3)).toBeLessThan(0.04);
  });

  it('takes one sample [C, H, W], dropping its channels', () => {
    const y = nb.dropout2d(nb.ones([200, 2, 2]), 0.5, { generator: new nb.Generator(2) });
    const channels = channelValues(y);
    expect(channels.every((v) => v === 0 || v === 2)).toBe(true);
    expect(channels.some((v) => v === 0) && channels.some((v) => v === 2)).toBe(true);
  });

  it('draws the mask dropout draws for one value per channel ([N, C]) from the same seed', () => {
    const x = nb.randn([3, 5, 2, 2], { generator: new nb.Generator(4) });
    const y = nb.dropout2d(x, 0.4, { generator: new nb.Generator(9) });
    const mask = nb.dropout(nb.ones([3, 5]), 0.4, { generator: new nb.Generator(9) });
    expect(Array.from(y.toTypedArray())).toEqual(Array.from(x.mul(mask.reshape([3, 5, 1, 1])).toTypedArray()));
  });

  it('is the identity when not training or when p = 0, and all zeros when p = 1', () => {
    const x = nb.randn([2, 3, 4, 4]);
    expect(nb.dropout2d(x, 0.5, { training: false })).toBe(x);
    expect(nb.dropout2d(x, 0)).toBe(x);
    expect(Array.from(nb.dropout2d(x, 1).toTypedArray()).every((v) => v === 0)).toBe(true);
  });

  it('passes the gradient through the kept channels only, scaled like the values', () => {
    const x = nb.randn([4, 6, 2, 3], { dtype: 'float64' }).requiresGrad_();
    const y = nb.dropout2d(x, 0.4, { generator: new nb.Generator(3) });
    y.sum().backward();
    const kept = channelValues(nb.dropout2d(nb.ones([4, 6, 2, 3], { dtype: 'float64' }), 0.4, { generator: new nb.Generator(3) }));
    const grads = channelValues(x.grad!);
    grads.forEach((g, c) => expect(g).toBeCloseTo(kept[c], 12));
    expect(kept.some((v) => v === 0) && kept.some((v) => v !== 0)).toBe(true);
  });

  it('rejects a probability outside [0, 1], other ranks, integer tensors and unknown options', () => {
    expect(() => nb.dropout2d(nb.ones([2, 2, 2, 2]), 1.5)).toThrow('dropout2d: probability p must be in [0, 1], got 1.5');
    expect(() => nb.dropout2d(nb.ones([2, 3]), 0.5)).toThrow('dropout2d: expected input [N, C, H, W] or [C, H, W], got [2, 3]');
    expect(() => nb.dropout2d(nb.ones([1, 2, 3, 4, 5]), 0.5)).toThrow('dropout2d: expected input [N, C, H, W] or [C, H, W], got [1, 2, 3, 4, 5]');
    expect(() => nb.dropout2d(nb.ones([2, 2, 2], { dtype: 'int32' }), 0.5)).toThrow('dropout2d: expected a float tensor, got int32');
    expect(() => nb.dropout2d(nb.ones([2, 2, 2]), 0.5, { train: true } as nb.DropoutOptions)).toThrow(/dropout2d: options has an unknown option "train"/);
  });
});

describe('Dropout2d', () => {
  it('drops channels in training mode and is the identity after eval()', () => {
    const layer = new nb.Dropout2d(0.5, { generator: new nb.Generator(5) });
    const x = nb.ones([8, 16, 3, 3]);
    const channels = channelValues(layer.forward(x));
    expect(channels.every((v) => v === 0 || v === 2)).toBe(true);
    expect(channels.some((v) => v === 0)).toBe(true);
    layer.eval();
    expect(layer.forward(x)).toBe(x);
    expect(layer.parameters()).toEqual([]);
  });

  it('defaults to p = 0.5, prints like Dropout and checks p', () => {
    expect(new nb.Dropout2d().p).toBe(0.5);
    expect(String(new nb.Sequential(new nb.Dropout2d(0.2)))).toContain('(0): Dropout2d(p=0.2)');
    expect(() => new nb.Dropout2d(-0.5)).toThrow('Dropout2d: probability p must be in [0, 1], got -0.5');
    expect(() => new nb.Dropout2d(0.5, { seed: 1 } as { generator?: nb.Generator })).toThrow(/Dropout2d: options has an unknown option "seed"/);
    expect(() => new nb.Dropout(1.5)).toThrow('Dropout: probability p must be in [0, 1], got 1.5');
  });
});
