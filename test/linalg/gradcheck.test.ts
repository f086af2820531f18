import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { mT, randn, spd, wellConditioned } from './matrices.js';

// Every function's backward against central finite differences, in float64.
const { linalg } = nb;
const symmetric = (a: nb.Tensor) => a.add(mT(a)).mul(0.5);
const flatQr = ({ Q, R }: nb.linalg.QrResult) => nb.concat([Q.flatten(), R.flatten()]);

describe('nb.gradcheck of nb.linalg (float64)', () => {
  it.each([
    ['solve, batched', (a: nb.Tensor, b: nb.Tensor) => linalg.solve(a, b), [wellConditioned([2, 3, 3], 1), randn([2, 3, 2], 2)]],
    ['solve, A broadcast over B', (a: nb.Tensor, b: nb.Tensor) => linalg.solve(a, b), [wellConditioned([3, 3], 3), randn([2, 3, 2], 4)]],
    ['solve, vector B', (a: nb.Tensor, b: nb.Tensor) => linalg.solve(a, b), [wellConditioned([2, 4, 4], 5), randn([4], 6)]],
    ['solveTriangular, upper', (a: nb.Tensor, b: nb.Tensor) => linalg.solveTriangular(a, b, { upper: true }), [wellConditioned([2, 3, 3], 7), randn([2, 3, 2], 8)]],
    ['solveTriangular, lower', (a: nb.Tensor, b: nb.Tensor) => linalg.solveTriangular(a, b, { upper: false }), [wellConditioned([3, 3], 9), randn([3, 4], 10)]],
    ['inv', (a: nb.Tensor) => linalg.inv(a), [wellConditioned([2, 3, 3], 11)]],
    ['det', (a: nb.Tensor) => linalg.det(a), [wellConditioned([2, 3, 3], 12)]],
    ['slogdet (logabsdet)', (a: nb.Tensor) => linalg.slogdet(a).logabsdet, [wellConditioned([3, 4, 4], 13)]],
    ['cholesky of the symmetrized input', (a: nb.Tensor) => linalg.cholesky(symmetric(a)), [spd([2, 3, 3], 14)]],
    ['cholesky, upper', (a: nb.Tensor) => linalg.cholesky(symmetric(a), { upper: true }), [spd([4, 4], 15)]],
    ['qr of a tall matrix', (a: nb.Tensor) => flatQr(linalg.qr(a)), [wellConditioned([2, 5, 5], 16).slice(':', ':', [0, 3])]],
    ['qr of a square matrix', (a: nb.Tensor) => flatQr(linalg.qr(a)), [wellConditioned([3, 3], 17)]],
    ['qr of a wide matrix', (a: nb.Tensor) => flatQr(linalg.qr(a)), [nb.concat([wellConditioned([3, 3], 18), randn([3, 2], 19)], 1)]],
    ['lstsq', (a: nb.Tensor, b: nb.Tensor) => linalg.lstsq(a, b).solution, [randn([2, 6, 3], 20), randn([2, 6, 2], 21)]],
    ['lstsq residuals', (a: nb.Tensor, b: nb.Tensor) => linalg.lstsq(a, b).residuals, [randn([6, 3], 22), randn([6], 23)]],
    ['ridge', (x: nb.Tensor, y: nb.Tensor) => nb.ridge(x, y, 0.7), [randn([8, 3], 24), randn([8, 2], 25)]],
    ['ridge with an intercept', (x: nb.Tensor, y: nb.Tensor) => {
      const { coef, intercept } = nb.ridge(x, y, 0.7, { fitIntercept: true });
      return nb.concat([coef, intercept.unsqueeze(0)]);
    }, [randn([8, 3], 26), randn([8], 27)]],
  ] as const)('%s', (_, fn, inputs) => {
    expect(nb.gradcheck(fn as (...t: nb.Tensor[]) => nb.Tensor, inputs)).toBe(true);
  });

  it('second derivatives: the gradient of log |det A|, A^-T, is itself differentiable (createGraph)', () => {
    const inverseTranspose = nb.grad((a: nb.Tensor) => linalg.slogdet(a).logabsdet, { createGraph: true });
    const a = wellConditioned([3, 3], 28);
    expect(nb.gradcheck(inverseTranspose, [a])).toBe(true);
    expect(nb.gradcheck((t: nb.Tensor) => nb.grad((s: nb.Tensor) => linalg.cholesky(symmetric(s)).sum(), { createGraph: true })(t), [spd([3, 3], 29)])).toBe(true);
    expect(nb.gradcheck((t: nb.Tensor) => nb.grad((s: nb.Tensor) => linalg.qr(s).R.sum(), { createGraph: true })(t), [randn([4, 3], 30)])).toBe(true);
  });
});
