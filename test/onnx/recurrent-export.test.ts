/**
 * exportRecurrentOnnx: RNN, GRU and LSTM (as ONNX's operators) and GatedRNN and AttentionRNN
 * (unrolled), each with random weights, give in ONNX Runtime every result nabla's forward gives on
 * a random input, within 1e-5: the output in the input's layout and the final states (or the gates,
 * the attention). Runs on whichever backend NABLA_BACKEND selects.
 */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { exportRecurrentOnnx, type StandaloneRecurrentLayer } from '../../src/onnx/layers/recurrent-export.js';
import { allclose } from '../helpers.js';
import { decodeGraph, opTypes, random, randomizeParameters, runOrt } from './recurrent-helpers.js';

type Case = [label: string, build: () => StandaloneRecurrentLayer, inputShape: number[]];

/** Exports the layer (weights randomized), runs both on a random input and compares every named result. */
async function expectResultsMatch(layer: StandaloneRecurrentLayer, inputShape: number[], initialStates: nb.Tensor[] = []): Promise<Uint8Array> {
  randomizeParameters(layer, 1);
  const bytes = exportRecurrentOnnx(layer, inputShape, { initialState: initialStates.length > 0 });
  const input = random(inputShape, 2, layer.parameters()[0].dtype as nb.FloatDType);
  layer.eval();
  const expected = nb.noGrad((): Record<string, nb.Tensor> => {
    if (layer instanceof nb.LSTM) {
      const [output, [hN, cN]] = layer.forward(input, initialStates.length === 0 ? null : [initialStates[0], initialStates[1]]);
      return { output, hN, cN };
    }
    if (layer instanceof nb.RNN || layer instanceof nb.GRU) {
      const [output, hN] = layer.forward(input, initialStates[0] ?? null);
      return { output, hN };
    }
    return { ...layer.forward(input) };
  });
  const stateNames = layer instanceof nb.LSTM ? ['h0', 'c0'] : ['h0'];
  const actual = await runOrt(bytes, { input, ...Object.fromEntries(initialStates.map((s, i) => [stateNames[i], s])) });
  expect(Object.keys(actual)).toEqual(Object.keys(expected));
  for (const name of Object.keys(expected)) allclose(actual[name], expected[name], 1e-5, 1e-5);
  return bytes;
}

describe('RNN, GRU and LSTM as ONNX operators', () => {
  it.each<Case>([
    ['RNN (tanh)', () => new nb.RNN(4, 5), [6, 3, 4]],
    ['RNN (relu)', () => new nb.RNN(4, 5, { nonlinearity: 'relu' }), [6, 3, 4]],
    ['RNN (relu), bidirectional, 2 layers', () => new nb.RNN(4, 5, { nonlinearity: 'relu', bidirectional: true, numLayers: 2 }), [6, 3, 4]],
    ['RNN without biases', () => new nb.RNN(4, 5, { bias: false }), [6, 3, 4]],
    ['GRU', () => new nb.GRU(4, 5), [6, 3, 4]],
    ['GRU, batchFirst', () => new nb.GRU(4, 5, { batchFirst: true }), [3, 6, 4]],
    ['GRU, bidirectional, 3 layers, batchFirst', () => new nb.GRU(4, 5, { bidirectional: true, numLayers: 3, batchFirst: true }), [3, 6, 4]],
    ['GRU without biases', () => new nb.GRU(4, 5, { bias: false }), [6, 3, 4]],
    ['LSTM', () => new nb.LSTM(4, 5), [6, 3, 4]],
    ['LSTM, 2 layers (dropout between them is off in eval)', () => new nb.LSTM(4, 5, { numLayers: 2, dropout: 0.5 }), [6, 3, 4]],
    ['LSTM, bidirectional, 2 layers, batchFirst', () => new nb.LSTM(4, 5, { bidirectional: true, numLayers: 2, batchFirst: true }), [3, 6, 4]],
    ['LSTM without biases, bidirectional', () => new nb.LSTM(4, 5, { bias: false, bidirectional: true }), [6, 3, 4]],
    ['LSTM, unbatched [T, inputSize]', () => new nb.LSTM(4, 5, { bidirectional: true }), [6, 4]],
    ['float64 LSTM (written as float32)', () => new nb.LSTM(4, 5, { dtype: 'float64' }), [6, 3, 4]],
  ])('%s', async (_label, build, shape) => {
    const layer = build();
    const bytes = await expectResultsMatch(layer, shape);
    const op = layer.constructor.name;
    expect(opTypes(bytes).filter((t) => t === op)).toHaveLength((layer as nb.RNN).numLayers);
  });

  it.each<[string, () => nb.RNN | nb.GRU | nb.LSTM, number[], number[]]>([
    ['RNN', () => new nb.RNN(4, 5, { numLayers: 2 }), [6, 3, 4], [2, 3, 5]],
    ['GRU, bidirectional, batchFirst', () => new nb.GRU(4, 5, { bidirectional: true, batchFirst: true }), [3, 6, 4], [2, 3, 5]],
    ['LSTM, bidirectional, 2 layers', () => new nb.LSTM(4, 5, { bidirectional: true, numLayers: 2 }), [6, 3, 4], [4, 3, 5]],
    ['LSTM, unbatched', () => new nb.LSTM(4, 5, { numLayers: 2 }), [6, 4], [2, 5]],
  ])('%s from given initial states (graph inputs h0, c0)', async (label, build, shape, stateShape) => {
    const layer = build();
    const states = (layer instanceof nb.LSTM ? [3, 4] : [3]).map((seed) => random(stateShape, seed));
    const bytes = await expectResultsMatch(layer, shape, states);
    expect(decodeGraph(bytes).input.map((i) => i.name), label).toEqual(['input', ...(layer instanceof nb.LSTM ? ['h0', 'c0'] : ['h0'])]);
  });

  it('runs any batch size: the batch axis is dynamic', async () => {
    const layer = new nb.LSTM(4, 5, { batchFirst: true });
    const bytes = exportRecurrentOnnx(layer, [1, 6, 4]);
    const input = random([7, 6, 4], 5);
    const [output] = nb.noGrad(() => layer.eval().forward(input));
    allclose((await runOrt(bytes, { input })).output, output, 1e-5, 1e-5);
  });

  it("keeps the parameters as initializers under PyTorch's names and shapes, with their values", () => {
    const layer = new nb.GRU(4, 5, { bidirectional: true, numLayers: 2 });
    const initializers = decodeGraph(exportRecurrentOnnx(layer, [6, 3, 4])).initializer;
    const byName = new Map(initializers.map((t) => [t.name, t]));
    for (const [name, p] of layer.namedParameters()) {
      const t = byName.get(name);
      expect(t, name).toBeDefined();
      expect((t!.dims ?? []).map(Number), name).toEqual(p.shape);
      allclose(new Float32Array(new Uint8Array(t!.rawData!).buffer), p.dataSync(), 0, 0);
    }
  });
});

describe('GatedRNN and AttentionRNN as unrolled graphs', () => {
  it.each<Case>([
    ['GatedRNN', () => new nb.GatedRNN(4, 5), [6, 3, 4]],
    ['GatedRNN, batchFirst', () => new nb.GatedRNN(4, 5, { batchFirst: true }), [3, 6, 4]],
    ['GatedRNN, unbatched', () => new nb.GatedRNN(4, 5), [6, 4]],
    ['AttentionRNN(k = 0)', () => new nb.AttentionRNN(4, { k: 0 }), [6, 3, 4]],
    ['AttentionRNN(k = 1), batchFirst', () => new nb.AttentionRNN(4, { k: 1, batchFirst: true }), [3, 6, 4]],
    ['AttentionRNN(k = 2)', () => new nb.AttentionRNN(4, { k: 2 }), [6, 3, 4]],
    ['AttentionRNN(k = 8 > T): zero states throughout', () => new nb.AttentionRNN(4, { k: 8 }), [6, 3, 4]],
    ['AttentionRNN(k = Infinity), batchFirst', () => new nb.AttentionRNN(4, { k: Infinity, batchFirst: true }), [3, 6, 4]],
    ['AttentionRNN(k = Infinity), unbatched', () => new nb.AttentionRNN(4, { k: Infinity }), [6, 4]],
    ['AttentionRNN(k = 2), unbatched', () => new nb.AttentionRNN(4, { k: 2 }), [6, 4]],
  ])('%s', async (_label, build, shape) => {
    const bytes = await expectResultsMatch(build(), shape);
    expect(opTypes(bytes).filter((t) => ['RNN', 'GRU', 'LSTM', 'Loop', 'Scan'].includes(t))).toEqual([]);
  });

  it('unrolls one step per time step: the graph grows with T', () => {
    const sigmoids = (steps: number) => opTypes(exportRecurrentOnnx(new nb.GatedRNN(4, 5), [steps, 2, 4])).filter((t) => t === 'Sigmoid').length;
    expect([sigmoids(3), sigmoids(7)]).toEqual([3, 7]);
  });
});

describe('what exportRecurrentOnnx refuses', () => {
  it('a layer that is no recurrent layer', () => {
    expect(() => exportRecurrentOnnx(new nb.Linear(3, 2) as unknown as nb.LSTM, [3])).toThrow(/expected an RNN, GRU, LSTM, GatedRNN or AttentionRNN, got Linear/);
  });

  it('initial states for a layer that starts from zeros', () => {
    expect(() => exportRecurrentOnnx(new nb.GatedRNN(4, 5), [6, 3, 4], { initialState: true })).toThrow(/GatedRNN starts from zeros and takes no initial state/);
  });

  it("an input the layer cannot take, with the layer's own message", () => {
    expect(() => exportRecurrentOnnx(new nb.LSTM(4, 5), [6, 3, 7])).toThrow(/LSTM: input must have shape \[6, 3, 4\]/);
  });
});
