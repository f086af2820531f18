import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

describe('backward()', () => {
  it('on a scalar starts from gradient 1 and fills .grad of the leaves', () => {
    const x = nb.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x).sum(); // d/dx sum(x^2) = 2x
    y.backward();
    expect(x.grad!.toArray()).toEqual([2, 4, 6]);
    expect(x.grad!.shape).toEqual([3]);
    expect(x.grad!.dtype).toBe('float32');
  });

  it('on a 1-element non-0-d output also works without a gradient', () => {
    const x = nb.tensor([[3]], { requiresGrad: true });
    x.mul(2).backward();
    expect(x.grad!.toArray()).toEqual([[2]]);
  });

  it('on a leaf gives gradient 1', () => {
    const x = nb.tensor(5, { requiresGrad: true });
    x.backward();
    expect(x.grad!.item()).toBe(1);
  });

  it('with an upstream gradient on a non-scalar computes the vector-Jacobian product', () => {
    const x = nb.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x); // Jacobian diag(2x)
    y.backward(nb.tensor([1, 0.5, -1]));
    expect(x.grad!.toArray()).toEqual([2, 2, -6]);
  });

  it('follows a chain: d/dx exp(sin(x) * 3) = 3 cos(x) exp(3 sin(x))', () => {
    const xs = [0.1, -0.7, 1.2];
    const x = nb.tensor(xs, { dtype: 'float64', requiresGrad: true });
    x.sin().mul(3).exp().sum().backward();
    allclose(x.grad!, xs.map((v) => 3 * Math.cos(v) * Math.exp(3 * Math.sin(v))), 1e-12);
  });

  it('gives the gradient for each of several inputs', () => {
    const a = nb.tensor([2], { dtype: 'float64', requiresGrad: true });
    const b = nb.tensor([5], { dtype: 'float64', requiresGrad: true });
    a.mul(b).add(a.div(b)).sum().backward(); // ab + a/b
    allclose(a.grad!, [5 + 1 / 5], 1e-15);
    allclose(b.grad!, [2 - 2 / 25], 1e-15);
  });

  it('does not fill .grad on intermediate (non-leaf) tensors', () => {
    const x = nb.tensor([1, 2], { requiresGrad: true });
    const h = x.mul(2);
    h.sum().backward();
    expect(h.isLeaf).toBe(false);
    expect(h.grad).toBeNull();
    expect(x.isLeaf).toBe(true);
  });
});

describe('backward() errors', () => {
  it('refuses a non-scalar output without an upstream gradient, naming its shape', () => {
    const x = nb.tensor([1, 2], { requiresGrad: true });
    expect(() => x.mul(2).backward()).toThrow(/gradient can be implicitly created only for a scalar output.*shape \[2\]/);
  });

  it('refuses an upstream gradient whose shape differs, naming both shapes', () => {
    const x = nb.tensor([1, 2], { requiresGrad: true });
    expect(() => x.mul(2).backward(nb.tensor([1, 2, 3]))).toThrow(/gradient shape \[3\] does not match output shape \[2\]/);
    expect(() => x.mul(2).backward(nb.tensor([[1, 2]]))).toThrow(/gradient shape \[1, 2\] does not match output shape \[2\]/);
  });

  it('refuses a tensor that does not require grad', () => {
    expect(() => nb.tensor([1, 2]).sum().backward()).toThrow(/does not require grad/);
    expect(() => nb.backward(nb.tensor(1))).toThrow(/does not require grad/);
  });
});

describe('gradient accumulation', () => {
  it('two backward() calls add up: .grad doubles', () => {
    const x = nb.tensor([1, -2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([2, -4, 6]);
    const first = x.grad!;
    x.mul(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([4, -8, 12]);
    expect(x.grad).toBe(first); // accumulated in place
  });

  it('backward() twice through the same graph accumulates when the first keeps the graph (retainGraph)', () => {
    const x = nb.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3).sum();
    y.backward({ retainGraph: true });
    y.backward();
    expect(x.grad!.toArray()).toEqual([6, 6]);
  });

  it('a second backward() through a released graph throws, as in PyTorch', () => {
    const x = nb.tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3);
    const y = h.sum();
    y.backward();
    expect(() => y.backward()).toThrow(/backward through the graph a second time \(at sum\).*retainGraph: true/);
    // The intermediate h shares the released graph: a new loss built on it cannot backpropagate either.
    expect(() => h.mul(2).sum().backward()).toThrow(/second time \(at mul\)/);
    expect(x.grad!.toArray()).toEqual([3, 3]);
  });

  it('zeroGrad() clears .grad so the next backward starts fresh', () => {
    const x = nb.tensor([1, 2], { requiresGrad: true });
    x.mul(3).sum().backward();
    x.zeroGrad();
    expect(x.grad).toBeNull();
    x.mul(5).sum().backward();
    expect(x.grad!.toArray()).toEqual([5, 5]);
  });

  it('the stored gradient is not aliased to a tensor of the graph', () => {
    const x = nb.tensor([1, 2], { requiresGrad: true });
    const g = nb.tensor([1, 1]);
    x.mul(1).backward(g);
    x.mul(1).backward(g);
    expect(g.toArray()).toEqual([1, 1]);
    expect(x.grad!.toArray()).toEqual([2, 2]);
  });
});

describe('graphs with shared tensors', () => {
  it('a tensor used twice (x * x + x) gets the summed gradient 2x + 1', () => {
    const x = nb.tensor([1, 2, -3], { requiresGrad: true });
    x.mul(x).add(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([3, 5, -5]);
  });

  it('a diamond (h = 2x; y = h * h + h) is differentiated once per path', () => {
    const x = nb.tensor([1, 3], { requiresGrad: true });
    const h = x.mul(2);
    h.mul(h).add(h).sum().backward(); // dy/dx = (2h + 1) * 2 = 8x + 2
    expect(x.grad!.toArray()).toEqual([10, 26]);
  });

  it('a deep chain does not overflow the stack', () => {
    const x = nb.tensor([1], { dtype: 'float64', requiresGrad: true });
    let y = x;
    for (let i = 0; i < 5000; i++) y = y.add(1);
    y.sum().backward();
    expect(x.grad!.item()).toBe(1);
  });
});

describe('noGrad and detach', () => {
  it('noGrad produces tensors without gradFn and restores the previous mode', () => {
    const x = nb.tensor([1, 2], { requiresGrad: true });
    expect(nb.isGradEnabled()).toBe(true);
    const y = nb.noGrad(() => {
      expect(nb.isGradEnabled()).toBe(false);
      return x.mul(2).add(1);
    });
    expect(nb.isGradEnabled()).toBe(true);
    expect(y.gradFn).toBeNull();
    expect(y.requiresGrad).toBe(false);
    expect(y.toArray()).toEqual([3, 5]);
    expect(x.mul(2).gradFn).not.toBeNull();
  });

  it('noGrad restores the mode even when the callback throws, and nests', () => {
    expect(() => nb.noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(nb.isGradEnabled()).toBe(true);
    nb.noGrad(() => {
      nb.noGrad(() => undefined);
      expect(nb.isGradEnabled()).toBe(false);
    });
    expect(nb.isGradEnabled()).toBe(true);
  });

  it('detach cuts the graph: no gradient flows through the detached branch', () => {
    const x = nb.tensor([2, 3], { requiresGrad: true });
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.gradFn).toBeNull();
    x.mul(d).sum().backward(); // d treated as a constant: gradient = d = x, not 2x
    expect(x.grad!.toArray()).toEqual([2, 3]);
  });

  it('detach shares storage with the original', () => {
    const x = nb.tensor([1, 2]);
    const d = x.detach();
    expect(d.data).toBe(x.data);
    expect(d.shape).toEqual(x.shape);
  });

  it('records the op name on gradFn', () => {
    const x = nb.tensor([1, 2], { requiresGrad: true });
    expect(x.add(1).gradFn!.name).toBe('add');
    expect(x.sum().gradFn!.name).toBe('sum');
    expect(x.gradFn).toBeNull();
  });
});

describe('requiresGrad_', () => {
  it('marks a float leaf and can be undone', () => {
    const x = nb.tensor([1]);
    expect(x.requiresGrad_()).toBe(x);
    expect(x.requiresGrad).toBe(true);
    x.requiresGrad_(false);
    expect(x.requiresGrad).toBe(false);
  });

  it('throws on int32 tensors', () => {
    const i = nb.tensor([1, 2], { dtype: 'int32' });
    expect(() => i.requiresGrad_()).toThrow(TypeError);
    expect(() => i.requiresGrad_()).toThrow(/only floating-point tensors can require gradients, this one is int32/);
    expect(() => i.requiresGrad_(false)).not.toThrow();
  });

  it('throws on non-leaf tensors', () => {
    const y = nb.tensor([1], { requiresGrad: true }).mul(2);
    expect(() => y.requiresGrad_()).toThrow(/can only be set on leaf tensors/);
  });

  it('ops on tensors that need no gradient record nothing', () => {
    const y = nb.tensor([1, 2]).mul(nb.tensor([3, 4]));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
  });
});
