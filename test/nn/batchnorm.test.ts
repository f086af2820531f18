import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

// PyTorch 1.13's numbers (scripts/torch/batchnorm_fixtures.py, float64): compared within 1e-10 in
// float64, and within 1e-5 when the same inputs run in float32.

interface Encoded { shape: number[]; data: number[] }
interface TrainingCase {
  layer: 'BatchNorm1d' | 'BatchNorm2d';
  input: Encoded; weight: Encoded; bias: Encoded; grad: Encoded;
  output: Encoded; inputGrad: Encoded; weightGrad: Encoded; biasGrad: Encoded; runningMean: Encoded; runningVar: Encoded;
}
interface Fixture {
  training: TrainingCase[];
  running: {
    inputs: Encoded[];
    evalInput: Encoded;
    cases: { momentum: number | null; runningMean: Encoded; runningVar: Encoded; numBatchesTracked: number; evalOutput: Encoded }[];
  };
  stateDictKeys: Record<string, string[]>;
}

const fixture = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'batchnorm.json'), 'utf8')) as Fixture;
const LAYERS = { BatchNorm1d: nb.BatchNorm1d, BatchNorm2d: nb.BatchNorm2d };
const DTYPES = [['float64', 1e-10], ['float32', 1e-5]] as const;

const load = (e: Encoded, dtype: nb.FloatDType) => nb.tensor(e.data, { shape: e.shape, dtype });
const close = (actual: nb.Tensor, expected: Encoded, tol: number) => allclose(actual, nb.tensor(expected.data, { shape: expected.shape, dtype: 'float64' }), tol, tol);

describe.each(DTYPES)('BatchNorm against PyTorch (%s)', (dtype, tol) => {
  it.each(fixture.training.map((c) => [`${c.layer} on [${c.input.shape.join(', ')}]`, c] as const))(
    '%s in training mode: output, input/weight/bias gradients and running statistics', (_, c) => {
      const bn = new LAYERS[c.layer](c.input.shape[1], { dtype });
      bn.loadStateDict({ ...bn.stateDict(), weight: load(c.weight, dtype), bias: load(c.bias, dtype) });
      const x = load(c.input, dtype).requiresGrad_();
      const out = bn.forward(x);
      out.mul(load(c.grad, dtype)).sum().backward();
      close(out, c.output, tol);
      close(x.grad!, c.inputGrad, tol);
      close(bn.weight!.grad!, c.weightGrad, tol);
      close(bn.bias!.grad!, c.biasGrad, tol);
      close(bn.runningMean!, c.runningMean, tol);
      close(bn.runningVar!, c.runningVar, tol);
      expect(bn.numBatchesTracked!.item()).toBe(1);
    });

  it.each(fixture.running.cases.map((c) => [String(c.momentum), c] as const))(
    'running statistics after 3 training steps with momentum %s, then eval-mode outputs', (_, c) => {
      const bn = new nb.BatchNorm2d(2, { momentum: c.momentum, dtype });
      for (const x of fixture.running.inputs) bn.forward(load(x, dtype));
      close(bn.runningMean!, c.runningMean, tol);
      close(bn.runningVar!, c.runningVar, tol);
      expect(bn.numBatchesTracked!.item()).toBe(c.numBatchesTracked);
      bn.eval();
      close(bn.forward(load(fixture.running.evalInput, dtype)), c.evalOutput, tol);
      expect(bn.numBatchesTracked!.item()).toBe(c.numBatchesTracked);
      close(bn.runningMean!, c.runningMean, tol);
    });
});

describe('BatchNorm modules', () => {
  it('state-dict keys are exactly PyTorch\'s, in its order', () => {
    const keys = (m: nb.Module) => Object.keys(m.stateDict());
    expect(keys(new nb.BatchNorm1d(3))).toEqual(fixture.stateDictKeys['BatchNorm1d(3)']);
    expect(keys(new nb.BatchNorm2d(3, { affine: false }))).toEqual(fixture.stateDictKeys['BatchNorm2d(3, affine=False)']);
    expect(keys(new nb.BatchNorm1d(3, { trackRunningStats: false }))).toEqual(fixture.stateDictKeys['BatchNorm1d(3, track_running_stats=False)']);
    expect(keys(new nb.Sequential(new nb.Linear(3, 4), new nb.BatchNorm1d(4)))).toEqual(fixture.stateDictKeys['Sequential(Linear(3, 4), BatchNorm1d(4))']);
  });

  it('starts with weight ones, bias zeros, running mean zeros, running variance ones and an int32 scalar count', () => {
    const bn = new nb.BatchNorm2d(3, { dtype: 'float64' });
    expect(Array.from(bn.weight!.toTypedArray())).toEqual([1, 1, 1]);
    expect(Array.from(bn.bias!.toTypedArray())).toEqual([0, 0, 0]);
    expect(Array.from(bn.runningMean!.toTypedArray())).toEqual([0, 0, 0]);
    expect(Array.from(bn.runningVar!.toTypedArray())).toEqual([1, 1, 1]);
    expect(bn.runningMean!.dtype).toBe('float64');
    expect(bn.numBatchesTracked!.dtype).toBe('int32');
    expect([...bn.numBatchesTracked!.shape]).toEqual([]);
    expect(bn.parameters()).toEqual([bn.weight, bn.bias]);
    expect(bn.buffers()).toEqual([bn.runningMean, bn.runningVar, bn.numBatchesTracked]);
    expect(bn.runningMean!.requiresGrad).toBe(false);
  });

  it('updates the running statistics in place, outside the graph, and leaves them alone in eval mode', () => {
    const bn = new nb.BatchNorm1d(2);
    const { runningMean, runningVar } = bn;
    const out = bn.forward(nb.tensor([[1, 2], [3, 6], [5, 10]]));
    expect(bn.runningMean).toBe(runningMean);
    expect(bn.runningVar).toBe(runningVar);
    allclose(bn.runningMean!, [0.3, 0.6]); // 0.1 * batch mean
    allclose(bn.runningVar!, [0.9 + 0.1 * 4, 0.9 + 0.1 * 16]); // unbiased batch variances 4 and 16
    expect(bn.runningMean!.requiresGrad).toBe(false);
    expect(bn.runningMean!.gradFn).toBeNull();
    out.sum().backward();
    expect(bn.runningMean!.grad).toBeNull();
    bn.eval();
    const y = bn.forward(nb.tensor([[0.3, 0.6]]));
    allclose(y, [[0, 0]], 1e-6); // (x - running mean) / sqrt(running var + eps)
    allclose(bn.runningMean!, [0.3, 0.6]);
    expect(bn.numBatchesTracked!.item()).toBe(1);
  });

  it('with trackRunningStats false has no buffers and always normalizes by the batch', () => {
    const bn = new nb.BatchNorm1d(3, { trackRunningStats: false, dtype: 'float64' });
    expect(bn.runningMean).toBeNull();
    expect(bn.runningVar).toBeNull();
    expect(bn.numBatchesTracked).toBeNull();
    expect(bn.buffers()).toEqual([]);
    const x = nb.randn([5, 3], { dtype: 'float64', generator: new nb.Generator(1) });
    const trained = bn.forward(x);
    bn.eval();
    allclose(bn.forward(x), trained, 0, 0);
    allclose(trained.mean(0), [0, 0, 0], 1e-12);
    allclose(trained.var(0, { unbiased: false }), [1, 1, 1], 1e-4);
  });

  it('without affine parameters gives just the normalized input', () => {
    const bn = new nb.BatchNorm2d(2, { affine: false, dtype: 'float64' });
    expect(bn.weight).toBeNull();
    expect(bn.parameters()).toEqual([]);
    const x = nb.randn([3, 2, 2, 2], { dtype: 'float64', generator: new nb.Generator(2) });
    allclose(bn.forward(x), nb.batchNorm(x, null, null, null, null, { training: true }), 0, 0);
  });

  it('train() and eval() switch between batch and running statistics', () => {
    const bn = new nb.BatchNorm1d(2, { dtype: 'float64' });
    const x = nb.tensor([[1, 2], [3, 4]], { dtype: 'float64' });
    const model = new nb.Sequential(bn);
    model.eval();
    // Fresh running stats (mean 0, variance 1): eval-mode output is x / sqrt(1 + eps).
    allclose(model.forward(x), x.div(Math.sqrt(1 + 1e-5)), 1e-12);
    model.train();
    allclose(model.forward(x), [[-1, -1], [1, 1]], 1e-4);
  });

  it('prints its hyperparameters', () => {
    expect(String(new nb.BatchNorm2d(16))).toBe('BatchNorm2d(numFeatures=16, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)');
    expect(String(new nb.Sequential(new nb.BatchNorm1d(4, { momentum: null, affine: false })))).toContain('(0): BatchNorm1d(numFeatures=4, eps=0.00001, momentum=null, affine=false, trackRunningStats=true)');
  });

  it('rejects inputs of the wrong rank or channel count, naming the layer and the shape', () => {
    expect(() => new nb.BatchNorm1d(3).forward(nb.zeros([2, 3, 4, 5]))).toThrow('BatchNorm1d: expected input [N, C] or [N, C, L], got [2, 3, 4, 5]');
    expect(() => new nb.BatchNorm1d(3).forward(nb.zeros([3]))).toThrow('BatchNorm1d: expected input [N, C] or [N, C, L], got [3]');
    expect(() => new nb.BatchNorm2d(3).forward(nb.zeros([2, 3, 4]))).toThrow('BatchNorm2d: expected input [N, C, H, W], got [2, 3, 4]');
    expect(() => new nb.BatchNorm2d(3).forward(nb.zeros([2, 4, 2, 2]))).toThrow('BatchNorm2d: input of shape [2, 4, 2, 2] has 4 channels (axis 1), expected numFeatures = 3');
  });

  it('refuses to train on a single value per channel, without counting the batch', () => {
    const bn = new nb.BatchNorm1d(3);
    expect(() => bn.forward(nb.zeros([1, 3]))).toThrow('batchNorm: expected more than 1 value per channel when training, got input of shape [1, 3]');
    expect(() => bn.forward(nb.zeros([1, 3, 1]))).toThrow(/more than 1 value per channel/);
    expect(bn.numBatchesTracked!.item()).toBe(0);
    bn.forward(nb.zeros([1, 3, 2])); // two values per channel
    bn.eval();
    expect(() => bn.forward(nb.zeros([1, 3]))).not.toThrow();
  });

  it('checks its options', () => {
    expect(() => new nb.BatchNorm1d(0)).toThrow('BatchNorm1d: numFeatures must be a positive integer, got 0');
    expect(() => new nb.BatchNorm2d(3, { momentum: 1.5 })).toThrow('BatchNorm2d: momentum must be a number in [0, 1] or null (a cumulative average), got 1.5');
    expect(() => new nb.BatchNorm2d(3, { eps: -1 })).toThrow(/BatchNorm2d: eps must be a finite number >= 0/);
    expect(() => new nb.BatchNorm1d(3, { affine: 1 as unknown as boolean })).toThrow('BatchNorm1d: affine must be a boolean, got 1');
    expect(() => new nb.BatchNorm1d(3, { dtype: 'int32' as nb.FloatDType })).toThrow(/BatchNorm1d: dtype must be/);
    expect(() => new nb.BatchNorm1d(3, { track: true } as nb.BatchNormLayerOptions)).toThrow(/BatchNorm1d: options has an unknown option "track"/);
  });
});

describe('batchNorm (functional)', () => {
  const gen = new nb.Generator(7);
  const randn = (shape: number[]) => nb.randn(shape, { dtype: 'float64', generator: gen });

  it.each([[[5, 3]], [[3, 2, 4]], [[2, 3, 2, 2]]])('training-mode gradients w.r.t. input, weight and bias match finite differences for %j', (shape) => {
    const c = shape[1];
    const [x, w, b] = [randn(shape), randn([c]), randn([c])];
    expect(nb.gradcheck((xi, wi, bi) => nb.batchNorm(xi, null, null, wi, bi, { training: true }), [x, w, b])).toBe(true);
    // With running statistics to update, and without affine parameters.
    const [mean, variance] = [nb.zeros([c], { dtype: 'float64' }), nb.ones([c], { dtype: 'float64' })];
    expect(nb.gradcheck((xi, wi, bi) => nb.batchNorm(xi, mean, variance, wi, bi, { training: true, momentum: 0.3 }), [x, w, b])).toBe(true);
    expect(nb.gradcheck((xi) => nb.batchNorm(xi, null, null, null, null, { training: true, eps: 1e-3 }), [x])).toBe(true);
  });

  it('eval-mode gradients w.r.t. input, weight and bias match finite differences', () => {
    const [x, w, b] = [randn([4, 3, 2]), randn([3]), randn([3])];
    const mean = randn([3]);
    const variance = randn([3]).square().add(0.5);
    expect(nb.gradcheck((xi, wi, bi) => nb.batchNorm(xi, mean, variance, wi, bi), [x, w, b])).toBe(true);
  });

  it('training normalizes by the batch mean and biased variance over all axes but 1', () => {
    const x = randn([3, 2, 4]);
    const y = nb.batchNorm(x, null, null, null, null, { training: true, eps: 0 });
    const mean = x.mean([0, 2], true);
    const variance = x.sub(mean).square().mean([0, 2], true);
    allclose(y, x.sub(mean).div(variance.sqrt()), 1e-12, 1e-12);
  });

  it('updates the running statistics with PyTorch\'s rule: unbiased variance, (1 - momentum) * running + momentum * batch', () => {
    const x = randn([4, 3]);
    const mean = nb.full([3], 0.5, { dtype: 'float64' });
    const variance = nb.full([3], 2, { dtype: 'float64' });
    nb.batchNorm(x, mean, variance, null, null, { training: true, momentum: 0.25 });
    allclose(mean, x.mean(0).mul(0.25).add(0.375), 1e-14);
    allclose(variance, x.var(0).mul(0.25).add(1.5), 1e-14);
    const before = variance.toTypedArray();
    nb.batchNorm(x, mean, variance, null, null, { training: false });
    expect(variance.toTypedArray()).toEqual(before);
  });

  it('defaults to evaluation mode, which needs running statistics, as PyTorch\'s F.batch_norm', () => {
    expect(() => nb.batchNorm(nb.zeros([2, 3]), null, null)).toThrow('batchNorm: runningMean and runningVar are needed in evaluation mode (training: false)');
  });

  it('names the shapes on a rank or channel mismatch', () => {
    expect(() => nb.batchNorm(nb.zeros([4]), null, null, null, null, { training: true })).toThrow('batchNorm: input must be [N, C, ...] (at least 2-D), got [4]');
    expect(() => nb.batchNorm(nb.zeros([2, 3, 5]), nb.zeros([4]), nb.ones([4]))).toThrow('batchNorm: runningMean must have shape [3], one value per channel of the input [2, 3, 5], got [4]');
    expect(() => nb.batchNorm(nb.zeros([2, 3]), null, null, nb.ones([3, 1]), null, { training: true })).toThrow('batchNorm: weight must have shape [3], one value per channel of the input [2, 3], got [3, 1]');
    expect(() => nb.batchNorm(nb.zeros([2, 3]), null, null, null, nb.ones([2]), { training: true })).toThrow(/batchNorm: bias must have shape \[3\]/);
    expect(() => nb.batchNorm(nb.zeros([1, 3, 1, 1]), null, null, null, null, { training: true })).toThrow('batchNorm: expected more than 1 value per channel when training, got input of shape [1, 3, 1, 1]');
  });

  it('checks dtypes and options', () => {
    expect(() => nb.batchNorm(nb.zeros([2, 3], { dtype: 'int32' }), null, null, null, null, { training: true })).toThrow('batchNorm: input must be float32 or float64, got int32');
    expect(() => nb.batchNorm(nb.zeros([2, 3]), null, null, nb.ones([3], { dtype: 'float64' }), null, { training: true })).toThrow('batchNorm: weight is float64 but the input is float32');
    expect(() => nb.batchNorm(nb.zeros([2, 3]), nb.zeros([3]), null, null, null, { training: true })).toThrow('batchNorm: give both runningMean and runningVar, or neither');
    expect(() => nb.batchNorm(nb.zeros([2, 3]), null, null, null, null, { training: true, momentum: -0.1 })).toThrow('batchNorm: momentum must be a number in [0, 1], got -0.1');
    expect(() => nb.batchNorm(nb.zeros([2, 3]), null, null, null, null, { train: true } as nb.BatchNormOptions)).toThrow(/batchNorm: options has an unknown option "train"/);
  });
});
