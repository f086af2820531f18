import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';
import { randn } from './matrices.js';

/** (X^T X + lambda I)^-1 X^T y by Gauss-Jordan elimination on plain arrays: the formula, independently of nabla. */
function normalEquations(X: nb.Tensor, y: nb.Tensor, lambda: number): number[][] {
  const [n, d] = X.shape;
  const x = X.toArray() as number[][];
  const targets = (y.ndim === 1 ? (y.toArray() as number[]).map((v) => [v]) : y.toArray()) as number[][];
  const k = targets[0].length;
  const rows = Array.from({ length: d }, (_, i) => [
    ...Array.from({ length: d }, (_, j) => x.reduce((s, row) => s + row[i] * row[j], 0) + (i === j ? lambda : 0)),
    ...Array.from({ length: k }, (_, c) => Array.from({ length: n }, (_, r) => x[r][i] * targets[r][c]).reduce((s, v) => s + v, 0)),
  ]);
  for (let col = 0; col < d; col++) {
    const pivot = rows[col][col];
    rows[col] = rows[col].map((v) => v / pivot);
    for (let r = 0; r < d; r++) if (r !== col) rows[r] = rows[r].map((v, c) => v - rows[r][col] * rows[col][c]);
  }
  return rows.map((row) => row.slice(d));
}

describe('nb.ridge', () => {
  it.each([[0.3], [5], [1e-8]])('equals the normal-equation formula (X^T X + lambda I)^-1 X^T y, lambda %s', (lambda) => {
    const X = randn([20, 4], 1);
    const y = randn([20, 3], 2);
    allclose(nb.ridge(X, y, lambda), normalEquations(X, y, lambda), 1e-12, 1e-10);
    const v = y.slice(':', 0);
    allclose(nb.ridge(X, v, lambda), normalEquations(X, v, lambda).map((row) => row[0]), 1e-12, 1e-10);
  });

  it('minimizes ||X theta - y||^2 + lambda ||theta||^2: the objective\'s gradient vanishes at its theta', () => {
    const X = randn([15, 5], 3);
    const y = randn([15], 4);
    const theta = nb.ridge(X, y, 0.8).requiresGrad_();
    X.matmul(theta).sub(y).square().sum().add(theta.square().sum().mul(0.8)).backward();
    allclose(theta.grad!, nb.zeros([5], { dtype: 'float64' }), 1e-12, 0);
  });

  it('with lambda = 0 is least squares (lstsq)', () => {
    const X = randn([12, 4], 5);
    const y = randn([12, 2], 6);
    allclose(nb.ridge(X, y, 0), nb.linalg.lstsq(X, y).solution, 0, 0);
  });

  it('solves underdetermined problems (more features than samples) when lambda > 0', () => {
    const X = randn([3, 6], 7);
    const y = randn([3], 8);
    allclose(nb.ridge(X, y, 0.5), normalEquations(X, y, 0.5).map((row) => row[0]), 1e-12, 1e-10);
    expect(() => nb.ridge(X, y, 0)).toThrow('ridge: X of shape [3, 6] has fewer rows than columns (3 < 6)');
  });

  it('fitIntercept: the intercept is not penalized, and shifting y shifts only the intercept', () => {
    const X = randn([30, 3], 9);
    const y = randn([30], 10);
    const fit = nb.ridge(X, y, 0.5, { fitIntercept: true });
    expect(fit.coef.shape).toEqual([3]);
    expect(fit.intercept.shape).toEqual([]);
    const shifted = nb.ridge(X, y.add(10), 0.5, { fitIntercept: true });
    allclose(shifted.coef, fit.coef, 1e-12, 1e-12);
    allclose(shifted.intercept, fit.intercept.add(10), 1e-12, 1e-12);
    // A huge penalty flattens the weights; the intercept tends to the mean of y.
    const flat = nb.ridge(X, y, 1e12, { fitIntercept: true });
    allclose(flat.coef, nb.zeros([3], { dtype: 'float64' }), 1e-9, 0);
    allclose(flat.intercept, y.mean(), 1e-9, 0);
    const twoTargets = nb.ridge(X, randn([30, 2], 11), 0.5, { fitIntercept: true });
    expect(twoTargets.coef.shape).toEqual([3, 2]);
    expect(twoTargets.intercept.shape).toEqual([2]);
  });

  it('rejects bad input with a message naming it', () => {
    const X = randn([5, 2], 12);
    const y = randn([5], 13);
    expect(() => nb.ridge(X, y, -1)).toThrow(RangeError);
    for (const bad of [-1, NaN, Infinity, '1']) expect(() => nb.ridge(X, y, bad as number)).toThrow(/^ridge: lambda must be a finite number >= 0, got /);
    expect(() => nb.ridge(X.reshape([1, 5, 2]), y, 1)).toThrow('ridge: X must be [n, d] (one row per sample), got shape [1, 5, 2]');
    expect(() => nb.ridge(X, randn([4], 14), 1)).toThrow('ridge: y must be [n] or [n, k] with the n = 5 rows of X [5, 2], got shape [4]');
    expect(() => nb.ridge(X, y.to('float32'), 1)).toThrow('ridge: X and y must have the same dtype, got float64 and float32');
    expect(() => nb.ridge(X, y, 1, { fitIntercept: 'yes' } as never)).toThrow('ridge: options.fitIntercept must be true or false, got');
    expect(() => nb.ridge(nb.tensor([[1, 1], [2, 2], [3, 3]], { dtype: 'float64' }), nb.tensor([1, 2, 3], { dtype: 'float64' }), 0)).toThrow(
      /^ridge: X of shape \[3, 2\] does not have full column rank/,
    );
  });
});
