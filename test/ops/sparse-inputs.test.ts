import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

// The Linear and matmul kernels walk mostly-zero operands (images, ReLU outputs) through a list of
// their nonzeros; these cases check that path against plain loops written here.

function mostlyZeros(shape: number[], seed: number, dtype: nb.DType = 'float64'): nb.Tensor {
  const g = new nb.Generator(seed);
  return nb.randn(shape, { generator: g, dtype }).sub(1).relu();
}

function naiveProduct(a: nb.Tensor, b: nb.Tensor): number[] {
  const [m, k] = a.shape;
  const n = b.shape[1];
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) out[i * n + j] += a.data[i * k + p] * b.data[p * n + j];
  return out;
}

describe('sparse operands', () => {
  it('the test inputs really are mostly zeros', () => {
    const x = mostlyZeros([50, 60], 1);
    const zeros = x.eq(0).sum().item();
    expect(zeros / x.size).toBeGreaterThan(0.7);
  });

  it('linear with a mostly-zero input matches x W^T + b computed by loops, values and gradients', () => {
    const x = mostlyZeros([7, 33], 2).requiresGrad_();
    const w = nb.randn([5, 33], { dtype: 'float64', generator: new nb.Generator(3) }).requiresGrad_();
    const b = nb.randn([5], { dtype: 'float64', generator: new nb.Generator(4) }).requiresGrad_();
    const y = nb.linear(x, w, b);
    const expected = naiveProduct(x, w.T).map((v, i) => v + b.data[i % 5]);
    allclose(y, nb.tensor(expected, { shape: [7, 5], dtype: 'float64' }), 1e-12, 1e-12);
    expect(nb.gradcheck((xx, ww, bb) => nb.linear(xx, ww, bb, { activation: 'tanh' }), [x, w, b])).toBe(true);
  });

  it('matmul with a mostly-zero right operand, plain and transposed-left, matches loops', () => {
    const a = nb.randn([6, 9], { dtype: 'float64', generator: new nb.Generator(5) });
    const b = mostlyZeros([9, 40], 6);
    allclose(nb.matmul(a, b), nb.tensor(naiveProduct(a, b), { shape: [6, 40], dtype: 'float64' }), 1e-12, 1e-12);
    // The weight gradient of linear is gz^T x: a transposed left operand with a sparse right one.
    const gz = nb.randn([9, 6], { dtype: 'float64', generator: new nb.Generator(7) });
    allclose(nb.matmul(gz.T, b), nb.tensor(naiveProduct(gz.T, b), { shape: [6, 40], dtype: 'float64' }), 1e-12, 1e-12);
    expect(nb.gradcheck((aa, bb) => nb.matmul(aa, bb), [a, b])).toBe(true);
  });
});

describe('NaN and Inf are not hidden by skipping zeros', () => {
  it('linear and matmul with a mostly-zero input still propagate a NaN or Inf of the other operand', () => {
    const x = mostlyZeros([8, 20], 11);
    x.data.fill(0, 0, 20); // a row that is entirely zero
    const w = nb.randn([4, 20], { dtype: 'float64', generator: new nb.Generator(12) });
    w.data[0] = NaN;
    w.data[25] = Infinity;
    const y = nb.linear(x, w);
    // Row 0 of x is all zeros: 0 * NaN = NaN in output column 0, 0 * Inf = NaN in column 1.
    expect(Number.isNaN(y.data[0])).toBe(true);
    expect(Number.isNaN(y.data[1])).toBe(true);
    const z = nb.matmul(w, x.T);
    expect(Number.isNaN(z.data[0])).toBe(true);
  });
});
