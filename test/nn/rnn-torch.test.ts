import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

// PyTorch 1.13's numbers (scripts/torch/rnn_fixtures.py, float64): outputs, final states and the
// gradients of sum(output * gradOutput) + sum(hN * gradH) (+ sum(cN * gradC)) with respect to the
// input, the initial states and every parameter, compared within 1e-10 in float64 and within 1e-5
// when a few of the same cases run in float32. The weights are loaded by their PyTorch names, which
// loadStateDict checks.

interface Encoded { shape: number[]; data: number[] }
type Args = { inputSize: number; hiddenSize: number } & Record<string, unknown>;
interface LayerCase {
  name: string; module: 'RNN' | 'GRU' | 'LSTM'; args: Args; weights: Record<string, Encoded>; lengths?: number[];
  input: Encoded; initial: Partial<Record<'h0' | 'c0', Encoded>>; gradOutput: Encoded; gradFinal: Partial<Record<'hN' | 'cN', Encoded>>;
  output: Encoded; final: Partial<Record<'hN' | 'cN', Encoded>>; grads: Record<string, Encoded>;
}
interface CellCase {
  name: string; module: 'RNNCell' | 'GRUCell' | 'LSTMCell'; args: Args; weights: Record<string, Encoded>;
  input: Encoded; initial: Partial<Record<'hx' | 'h' | 'c', Encoded>>; gradOutputs: Encoded[]; outputs: Encoded[]; grads: Record<string, Encoded>;
}
interface Fixture {
  torch: string;
  layers: LayerCase[];
  cells: CellCase[];
  parameters: { module: keyof typeof MODULES; args: Args; names: string[]; shapes: number[][]; count: number }[];
}

const fixture = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'rnn.json'), 'utf8')) as Fixture;
const MODULES = { RNN: nb.RNN, GRU: nb.GRU, LSTM: nb.LSTM, RNNCell: nb.RNNCell, GRUCell: nb.GRUCell, LSTMCell: nb.LSTMCell };
const FLOAT32_CASES = ['GRU 2 layers bidirectional batchFirst with initial state', 'LSTM packed lengths, 2 layers bidirectional batchFirst with initial state'];

const load = (e: Encoded, dtype: nb.FloatDType) => nb.tensor(e.data, { shape: e.shape, dtype });
const close = (actual: nb.Tensor, expected: Encoded, tol: number) => allclose(actual, nb.tensor(expected.data, { shape: expected.shape, dtype: 'float64' }), tol, tol);
const dot = (a: nb.Tensor, b: Encoded) => a.mul(load(b, a.dtype as nb.FloatDType)).sum();

/** The module of a case with its weights, loaded by their PyTorch names. */
function build<M extends keyof typeof MODULES>(module: M, args: Args, weights: Record<string, Encoded>, dtype: nb.FloatDType): InstanceType<(typeof MODULES)[M]> {
  const { inputSize, hiddenSize, ...options } = args;
  const Module = MODULES[module] as unknown as new (i: number, h: number, o: object) => InstanceType<(typeof MODULES)[M]>;
  const m = new Module(inputSize, hiddenSize, { ...options, dtype });
  m.loadStateDict(Object.fromEntries(Object.entries(weights).map(([name, e]) => [name, load(e, dtype)])));
  return m;
}

function checkLayer(c: LayerCase, dtype: nb.FloatDType, tol: number): void {
  const m = build(c.module, c.args, c.weights, dtype);
  const x = load(c.input, dtype).requiresGrad_();
  const initial = Object.fromEntries(Object.entries(c.initial).map(([k, e]) => [k, load(e, dtype).requiresGrad_()]));
  const options = c.lengths === undefined ? {} : { lengths: c.lengths };
  let output: nb.Tensor;
  let finals: Record<string, nb.Tensor>;
  if (m instanceof nb.LSTM) {
    const [out, [hN, cN]] = m.forward(x, initial.h0 === undefined ? null : [initial.h0, initial.c0], options);
    [output, finals] = [out, { hN, cN }];
  } else {
    const [out, hN] = (m as nb.RNN | nb.GRU).forward(x, initial.h0 ?? null, options);
    [output, finals] = [out, { hN }];
  }
  let loss = dot(output, c.gradOutput);
  for (const [k, g] of Object.entries(c.gradFinal)) loss = loss.add(dot(finals[k], g!));
  loss.backward();
  close(output, c.output, tol);
  for (const [k, e] of Object.entries(c.final)) close(finals[k], e!, tol);
  close(x.grad!, c.grads.input, tol);
  for (const [k, s] of Object.entries(initial)) close(s.grad!, c.grads[k], tol);
  for (const [name, p] of m.namedParameters()) close(p.grad!, c.grads[name], tol);
}

describe('recurrent layers against PyTorch', () => {
  it(`the fixture comes from PyTorch 1.13 (${fixture.torch}) and covers every layer in every layout`, () => {
    expect(fixture.torch).toMatch(/^1\.13/);
    expect(fixture.layers.length).toBe(28);
  });

  it.each(fixture.layers.map((c) => [c.name, c] as const))('%s (float64): output, final states and every gradient', (_, c) => checkLayer(c, 'float64', 1e-10));

  it.each(fixture.layers.filter((c) => FLOAT32_CASES.includes(c.name)).map((c) => [c.name, c] as const))('%s (float32)', (_, c) => checkLayer(c, 'float32', 1e-5));

  it.each(fixture.cells.map((c) => [c.name, c] as const))('%s (float64): next state and every gradient', (_, c) => {
    const m = build(c.module, c.args, c.weights, 'float64');
    const x = load(c.input, 'float64').requiresGrad_();
    const initial = Object.fromEntries(Object.entries(c.initial).map(([k, e]) => [k, load(e, 'float64').requiresGrad_()]));
    const outputs = m instanceof nb.LSTMCell
      ? m.forward(x, initial.h === undefined ? null : [initial.h, initial.c])
      : [(m as nb.RNNCell | nb.GRUCell).forward(x, initial.hx ?? null)];
    outputs.map((o, i) => dot(o, c.gradOutputs[i])).reduce((a, b) => a.add(b)).backward();
    outputs.forEach((o, i) => close(o, c.outputs[i], 1e-10));
    close(x.grad!, c.grads.input, 1e-10);
    for (const [k, s] of Object.entries(initial)) close(s.grad!, c.grads[k], 1e-10);
    for (const [name, p] of m.namedParameters()) close(p.grad!, c.grads[name], 1e-10);
  });

  it.each(fixture.parameters.map((c) => [`${c.module}(${JSON.stringify(c.args)})`, c] as const))('%s: parameter names, order, shapes and count are PyTorch\'s', (_, c) => {
    const { inputSize, hiddenSize, ...options } = c.args;
    const m = new (MODULES[c.module] as unknown as new (i: number, h: number, o: object) => nb.Module)(inputSize, hiddenSize, options);
    const named = [...m.namedParameters()];
    expect(named.map(([n]) => n)).toEqual(c.names);
    expect(named.map(([, p]) => [...p.shape])).toEqual(c.shapes);
    expect(Object.keys(m.stateDict())).toEqual(c.names);
    expect(m.numParameters()).toBe(c.count);
  });
});
