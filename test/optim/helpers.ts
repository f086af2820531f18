import { tensor, type Tensor } from '../../src/index.js';

/** f(x) = 0.5 * sum(a * x^2) - sum(b * x), so grad = a * x - b (elementwise). */
export const A = [1, 2, 0.5];
export const B = [0.5, -1, 2];

export function param(values: number[], dtype: 'float32' | 'float64' = 'float64'): Tensor {
  return tensor(values, { dtype, requiresGrad: true });
}

/** Computes the quadratic's loss and fills p.grad through autodiff. */
export function quadraticBackward(p: Tensor): number {
  p.grad = null;
  const a = tensor(A, { dtype: p.dtype });
  const b = tensor(B, { dtype: p.dtype });
  const loss = a.mul(p.square()).sum().mul(0.5).sub(b.mul(p).sum());
  loss.backward();
  return loss.item();
}

/** The gradient of the quadratic, written out: a * x - b. */
export function quadraticGrad(x: readonly number[]): number[] {
  return x.map((xi, i) => A[i] * xi - B[i]);
}

/** ||M x - y||^2 with an exact solution x* = [1, -2], from x = 0; returns the final loss. */
export function leastSquares(makeOptimizer: (x: Tensor) => { step(): unknown; zeroGrad(): void }, steps: number, dtype: 'float32' | 'float64' = 'float32'): { first: number; last: number } {
  const M = tensor([[1, 2], [3, -1], [0.5, 1]], { dtype });
  const y = M.matmul(tensor([[1], [-2]], { dtype }));
  const x = tensor([[0], [0]], { dtype, requiresGrad: true });
  const opt = makeOptimizer(x);
  let first = NaN;
  let last = NaN;
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    const loss = M.matmul(x).sub(y).square().sum();
    loss.backward();
    if (i === 0) first = loss.item();
    last = loss.item();
    opt.step();
  }
  return { first, last };
}

export function values(t: Tensor): number[] {
  return Array.from(t.toTypedArray());
}

export function expectClose(actual: readonly number[], expected: readonly number[], tol: number): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs expected ${expected.length}`);
  actual.forEach((a, i) => {
    if (!(Math.abs(a - expected[i]) <= tol)) throw new Error(`[${i}] ${a} vs expected ${expected[i]} (tolerance ${tol}); actual ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  });
}

/** Runs `steps` optimizer steps on the quadratic from x0 and returns the parameter after each. */
export function trajectory(x0: number[], makeOptimizer: (p: Tensor) => { step(): unknown }, steps: number): number[][] {
  const p = param(x0);
  const opt = makeOptimizer(p);
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    quadraticBackward(p);
    opt.step();
    out.push(values(p));
  }
  return out;
}
