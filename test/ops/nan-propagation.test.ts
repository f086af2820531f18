import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

// PyTorch propagates NaN through every activation; turning it into a number hides a broken input.
describe('NaN passes through activations, as in PyTorch', () => {
  const x = nb.tensor([NaN, -1, 0, 2]);

  it('relu, leakyRelu and the other elementwise activations', () => {
    const first = (t: nb.Tensor) => t.dataSync()[0];
    expect(Number.isNaN(first(nb.relu(x)))).toBe(true);
    expect(Array.from(nb.relu(x).dataSync()).slice(1)).toEqual([0, 0, 2]);
    expect(Number.isNaN(first(nb.leakyRelu(x)))).toBe(true);
    for (const f of [nb.sigmoid, nb.tanh, nb.exp, nb.abs]) expect(Number.isNaN(first(f(x)))).toBe(true);
  });

  it('the fused Linear + activation kernel, for every activation', () => {
    const input = nb.tensor([[NaN, 1], [1, 1]]);
    const weight = nb.tensor([[1, 0], [0, -1]]);
    for (const activation of ['relu', 'leakyRelu', 'sigmoid', 'tanh', 'none'] as const) {
      const y = nb.linear(input, weight, null, { activation }).toArray() as number[][];
      expect(Number.isNaN(y[0][0]), activation).toBe(true);
      expect(Number.isNaN(y[1][0]), activation).toBe(false);
    }
  });

  it('a relu network fed one NaN pixel makes fit stop with its divergence error', () => {
    const g = new nb.Generator(4);
    const images = nb.rand([200, 16], { generator: g });
    images.data[5 * 16 + 3] = NaN;
    const data = new nb.TensorDataset(images, nb.randint(0, 3, [200], { generator: g }));
    const model = nb.mlp({ inputSize: 16, hiddenSizes: [8], outputSize: 3, activation: 'relu' }, { generator: g });
    const optimizer = new nb.SGD(model.parameters(), { lr: 0.1 });
    expect(() => nb.fit(model, { loss: nb.objective('cross-entropy'), optimizer, train: data, epochs: 1, batchSize: 200 }))
      .toThrow(/training diverged in epoch 1, batch 1: the loss is NaN/);
    expect(model.parameters().every((p) => p.toTypedArray().every(Number.isFinite))).toBe(true);
  });
});

describe('fit stops when gradients or parameters stop being finite, not only the loss', () => {
  const data = () => {
    const g = new nb.Generator(5);
    return new nb.TensorDataset(nb.randn([64, 4], { generator: g }), nb.randint(0, 2, [64], { generator: g }));
  };

  it('a finite loss with a NaN gradient (sqrt at 0) stops before the update, naming the parameter', () => {
    const model = nb.mlp({ inputSize: 4, hiddenSizes: [3], outputSize: 2, activation: 'tanh' }, { generator: new nb.Generator(6) });
    const optimizer = new nb.SGD(model.parameters(), { lr: 0.1 });
    const before = model.parameters().map((p) => p.toTypedArray());
    const loss = (out: nb.Tensor) => out.sub(out).abs().sqrt().sum(); // 0, but d/dx sqrt(|0|) is not finite
    let error: unknown;
    try {
      nb.fit(model, { loss, optimizer, train: data(), epochs: 1, batchSize: 64 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(nb.TrainingDivergedError);
    expect((error as Error).message).toMatch(/^training diverged in epoch 1, batch 1: the gradient of 0\.weight holds NaN or Infinity values\. .*the optimizer's lr option/);
    expect((error as Error).message).not.toMatch(/--lr/);
    model.parameters().forEach((p, i) => expect(Array.from(p.toTypedArray())).toEqual(Array.from(before[i])));
  });

  it('an update that overflows a parameter to infinity stops training there', () => {
    const model = nb.mlp({ inputSize: 4, hiddenSizes: [], outputSize: 2, activation: 'tanh' }, { generator: new nb.Generator(7) });
    const optimizer = new nb.SGD(model.parameters(), { lr: 1e300 });
    expect(() => nb.fit(model, { loss: nb.objective('mse'), optimizer, train: data(), epochs: 1, batchSize: 8 }))
      .toThrow(/^training diverged in epoch 1, batch 1: after the update, parameter 0\.weight holds NaN or Infinity values/);
  });
});
