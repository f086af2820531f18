// RMSprop, Adagrad and Adam/AdamW with amsgrad against PyTorch 1.13 (scripts/torch/optim_fixtures.py):
// every option, over six steps of fixed gradients, in float64 within 1e-12, and the state they keep.
import { describe, expect, it } from 'vitest';
import { Adagrad, Adam, AdamW, type Optimizer, RMSprop, type Tensor, tensor, zeros } from '../../src/index.js';
import { expectClose, values } from './helpers.js';
import { fixture, type OptimizerCase } from './torch-fixture.js';

const CLASSES = { RMSprop, Adagrad, Adam, AdamW } as const;

function makeParams(dtype: 'float32' | 'float64' = 'float64'): Tensor[] {
  return fixture.initial.map((v, i) => tensor(v, { dtype }).reshape(fixture.shapes[i]).requiresGrad_());
}

function makeOptimizer(c: OptimizerCase, params: Tensor[]): Optimizer {
  const Class = CLASSES[c.optimizer] as unknown as new (params: unknown, options: unknown) => Optimizer;
  const input = c.groups === undefined ? params : c.groups.map((g, i) => ({ params: [params[i]], ...g }));
  return new Class(input, c.options);
}

/** Sets the fixture's gradients of step t and steps. */
function step(optimizer: Optimizer, params: Tensor[], t: number): void {
  params.forEach((p, i) => (p.grad = tensor(fixture.grads[t][i], { dtype: p.dtype }).reshape(p.shape)));
  optimizer.step();
}

const label = (c: OptimizerCase) => `${c.optimizer} ${JSON.stringify(c.options)}${c.groups ? ` groups ${JSON.stringify(c.groups)}` : ''}`;

describe.each(fixture.optimizers.map((c) => [label(c), c] as const))('%s', (_, c) => {
  it('follows PyTorch step by step and keeps the same state', () => {
    const params = makeParams();
    const optimizer = makeOptimizer(c, params);
    c.trajectory.forEach((expected, t) => {
      step(optimizer, params, t);
      params.forEach((p, i) => expectClose(values(p), expected[i], 1e-12));
    });
    params.forEach((p, i) => {
      const state = optimizer.state.get(p)!;
      expect(Object.keys(state).sort()).toEqual(Object.keys(c.state[i]).sort());
      for (const [name, expected] of Object.entries(c.state[i])) {
        const actual = state[name]!;
        if (typeof expected === 'number') expect(actual).toBe(expected);
        else expectClose(values(actual as Tensor), expected, 1e-12);
      }
    });
  });

  it('resumes from a state dict exactly', () => {
    const params = makeParams();
    const optimizer = makeOptimizer(c, params);
    for (let t = 0; t < 3; t++) step(optimizer, params, t);
    const saved = optimizer.stateDict();
    const resumedParams = params.map((p) => p.detach().clone().requiresGrad_());
    // Built with the defaults only: the state dict brings the groups' options back too.
    const resumed = new CLASSES[c.optimizer](c.groups === undefined ? resumedParams : resumedParams.map((p) => ({ params: [p] })));
    resumed.loadStateDict(saved);
    for (let t = 3; t < c.trajectory.length; t++) {
      step(optimizer, params, t);
      step(resumed, resumedParams, t);
    }
    resumedParams.forEach((p, i) => expect(values(p)).toEqual(values(params[i])));
    resumedParams.forEach((p, i) => expectClose(values(p), c.trajectory.at(-1)![i], 1e-12));
  });

  it('in float32 stays within float32 rounding of PyTorch', () => {
    const params = makeParams('float32');
    const optimizer = makeOptimizer(c, params);
    c.trajectory.forEach((_, t) => step(optimizer, params, t));
    params.forEach((p, i) => expectClose(values(p), c.trajectory.at(-1)![i], 2e-5));
  });
});

describe('RMSprop and Adagrad', () => {
  it('have PyTorch defaults', () => {
    expect(new RMSprop(makeParams()).defaults).toEqual({ lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false });
    expect(new Adagrad(makeParams()).defaults).toEqual({ lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 });
  });

  it('refuse bad options, naming them', () => {
    const p = makeParams();
    expect(() => new RMSprop(p, { alpha: -0.1 })).toThrow('RMSprop: invalid alpha -0.1 in options (must be a finite number >= 0)');
    expect(() => new RMSprop(p, { momentum: -1 })).toThrow('RMSprop: invalid momentum -1 in options (must be a finite number >= 0)');
    expect(() => new RMSprop(p, { centered: 1 as never })).toThrow('RMSprop: centered must be a boolean, got 1 in options');
    expect(() => new RMSprop(p, { lr: -1 })).toThrow('RMSprop: invalid learning rate -1 in options (must be a finite number >= 0)');
    expect(() => new RMSprop(p, { beta: 0.9 } as never)).toThrow('RMSprop: options has an unknown option "beta" (known: lr, alpha, eps, weightDecay, momentum, centered)');
    expect(() => new Adagrad(p, { lrDecay: -0.1 })).toThrow('Adagrad: invalid lrDecay -0.1 in options (must be a finite number >= 0)');
    expect(() => new Adagrad(p, { initialAccumulatorValue: -1 })).toThrow('Adagrad: invalid initialAccumulatorValue -1 in options (must be a finite number >= 0)');
    expect(() => new Adagrad([{ params: [p[0]], eps: NaN }])).toThrow('Adagrad: invalid eps NaN in parameter group 0 (must be a finite number >= 0)');
    expect(() => new Adam(p, { amsgrad: 'yes' as never })).toThrow("Adam: amsgrad must be a boolean, got \"yes\" in options");
  });

  it("Adagrad starts each group's sum at the group's initialAccumulatorValue", () => {
    const params = makeParams();
    const optimizer = new Adagrad([{ params: [params[0]] }, { params: [params[1]], initialAccumulatorValue: 2 }], { initialAccumulatorValue: 0.5 });
    params.forEach((p) => (p.grad = zeros(p.shape, { dtype: 'float64' })));
    optimizer.step();
    expect(values(optimizer.state.get(params[0])!.sum)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(values(optimizer.state.get(params[1])!.sum)).toEqual([2, 2, 2, 2]);
  });

  it('state dicts need the buffers their options use', () => {
    const params = makeParams();
    const optimizer = new RMSprop(params, { momentum: 0.9, centered: true });
    step(optimizer, params, 0);
    const saved = optimizer.stateDict();
    expect(Object.keys(saved.state[0]).sort()).toEqual(['gradAvg', 'momentumBuffer', 'squareAvg', 'step']);
    const { momentumBuffer: _dropped, ...withoutBuffer } = saved.state[0];
    expect(() => new RMSprop(makeParams()).loadStateDict({ ...saved, state: { ...saved.state, 0: withoutBuffer } }))
      .toThrow('RMSprop.loadStateDict: state of parameter 0: "momentumBuffer" must be a typed array, got undefined');
    const plain = { ...saved, paramGroups: saved.paramGroups.map((g) => ({ ...g, momentum: 0, centered: false })) };
    expect(() => new RMSprop(makeParams()).loadStateDict(plain))
      .toThrow('RMSprop.loadStateDict: state of parameter 0 has an unknown entry "momentumBuffer" (expected step, squareAvg)');

    const adam = new Adam(params, { amsgrad: true });
    step(adam, params, 0);
    expect(Object.keys(adam.stateDict().state[1]).sort()).toEqual(['expAvg', 'expAvgSq', 'maxExpAvgSq', 'step']);
    const adagrad = new Adagrad(params, { initialAccumulatorValue: 0.25 });
    step(adagrad, params, 0);
    expect(adagrad.stateDict().state[1].step).toBe(1);
  });

  it('turning momentum or amsgrad on after some steps starts their buffers from zeros', () => {
    const params = makeParams();
    const optimizer = new RMSprop(params);
    step(optimizer, params, 0);
    optimizer.paramGroups[0].momentum = 0.9;
    optimizer.paramGroups[0].centered = true;
    step(optimizer, params, 1);
    expect(Object.keys(optimizer.state.get(params[0])!).sort()).toEqual(['gradAvg', 'momentumBuffer', 'squareAvg', 'step']);
    const adam = new AdamW(params);
    step(adam, params, 0);
    adam.paramGroups[0].amsgrad = true;
    step(adam, params, 1);
    const state = adam.state.get(params[0])!;
    // The maximum of zeros and v is v.
    expect(values(state.maxExpAvgSq!)).toEqual(values(state.expAvgSq));
  });
});
