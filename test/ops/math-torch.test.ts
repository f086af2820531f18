import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

// PyTorch 1.13's numbers (scripts/torch/math_fixtures.py, float64): each case's output and the
// gradient of sum(output * grad), compared within 1e-10 in float64 and 1e-5 when the same inputs
// run in float32. Indices are compared exactly, but topk's among ties, whose order PyTorch leaves
// unspecified (nabla keeps ties in the order of their positions).

type Value = number | 'nan' | 'inf' | '-inf';
interface Encoded { shape: number[]; data: Value[] }
interface Case {
  name: string; input: Encoded; grad: Encoded; output: Encoded; inputGrad: Encoded; indices?: Encoded;
  dim?: number | number[] | null; keepDims?: boolean; p?: Value | 'fro'; descending?: boolean; k?: number; largest?: boolean;
  approximate?: nb.GeluApproximation; alpha?: number; beta?: number; threshold?: number; minVal?: number; maxVal?: number;
  correction?: number; unbiased?: boolean; note?: string;
}
interface Fixture { cumulative: Case[]; norms: Case[]; sorting: Case[]; activations: Case[]; variances: Case[]; seluConstants: [number, number] }

const fixture = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'math-ops.json'), 'utf8')) as Fixture;
const DTYPES = [['float64', 1e-10], ['float32', 1e-5]] as const;

const decode = (v: Value): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
const load = (e: Encoded, dtype: nb.DType) => nb.tensor(e.data.map(decode), { shape: e.shape, dtype });
const axes = (dim: Case['dim']) => (dim === null ? undefined : dim);
const options = (c: Case) => (c.unbiased === undefined ? { correction: c.correction, keepDims: c.keepDims } : { unbiased: c.unbiased, keepDims: c.keepDims });

const OPS: Record<string, (x: nb.Tensor, c: Case) => nb.Tensor | nb.ValuesIndices> = {
  prod: (x, c) => (c.dim === undefined ? x.prod() : x.prod(c.dim as number, c.keepDims)),
  cumprod: (x, c) => x.cumprod(c.dim as number),
  cumsum: (x, c) => x.cumsum(c.dim as number),
  norm: (x, c) => x.norm(c.p === 'fro' ? 'fro' : decode(c.p!), axes(c.dim), c.keepDims),
  sort: (x, c) => x.sort(c.dim as number, c.descending),
  topk: (x, c) => x.topk(c.k!, c.dim as number, c.largest),
  max: (x, c) => (c.dim === undefined ? x.max() : x.max(c.dim as number, c.keepDims)),
  min: (x, c) => (c.dim === undefined ? x.min() : x.min(c.dim as number, c.keepDims)),
  gelu: (x, c) => x.gelu(c.approximate),
  silu: (x) => x.silu(),
  elu: (x, c) => x.elu(c.alpha),
  selu: (x) => x.selu(),
  softplus: (x, c) => x.softplus(c.beta, c.threshold),
  hardtanh: (x, c) => x.hardtanh(c.minVal, c.maxVal),
  mish: (x) => x.mish(),
  erf: (x) => x.erf(),
  expm1: (x) => x.expm1(),
  var: (x, c) => x.var(axes(c.dim), options(c)),
  std: (x, c) => x.std(axes(c.dim), options(c)),
};

function describeCase(c: Case): string {
  const { name, input, grad, output, inputGrad, indices, ...parameters } = c;
  return `${name} of [${input.shape.join(', ')}] ${JSON.stringify(parameters)}`;
}

function compare(c: Case, dtype: nb.FloatDType, tol: number): void {
  const x = load(c.input, dtype).requiresGrad_();
  const result = OPS[c.name](x, c);
  const [values, indices] = result instanceof nb.Tensor ? [result, undefined] : result;
  allclose(values, load(c.output, 'float64'), tol, tol);
  if (c.name === 'topk') {
    // Each index points at its value; ties may pick other positions than PyTorch's.
    allclose(x.detach().gather(c.dim as number, indices!), values, 0, 0);
    return;
  }
  if (c.indices !== undefined) expect(Array.from(indices!.dataSync())).toEqual(c.indices.data);
  values.mul(load(c.grad, dtype)).sum().backward();
  allclose(x.grad!, load(c.inputGrad, 'float64'), tol, tol);
}

describe.each(DTYPES)('against PyTorch (%s)', (dtype, tol) => {
  for (const group of ['cumulative', 'norms', 'sorting', 'activations', 'variances'] as const) {
    it.each(fixture[group].map((c) => [describeCase(c), c] as const))(`${group}: %s`, (_, c) => compare(c, dtype, tol));
  }
});

describe('SELU constants', () => {
  it('are PyTorch\'s to all digits: selu(1) is the scale, selu(-1000) is -scale * alpha', () => {
    const [scale, saturation] = fixture.seluConstants;
    expect(nb.SELU_SCALE).toBe(scale);
    expect(nb.selu(nb.tensor([1, -1000], { dtype: 'float64' })).toArray()).toEqual([scale, saturation]);
  });
});
