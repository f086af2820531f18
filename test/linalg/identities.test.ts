import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';
import { mT, randn, spd, wellConditioned } from './matrices.js';

const { linalg } = nb;
const eye = (n: number, dtype: nb.FloatDType = 'float64') => nb.eye(n, undefined, { dtype });

/** Every entry below the diagonal (upper: R is upper triangular), or above it (lower), is exactly 0. */
function expectTriangular(t: nb.Tensor, upper: boolean): void {
  const [rows, columns] = t.shape.slice(-2);
  const values = t.toTypedArray();
  for (let k = 0; k < values.length; k++) {
    const i = Math.floor(k / columns) % rows;
    const j = k % columns;
    if (upper ? i > j : j > i) expect(values[k]).toBe(0);
  }
}

const diagonalOf = (t: nb.Tensor) => {
  const [rows, columns] = t.shape.slice(-2);
  const values = t.toTypedArray();
  return Array.from({ length: values.length / (rows * columns) }, (_, b) =>
    Array.from({ length: Math.min(rows, columns) }, (_, i) => values[b * rows * columns + i * columns + i])).flat();
};

describe('nb.linalg identities (float64)', () => {
  it('A @ solve(A, B) = B, batched and broadcast, for matrix and vector B', () => {
    const a = wellConditioned([3, 6, 6], 1);
    const b = randn([3, 6, 4], 2);
    allclose(a.matmul(linalg.solve(a, b)), b, 1e-12, 1e-12);
    const shared = randn([6, 2], 3);
    const x = linalg.solve(a, shared);
    expect(x.shape).toEqual([3, 6, 2]);
    allclose(a.matmul(x), shared.expand([3, 6, 2]), 1e-12, 1e-12);
    const v = randn([6], 4);
    const xv = linalg.solve(a, v);
    expect(xv.shape).toEqual([3, 6]);
    allclose(a.matmul(xv.unsqueeze(-1)).squeeze(-1), v.expand([3, 6]), 1e-12, 1e-12);
    // B [..., n] with A's batch shape is a batch of vectors too, as in PyTorch.
    const batchOfVectors = randn([3, 6], 5);
    expect(linalg.solve(a, batchOfVectors).shape).toEqual([3, 6]);
  });

  it('a batched solve equals the solves of its matrices one by one', () => {
    const a = wellConditioned([4, 5, 5], 6);
    const b = randn([4, 5, 2], 7);
    const batched = linalg.solve(a, b);
    for (let i = 0; i < 4; i++) allclose(batched.slice(i), linalg.solve(a.slice(i), b.slice(i)), 0, 0);
  });

  it('inv(A) A = A inv(A) = I, and inv(inv(A)) = A', () => {
    const a = wellConditioned([2, 5, 5], 8);
    const x = linalg.inv(a);
    allclose(x.matmul(a), eye(5).expand([2, 5, 5]), 1e-12, 0);
    allclose(a.matmul(x), eye(5).expand([2, 5, 5]), 1e-12, 0);
    allclose(linalg.inv(x), a, 1e-12, 1e-12);
  });

  it('det(AB) = det A det B, det A^T = det A, det(cA) = c^n det A, and the textbook values', () => {
    const a = wellConditioned([3, 4, 4], 9);
    const b = wellConditioned([3, 4, 4], 10);
    allclose(linalg.det(a.matmul(b)), linalg.det(a).mul(linalg.det(b)), 1e-10, 1e-12);
    allclose(linalg.det(mT(a)), linalg.det(a), 1e-10, 1e-12);
    allclose(linalg.det(a.mul(2)), linalg.det(a).mul(16), 1e-10, 1e-12);
    allclose(linalg.det(nb.tensor([[1, 2], [3, 4]], { dtype: 'float64' })), -2, 1e-15, 0);
    // A row swap flips the sign; a triangular matrix's determinant is its diagonal's product.
    allclose(linalg.det(nb.tensor([[0, 1], [1, 0]], { dtype: 'float64' })), -1, 0, 0);
    allclose(linalg.det(nb.tensor([[2, 5, 7], [0, 3, 1], [0, 0, -4]], { dtype: 'float64' })), -24, 1e-13, 0);
    expect(linalg.det(nb.zeros([2, 0, 0], { dtype: 'float64' })).toArray()).toEqual([1, 1]);
  });

  it('slogdet: sign * exp(logabsdet) = det, and it does not overflow where det does', () => {
    const a = wellConditioned([3, 4, 4], 11);
    const { sign, logabsdet } = linalg.slogdet(a);
    allclose(sign.mul(logabsdet.exp()), linalg.det(a), 1e-10, 1e-12);
    expect(new Set(sign.toArray() as number[])).toEqual(new Set([1, -1]));
    const big = eye(200).mul(100);
    expect(linalg.det(big).item()).toBe(Infinity);
    allclose(linalg.slogdet(big).logabsdet, 200 * Math.log(100), 1e-9, 1e-12);
  });

  it('a singular matrix has det 0 and slogdet (0, -Infinity), without an error', () => {
    const singular = nb.tensor([[[1, 2], [2, 4]], [[1, 0], [0, 1]]], { dtype: 'float64' });
    // (-0 for [[1, 2], [2, 4]], as in PyTorch.)
    allclose(linalg.det(singular), [0, 1], 0, 0);
    const { sign, logabsdet } = linalg.slogdet(singular);
    allclose(sign, [0, 1], 0, 0);
    expect(logabsdet.toArray()).toEqual([-Infinity, 0]);
  });

  it('cholesky: L is lower triangular with a positive diagonal and L L^T = A; upper gives L^T', () => {
    const a = spd([3, 5, 5], 12);
    const l = linalg.cholesky(a);
    expectTriangular(l, false);
    expect(diagonalOf(l).every((d) => d > 0)).toBe(true);
    allclose(l.matmul(mT(l)), a, 1e-12, 1e-12);
    allclose(linalg.cholesky(a, { upper: true }), mT(l), 0, 0);
  });

  it('cholesky reads only the lower triangle, as PyTorch', () => {
    const a = spd([4, 4], 13);
    const upperJunk = nb.tensor(Array.from({ length: 16 }, (_, k) => (k % 4 > Math.floor(k / 4) ? 1e6 : 0)), { shape: [4, 4], dtype: 'float64' });
    allclose(linalg.cholesky(a.add(upperJunk)), linalg.cholesky(a), 0, 0);
  });

  it.each([[[2, 6, 4]], [[5, 5]], [[3, 3, 5]]])('qr of %j: Q^T Q = I, R upper triangular with a positive diagonal, Q R = A', (shape) => {
    const a = randn(shape, 14);
    const { Q, R } = linalg.qr(a);
    const p = Math.min(shape[shape.length - 2], shape[shape.length - 1]);
    expect(Q.shape).toEqual([...shape.slice(0, -1), p]);
    expect(R.shape).toEqual([...shape.slice(0, -2), p, shape[shape.length - 1]]);
    allclose(mT(Q).matmul(Q), eye(p).expand([...shape.slice(0, -2), p, p]), 1e-14, 0);
    expectTriangular(R, true);
    expect(diagonalOf(R).every((d) => d > 0)).toBe(true);
    allclose(Q.matmul(R), a, 1e-14, 1e-14);
  });

  it('lstsq: the residual is orthogonal to A\'s columns; residuals are its squared norms; square systems match solve', () => {
    const a = randn([2, 8, 3], 15);
    const b = randn([2, 8, 2], 16);
    const { solution, residuals } = linalg.lstsq(a, b);
    const r = a.matmul(solution).sub(b);
    allclose(mT(a).matmul(r), nb.zeros([2, 3, 2], { dtype: 'float64' }), 1e-13, 0);
    allclose(residuals, r.square().sum(-2), 1e-13, 1e-13);
    const square = wellConditioned([4, 4], 17);
    const rhs = randn([4], 18);
    allclose(linalg.lstsq(square, rhs).solution, linalg.solve(square, rhs), 1e-13, 1e-13);
    expect(linalg.lstsq(a.slice(0), randn([8], 19)).solution.shape).toEqual([3]);
    expect(linalg.lstsq(randn([4, 1, 6, 3], 20), randn([1, 2, 6, 5], 21)).solution.shape).toEqual([4, 2, 3, 5]);
  });

  it('solveTriangular uses only the named triangle and inverts it', () => {
    const t = wellConditioned([2, 4, 4], 22);
    const b = randn([2, 4, 3], 23);
    const upper = linalg.solveTriangular(t, b, { upper: true });
    const u = nb.tensor(Array.from({ length: 16 }, (_, k) => (k % 4 >= Math.floor(k / 4) ? 1 : 0)), { shape: [4, 4], dtype: 'float64' });
    allclose(t.mul(u).matmul(upper), b, 1e-13, 1e-13);
    const lower = linalg.solveTriangular(t, b, { upper: false });
    allclose(t.mul(mT(u)).matmul(lower), b, 1e-13, 1e-13);
  });
});

describe('float32 agrees with float64', () => {
  interface Inputs { a: nb.Tensor; b: nb.Tensor; spd: nb.Tensor; tall: nb.Tensor; tallB: nb.Tensor }
  const f64: Inputs = {
    a: wellConditioned([2, 8, 8], 30), b: randn([2, 8, 3], 31), spd: spd([2, 8, 8], 32), tall: randn([2, 12, 5], 33), tallB: randn([2, 12, 2], 34),
  };
  const f32 = Object.fromEntries(Object.entries(f64).map(([key, t]) => [key, t.to('float32')])) as unknown as Inputs;
  const cases: [string, (inputs: Inputs) => nb.Tensor][] = [
    ['solve', ({ a, b }) => linalg.solve(a, b)],
    ['solveTriangular', ({ a, b }) => linalg.solveTriangular(a, b, { upper: true })],
    ['inv', ({ a }) => linalg.inv(a)],
    ['det', ({ a }) => linalg.det(a)],
    ['slogdet', ({ a }) => linalg.slogdet(a).logabsdet],
    ['cholesky', (inputs) => linalg.cholesky(inputs.spd)],
    ['qr', ({ tall }) => {
      const { Q, R } = linalg.qr(tall);
      return nb.concat([Q.flatten(), R.flatten()]);
    }],
    ['lstsq', ({ tall, tallB }) => linalg.lstsq(tall, tallB).solution],
    ['ridge', ({ tall, tallB }) => nb.ridge(tall.slice(0), tallB.slice(0), 0.1)],
  ];
  it.each(cases)('%s: the float32 result is the float64 one, rounded', (_, fn) => {
    const result = fn(f32);
    expect(result.dtype).toBe('float32');
    allclose(result, fn(f64), 1e-5, 1e-5);
  });
});
