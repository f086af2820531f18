import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { randn, wellConditioned } from './matrices.js';

const { linalg } = nb;
const f64 = (values: nb.NestedArray) => nb.tensor(values, { dtype: 'float64' });
const singularSecond = f64([[[1, 0], [0, 1]], [[1, 2], [2, 4]]]);

describe('nb.linalg errors name the shapes, the dtype, or the matrix and entry that failed', () => {
  it('non-square input', () => {
    for (const [name, fn] of [
      ['linalg.solve', (a: nb.Tensor) => linalg.solve(a, randn([2], 0))],
      ['linalg.inv', linalg.inv], ['linalg.det', linalg.det], ['linalg.slogdet', linalg.slogdet], ['linalg.cholesky', linalg.cholesky],
    ] as const) {
      expect(() => fn(randn([4, 2, 3], 1)), name).toThrow(nb.ShapeError);
      expect(() => fn(randn([4, 2, 3], 1)), name).toThrow(`${name}: A must be a square matrix or a batch of square matrices, got shape [4, 2, 3] (2 by 3)`);
    }
    expect(() => linalg.det(randn([3], 2))).toThrow('linalg.det: A must be a matrix or a batch of matrices (at least 2-D), got shape [3]');
  });

  it('A and B that do not match, or whose batches do not broadcast', () => {
    expect(() => linalg.solve(wellConditioned([3, 3], 3), randn([2], 4))).toThrow(nb.ShapeError);
    expect(() => linalg.solve(wellConditioned([3, 3], 3), randn([2], 4))).toThrow(
      'linalg.solve: A of shape [3, 3] and B of shape [2] do not match for A X = B: B must be [..., 3, k] or a vector [3]',
    );
    expect(() => linalg.solve(wellConditioned([2, 3, 3], 5), randn([4, 3, 1], 6))).toThrow(/linalg\.solve: shapes \[2\] and \[4\] cannot be broadcast/);
    expect(() => linalg.solveTriangular(wellConditioned([3, 3], 7), randn([4, 1], 8), { upper: true })).toThrow(
      'linalg.solveTriangular: A of shape [3, 3] and B of shape [4, 1] do not match for A X = B: B must be [..., 3, k]',
    );
    expect(() => linalg.lstsq(randn([5, 3], 9), randn([4, 2], 10))).toThrow(
      'linalg.lstsq: A of shape [5, 3] and B of shape [4, 2] do not match: B must be [..., 5, k], or [..., 5] with one dimension fewer than A',
    );
    expect(() => linalg.lstsq(randn([2, 3], 11), randn([2], 12))).toThrow(
      'linalg.lstsq: A of shape [2, 3] has fewer rows than columns (2 < 3); least squares here needs a tall or square matrix of full column rank',
    );
  });

  it('integer and mixed dtypes', () => {
    const ints = nb.tensor([[1, 0], [0, 1]], { dtype: 'int32' });
    expect(() => linalg.inv(ints)).toThrow(TypeError);
    expect(() => linalg.inv(ints)).toThrow('linalg.inv: A must be float32 or float64, got int32');
    expect(() => linalg.qr(ints)).toThrow('linalg.qr: A must be float32 or float64, got int32');
    expect(() => linalg.solve(wellConditioned([2, 2], 13), nb.ones([2]))).toThrow('linalg.solve: A and B must have the same dtype, got float64 and float32');
  });

  it('a singular matrix in solve and inv names the pivot that vanished and the batch element', () => {
    const b = nb.ones([2, 2, 1], { dtype: 'float64' });
    expect(() => linalg.solve(singularSecond, b)).toThrow(nb.LinalgError);
    expect(() => linalg.solve(singularSecond, b)).toThrow('linalg.solve: the matrix is singular: U[1,1] is zero after LU with partial pivoting (batch 1)');
    expect(() => linalg.inv(f64([[1, 2, 3], [2, 4, 6], [1, 0, 1]]))).toThrow('linalg.inv: the matrix is singular: U[2,2] is zero after LU with partial pivoting');
    expect(() => linalg.inv(nb.zeros([2, 2, 3, 3], { dtype: 'float64' }))).toThrow('linalg.inv: the matrix is singular: U[0,0] is zero after LU with partial pivoting (batch [0, 0])');
    expect(nb.linalg.LinalgError).toBe(nb.LinalgError);
  });

  it('the gradient of det and slogdet at a singular matrix is an error, not NaN', () => {
    const a = singularSecond.clone().requiresGrad_();
    expect(() => linalg.det(a).sum().backward()).toThrow('linalg.det: the gradient at a singular matrix is not supported: U[1,1] is zero after LU with partial pivoting (batch 1)');
  });

  it('cholesky of a matrix that is not positive-definite names the leading minor, as PyTorch', () => {
    const a = f64([[[4, 0, 0], [0, 1, 0], [0, 0, 1]], [[4, 2, 0], [2, 1, 0], [0, 0, 1]]]);
    expect(() => linalg.cholesky(a)).toThrow(nb.LinalgError);
    expect(() => linalg.cholesky(a)).toThrow('linalg.cholesky: the matrix is not positive-definite: its leading minor of order 2 is not positive-definite (batch 1)');
    expect(() => linalg.cholesky(f64([[-1, 0], [0, 1]]))).toThrow('linalg.cholesky: the matrix is not positive-definite: its leading minor of order 1 is not positive-definite');
    expect(() => linalg.cholesky(f64([[1, 0], [0, NaN]]))).toThrow(/leading minor of order 2/);
  });

  it('lstsq of a rank-deficient matrix', () => {
    const a = f64([[1, 2], [2, 4], [3, 6]]);
    expect(() => linalg.lstsq(a, f64([1, 2, 3]))).toThrow(nb.LinalgError);
    expect(() => linalg.lstsq(a, f64([1, 2, 3]))).toThrow(/^linalg\.lstsq: A of shape \[3, 2\] does not have full column rank: \|R\[1,1\]\| = .* is not above .* \(eps \* max\(m, n\) \* max \|R\[j,j\]\|\) after QR$/);
  });

  it('options', () => {
    expect(() => linalg.cholesky(wellConditioned([2, 2], 14), { lower: true } as never)).toThrow('linalg.cholesky: options has an unknown option "lower" (known: upper)');
    expect(() => linalg.cholesky(wellConditioned([2, 2], 14), { upper: 1 } as never)).toThrow('linalg.cholesky: options.upper must be true or false, got 1');
    expect(() => linalg.solveTriangular(wellConditioned([2, 2], 15), randn([2, 1], 16), {} as never)).toThrow(/options\.upper must be true or false/);
  });
});
