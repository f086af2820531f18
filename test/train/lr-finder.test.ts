import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { collectAndFinalize } from '../memory-probe.js';

/** y = x w* + noise, a regression whose loss falls over a wide range of rates and blows up beyond it. */
function regression(seed = 0): { batches: nb.Tensor[][]; model: nb.Module } {
  const generator = new nb.Generator(seed);
  const w = nb.tensor([[1.5], [-2], [0.5], [1]]);
  const batches = Array.from({ length: 8 }, () => {
    const x = nb.randn([32, 4], { generator });
    return [x, x.matmul(w).add(nb.randn([32, 1], { generator }).mul(0.1))];
  });
  nb.manualSeed(seed);
  return { batches, model: new nb.Sequential(new nb.Linear(4, 8), new nb.Tanh(), new nb.Linear(8, 1)) };
}

const mse = (output: nb.Tensor, target: nb.Tensor) => nb.mseLoss(output, target);
const copy = (t: nb.Tensor) => Array.from(t.toTypedArray());

/** fastai's smoothing, written out: an exponential moving average with bias correction. */
function smooth(losses: number[], beta: number): number[] {
  let average = 0;
  return losses.map((loss, i) => {
    average = beta * average + (1 - beta) * loss;
    return average / (1 - beta ** (i + 1));
  });
}

describe('lrFinder', () => {
  it('sweeps the rate exponentially from startLr to endLr, one batch each, cycling through the data', () => {
    const { batches, model } = regression();
    const optimizer = new nb.SGD(model.parameters(), { lr: 0.01 });
    const seen: number[] = [];
    const result = nb.lrFinder(model, optimizer, batches, (out, y) => {
      seen.push(optimizer.paramGroups[0].lr);
      return mse(out, y);
    }, { startLr: 1e-4, endLr: 1e-1, numIter: 20, divergeThreshold: 1e9 });
    expect(result.diverged).toBe(false);
    expect(result.lrs).toHaveLength(20);
    result.lrs.forEach((lr, i) => expect(lr).toBeCloseTo(1e-4 * 1000 ** (i / 19), 15));
    expect(result.lrs[0]).toBe(1e-4);
    expect(result.lrs[19]).toBeCloseTo(1e-1, 15);
    expect(seen).toEqual(result.lrs);
    result.smoothedLosses.forEach((s, i) => expect(s).toBeCloseTo(smooth(result.losses, 0.98)[i], 12));
    expect(result.smoothedLosses[0]).toBeCloseTo(result.losses[0], 12);
  });

  it('stops when the smoothed loss exceeds divergeThreshold times the best', () => {
    const { batches, model } = regression();
    const result = nb.lrFinder(model, new nb.SGD(model.parameters()), batches, mse, { startLr: 1e-3, endLr: 1e3, numIter: 100, smoothing: 0.5 });
    expect(result.diverged).toBe(true);
    expect(result.lrs.length).toBeLessThan(100);
    const best = Math.min(...result.smoothedLosses);
    const last = result.smoothedLosses.at(-1)!;
    expect(!Number.isFinite(last) || last > 4 * best).toBe(true);
    // Every earlier point was within the threshold.
    result.smoothedLosses.slice(0, -1).forEach((s, i) => expect(s).toBeLessThanOrEqual(4 * Math.min(...result.smoothedLosses.slice(0, i + 1))));
  });

  it('suggests the rate of the steepest descent of the smoothed curve, and one that trains', () => {
    // One batch over and over: a curve without sampling noise.
    const { batches: [batch], model } = regression();
    const batches = [batch];
    const before = nb.noGrad(() => mse(model.forward(batches[0][0]), batches[0][1]).item());
    const result = nb.lrFinder(model, new nb.SGD(model.parameters(), { momentum: 0.9 }), batches, mse, { startLr: 1e-5, endLr: 10, numIter: 60 });
    const { lrs, smoothedLosses: s } = result;
    const end = lrs.length - 5;
    let steepest = 6;
    for (let i = 6; i + 1 < end; i++) {
      const slope = (j: number) => (s[j + 1] - s[j]) / Math.log(lrs[j + 1] / lrs[j]);
      if (slope(i) < slope(steepest)) steepest = i;
    }
    expect(result.suggestedLr).toBeCloseTo(lrs[steepest], 15);
    expect(result.minLossLr).toBe(lrs[s.indexOf(Math.min(...s))]);

    const optimizer = new nb.SGD(model.parameters(), { lr: result.suggestedLr!, momentum: 0.9 });
    for (let step = 0; step < 30; step++) {
      optimizer.zeroGrad();
      mse(model.forward(batch[0]), batch[1]).backward();
      optimizer.step();
    }
    const after = nb.noGrad(() => mse(model.forward(batches[0][0]), batches[0][1]).item());
    expect(after).toBeLessThan(before / 10);
  });

  it('clips the gradients when asked', () => {
    const { batches, model } = regression();
    const norms: number[] = [];
    const optimizer = new nb.SGD(model.parameters());
    const step = optimizer.step.bind(optimizer);
    optimizer.step = () => {
      norms.push(Math.sqrt(model.parameters().reduce((sum, p) => sum + p.grad!.square().sum().item(), 0)));
      return step();
    };
    nb.lrFinder(model, optimizer, batches, mse, { numIter: 10, clipGradNorm: 0.01 });
    norms.forEach((norm) => expect(norm).toBeLessThanOrEqual(0.01 + 1e-6));
  });

  it('gives no suggestion when too few points are left after skipping', () => {
    const { batches, model } = regression();
    const result = nb.lrFinder(model, new nb.SGD(model.parameters()), batches, mse, { numIter: 6, skipStart: 2, skipEnd: 3 });
    expect(result.suggestedLr).toBeNull();
  });

  it('restores the parameters, buffers, modes, optimizer state and learning rate', () => {
    nb.manualSeed(1);
    const model = new nb.Sequential(new nb.Linear(4, 8), new nb.BatchNorm1d(8), new nb.ReLU(), new nb.Linear(8, 1));
    const { batches } = regression(1);
    const optimizer = new nb.Adam(model.parameters(), { lr: 0.003 });
    for (const [x, y] of batches.slice(0, 2)) {
      optimizer.zeroGrad();
      mse(model.forward(x), y).backward();
      optimizer.step();
    }
    model.eval();
    const state = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, copy(t)]));
    const saved = optimizer.stateDict();
    nb.lrFinder(model, optimizer, batches, mse, { numIter: 30 });
    expect(Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, copy(t)]))).toEqual(state);
    expect(optimizer.stateDict()).toEqual(saved);
    expect(optimizer.lr).toBe(0.003);
    expect([...model.modules()].every((m) => !m.training)).toBe(true);
    expect(model.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it('restores the model when the loss function throws', () => {
    const { batches, model } = regression();
    const before = model.parameters().map(copy);
    let calls = 0;
    const failing = (out: nb.Tensor, y: nb.Tensor) => {
      if (++calls === 5) throw new Error('boom');
      return mse(out, y);
    };
    expect(() => nb.lrFinder(model, new nb.SGD(model.parameters()), batches, failing, { startLr: 0.1, endLr: 1 })).toThrow('boom');
    expect(model.parameters().map(copy)).toEqual(before);
  });

  it('frees what each batch allocates', async () => {
    const { batches, model } = regression();
    const optimizer = new nb.SGD(model.parameters(), { momentum: 0.9 });
    nb.lrFinder(model, optimizer, batches, mse, { numIter: 10 });
    await collectAndFinalize();
    const first = nb.memory().storages;
    nb.lrFinder(model, optimizer, batches, mse, { numIter: 40 });
    await collectAndFinalize();
    expect(nb.memory().storages).toBeLessThanOrEqual(first);
  });

  it('refuses bad arguments, naming them', () => {
    const { batches, model } = regression();
    const opt = new nb.SGD(model.parameters());
    expect(() => nb.lrFinder(model, opt, batches, mse, { startLr: 1, endLr: 0.1 })).toThrow('lrFinder: endLr (0.1) must be larger than startLr (1)');
    expect(() => nb.lrFinder(model, opt, batches, mse, { startLr: 0 })).toThrow('lrFinder: startLr must be a finite number > 0, got 0');
    expect(() => nb.lrFinder(model, opt, batches, mse, { numIter: 1 })).toThrow('lrFinder: numIter must be an integer >= 2, got 1');
    expect(() => nb.lrFinder(model, opt, batches, mse, { smoothing: 1 })).toThrow('lrFinder: smoothing must be a number in [0, 1), got 1');
    expect(() => nb.lrFinder(model, opt, batches, mse, { skipEnd: -1 })).toThrow('lrFinder: skipEnd must be a non-negative integer, got -1');
    expect(() => nb.lrFinder(model, opt, batches, mse, { clipGradNorm: 0 })).toThrow('lrFinder: clipGradNorm must be a finite number > 0, got 0');
    expect(() => nb.lrFinder(model, opt, batches, mse, { numIters: 5 } as never)).toThrow('lrFinder: options has an unknown option "numIters"');
    expect(() => nb.lrFinder(model, {} as never, batches, mse)).toThrow('lrFinder: optimizer must be an Optimizer, such as new SGD(model.parameters(), { lr: 0.1 }), got an object');
    expect(() => nb.lrFinder(model, opt, 5 as never, mse)).toThrow('lrFinder: data must be an iterable of [input, target] batches, such as a DataLoader, got 5');
    expect(() => nb.lrFinder(model, opt, [], mse)).toThrow('lrFinder: data yielded no batches');
    expect(() => nb.lrFinder(model, opt, [[batches[0][0]]], mse)).toThrow('lrFinder: batch 0 must be [input, target] tensors, got an array');
    expect(() => nb.lrFinder(model, opt, batches, (out) => out)).toThrow('lrFinder: lossFn must return a one-element Tensor, got a Tensor');
  });
});
