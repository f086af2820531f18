import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { DATASETS } from '../datasets.js';

// The wasm backend trains as well as the reference kernels: after one epoch on the same batches
// from the same initial weights, test accuracy within one point.

async function oneEpoch(backend: string): Promise<number> {
  const previous = nb.getBackend();
  nb.setBackend(backend);
  try {
    const data = await nb.loadFashionMnist({ dataDir: DATASETS });
    const train = data.train.subset(Array.from({ length: 20_000 }, (_, i) => i));
    const model = nb.mlp({ inputSize: 784, hiddenSizes: [128, 64], outputSize: 10, activation: 'relu' }, { init: 'kaiming-uniform', generator: new nb.Generator(3) });
    const optimizer = new nb.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const [record] = nb.fit(model, { loss: nb.objective('cross-entropy'), optimizer, train, test: data.test, epochs: 1, batchSize: 100, seed: 3 });
    return record.test_acc!;
  } finally {
    nb.setBackend(previous);
  }
}

describe('training on the wasm backend', () => {
  it('reaches the js backend accuracy within one point after one epoch', async () => {
    const js = await oneEpoch('js');
    const wasm = await oneEpoch('wasm');
    expect(js).toBeGreaterThan(0.78);
    expect(Math.abs(wasm - js)).toBeLessThan(0.01);
  }, 120_000);
});
