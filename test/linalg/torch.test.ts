import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

// PyTorch 1.13's numbers (scripts/torch/linalg_fixtures.py, float64): outputs and the gradients of
// sum(output * grad) with respect to every input, within 1e-9 in float64 and 2e-4 in float32 (the
// same inputs rounded to float32). PyTorch's QR is sign-fixed there to diag(R) > 0, as nabla's.

interface Encoded { shape: number[]; data: number[] }
interface Case {
  name: string;
  options: { upper?: boolean; lambda?: number; fitIntercept?: boolean };
  inputs: Encoded[];
  outputs: Record<string, Encoded>;
  grads: Record<string, Encoded>;
  inputGrads: Encoded[];
}
type Fixture = Record<string, Case[]>;

const fixture = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'linalg.json'), 'utf8')) as Fixture;

type Outputs = Record<string, nb.Tensor>;
const FUNCTIONS: Record<string, (inputs: nb.Tensor[], options: Case['options']) => Outputs> = {
  solve: ([a, b]) => ({ X: nb.linalg.solve(a, b) }),
  solveTriangular: ([a, b], { upper }) => ({ X: nb.linalg.solveTriangular(a, b, { upper: upper! }) }),
  inv: ([a]) => ({ X: nb.linalg.inv(a) }),
  det: ([a]) => ({ det: nb.linalg.det(a) }),
  slogdet: ([a]) => ({ ...nb.linalg.slogdet(a) }),
  cholesky: ([a], { upper = false }) => ({ [upper ? 'U' : 'L']: nb.linalg.cholesky(a, { upper }) }),
  qr: ([a]) => ({ ...nb.linalg.qr(a) }),
  lstsq: ([a, b]) => ({ solution: nb.linalg.lstsq(a, b).solution }),
  ridge: ([x, y], { lambda, fitIntercept }) =>
    fitIntercept ? { ...nb.ridge(x, y, lambda!, { fitIntercept: true }) } : { coef: nb.ridge(x, y, lambda!) },
};

const load = (e: Encoded, dtype: nb.FloatDType) => nb.tensor(e.data, { shape: e.shape, dtype });
const expected = (e: Encoded) => nb.tensor(e.data, { shape: e.shape, dtype: 'float64' });
const DTYPES = [['float64', 1e-9], ['float32', 2e-4]] as const;

describe.each(DTYPES)('nb.linalg and nb.ridge against PyTorch (%s)', (dtype, tol) => {
  const cases = Object.entries(fixture).filter(([key]) => key !== 'torch')
    .flatMap(([fn, list]) => list.map((c) => [`${fn}: ${c.name}`, fn, c] as const));
  it.each(cases)('%s: outputs and input gradients', (_, fn, c) => {
    const inputs = c.inputs.map((e) => load(e, dtype).requiresGrad_());
    const outputs = FUNCTIONS[fn](inputs, c.options);
    let objective = nb.zeros([], { dtype });
    for (const [key, value] of Object.entries(outputs)) {
      allclose(value, expected(c.outputs[key]), tol, tol);
      if (value.requiresGrad) objective = objective.add(value.mul(load(c.grads[key], dtype)).sum());
    }
    objective.backward();
    inputs.forEach((input, k) => allclose(input.grad!, expected(c.inputGrads[k]), tol, tol));
  });
});
