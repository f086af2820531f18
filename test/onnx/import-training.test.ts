import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { importOnnx } from '../../src/onnx/import/index.js';
import { random } from './import-helpers.js';
import { torchBatchNormCnn, torchLstmClassifier, torchMlp } from './import-models.js';

/** Labels that a fixed random linear map of the flattened inputs gives, so that they can be learned. */
function teacherLabels(x: nb.Tensor, classes: number, seed: number): nb.Tensor {
  const flat = x.reshape([x.shape[0], -1]);
  return nb.argmax(flat.matmul(random([flat.shape[1], classes], seed)), 1);
}

/**
 * Trains the imported model with SGD on a fixed batch and returns the losses; after the first
 * backward every parameter must hold a gradient that is not all zeros.
 */
function train(model: nb.Module, x: nb.Tensor, labels: nb.Tensor, steps: number, lr: number): number[] {
  const optimizer = new nb.SGD(model.parameters(), { lr, momentum: 0.9 });
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    optimizer.zeroGrad();
    const loss = nb.crossEntropy(model.forward(x), labels);
    loss.backward();
    if (step === 0) {
      for (const [name, p] of model.namedParameters()) {
        expect(p.grad, `gradient of ${name}`).not.toBeNull();
        expect(p.grad!.abs().sum().item(), `gradient of ${name}`).toBeGreaterThan(0);
      }
    }
    optimizer.step();
    losses.push(loss.item());
  }
  return losses;
}

describe('importOnnx: training an imported model further', () => {
  it('an MLP: SGD lowers the loss, every parameter gets a gradient', () => {
    const model = importOnnx(torchMlp());
    const x = random([64, 20], 7);
    const losses = train(model, x, teacherLabels(x, 5, 8), 40, 0.05);
    expect(losses[losses.length - 1]).toBeLessThan(0.5 * losses[0]);
  });

  it('a CNN with BatchNormalization: the loss goes down, gradients reach the convolution and BatchNorm scale and shift, the running statistics stay', () => {
    const model = importOnnx(torchBatchNormCnn());
    const statistics = Object.fromEntries([...model.namedBuffers()].map(([name, t]) => [name, Array.from(t.dataSync())]));
    const x = random([32, 3, 6, 6], 9);
    const losses = train(model, x, teacherLabels(x, 3, 10), 60, 0.2);
    expect(losses[losses.length - 1]).toBeLessThan(0.5 * losses[0]);
    expect(Object.fromEntries([...model.namedBuffers()].map(([name, t]) => [name, Array.from(t.dataSync())]))).toEqual(statistics);
    expect([...model.namedParameters()].map(([name]) => name)).toEqual(expect.arrayContaining(['conv.weight', 'bn.weight', 'bn.bias']));
  });

  it('an LSTM classifier: gradients flow through the re-stacked gates into W, R and B, and the loss goes down', () => {
    const model = importOnnx(torchLstmClassifier());
    const x = random([24, 7, 4], 11);
    const losses = train(model, x, teacherLabels(x, 3, 12), 40, 0.1);
    expect(losses[losses.length - 1]).toBeLessThan(0.7 * losses[0]);
  });
});
