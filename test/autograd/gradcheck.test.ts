import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

const randn = (shape: number[], seed: number) => nb.randn(shape, { dtype: 'float64', generator: new nb.Generator(seed) });

describe('gradcheck', () => {
  it('returns true for correct gradients, float32 inputs included', () => {
    expect(nb.gradcheck((x) => x.mul(x).sin(), [randn([3, 2], 1)])).toBe(true);
    expect(nb.gradcheck((x, y) => x.matmul(y).tanh(), [nb.randn([2, 3]), nb.randn([3, 2])])).toBe(true);
  });

  it('does not modify its inputs or give them gradients', () => {
    const x = randn([4], 2);
    const before = Array.from(x.toTypedArray());
    nb.gradcheck((t) => t.exp(), [x]);
    expect(Array.from(x.toTypedArray())).toEqual(before);
    expect(x.grad).toBeNull();
    expect(x.requiresGrad).toBe(false);
  });

  it('passes int32 inputs through untouched', () => {
    const idx = nb.tensor([1, 0], { dtype: 'int32' });
    let seen: nb.Tensor | null = null;
    nb.gradcheck((x, i) => {
      seen = i;
      return x.gather(0, i);
    }, [randn([3], 3), idx]);
    expect(seen).toBe(idx);
  });

  it('throws GradcheckError naming input, element and both gradients when backward is wrong', () => {
    // x * detach(x) has true derivative 2x, but autodiff treats the detached factor as a constant and reports x.
    const wrong = (x: nb.Tensor) => x.mul(x.detach());
    const x = nb.tensor([1.5, -2, 0.5], { dtype: 'float64' });
    expect(() => nb.gradcheck(wrong, [x])).toThrow(nb.GradcheckError);
    expect(() => nb.gradcheck(wrong, [x])).toThrow(/input 0 element \d+: analytic gradient .* vs numeric .*\(\|diff\| /);
    let caught: unknown;
    try {
      nb.gradcheck(wrong, [x]);
    } catch (e) {
      caught = e;
    }
    expect((caught as Error).name).toBe('GradcheckError');
  });

  it('returns false instead of throwing with raiseException: false', () => {
    const x = nb.tensor([1.5, -2, 0.5], { dtype: 'float64' });
    expect(nb.gradcheck((t) => t.mul(t.detach()), [x], { raiseException: false })).toBe(false);
  });

  it('detects a gradient that is wrong for only one of several inputs', () => {
    const a = randn([2], 4);
    const b = randn([2], 5);
    const fn = (p: nb.Tensor, q: nb.Tensor) => p.mul(q).add(q.mul(q.detach()));
    expect(() => nb.gradcheck(fn, [a, b])).toThrow(/input 1 element/);
  });

  it('detects a kink: floor(x) + x at integers has a huge finite difference but autodiff slope 1', () => {
    const x = nb.tensor([1, 2], { dtype: 'float64' });
    expect(nb.gradcheck((t) => t.floor().add(t), [x], { raiseException: false })).toBe(false);
    // away from integers the same function is fine
    expect(nb.gradcheck((t) => t.floor().add(t), [nb.tensor([1.5, 2.25], { dtype: 'float64' })])).toBe(true);
  });

  it('complains when the output does not depend on any float input', () => {
    expect(() => nb.gradcheck((x) => x.floor(), [randn([2], 6)])).toThrow(/output does not depend on any float input/);
  });

  it('uses atol / rtol: a tiny systematic error passes only with loose tolerances', () => {
    // the gradient of x * (1 + 1e-4 * detach(x)) is off by 1e-4 * x relative to the true derivative
    const fn = (t: nb.Tensor) => t.mul(t.detach().mul(1e-4).add(1));
    const x = nb.tensor([3, -4], { dtype: 'float64' });
    expect(nb.gradcheck(fn, [x], { raiseException: false, atol: 1e-7, rtol: 1e-7 })).toBe(false);
    expect(nb.gradcheck(fn, [x], { raiseException: false, atol: 1e-2 })).toBe(true);
  });
});
