import { describe, expect, it } from 'vitest';
import { SGD } from '../../src/optim/index.js';
import { expectClose, leastSquares, param, quadraticBackward, quadraticGrad, trajectory, values } from './helpers.js';

const X0 = [1, -2, 3];

/** Runs `steps` SGD steps on the quadratic and returns the parameter after each. */
function run(options: ConstructorParameters<typeof SGD>[1], steps: number): number[][] {
  return trajectory(X0, (p) => new SGD([p], options), steps);
}

describe('SGD', () => {
  it('plain: x <- x - lr * (a x - b)', () => {
    const got = run({ lr: 0.1 }, 4);
    let x = [...X0];
    for (let t = 0; t < 4; t++) {
      const g = quadraticGrad(x);
      x = x.map((xi, i) => xi - 0.1 * g[i]);
      expectClose(got[t], x, 1e-14);
    }
    // First step by hand: g = [1*1-0.5, 2*-2+1, 0.5*3-2] = [0.5, -3, -0.5].
    expectClose(got[0], [1 - 0.05, -2 + 0.3, 3 + 0.05], 1e-14);
  });

  it('momentum: v1 = g1 (PyTorch), then v = m v + g; x <- x - lr v', () => {
    const got = run({ lr: 0.1, momentum: 0.9 }, 5);
    let x = [...X0];
    let v: number[] = [];
    for (let t = 0; t < 5; t++) {
      const g = quadraticGrad(x);
      v = t === 0 ? g : v.map((vi, i) => 0.9 * vi + g[i]);
      x = x.map((xi, i) => xi - 0.1 * v[i]);
      expectClose(got[t], x, 1e-14);
    }
  });

  it('first step stores the gradient itself as the momentum buffer, whatever the dampening', () => {
    const p = param(X0);
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.5 });
    quadraticBackward(p);
    opt.step();
    expectClose(Array.from(opt.state.get(p)!.momentumBuffer.toTypedArray()), [0.5, -3, -0.5], 1e-15);
    expectClose(values(p), [1 - 0.05, -2 + 0.3, 3 + 0.05], 1e-14);
  });

  it('dampening: v = m v + (1 - d) g after the first step', () => {
    const got = run({ lr: 0.05, momentum: 0.8, dampening: 0.3 }, 5);
    let x = [...X0];
    let v: number[] = [];
    for (let t = 0; t < 5; t++) {
      const g = quadraticGrad(x);
      v = t === 0 ? g : v.map((vi, i) => 0.8 * vi + 0.7 * g[i]);
      x = x.map((xi, i) => xi - 0.05 * v[i]);
      expectClose(got[t], x, 1e-14);
    }
  });

  it('dampening = momentum is the running average v = m v + (1 - m) g (buffer starts at g1)', () => {
    const m = 0.9;
    const p = param(X0);
    const opt = new SGD([p], { lr: 0.2, momentum: m, dampening: m });
    let x = [...X0];
    let avg: number[] = [];
    for (let t = 0; t < 6; t++) {
      const g = quadraticGrad(x);
      avg = t === 0 ? g : avg.map((a, i) => m * a + (1 - m) * g[i]);
      quadraticBackward(p);
      opt.step();
      expectClose(Array.from(opt.state.get(p)!.momentumBuffer.toTypedArray()), avg, 1e-13);
      x = x.map((xi, i) => xi - 0.2 * avg[i]);
      expectClose(values(p), x, 1e-13);
    }
  });

  it('nesterov: x <- x - lr (g + m v)', () => {
    const got = run({ lr: 0.1, momentum: 0.9, nesterov: true }, 5);
    let x = [...X0];
    let v: number[] = [];
    for (let t = 0; t < 5; t++) {
      const g = quadraticGrad(x);
      v = t === 0 ? g : v.map((vi, i) => 0.9 * vi + g[i]);
      x = x.map((xi, i) => xi - 0.1 * (g[i] + 0.9 * v[i]));
      expectClose(got[t], x, 1e-14);
    }
    // Step 1 by hand: g + m g = 1.9 g.
    expectClose(got[0], [1 - 0.1 * 1.9 * 0.5, -2 + 0.1 * 1.9 * 3, 3 + 0.1 * 1.9 * 0.5], 1e-14);
  });

  it('weight decay adds wd * x to the gradient (with and without momentum)', () => {
    const plain = run({ lr: 0.1, weightDecay: 0.01 }, 4);
    const withMomentum = run({ lr: 0.1, weightDecay: 0.01, momentum: 0.5, nesterov: true }, 4);
    let x = [...X0];
    let y = [...X0];
    let v: number[] = [];
    for (let t = 0; t < 4; t++) {
      const g = quadraticGrad(x).map((gi, i) => gi + 0.01 * x[i]);
      x = x.map((xi, i) => xi - 0.1 * g[i]);
      expectClose(plain[t], x, 1e-14);
      const h = quadraticGrad(y).map((gi, i) => gi + 0.01 * y[i]);
      v = t === 0 ? h : v.map((vi, i) => 0.5 * vi + h[i]);
      y = y.map((yi, i) => yi - 0.1 * (h[i] + 0.5 * v[i]));
      expectClose(withMomentum[t], y, 1e-14);
    }
  });

  it('momentum 0 keeps no state', () => {
    const p = param(X0);
    const opt = new SGD([p], { lr: 0.1 });
    quadraticBackward(p);
    opt.step();
    expect(opt.state.size).toBe(0);
  });

  it('works on float32 parameters', () => {
    const p = param(X0, 'float32');
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9 });
    quadraticBackward(p);
    opt.step();
    expect(p.dtype).toBe('float32');
    expect(opt.state.get(p)!.momentumBuffer.dtype).toBe('float32');
    expectClose(values(p), [0.95, -1.7, 3.05], 1e-6);
  });

  it.each([
    ['plain', { lr: 0.05 }],
    ['momentum', { lr: 0.02, momentum: 0.9 }],
    ['nesterov', { lr: 0.02, momentum: 0.9, nesterov: true }],
    ['dampened', { lr: 0.05, momentum: 0.5, dampening: 0.5 }],
  ])('%s minimizes ||Mx - y||^2', (_name, options) => {
    const { first, last } = leastSquares((x) => new SGD([x], options), 300);
    expect(first).toBeGreaterThan(10);
    expect(last).toBeLessThan(1e-6);
  });
});
