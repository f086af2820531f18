import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '../../src/index.js';
import { clipGradNorm, clipGradValue } from '../../src/optim/index.js';
import { expectClose, values } from './helpers.js';

/** Two parameters with gradients [3, 4] and [[12]] (global L2 norm 13), and one without a gradient. */
function setup(dtype: 'float32' | 'float64' = 'float64'): { params: Tensor[]; g1: Tensor; g2: Tensor } {
  const p1 = tensor([0, 0], { dtype, requiresGrad: true });
  const p2 = tensor([[0]], { dtype, requiresGrad: true });
  const p3 = tensor([0, 0, 0], { dtype, requiresGrad: true });
  p1.grad = tensor([3, 4], { dtype });
  p2.grad = tensor([[12]], { dtype });
  return { params: [p1, p2, p3], g1: p1.grad, g2: p2.grad };
}

const l2 = (ts: Tensor[]): number => Math.sqrt(ts.reduce((acc, t) => acc + values(t).reduce((s, v) => s + v * v, 0), 0));

describe('clipGradNorm', () => {
  it('returns the total L2 norm and scales the gradients in place to maxNorm', () => {
    const { params, g1, g2 } = setup();
    const total = clipGradNorm(params, 6.5);
    expect(total).toBeCloseTo(13, 12);
    const c = 6.5 / (13 + 1e-6);
    expect(params[0].grad).toBe(g1); // in place
    expectClose(values(g1), [3 * c, 4 * c], 1e-12);
    expectClose(values(g2), [12 * c], 1e-12);
    expect(Math.abs(l2([g1, g2]) - 6.5)).toBeLessThan(1e-6);
    expect(params[2].grad).toBeNull();
  });

  it('leaves gradients under the limit unchanged', () => {
    const { params, g1, g2 } = setup();
    expect(clipGradNorm(params, 20)).toBeCloseTo(13, 12);
    expect(values(g1)).toEqual([3, 4]);
    expect(values(g2)).toEqual([12]);
  });

  it('clips float32 gradients', () => {
    const { params, g1, g2 } = setup('float32');
    expect(clipGradNorm(params, 1)).toBeCloseTo(13, 5);
    expect(g1.dtype).toBe('float32');
    expect(Math.abs(l2([g1, g2]) - 1)).toBeLessThan(1e-6);
  });

  it('infinity norm: the largest absolute value', () => {
    const { params, g1, g2 } = setup();
    g1.data[0] = -20;
    expect(clipGradNorm(params, 100, Infinity)).toBe(20);
    expect(clipGradNorm(params, 5, Infinity)).toBe(20);
    const c = 5 / (20 + 1e-6);
    expectClose(values(g1), [-20 * c, 4 * c], 1e-12);
    expectClose(values(g2), [12 * c], 1e-12);
  });

  it('other p-norms', () => {
    expect(clipGradNorm(setup().params, 100, 1)).toBeCloseTo(19, 12);
    expect(clipGradNorm(setup().params, 100, 3)).toBeCloseTo(Math.cbrt(27 + 64 + 1728), 10);
    const { params, g1, g2 } = setup();
    clipGradNorm(params, 1.9, 1);
    expect(values(g1).concat(values(g2)).reduce((s, v) => s + Math.abs(v), 0)).toBeCloseTo(1.9, 6);
  });

  it('accepts a single tensor and returns 0 when no parameter has a gradient', () => {
    const { params, g1 } = setup();
    expect(clipGradNorm(params[0], 1)).toBeCloseTo(5, 12);
    expectClose(values(g1), [3 / (5 + 1e-6), 4 / (5 + 1e-6)], 1e-12);
    expect(clipGradNorm([params[2]], 1)).toBe(0);
  });

  it('non-finite totals: NaN propagates like PyTorch, or throws with errorIfNonfinite', () => {
    const { params, g1, g2 } = setup();
    g1.data[0] = NaN;
    expect(() => clipGradNorm(params, 1, 2, { errorIfNonfinite: true })).toThrow('clipGradNorm: the total norm of order 2 of the gradients is NaN');
    expect(values(g2)).toEqual([12]);
    expect(clipGradNorm(params, 1)).toBeNaN();
    expect(values(g2)).toEqual([NaN]);
  });

  it('validates its arguments', () => {
    const { params } = setup();
    expect(() => clipGradNorm(params, -1)).toThrow('clipGradNorm: maxNorm must be a number >= 0, got -1');
    expect(() => clipGradNorm(params, 1, 0)).toThrow('clipGradNorm: normType must be a number > 0 or Infinity, got 0');
    expect(() => clipGradNorm([1 as unknown as Tensor], 1)).toThrow('clipGradNorm: parameter 0 is not a Tensor');
  });
});

describe('clipGradValue', () => {
  it('clamps each element to [-clipValue, clipValue] in place', () => {
    const { params, g1, g2 } = setup();
    g1.data[0] = -3.5;
    clipGradValue(params, 3.75);
    expect(params[0].grad).toBe(g1);
    expect(values(g1)).toEqual([-3.5, 3.75]);
    expect(values(g2)).toEqual([3.75]);
    clipGradValue(params, 1);
    expect(values(g1)).toEqual([-1, 1]);
    expect(params[2].grad).toBeNull();
  });

  it('validates clipValue', () => {
    expect(() => clipGradValue(setup().params, -0.5)).toThrow('clipGradValue: clipValue must be a number >= 0, got -0.5');
  });
});
