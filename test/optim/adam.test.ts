import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/index.js';
import { Adam, AdamW } from '../../src/optim/index.js';
import { expectClose, leastSquares, param, quadraticBackward, quadraticGrad, trajectory, values } from './helpers.js';

const X0 = [1, -2, 3];

interface Ref { lr: number; beta1: number; beta2: number; eps: number; l2: number; decoupled: number }

/**
 * Adam as published (Kingma & Ba 2015, Algorithm 1) with an optional L2 term added to the gradient,
 * and AdamW's decoupled decay (Loshchilov & Hutter 2019, Algorithm 2, with the schedule multiplier
 * eta_t folded into lr as PyTorch does): x <- x - lr * (mhat / (sqrt(vhat) + eps) + lambda * x).
 */
function reference(r: Ref, steps: number): number[][] {
  let x = [...X0];
  let m = x.map(() => 0);
  let v = x.map(() => 0);
  const out: number[][] = [];
  for (let t = 1; t <= steps; t++) {
    const g = quadraticGrad(x).map((gi, i) => gi + r.l2 * x[i]);
    m = m.map((mi, i) => r.beta1 * mi + (1 - r.beta1) * g[i]);
    v = v.map((vi, i) => r.beta2 * vi + (1 - r.beta2) * g[i] * g[i]);
    const mHat = m.map((mi) => mi / (1 - r.beta1 ** t));
    const vHat = v.map((vi) => vi / (1 - r.beta2 ** t));
    x = x.map((xi, i) => xi - r.lr * (mHat[i] / (Math.sqrt(vHat[i]) + r.eps) + r.decoupled * xi));
    out.push(x);
  }
  return out;
}

function run(make: (p: ReturnType<typeof param>) => Adam, steps: number): number[][] {
  return trajectory(X0, make, steps);
}

const base = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, l2: 0, decoupled: 0 };

describe('Adam', () => {
  it('has PyTorch defaults', () => {
    const opt = new Adam([param(X0)]);
    expect(opt.defaults).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, decoupledWeightDecay: false, amsgrad: false });
  });

  it('first step of p = 1 with constant grad 2 at lr 0.1 gives 0.9 (m^/sqrt(v^) = 1)', () => {
    const p = tensor([1], { requiresGrad: true });
    const opt = new Adam([p], { lr: 0.1 });
    p.grad = tensor([2]);
    opt.step();
    expect(Math.abs(p.item() - 0.9)).toBeLessThanOrEqual(1e-6);
    // Constant gradient: every bias-corrected step is lr, so 5 steps give 0.5.
    for (let t = 0; t < 4; t++) opt.step();
    expect(Math.abs(p.item() - 0.5)).toBeLessThanOrEqual(1e-5);
    expect(opt.state.get(p)!.step).toBe(5);
  });

  it('matches Kingma & Ba over 5 steps', () => {
    const got = run((p) => new Adam([p], { lr: 0.1 }), 5);
    reference(base, 5).forEach((x, t) => expectClose(got[t], x, 1e-12));
  });

  it('matches Kingma & Ba with other betas and eps', () => {
    const got = run((p) => new Adam([p], { lr: 0.05, betas: [0.5, 0.9], eps: 1e-3 }), 5);
    reference({ ...base, lr: 0.05, beta1: 0.5, beta2: 0.9, eps: 1e-3 }, 5).forEach((x, t) => expectClose(got[t], x, 1e-12));
  });

  it('weightDecay adds an L2 term to the gradient', () => {
    const got = run((p) => new Adam([p], { lr: 0.1, weightDecay: 0.1 }), 5);
    reference({ ...base, l2: 0.1 }, 5).forEach((x, t) => expectClose(got[t], x, 1e-12));
    // ...which differs from the decoupled decay.
    const decoupled = reference({ ...base, decoupled: 0.1 }, 5);
    expect(Math.abs(got[4][0] - decoupled[4][0])).toBeGreaterThan(1e-4);
  });

  it('does not create state for parameters without a gradient', () => {
    const p = param(X0);
    const q = param([1, 2]);
    const opt = new Adam([p, q], { lr: 0.1 });
    quadraticBackward(p);
    opt.step();
    expect(opt.state.has(p)).toBe(true);
    expect(opt.state.has(q)).toBe(false);
    expect(values(q)).toEqual([1, 2]);
  });

  it('minimizes ||Mx - y||^2', () => {
    const { first, last } = leastSquares((x) => new Adam([x], { lr: 0.05 }), 600);
    expect(first).toBeGreaterThan(10);
    expect(last).toBeLessThan(1e-4);
  });
});

describe('AdamW', () => {
  it('has weightDecay 1e-2 by default, decoupled', () => {
    const opt = new AdamW([param(X0)]);
    expect(opt.defaults).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, decoupledWeightDecay: true, amsgrad: false });
    expect(new AdamW([param(X0)], { weightDecay: 0.5 }).defaults.weightDecay).toBe(0.5);
  });

  it('matches Loshchilov & Hutter decoupled decay over 5 steps', () => {
    const got = run((p) => new AdamW([p], { lr: 0.1, weightDecay: 0.1 }), 5);
    reference({ ...base, decoupled: 0.1 }, 5).forEach((x, t) => expectClose(got[t], x, 1e-12));
  });

  it('with the default decay', () => {
    const got = run((p) => new AdamW([p], { lr: 0.1 }), 5);
    reference({ ...base, decoupled: 0.01 }, 5).forEach((x, t) => expectClose(got[t], x, 1e-12));
  });

  it('equals Adam when weightDecay is 0', () => {
    const a = run((p) => new AdamW([p], { lr: 0.1, weightDecay: 0 }), 5);
    const b = run((p) => new Adam([p], { lr: 0.1 }), 5);
    expect(a).toEqual(b);
  });

  it('is an Adam', () => {
    expect(new AdamW([param(X0)])).toBeInstanceOf(Adam);
  });

  it('minimizes ||Mx - y||^2 (up to the small decay bias)', () => {
    const { first, last } = leastSquares((x) => new AdamW([x], { lr: 0.05 }), 600);
    expect(first).toBeGreaterThan(10);
    expect(last).toBeLessThan(1e-3);
  });
});
