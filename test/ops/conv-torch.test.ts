import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

// Outputs and gradients computed by PyTorch 1.13 itself, in float64, for the same inputs
// (scripts/torch/conv_fixtures.py writes test/fixtures/conv/*.json). Each case names nabla's
// function and its options; the script built the PyTorch call from them (per-side padding as
// F.pad then the convolution, avgPool1d's divisorOverride as a height-1 avg_pool2d).
// The suite runs on whichever backend NABLA_BACKEND selects (wasm by default; js; checking).

interface Encoded { shape: number[]; data: (number | null)[] }
interface Case {
  name: string;
  op: string;
  options: Record<string, unknown>;
  input: Encoded;
  weight?: Encoded;
  bias?: Encoded | null;
  gradOutput: Encoded;
  output: Encoded;
  grads: Record<string, Encoded>;
}

const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'conv');
const load = (file: string): Case[] => (JSON.parse(readFileSync(join(fixtureDir, file), 'utf8')) as { cases: Case[] }).cases;
const convCases = load('conv.json');
const transposeCases = load('conv_transpose.json');
const poolCases = load('pool.json');

const values = (e: Encoded): number[] => e.data.map((v) => (v === null ? NaN : v));
const toTensor = (e: Encoded, dtype: nb.FloatDType): nb.Tensor => nb.tensor(Float64Array.from(values(e)), { dtype, shape: e.shape });

type Conv = (x: nb.Tensor, w: nb.Tensor, b: nb.Tensor | null, options: object) => nb.Tensor;
type Pool = (x: nb.Tensor, options: Record<string, unknown>) => nb.Tensor;
const convOps: Record<string, Conv> = { conv1d: nb.conv1d, conv2d: nb.conv2d, convTranspose1d: nb.convTranspose1d, convTranspose2d: nb.convTranspose2d };
const pool = (fn: (x: nb.Tensor, options: nb.PoolOptions) => nb.Tensor): Pool => (x, o) => fn(x, o as unknown as nb.PoolOptions);
const outputSize = (o: Record<string, unknown>) => o.outputSize as number | (number | null)[];
const poolOps: Record<string, Pool> = {
  maxPool1d: pool(nb.maxPool1d), maxPool2d: pool(nb.maxPool2d), avgPool1d: pool(nb.avgPool1d), avgPool2d: pool(nb.avgPool2d),
  adaptiveAvgPool1d: (x, o) => nb.adaptiveAvgPool1d(x, outputSize(o)),
  adaptiveAvgPool2d: (x, o) => nb.adaptiveAvgPool2d(x, outputSize(o)),
};

/** Runs the case forward and backward (upstream gradient from the fixture) and returns the output and the gradients. */
function evaluate(c: Case, dtype: nb.FloatDType): { output: nb.Tensor; grads: Record<string, nb.Tensor | null> } {
  const leaves: Record<string, nb.Tensor> = { input: toTensor(c.input, dtype).requiresGrad_(true) };
  let output: nb.Tensor;
  if (c.op in convOps) {
    leaves.weight = toTensor(c.weight!, dtype).requiresGrad_(true);
    if (c.bias) leaves.bias = toTensor(c.bias, dtype).requiresGrad_(true);
    output = convOps[c.op](leaves.input, leaves.weight, leaves.bias ?? null, c.options);
  } else {
    output = poolOps[c.op](leaves.input, c.options);
  }
  output.backward(toTensor(c.gradOutput, dtype));
  return { output, grads: Object.fromEntries(Object.entries(leaves).map(([k, t]) => [k, t.grad])) };
}

function compare(c: Case, dtype: nb.FloatDType, atol: number, rtol: number): void {
  const { output, grads } = evaluate(c, dtype);
  expect(output.shape, 'output shape').toEqual(c.output.shape);
  allclose(output, nb.tensor(Float64Array.from(values(c.output)), { dtype: 'float64', shape: c.output.shape }), atol, rtol);
  expect(Object.keys(grads).sort()).toEqual(Object.keys(c.grads).sort());
  for (const [name, expected] of Object.entries(c.grads)) {
    const grad = grads[name];
    expect(grad, `gradient w.r.t. ${name}`).not.toBeNull();
    expect(grad!.shape, `gradient w.r.t. ${name}: shape`).toEqual(expected.shape);
    allclose(grad!, nb.tensor(Float64Array.from(values(expected)), { dtype: 'float64', shape: expected.shape }), atol, rtol);
  }
}

const float64 = nb.getBackend().dtypes.includes('float64');

describe(`agreement with PyTorch 1.13, backend ${nb.getBackend().name}`, () => {
  it('the fixtures cover every op', () => {
    const ops = new Set([...convCases, ...transposeCases, ...poolCases].map((c) => c.op));
    expect([...ops].sort()).toEqual([...Object.keys(convOps), ...Object.keys(poolOps)].sort());
  });

  describe.skipIf(!float64)('float64: outputs and gradients to 1e-10', () => {
    it.each(convCases.map((c) => [c.name, c] as const))('%s', (_, c) => compare(c, 'float64', 1e-10, 1e-10));
    it.each(transposeCases.map((c) => [c.name, c] as const))('%s', (_, c) => compare(c, 'float64', 1e-10, 1e-10));
    it.each(poolCases.map((c) => [c.name, c] as const))('%s', (_, c) => compare(c, 'float64', 1e-10, 1e-10));
  });

  // The default wasm backend runs float32 products in WebAssembly: the same cases cast to float32.
  const float32Names = [
    '2d basic', '2d groups 2', '2d depthwise, multiplier 2, stride 2', '1d dilation 2, stride 2',
    't2d stride 2, padding 1, outputPadding 1', 't1d groups 2',
    'max2d ties after ReLU, kernel 3, stride 1, padding 1', 'max2d NaN', 'avg2d ceil mode, padding 1, countIncludePad false', 'adaptive2d [7, 6] -> [3, 4]',
  ];
  const all = [...convCases, ...transposeCases, ...poolCases];
  it.each(float32Names)('float32 (1e-5): %s', (name) => {
    const c = all.find((k) => k.name === name);
    expect(c, name).toBeDefined();
    compare(c!, 'float32', 1e-5, 1e-5);
  });

  it('max pooling: with ties (zeros after a ReLU) the whole gradient goes to the first maximum of each window', () => {
    const c = poolCases.find((k) => k.name === 'max2d ties after ReLU, kernel 2')!;
    const { grads } = evaluate(c, float64 ? 'float64' : 'float32');
    const g = Array.from(grads.input!.toTypedArray());
    const x = values(c.input);
    // Every upstream gradient lands on exactly one input element (non-overlapping windows): on the
    // first of the window's maxima in row-major order, and nowhere else.
    const [n, ch, h, w] = c.input.shape;
    let tiedWindows = 0;
    for (let b = 0; b < n * ch; b++) {
      for (let i = 0; i < h; i += 2) {
        for (let j = 0; j < w; j += 2) {
          const at = [[i, j], [i, j + 1], [i + 1, j], [i + 1, j + 1]].map(([r, s]) => b * h * w + r * w + s);
          const top = Math.max(...at.map((k) => x[k]));
          if (at.filter((k) => x[k] === top).length > 1) tiedWindows++;
          const first = at.find((k) => x[k] === top)!;
          for (const k of at) expect(g[k] !== 0).toBe(k === first);
        }
      }
    }
    expect(tiedWindows, 'windows with tied maxima in the fixture').toBeGreaterThan(3);
  });
});
