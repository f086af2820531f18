import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

// Numbers computed by PyTorch itself (test/fixtures/make_torch_reference.py, float64), for a small
// network whose weights are given by name: the names double as a check that nabla's state dicts
// match PyTorch's.

interface Reference {
  x: number[];
  labels: number[];
  weights: Record<string, number[]>;
  forward_backward: Record<string, { logits: number[]; loss: number; grads: Record<string, number[]> }>;
  optimizer_steps: Record<string, { losses: number[]; params: Record<string, number[]> }>;
  log_softmax: number[];
  init_gains: Record<string, number>;
  losses: Record<string, number> & Record<'probs' | 'binary' | 'z' | 'logits4' | 'bce_none' | 'bce_with_logits_none', number[]>;
}

const reference = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'torch-reference.json'), 'utf8'),
) as Reference;

const activations = { sigmoid: nb.Sigmoid, relu: nb.ReLU, tanh: nb.Tanh } as const;

function build(activation: keyof typeof activations): nb.Sequential {
  const Act = activations[activation];
  const model = new nb.Sequential(
    new nb.Linear(6, 5, { dtype: 'float64' }), new Act(),
    new nb.Linear(5, 4, { dtype: 'float64' }), new Act(),
    new nb.Linear(4, 3, { dtype: 'float64' }),
  );
  const own = model.stateDict();
  model.loadStateDict(Object.fromEntries(Object.entries(reference.weights).map(([name, values]) =>
    [name, nb.tensor(values, { dtype: 'float64', shape: own[name]?.shape ?? [values.length] })])));
  return model;
}

const x = nb.tensor(reference.x, { dtype: 'float64', shape: [4, 6] });
const labels = nb.tensor(reference.labels, { dtype: 'int32' });

describe('agreement with PyTorch 1.13 (float64)', () => {
  it.each(Object.keys(activations) as (keyof typeof activations)[])('%s network: logits, cross-entropy and every parameter gradient', (activation) => {
    const expected = reference.forward_backward[activation];
    const model = build(activation);
    const logits = model.forward(x);
    allclose(logits.reshape(-1), expected.logits, 1e-12, 1e-12);
    const loss = nb.crossEntropy(logits, labels);
    expect(loss.item()).toBeCloseTo(expected.loss, 12);
    loss.backward();
    for (const [name, p] of model.namedParameters()) allclose(p.grad!.reshape(-1), expected.grads[name], 1e-12, 1e-10);
  });

  const optimizers: Record<string, (params: nb.Parameter[]) => nb.Optimizer> = {
    sgd: (ps) => new nb.SGD(ps, { lr: 0.1 }),
    sgd_momentum: (ps) => new nb.SGD(ps, { lr: 0.1, momentum: 0.9 }),
    sgd_dampening: (ps) => new nb.SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.9 }),
    sgd_nesterov_wd: (ps) => new nb.SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
    adam: (ps) => new nb.Adam(ps, { lr: 0.01 }),
    adam_wd: (ps) => new nb.Adam(ps, { lr: 0.01, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1 }),
    adamw: (ps) => new nb.AdamW(ps, { lr: 0.01, weightDecay: 0.1 }),
  };

  it.each(Object.keys(optimizers))('%s: three training steps give PyTorch\'s losses and parameters', (name) => {
    const expected = reference.optimizer_steps[name];
    const model = build('sigmoid');
    const optimizer = optimizers[name](model.parameters());
    const losses: number[] = [];
    for (let step = 0; step < 3; step++) {
      optimizer.zeroGrad();
      const loss = nb.crossEntropy(model.forward(x), labels);
      loss.backward();
      optimizer.step();
      losses.push(loss.item());
    }
    allclose(losses, expected.losses, 1e-12, 1e-10);
    for (const [param, p] of model.namedParameters()) allclose(p.reshape(-1), expected.params[param], 1e-12, 1e-9);
  });

  it('log-softmax of extreme logits', () => {
    const input = nb.tensor([[1, 3.5, 757, -5], [0, 0, 0, 0]], { dtype: 'float64' });
    allclose(nb.logSoftmax(input, 1).reshape(-1), reference.log_softmax, 1e-12, 1e-12);
  });

  it('losses: MSE, BCE (logs clamped at -100), BCE with logits (at +-1000 too), cross-entropy with sum and label smoothing, NLL', () => {
    const L = reference.losses;
    const f64 = (values: number[], shape?: number[]) => nb.tensor(values, { dtype: 'float64', shape });
    const [probs, binary, z] = [f64(L.probs), f64(L.binary), f64(L.z)];
    const logits = f64(L.logits4, [4, 3]);
    expect(nb.mseLoss(probs, binary).item()).toBeCloseTo(L.mse, 14);
    expect(nb.mseLoss(probs, binary, { reduction: 'sum' }).item()).toBeCloseTo(L.mse_sum, 14);
    expect(nb.binaryCrossEntropy(probs, binary).item()).toBeCloseTo(L.bce, 12);
    allclose(nb.binaryCrossEntropy(probs, binary, { reduction: 'none' }), L.bce_none, 1e-14, 1e-12);
    expect(nb.binaryCrossEntropyWithLogits(z, binary).item()).toBeCloseTo(L.bce_with_logits, 14);
    allclose(nb.binaryCrossEntropyWithLogits(z, binary, { reduction: 'none' }), L.bce_with_logits_none, 1e-14, 1e-12);
    expect(nb.crossEntropy(logits, labels, { reduction: 'sum' }).item()).toBeCloseTo(L.cross_entropy_sum, 12);
    expect(nb.crossEntropy(logits, labels, { labelSmoothing: 0.1 }).item()).toBeCloseTo(L.cross_entropy_smoothing, 12);
    expect(nb.nllLoss(nb.logSoftmax(logits, 1), labels).item()).toBeCloseTo(L.nll, 12);
  });

  it('initialization gains', () => {
    expect(nb.init.calculateGain('sigmoid')).toBeCloseTo(reference.init_gains.sigmoid, 15);
    expect(nb.init.calculateGain('tanh')).toBeCloseTo(reference.init_gains.tanh, 15);
    expect(nb.init.calculateGain('relu')).toBeCloseTo(reference.init_gains.relu, 15);
    expect(nb.init.calculateGain('leaky_relu', 0.2)).toBeCloseTo(reference.init_gains['leaky_relu_0.2'], 15);
  });
});
