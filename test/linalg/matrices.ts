import * as nb from '../../src/index.js';

/** Test matrices, float64 unless asked, from a seeded generator. */

export const randn = (shape: number[], seed: number, dtype: nb.FloatDType = 'float64') => nb.randn(shape, { dtype, generator: new nb.Generator(seed) });

/** Random square matrices plus 3 I with alternating signs on the diagonal: far from singular, determinants of either sign. */
export function wellConditioned(shape: number[], seed: number, dtype: nb.FloatDType = 'float64'): nb.Tensor {
  const n = shape[shape.length - 1];
  const diagonal = nb.tensor(Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? (k / (n + 1) % 2 === 0 ? 3 : -3) : 0)), { shape: [n, n], dtype });
  return randn(shape, seed, dtype).add(diagonal);
}

/** Symmetric positive-definite: M M^T + I. */
export function spd(shape: number[], seed: number, dtype: nb.FloatDType = 'float64'): nb.Tensor {
  const m = randn(shape, seed, dtype);
  return m.matmul(m.transpose(-2, -1)).add(nb.eye(shape[shape.length - 1], undefined, { dtype }));
}

/** The matrix transpose of each matrix of a batch. */
export const mT = (t: nb.Tensor) => t.transpose(-2, -1);
