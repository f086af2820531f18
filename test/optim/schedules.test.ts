import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/index.js';
import { CosineAnnealingLR, LinearWarmup, SequentialLR, SGD, StepLR, type LRScheduler } from '../../src/optim/index.js';
import { expectClose } from './helpers.js';

const makeOptimizer = (lr = 0.1) => new SGD([tensor([1, 2], { requiresGrad: true })], { lr });

/** lr of the optimizer and of getLastLr() at epochs 0..epochs-1 (epoch 0 is right after construction). */
function sequence(scheduler: LRScheduler, epochs: number): number[] {
  const out: number[] = [];
  for (let e = 0; e < epochs; e++) {
    if (e > 0) scheduler.step();
    const lr = scheduler.optimizer.paramGroups[0].lr;
    expect(scheduler.getLastLr()).toEqual([lr]);
    expect(scheduler.lastEpoch).toBe(e);
    out.push(lr);
  }
  return out;
}

const closed = (n: number, f: (e: number) => number): number[] => Array.from({ length: n }, (_, e) => f(e));

describe('StepLR', () => {
  it('lr = base * gamma^floor(e / stepSize)', () => {
    const got = sequence(new StepLR(makeOptimizer(), { stepSize: 3, gamma: 0.5 }), 10);
    expectClose(got, closed(10, (e) => 0.1 * 0.5 ** Math.floor(e / 3)), 1e-15);
    expectClose(got, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125], 1e-15);
  });

  it('gamma defaults to 0.1', () => {
    const got = sequence(new StepLR(makeOptimizer(1), { stepSize: 2 }), 5);
    expectClose(got, [1, 1, 0.1, 0.1, 0.01], 1e-15);
  });
});

describe('CosineAnnealingLR', () => {
  it('lr = etaMin + (base - etaMin)(1 + cos(pi e / T)) / 2', () => {
    const got = sequence(new CosineAnnealingLR(makeOptimizer(), { tMax: 10, etaMin: 0.001 }), 11);
    expectClose(got, closed(11, (e) => 0.001 + (0.1 - 0.001) * (1 + Math.cos((Math.PI * e) / 10)) / 2), 1e-15);
    expect(got[0]).toBe(0.1);
    expect(got[5]).toBeCloseTo(0.0505, 15);
    expect(got[10]).toBeCloseTo(0.001, 15);
  });

  it('etaMin defaults to 0', () => {
    const got = sequence(new CosineAnnealingLR(makeOptimizer(), { tMax: 4 }), 5);
    expectClose(got, [0.1, 0.1 * (1 + Math.SQRT1_2) / 2, 0.05, 0.1 * (1 - Math.SQRT1_2) / 2, 0], 1e-15);
  });
});

describe('LinearWarmup', () => {
  it('ramps linearly from 0 to the base lr, then holds', () => {
    const got = sequence(new LinearWarmup(makeOptimizer(), { warmupSteps: 4 }), 8);
    expectClose(got, [0, 0.025, 0.05, 0.075, 0.1, 0.1, 0.1, 0.1], 1e-15);
  });

  it('from startFactor', () => {
    const got = sequence(new LinearWarmup(makeOptimizer(), { warmupSteps: 3, startFactor: 0.4 }), 5);
    expectClose(got, [0.04, 0.06, 0.08, 0.1, 0.1], 1e-15);
  });

  it('warmupSteps 0 holds the base lr', () => {
    expectClose(sequence(new LinearWarmup(makeOptimizer(), { warmupSteps: 0 }), 3), [0.1, 0.1, 0.1], 0);
  });
});

describe('SequentialLR', () => {
  it('warm-up then cosine', () => {
    const opt = makeOptimizer();
    const scheduler = new SequentialLR(opt, {
      schedulers: [new LinearWarmup(opt, { warmupSteps: 3 }), new CosineAnnealingLR(opt, { tMax: 7, etaMin: 0.01 })],
      milestones: [3],
    });
    const got = sequence(scheduler, 12);
    const expected = closed(12, (e) => (e < 3 ? 0.1 * (e / 3) : 0.01 + (0.1 - 0.01) * (1 + Math.cos((Math.PI * (e - 3)) / 7)) / 2));
    expectClose(got, expected, 1e-15);
    expect(got[3]).toBe(0.1);
    expect(got[10]).toBeCloseTo(0.01, 15);
  });

  it('three phases: constant warm-up hold, step decay, cosine', () => {
    const opt = makeOptimizer(1);
    const scheduler = new SequentialLR(opt, {
      schedulers: [new LinearWarmup(opt, { warmupSteps: 2, startFactor: 0.5 }), new StepLR(opt, { stepSize: 2, gamma: 0.5 }), new CosineAnnealingLR(opt, { tMax: 2 })],
      milestones: [2, 6],
    });
    expectClose(sequence(scheduler, 9), [0.5, 0.75, 1, 1, 0.5, 0.5, 1, 0.5, 0], 1e-15);
  });

  it('validates its schedulers and milestones', () => {
    const opt = makeOptimizer();
    const a = new LinearWarmup(opt, { warmupSteps: 3 });
    const b = new StepLR(opt, { stepSize: 3 });
    expect(() => new SequentialLR(opt, { schedulers: [a, b], milestones: [] })).toThrow('SequentialLR: expected 1 milestones (one fewer than the 2 schedulers), got []');
    expect(() => new SequentialLR(opt, { schedulers: [a, b, b], milestones: [3, 3] })).toThrow('SequentialLR: milestones must be increasing positive integers, got [3, 3]');
    expect(() => new SequentialLR(opt, { schedulers: [a, b], milestones: [0] })).toThrow('SequentialLR: milestones must be increasing positive integers, got [0]');
    expect(() => new SequentialLR(opt, { schedulers: [], milestones: [] })).toThrow('SequentialLR: give at least one scheduler');
    const other = makeOptimizer();
    expect(() => new SequentialLR(opt, { schedulers: [a, new StepLR(other, { stepSize: 1 })], milestones: [2] })).toThrow('SequentialLR: schedulers[1] is attached to a different optimizer');
  });
});

describe('schedulers', () => {
  it('set each parameter group from its own base lr', () => {
    const opt = new SGD([
      { params: [tensor([1], { requiresGrad: true })], lr: 1 },
      { params: [tensor([1], { requiresGrad: true })] },
    ], { lr: 0.1 });
    const scheduler = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
    scheduler.step();
    scheduler.step();
    expect(scheduler.getLastLr()).toEqual([0.25, 0.025]);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.25, 0.025]);
    expect(scheduler.baseLrs).toEqual([1, 0.1]);
  });

  it('drive the optimizer: the step uses the scheduled lr', () => {
    const p = tensor([0], { dtype: 'float64', requiresGrad: true });
    const opt = new SGD([p], { lr: 1 });
    const scheduler = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
    for (let e = 0; e < 3; e++) {
      p.grad = tensor([-1], { dtype: 'float64' });
      opt.step();
      scheduler.step();
    }
    expect(p.item()).toBe(1 + 0.5 + 0.25);
  });

  it('state dict round trip resumes the schedule', () => {
    const opt = makeOptimizer();
    const scheduler = new CosineAnnealingLR(opt, { tMax: 10 });
    for (let e = 0; e < 4; e++) scheduler.step();
    const saved = scheduler.stateDict();
    expect(saved).toEqual({ lastEpoch: 4, baseLrs: [0.1], lastLr: [opt.paramGroups[0].lr] });
    const opt2 = makeOptimizer();
    opt2.loadStateDict(opt.stateDict());
    const resumed = new CosineAnnealingLR(opt2, { tMax: 10 });
    expect(opt2.paramGroups[0].lr).toBe(0.1); // the new scheduler's epoch 0
    resumed.loadStateDict(saved);
    expect(resumed.getLastLr()).toEqual(scheduler.getLastLr());
    expect(opt2.paramGroups[0].lr).toBe(opt.paramGroups[0].lr);
    expect(opt2.paramGroups[0].lr).toBeCloseTo(0.05 * (1 + Math.cos((Math.PI * 4) / 10)), 15);
    scheduler.step();
    resumed.step();
    expect(resumed.getLastLr()).toEqual(scheduler.getLastLr());
    expect(opt2.paramGroups[0].lr).toBe(opt.paramGroups[0].lr);
    expect(() => resumed.loadStateDict({ lastEpoch: 1, baseLrs: [1, 2], lastLr: [1] })).toThrow('CosineAnnealingLR.loadStateDict: the state dict has 2 base learning rates, the optimizer has 1 parameter groups');
  });

  it('complain when the optimizer gained a group', () => {
    const opt = makeOptimizer();
    const scheduler = new StepLR(opt, { stepSize: 1 });
    opt.addParamGroup({ params: [tensor([1], { requiresGrad: true })] });
    expect(() => scheduler.step()).toThrow('StepLR: the optimizer has 2 parameter groups, but the scheduler was created for 1');
  });

  it('validate their options', () => {
    const opt = makeOptimizer();
    expect(() => new StepLR(opt, { stepSize: 0 })).toThrow('StepLR: stepSize must be a positive integer, got 0');
    expect(() => new StepLR(opt, { stepSize: 1.5 })).toThrow('StepLR: stepSize must be a positive integer, got 1.5');
    expect(() => new StepLR(opt, { stepSize: 1, gamma: -1 })).toThrow('StepLR: gamma must be a finite number >= 0, got -1');
    expect(() => new CosineAnnealingLR(opt, { tMax: 0 })).toThrow('CosineAnnealingLR: tMax must be a finite number > 0, got 0');
    expect(() => new CosineAnnealingLR(opt, { tMax: 5, etaMin: -0.1 })).toThrow('CosineAnnealingLR: etaMin must be a finite number >= 0, got -0.1');
    expect(() => new LinearWarmup(opt, { warmupSteps: -1 })).toThrow('LinearWarmup: warmupSteps must be a non-negative integer, got -1');
    expect(() => new LinearWarmup(opt, { warmupSteps: 2, startFactor: 1.5 })).toThrow('LinearWarmup: startFactor must be in [0, 1], got 1.5');
    expect(() => new StepLR({} as never, { stepSize: 1 })).toThrow('StepLR: expected an Optimizer, got [object Object]');
  });
});
