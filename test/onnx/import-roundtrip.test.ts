import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { importOnnx } from '../../src/onnx/import/index.js';
import { allclose } from '../helpers.js';
import { runOrt } from './import-helpers.js';

/**
 * nabla's models written by exportOnnx and read back by importOnnx: the imported model gives the
 * original's eval-mode outputs (and ONNX Runtime's), with the original's state dict names and
 * values (the recurrent layers' weights are written re-stacked in ONNX's gate order, under names of their own).
 */
async function roundTrip(model: nb.Module, sampleShape: number[], seed: number, { sameNames = true } = {}): Promise<void> {
  model.eval();
  const x = nb.randn([3, ...sampleShape], { generator: new nb.Generator(seed) });
  const bytes = exportOnnx(model, sampleShape);
  const imported = importOnnx(bytes, { source: 'roundtrip.onnx' });
  const expected = nb.noGrad(() => model.forward(x));
  allclose(imported.forward(x), expected, 1e-5, 1e-5);
  allclose((await runOrt(bytes, [x]))[0], expected, 1e-5, 1e-5);
  if (!sameNames) return;
  const state = model.stateDict();
  const importedState = imported.stateDict();
  expect(Object.keys(importedState).sort()).toEqual(Object.keys(state).filter((k) => !k.endsWith('num_batches_tracked')).sort());
  for (const [name, t] of Object.entries(importedState)) expect(Array.from(t.dataSync()), name).toEqual(Array.from(state[name].dataSync()));
}

describe('importOnnx(exportOnnx(model)) gives the model back', () => {
  it('the default MLP (784-40-30-20-10, sigmoid)', async () => {
    await roundTrip(nb.mlp({ inputSize: 784, hiddenSizes: [40, 30, 20], outputSize: 10, activation: 'sigmoid' }, { generator: new nb.Generator(1) }), [784], 2);
  });

  it('LeNet-5', async () => {
    await roundTrip(nb.lenet({ generator: new nb.Generator(3) }), [1, 28, 28], 4);
  });

  it('a residual CNN with BatchNorm (trained a step, so that its running statistics are not the defaults)', async () => {
    const model = nb.buildModel({
      layers: [
        { type: 'Conv2d', in_channels: 1, out_channels: 4, kernel_size: 3, padding: 1 },
        { type: 'BatchNorm2d', num_features: 4 },
        { type: 'ReLU' },
        { type: 'Residual', body: [{ type: 'Conv2d', in_channels: 4, out_channels: 4, kernel_size: 3, padding: 1 }, { type: 'ReLU' }, { type: 'Conv2d', in_channels: 4, out_channels: 4, kernel_size: 3, padding: 1 }] },
        { type: 'MaxPool2d', kernel_size: 2 },
        { type: 'Flatten' },
        { type: 'Linear', in_features: 4 * 4 * 4, out_features: 10 },
      ],
    }, { generator: new nb.Generator(5) });
    model.train();
    model.forward(nb.randn([8, 1, 8, 8], { generator: new nb.Generator(6) }));
    await roundTrip(model, [1, 8, 8], 7);
  });

  it.each([
    ['an LSTM classifier, 2 layers, bidirectional', () => new nb.SequenceClassifier('lstm', 7, 8, 4, { numLayers: 2, bidirectional: true, generator: new nb.Generator(8) })],
    ['a GRU classifier', () => new nb.SequenceClassifier('gru', 7, 8, 4, { generator: new nb.Generator(9) })],
    ['an RNN classifier, bidirectional', () => new nb.SequenceClassifier('rnn', 7, 8, 4, { bidirectional: true, generator: new nb.Generator(10) })],
    ['a gated-RNN classifier (unrolled)', () => new nb.SequenceClassifier('gated-rnn', 7, 8, 4, { generator: new nb.Generator(11) })],
    ['an attention-RNN classifier (unrolled)', () => new nb.SequenceClassifier('attention-rnn', 7, 8, 4, { generator: new nb.Generator(12) })],
  ])('%s', async (_, make) => {
    await roundTrip(make(), [5, 7], 13, { sameNames: false });
  });
});
