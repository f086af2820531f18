/**
 * nb.exportOnnx on SequenceClassifier, every cell of `nabla train --model rnn|gru|lstm|gated-rnn|
 * attention-rnn`: ONNX Runtime's logits equal nabla's eval() forward within 1e-5 on random inputs,
 * and the LSTM classifier of the "Done when" goes the whole way: trained on Fashion-MNIST,
 * saved, loaded, exported, run in ONNX Runtime and imported back, with the same outputs throughout.
 * Runs on whichever backend NABLA_BACKEND selects.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sequenceSpec } from '../../src/cli/sequence-models.js';
import * as nb from '../../src/index.js';
import { buildNetwork } from '../../src/nn/model-spec.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { importOnnx } from '../../src/onnx/import/index.js';
import { DATASETS } from '../datasets.js';
import { allclose } from '../helpers.js';
import { decodeGraph, opTypes, random, randomizeParameters, runOrt } from './recurrent-helpers.js';

/** ONNX Runtime's logits for the batch, and nabla's. */
async function bothOutputs(model: nb.Module, bytes: Uint8Array, input: nb.Tensor): Promise<{ onnx: nb.Tensor; nabla: nb.Tensor }> {
  model.eval();
  const nabla = nb.noGrad(() => model.forward(input));
  return { onnx: (await runOrt(bytes, { input })).output, nabla };
}

type Case = [label: string, build: () => nb.SequenceClassifier, sampleShape: number[]];

describe('SequenceClassifier, each cell', () => {
  it.each<Case>([
    ['lstm on images [1, T, inputSize]', () => new nb.SequenceClassifier('lstm', 7, 8, 4), [1, 5, 7]],
    ['lstm, 2 layers, bidirectional', () => new nb.SequenceClassifier('lstm', 7, 8, 4, { numLayers: 2, bidirectional: true }), [5, 7]],
    ['lstm with truncate (which changes the gradients only)', () => new nb.SequenceClassifier('lstm', 7, 8, 4, { truncate: 2 }), [5, 7]],
    ['gru', () => new nb.SequenceClassifier('gru', 7, 8, 4), [5, 7]],
    ['gru, 3 layers, bidirectional', () => new nb.SequenceClassifier('gru', 7, 8, 4, { numLayers: 3, bidirectional: true }), [1, 5, 7]],
    ['rnn', () => new nb.SequenceClassifier('rnn', 7, 8, 4), [5, 7]],
    ['rnn, bidirectional', () => new nb.SequenceClassifier('rnn', 7, 8, 4, { bidirectional: true }), [5, 7]],
    ['gated-rnn', () => new nb.SequenceClassifier('gated-rnn', 7, 8, 4), [1, 5, 7]],
    ['attention-rnn (k = 2)', () => new nb.SequenceClassifier('attention-rnn', 7, 8, 4), [5, 7]],
    ['attention-rnn (k = 0)', () => new nb.SequenceClassifier('attention-rnn', 7, 8, 4, { k: 0 }), [5, 7]],
    ['attention-rnn (k = Infinity)', () => new nb.SequenceClassifier('attention-rnn', 7, 8, 4, { k: Infinity }), [1, 5, 7]],
  ])('%s', async (_label, build, sampleShape) => {
    const model = build();
    randomizeParameters(model, 1);
    const bytes = exportOnnx(model, sampleShape);
    const { onnx, nabla } = await bothOutputs(model, bytes, random([3, ...sampleShape], 2));
    allclose(onnx, nabla, 1e-5, 1e-5);
  });

  it('runs rnn, gru and lstm as one ONNX operator per layer, and unrolls gated-rnn over the T steps', () => {
    const ops = (cell: nb.SequenceCell, options: nb.SequenceClassifierOptions = {}) => opTypes(exportOnnx(new nb.SequenceClassifier(cell, 7, 8, 4, options), [5, 7]));
    expect(ops('lstm', { numLayers: 2 }).filter((t) => t === 'LSTM')).toHaveLength(2);
    expect(ops('gru').filter((t) => t === 'GRU')).toHaveLength(1);
    expect(ops('rnn', { numLayers: 3, bidirectional: true }).filter((t) => t === 'RNN')).toHaveLength(3);
    const gated = ops('gated-rnn');
    expect(gated.filter((t) => ['RNN', 'GRU', 'LSTM', 'Loop', 'Scan'].includes(t))).toEqual([]);
    expect(gated.filter((t) => t === 'Sigmoid')).toHaveLength(5);
  });

  it('writes every parameter under its state-dict name, inside a Sequential too', async () => {
    const model = new nb.Sequential(new nb.SequenceClassifier('attention-rnn', 7, 8, 4), new nb.Softmax());
    randomizeParameters(model, 3);
    const bytes = exportOnnx(model, [5, 7]);
    const initializers = new Map(decodeGraph(bytes).initializer.map((t) => [t.name, t]));
    for (const [name, p] of model.namedParameters()) {
      expect((initializers.get(name)?.dims ?? []).map(Number), name).toEqual(p.shape);
    }
    expect([...initializers.keys()]).toContain('0.rnn.Q.2');
    const { onnx, nabla } = await bothOutputs(model, bytes, random([3, 5, 7], 4));
    allclose(onnx, nabla, 1e-5, 1e-5);
  });
});

describe('the LSTM classifier of `nabla train --model lstm`, end to end', () => {
  const SAMPLES = 256;
  let directory: string;
  let data: nb.MnistLike;
  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'nabla-recurrent-onnx-'));
    data = await nb.loadFashionMnist({ dataDir: DATASETS, flatten: false });
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('trains, saves, loads, exports, and gives the same logits in ONNX Runtime and imported back', async () => {
    const spec = sequenceSpec('lstm', { stateSize: 16, layers: 1, bidirectional: false, attentionK: 2 }, [1, 28, 28]);
    const trained = buildNetwork(spec, { generator: new nb.Generator(5) });
    const train = data.train.subset(Array.from({ length: SAMPLES }, (_, i) => i));
    const loss = nb.objective('cross-entropy');
    const history = nb.fit(trained, { loss, optimizer: new nb.SGD(trained.parameters(), { lr: 0.1, momentum: 0.9 }), train, epochs: 2, batchSize: 32, seed: 5 });
    expect(history[1].train_loss).toBeLessThan(history[0].train_loss);

    const file = join(directory, 'lstm.safetensors');
    nb.saveModel(file, trained, spec);
    const checkpoint = nb.loadCheckpoint<typeof spec>(file);
    const model = buildNetwork(checkpoint.config);
    model.loadStateDict(checkpoint.stateDict);
    const bytes = exportOnnx(model, [1, 28, 28], { config: checkpoint.config });

    const [images] = data.test.subset(Array.from({ length: 50 }, (_, i) => i)).tensors;
    const { onnx, nabla } = await bothOutputs(model, bytes, images);
    allclose(onnx, nabla, 1e-5, 1e-5);
    expect(Array.from(onnx.argmax(1).dataSync())).toEqual(Array.from(nabla.argmax(1).dataSync()));

    const imported = importOnnx(bytes, { source: 'lstm.onnx' });
    allclose(nb.noGrad(() => imported.forward(images)), onnx, 1e-5, 1e-5);
    expect(Object.keys(imported.stateDict()).sort()).toEqual(Object.keys(model.stateDict()).sort());
  });
});
