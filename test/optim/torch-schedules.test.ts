// LambdaLR, ExponentialLR, OneCycleLR and ReduceLROnPlateau against PyTorch 1.13's learning rates
// (and OneCycleLR's momenta), from scripts/torch/optim_fixtures.py.
import { describe, expect, it } from 'vitest';
import { Adagrad, Adam, ExponentialLR, LambdaLR, type LRScheduler, OneCycleLR, type Optimizer, ReduceLROnPlateau, RMSprop, SGD, tensor } from '../../src/index.js';
import { expectClose } from './helpers.js';
import { fixture, type OneCycleCase } from './torch-fixture.js';

const param = () => tensor([0], { requiresGrad: true });
const sgd = (options: Record<string, unknown> = {}) => new SGD([param()], { lr: 0.1, momentum: 0.9, ...options });

function momentumOf(optimizer: Optimizer): number {
  const group = optimizer.paramGroups[0] as unknown as { betas?: number[]; momentum?: number };
  return group.betas?.[0] ?? group.momentum!;
}

/** The lr (and momentum) at epochs 0..steps, as the fixture records them. */
function sequence(scheduler: LRScheduler, steps: number): { lr: number[]; momentum: number[] } {
  const lr: number[] = [];
  const momentum: number[] = [];
  for (let e = 0; e <= steps; e++) {
    if (e > 0) scheduler.step();
    lr.push(scheduler.optimizer.paramGroups[0].lr);
    momentum.push(momentumOf(scheduler.optimizer));
    expect(scheduler.getLastLr()).toEqual([lr[e]]);
  }
  return { lr, momentum };
}

const LAMBDAS: Record<string, (e: number) => number> = { '0.95^e': (e) => 0.95 ** e, '1/(e+1)': (e) => 1 / (e + 1), 'e<3 ? 1 : 0.1': (e) => (e < 3 ? 1 : 0.1) };

describe('LambdaLR', () => {
  it.each(fixture.schedules.LambdaLR.map((c) => [c.lambda, c] as const))('lr = base * %s as PyTorch', (name, c) => {
    expectClose(sequence(new LambdaLR(sgd(), { lrLambda: LAMBDAS[name] }), c.lr.length - 1).lr, c.lr, 1e-15);
  });

  it('takes one function per parameter group', () => {
    const opt = new SGD([{ params: [param()] }, { params: [param()], lr: 1 }], { lr: 0.1 });
    const scheduler = new LambdaLR(opt, { lrLambda: [(e) => 0.5 ** e, (e) => 1 + e] });
    scheduler.step();
    scheduler.step();
    expect(scheduler.getLastLr()).toEqual([0.025, 3]);
    expect(() => new LambdaLR(opt, { lrLambda: [(e) => e] })).toThrow('LambdaLR: expected 2 lrLambda functions (one per parameter group), got 1');
    expect(() => new LambdaLR(opt, { lrLambda: 0.5 as never })).toThrow('LambdaLR: lrLambda must be a function of the epoch or an array of them (one per parameter group), got 0.5');
    expect(() => new LambdaLR(sgd(), { lrLambda: () => NaN })).toThrow('LambdaLR: lrLambda(0) returned NaN; it must return a finite number');
  });
});

describe('ExponentialLR', () => {
  it.each(fixture.schedules.ExponentialLR.map((c) => [c.gamma, c] as const))('gamma %s as PyTorch', (gamma, c) => {
    expectClose(sequence(new ExponentialLR(sgd(), { gamma }), c.lr.length - 1).lr, c.lr, 1e-15);
  });

  it('needs a gamma >= 0', () => {
    expect(() => new ExponentialLR(sgd(), { gamma: -0.5 })).toThrow('ExponentialLR: gamma must be a finite number >= 0, got -0.5');
    expect(() => new ExponentialLR(sgd(), {} as never)).toThrow('ExponentialLR: gamma must be a finite number >= 0, got undefined');
  });
});

function oneCycleOptimizer(c: OneCycleCase): Optimizer {
  const options = { lr: 0.1, ...c.optimizerOptions };
  if (c.optimizer === 'Adam') return new Adam([param()], options);
  if (c.optimizer === 'RMSprop') return new RMSprop([param()], options);
  return new SGD([param()], options);
}

describe('OneCycleLR', () => {
  it.each(fixture.schedules.OneCycleLR.map((c) => [c.optimizer, JSON.stringify(c.options), c] as const))('%s %s: lr and momentum as PyTorch', (_, __, c) => {
    const scheduler = new OneCycleLR(oneCycleOptimizer(c), c.options as never);
    expect(scheduler.totalSteps).toBe(c.totalSteps);
    const got = sequence(scheduler, c.totalSteps);
    expectClose(got.lr, c.lr, 1e-14);
    expectClose(got.momentum, c.momentum, 1e-14);
    expect(() => scheduler.step()).toThrow(`OneCycleLR: step ${c.totalSteps + 1} is past the end of the cycle, which has ${c.totalSteps} steps (totalSteps, or epochs * stepsPerEpoch)`);
  });

  it("sets the groups' initialLr to the starting rate, and keeps Adam's beta2", () => {
    const opt = new Adam([param()], { betas: [0.9, 0.99] });
    new OneCycleLR(opt, { maxLr: 0.5, totalSteps: 10 });
    expect(opt.paramGroups[0].initialLr).toBe(0.02);
    expect(opt.paramGroups[0].betas).toEqual([0.95, 0.99]);
  });

  it('resumes from a state dict, momentum included', () => {
    const opt = sgd();
    const scheduler = new OneCycleLR(opt, { maxLr: 1, totalSteps: 10 });
    for (let i = 0; i < 4; i++) scheduler.step();
    const opt2 = sgd();
    const resumed = new OneCycleLR(opt2, { maxLr: 1, totalSteps: 10 });
    resumed.loadStateDict(scheduler.stateDict());
    expect([opt2.paramGroups[0].lr, opt2.paramGroups[0].momentum]).toEqual([opt.paramGroups[0].lr, opt.paramGroups[0].momentum]);
    scheduler.step();
    resumed.step();
    expect([opt2.paramGroups[0].lr, opt2.paramGroups[0].momentum]).toEqual([opt.paramGroups[0].lr, opt.paramGroups[0].momentum]);
  });

  it('refuses bad options, naming them', () => {
    const adagrad = new Adagrad([param()]);
    expect(() => new OneCycleLR(adagrad, { maxLr: 1, totalSteps: 5 })).toThrow('OneCycleLR: cycleMomentum needs an optimizer with a momentum or betas option (SGD, RMSprop, Adam, AdamW), and this one has neither; pass cycleMomentum: false');
    expect(new OneCycleLR(adagrad, { maxLr: 1, totalSteps: 5, cycleMomentum: false }).getLastLr()[0]).toBeCloseTo(0.04, 15);
    expect(() => new OneCycleLR(sgd(), { maxLr: 1 })).toThrow('OneCycleLR: give either totalSteps or both epochs and stepsPerEpoch');
    expect(() => new OneCycleLR(sgd(), { maxLr: 1, totalSteps: 5, epochs: 2 })).toThrow('OneCycleLR: give either totalSteps or epochs and stepsPerEpoch, not both');
    expect(() => new OneCycleLR(sgd(), { maxLr: 1, totalSteps: 0 })).toThrow('OneCycleLR: totalSteps must be a positive integer, got 0');
    expect(() => new OneCycleLR(sgd(), { maxLr: 1, epochs: 2, stepsPerEpoch: 1.5 })).toThrow('OneCycleLR: stepsPerEpoch must be a positive integer, got 1.5');
    expect(() => new OneCycleLR(sgd(), { maxLr: 1, totalSteps: 5, pctStart: 1.2 })).toThrow('OneCycleLR: pctStart must be a number in [0, 1], got 1.2');
    expect(() => new OneCycleLR(sgd(), { maxLr: 1, totalSteps: 5, annealStrategy: 'cosine' as never })).toThrow("OneCycleLR: annealStrategy must be 'cos' or 'linear', got 'cosine'");
    expect(() => new OneCycleLR(sgd(), { maxLr: [1, 2], totalSteps: 5 })).toThrow('OneCycleLR: maxLr must be a number or an array of 1 numbers (one per parameter group), got [1, 2]');
    expect(() => new OneCycleLR(sgd(), { maxLr: -1, totalSteps: 5 })).toThrow('OneCycleLR: maxLr must be a finite number >= 0, got -1');
    expect(() => new OneCycleLR(sgd(), { maxLr: 1, totalSteps: 5, divFactor: 0 })).toThrow('OneCycleLR: divFactor must be a finite number > 0, got 0');
    expect(() => new OneCycleLR(sgd(), { maxLr: 1, totalSteps: 5, maxLR: 2 } as never)).toThrow('OneCycleLR: options has an unknown option "maxLR"');
  });
});

describe('ReduceLROnPlateau', () => {
  const { metrics, cases } = fixture.plateau;

  it.each(cases.map((c) => [JSON.stringify(c.options), c] as const))('%s: lr after each epoch as PyTorch', (_, c) => {
    const opt = sgd();
    const scheduler = new ReduceLROnPlateau(opt, c.options as never);
    const lrs = metrics.map((m) => {
      scheduler.step(m);
      expect(scheduler.getLastLr()).toEqual([opt.paramGroups[0].lr]);
      return opt.paramGroups[0].lr;
    });
    expectClose(lrs, c.lr, 1e-15);
    expect([scheduler.best, scheduler.numBadEpochs, scheduler.cooldownCounter, scheduler.lastEpoch]).toEqual([c.best, c.numBadEpochs, c.cooldownCounter, metrics.length]);
  });

  it('resumes from a state dict', () => {
    const c = cases.find((k) => k.options.cooldown === 2)!;
    const first = new ReduceLROnPlateau(sgd(), c.options as never);
    metrics.slice(0, 7).forEach((m) => first.step(m));
    const opt = sgd();
    const resumed = new ReduceLROnPlateau(opt, c.options as never);
    resumed.loadStateDict(first.stateDict());
    expect(opt.paramGroups[0].lr).toBe(c.lr[6]);
    const rest = metrics.slice(7).map((m) => {
      resumed.step(m);
      return opt.paramGroups[0].lr;
    });
    expect(rest).toEqual(c.lr.slice(7));
    expect(() => resumed.loadStateDict({ ...first.stateDict(), numBadEpochs: -1 })).toThrow('ReduceLROnPlateau.loadStateDict: expected { lastEpoch, best, numBadEpochs, cooldownCounter, lastLr } as returned by stateDict()');
  });

  it('takes a one-element tensor, per-group minimum rates, and treats NaN as no improvement', () => {
    const opt = new SGD([{ params: [param()] }, { params: [param()], lr: 1 }], { lr: 0.1 });
    const scheduler = new ReduceLROnPlateau(opt, { patience: 0, factor: 0.5, minLr: [0.01, 0.8] });
    scheduler.step(tensor(1));
    scheduler.step(NaN);
    expect(scheduler.getLastLr()).toEqual([0.05, 0.8]);
    expect(scheduler.best).toBe(1);
  });

  it('refuses bad options, naming them', () => {
    expect(() => new ReduceLROnPlateau(sgd(), { factor: 1 })).toThrow('ReduceLROnPlateau: factor must be a number in [0, 1), got 1');
    expect(() => new ReduceLROnPlateau(sgd(), { mode: 'minimum' as never })).toThrow("ReduceLROnPlateau: mode must be 'min' or 'max', got 'minimum'");
    expect(() => new ReduceLROnPlateau(sgd(), { thresholdMode: 'relative' as never })).toThrow("ReduceLROnPlateau: thresholdMode must be 'rel' or 'abs', got 'relative'");
    expect(() => new ReduceLROnPlateau(sgd(), { patience: 1.5 })).toThrow('ReduceLROnPlateau: patience must be a non-negative integer, got 1.5');
    expect(() => new ReduceLROnPlateau(sgd(), { minLr: [0, 0] })).toThrow('ReduceLROnPlateau: minLr must be a number or an array of 1 numbers (one per parameter group), got [0, 0]');
    expect(() => new ReduceLROnPlateau(sgd(), { threshold: -1 })).toThrow('ReduceLROnPlateau: threshold must be a finite number >= 0, got -1');
    expect(() => new ReduceLROnPlateau({} as never)).toThrow('ReduceLROnPlateau: expected an Optimizer, got [object Object]');
    expect(() => new ReduceLROnPlateau(sgd()).step('0.5' as never)).toThrow('ReduceLROnPlateau.step: the metric must be a number or a one-element Tensor, got "0.5"');
  });
});
