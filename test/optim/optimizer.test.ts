import { describe, expect, it } from 'vitest';
import { getBackend, setBackend, tensor, type Backend, type Tensor } from '../../src/index.js';
import { wrapBackend } from '../wrap-backend.js';
import { Adam, AdamW, Optimizer, SGD, type OptimizerStateDict } from '../../src/optim/index.js';
import { param, quadraticBackward, values } from './helpers.js';

const X0 = [1, -2, 3];

describe('Optimizer construction and validation', () => {
  it('accepts an array, a generator, a single tensor, or parameter groups', () => {
    const a = param(X0);
    const b = param([1, 2]);
    expect(new SGD([a, b]).params).toEqual([a, b]);
    function* gen(): Generator<Tensor> { yield a; yield b; }
    expect(new SGD(gen()).params).toEqual([a, b]);
    expect(new SGD(a).params).toEqual([a]);
    const opt = new SGD([{ params: [a], lr: 0.5, momentum: 0.9 }, { params: b }], { lr: 0.1, weightDecay: 0.01 });
    expect(opt.params).toEqual([a, b]);
    expect(opt.paramGroups.map(({ params, ...rest }) => [params.length, rest])).toEqual([
      [1, { lr: 0.5, momentum: 0.9, dampening: 0, weightDecay: 0.01, nesterov: false }],
      [1, { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0.01, nesterov: false }],
    ]);
    expect(opt.defaults).toEqual({ lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0.01, nesterov: false });
  });

  it('SGD lr defaults to 1e-3 (PyTorch 2)', () => {
    expect(new SGD([param(X0)]).lr).toBe(1e-3);
  });

  it.each<[string, () => unknown, string]>([
    ['negative lr', () => new SGD([param(X0)], { lr: -0.1 }), 'SGD: invalid learning rate -0.1 in options (must be a finite number >= 0)'],
    ['NaN lr', () => new Adam([param(X0)], { lr: NaN }), 'Adam: invalid learning rate NaN in options (must be a finite number >= 0)'],
    ['negative lr in a group', () => new SGD([{ params: [param(X0)] }, { params: [param(X0)], lr: -1 }], { lr: 0.1 }), 'SGD: invalid learning rate -1 in parameter group 1 (must be a finite number >= 0)'],
    ['negative momentum', () => new SGD([param(X0)], { lr: 0.1, momentum: -0.5 }), 'SGD: invalid momentum -0.5 in options (must be a finite number >= 0)'],
    ['negative weight decay', () => new SGD([param(X0)], { weightDecay: -1 }), 'SGD: invalid weightDecay -1 in options (must be a finite number >= 0)'],
    ['nesterov without momentum', () => new SGD([param(X0)], { lr: 0.1, nesterov: true }), 'SGD: Nesterov momentum requires a momentum > 0 and zero dampening, got momentum 0 and dampening 0 in options'],
    ['nesterov with dampening', () => new SGD([param(X0)], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), 'SGD: Nesterov momentum requires a momentum > 0 and zero dampening, got momentum 0.9 and dampening 0.1 in options'],
    ['beta1 = 1', () => new Adam([param(X0)], { betas: [1, 0.999] }), 'Adam: invalid beta parameter at index 0: 1 in options (each beta must be in [0, 1))'],
    ['beta2 < 0', () => new AdamW([param(X0)], { betas: [0.9, -0.1] }), 'AdamW: invalid beta parameter at index 1: -0.1 in options (each beta must be in [0, 1))'],
    ['beta in a group', () => new Adam([{ params: [param(X0)], betas: [0.9, 1.5] }]), 'Adam: invalid beta parameter at index 1: 1.5 in parameter group 0 (each beta must be in [0, 1))'],
    ['betas not a pair', () => new Adam([param(X0)], { betas: [0.9] as unknown as [number, number] }), 'Adam: betas must be a pair [beta1, beta2], got [0.9] in options'],
    ['negative eps', () => new Adam([param(X0)], { eps: -1e-8 }), 'Adam: invalid eps -1e-8 in options (must be a finite number >= 0)'],
    ['negative Adam weight decay', () => new AdamW([param(X0)], { weightDecay: -0.01 }), 'AdamW: invalid weightDecay -0.01 in options (must be a finite number >= 0)'],
    ['a parameter that does not require grad', () => new SGD([param(X0), tensor([1, 2])]), 'SGD: parameter group 0, parameter 1 does not require grad; create it with requiresGrad: true or call requiresGrad_()'],
    ['an empty parameter list', () => new SGD([]), 'SGD: got an empty parameter list'],
    ['only empty groups', () => new Adam([{ params: [] }]), 'Adam: got an empty parameter list'],
    ['an int32 parameter', () => { const t = tensor([1, 2], { dtype: 'int32' }); t.requiresGrad = true; return new SGD([t]); }, 'SGD: parameter group 0, parameter 0 has dtype int32; only floating-point tensors can be optimized'],
    ['a non-leaf parameter', () => new SGD([param(X0).mul(2)]), 'SGD: parameter group 0, parameter 0 is not a leaf tensor (it was computed from other tensors); optimize the leaves, or detach() it and call requiresGrad_()'],
    ['a duplicate parameter', () => { const p = param(X0); return new SGD([{ params: [p] }, { params: [p] }]); }, 'SGD: parameter group 1, parameter 0 appears more than once in the parameter groups'],
    ['a non-tensor', () => new SGD([param(X0), 3 as unknown as Tensor]), 'SGD: params mixes Tensors and parameter groups; pass either Tensors or { params, ... } groups'],
    ['a non-iterable', () => new SGD(5 as never), 'SGD: params must be an iterable of Tensors or of parameter groups ({ params, lr?, ... }), got 5'],
    ['an unknown option', () => new SGD([param(X0)], { lr: 0.1, mometum: 0.9 } as never), 'SGD: options has an unknown option "mometum" (known: lr, momentum, dampening, weightDecay, nesterov)'],
    ['an unknown group option', () => new Adam([{ params: [param(X0)], beta1: 0.5 } as never]), 'Adam: parameter group 0 has an unknown option "beta1" (known: lr, betas, eps, weightDecay, decoupledWeightDecay, amsgrad)'],
  ])('rejects %s', (_name, make, message) => {
    expect(make).toThrow(message);
    try { make(); } catch (e) { expect((e as Error).message).toBe(message); }
  });

  it('allows lr 0, momentum 0, betas 0', () => {
    expect(() => new SGD([param(X0)], { lr: 0 })).not.toThrow();
    expect(() => new Adam([param(X0)], { lr: 0, betas: [0, 0] })).not.toThrow();
  });
});

describe('Optimizer groups, lr and zeroGrad', () => {
  it('lr getter/setter covers all groups; each group keeps its own lr', () => {
    const a = param([0]);
    const b = param([0]);
    const opt = new SGD([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1 });
    expect(() => opt.lr).toThrow('SGD: the parameter groups have different learning rates (0.1 and 0.5); read paramGroups[i].lr instead');
    a.grad = tensor([1], { dtype: 'float64' });
    b.grad = tensor([1], { dtype: 'float64' });
    opt.step();
    expect([a.item(), b.item()]).toEqual([-0.1, -0.5]);
    opt.lr = 0.25;
    expect(opt.lr).toBe(0.25);
    opt.paramGroups[1].lr = 1;
    opt.step();
    expect([a.item(), b.item()]).toEqual([-0.35, -1.5]);
    expect(() => { opt.lr = -1; }).toThrow('SGD: invalid learning rate -1 (must be a finite number >= 0)');
  });

  it('step() re-validates groups edited by hand', () => {
    const p = param([0]);
    const opt = new SGD([p], { lr: 0.1 });
    opt.paramGroups[0].momentum = -1;
    p.grad = tensor([1], { dtype: 'float64' });
    expect(() => opt.step()).toThrow('SGD: invalid momentum -1 in parameter group 0 (must be a finite number >= 0)');
    expect(p.item()).toBe(0);
  });

  it('addParamGroup validates and takes defaults', () => {
    const opt = new Adam([param(X0)], { lr: 0.01 });
    const q = param([1]);
    opt.addParamGroup({ params: [q], eps: 1e-6 });
    expect(opt.paramGroups[1]).toMatchObject({ lr: 0.01, eps: 1e-6, betas: [0.9, 0.999] });
    expect(() => opt.addParamGroup({ params: [q] })).toThrow('Adam: parameter group 2, parameter 0 appears more than once in the parameter groups');
    expect(() => opt.addParamGroup({ params: [param([1])], lr: -3 })).toThrow('Adam: invalid learning rate -3 in parameter group 2 (must be a finite number >= 0)');
    expect(opt.paramGroups).toHaveLength(2);
  });

  it('zeroGrad sets grads to null (or to zeros)', () => {
    const p = param(X0);
    const q = param([1]);
    const opt = new SGD([p, q], { lr: 0.1 });
    quadraticBackward(p);
    const g = p.grad!;
    opt.zeroGrad(false);
    expect(p.grad).toBe(g);
    expect(values(g)).toEqual([0, 0, 0]);
    expect(q.grad).toBeNull();
    opt.zeroGrad();
    expect(p.grad).toBeNull();
  });

  it('skips parameters whose grad is null', () => {
    const p = param(X0);
    const q = param([5, 6]);
    const opt = new SGD([p, q], { lr: 0.1, momentum: 0.9 });
    quadraticBackward(p);
    opt.step();
    expect(values(q)).toEqual([5, 6]);
    expect(opt.state.has(q)).toBe(false);
    expect(values(p)).not.toEqual(X0);
  });

  it('rejects a gradient of the wrong shape', () => {
    const p = param(X0);
    const opt = new SGD([p], { lr: 0.1 });
    p.grad = tensor([1, 2], { dtype: 'float64' });
    expect(() => opt.step()).toThrow('SGD: a parameter of shape [3] has a gradient of shape [2]');
    expect(values(p)).toEqual(X0);
  });

  it('casts a gradient of another dtype (mixed-dtype graphs) to the parameter dtype', () => {
    const p = tensor([1, 2], { requiresGrad: true });
    p.mul(tensor([1, 2], { dtype: 'float64' })).sum().backward();
    const opt = new Adam([p], { lr: 0.1 });
    opt.step();
    expect(p.dtype).toBe('float32');
    expect(opt.state.get(p)!.expAvg.dtype).toBe('float32');
    expect(Array.from(p.toTypedArray())).toEqual([Math.fround(0.9), Math.fround(1.9)]);
  });

  it('step(closure) returns the closure result', () => {
    const p = param(X0);
    const opt = new SGD([p], { lr: 0.1 });
    const loss = opt.step(() => quadraticBackward(p));
    expect(loss).toBeCloseTo(0.5 * (1 + 8 + 4.5) - (0.5 + 2 + 6), 12);
    expect(values(p)).toEqual([0.95, -1.7, 3.05]);
  });

  it('updates through the active backend', () => {
    const original = getBackend();
    const calls: string[] = [];
    const spy: Backend = wrapBackend(original, 'spy', {}, (kernel) => {
      if (kernel.op === 'sgdStep' || kernel.op === 'adamStep') calls.push(kernel.op === 'sgdStep' ? 'sgd' : 'adam');
    });
    setBackend(spy);
    try {
      const p = param(X0);
      const q = param(X0);
      const sgd = new SGD([p], { lr: 0.1, momentum: 0.9 });
      const adam = new Adam([q]);
      quadraticBackward(p);
      quadraticBackward(q);
      sgd.step();
      adam.step();
      adam.step();
      expect(calls).toEqual(['sgd', 'adam', 'adam']);
    } finally {
      setBackend(original);
    }
  });

  it('is the common base class', () => {
    expect(new SGD([param(X0)])).toBeInstanceOf(Optimizer);
    expect(new AdamW([param(X0)])).toBeInstanceOf(Optimizer);
  });
});

describe('stateDict / loadStateDict', () => {
  type Make = (params: Tensor[]) => Optimizer;
  const cases: [string, Make][] = [
    ['SGD + momentum', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, weightDecay: 0.01 })],
    ['SGD + nesterov, two groups', (ps) => new SGD([{ params: [ps[0]], lr: 0.02 }, { params: [ps[1]] }], { lr: 0.05, momentum: 0.8, nesterov: true })],
    ['Adam', (ps) => new Adam(ps, { lr: 0.05, weightDecay: 0.1 })],
    ['AdamW, two groups', (ps) => new AdamW([{ params: [ps[0]] }, { params: [ps[1]], betas: [0.5, 0.9] }], { lr: 0.05 })],
  ];

  /** Two parameters of the quadratic (the second, a copy of the first, is scaled by 2 in the loss). */
  function stepAll(opt: Optimizer, ps: Tensor[]): void {
    quadraticBackward(ps[0]);
    quadraticBackward(ps[1]);
    ps[1].grad = ps[1].grad!.mul(2);
    opt.step();
  }

  it.each(cases)('%s: save after 3 steps, load into a fresh optimizer, continue = uninterrupted', (_name, make) => {
    const reference = [param(X0), param(X0)];
    const refOpt = make(reference);
    for (let t = 0; t < 6; t++) stepAll(refOpt, reference);

    const first = [param(X0), param(X0)];
    const firstOpt = make(first);
    for (let t = 0; t < 3; t++) stepAll(firstOpt, first);
    const saved = firstOpt.stateDict();
    const savedCopy = structuredClone(saved);
    stepAll(firstOpt, first); // the snapshot must not follow later steps
    expect(saved).toEqual(savedCopy);

    const resumed = first.map(() => param([0, 0, 0]));
    // Parameter values travel with the model, not the optimizer: restore them as they were after 3 steps.
    const replay = [param(X0), param(X0)];
    const replayOpt = make(replay);
    for (let t = 0; t < 3; t++) stepAll(replayOpt, replay);
    resumed.forEach((p, i) => p.data.set(replay[i].data));

    const fresh = make(resumed);
    fresh.lr = 123; // overwritten by the loaded hyperparameters
    fresh.loadStateDict(saved);
    for (let t = 0; t < 3; t++) stepAll(fresh, resumed);
    expect(values(resumed[0])).toEqual(values(reference[0]));
    expect(values(resumed[1])).toEqual(values(reference[1]));
    // ...and the loaded buffers are copies, not the dict's arrays.
    expect(saved).toEqual(savedCopy);
  });

  it('has the PyTorch layout: indexed state, hyperparameters and indices per group', () => {
    const a = param(X0);
    const b = param([1, 2]);
    const opt = new Adam([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1 });
    quadraticBackward(a);
    opt.step();
    opt.step();
    const dict = opt.stateDict();
    expect(Object.keys(dict.state)).toEqual(['0']);
    expect(dict.state[0].step).toBe(2);
    expect(dict.state[0].expAvg).toBeInstanceOf(Float64Array);
    expect(Array.from(dict.state[0].expAvg as Float64Array)).toEqual(Array.from(opt.state.get(a)!.expAvg.toTypedArray()));
    expect(dict.state[0].expAvg).not.toBe(opt.state.get(a)!.expAvg);
    expect(dict.paramGroups).toEqual([
      { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, decoupledWeightDecay: false, amsgrad: false, params: [0] },
      { lr: 0.5, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, decoupledWeightDecay: false, amsgrad: false, params: [1] },
    ]);
  });

  it('converts loaded buffers to the parameter dtype', () => {
    const p64 = param(X0);
    const opt64 = new SGD([p64], { lr: 0.1, momentum: 0.9 });
    quadraticBackward(p64);
    opt64.step();
    const p32 = param(X0, 'float32');
    const opt32 = new SGD([p32], { lr: 0.1, momentum: 0.9 });
    opt32.loadStateDict(opt64.stateDict());
    expect(opt32.state.get(p32)!.momentumBuffer.dtype).toBe('float32');
    expect(Array.from(opt32.state.get(p32)!.momentumBuffer.toTypedArray())).toEqual([0.5, -3, -0.5]);
  });

  it('rejects mismatched state dicts without changing the optimizer', () => {
    const make = () => { const p = param(X0); const o = new Adam([p], { lr: 0.1 }); quadraticBackward(p); o.step(); return o; };
    const good = make().stateDict();
    const target = make();
    const before = target.stateDict();
    const bad = (edit: (d: OptimizerStateDict) => void): OptimizerStateDict => { const d = structuredClone(good); edit(d); return d; };
    const cases: [OptimizerStateDict, string][] = [
      [bad((d) => d.paramGroups.push({ lr: 1, params: [1] })), 'Adam.loadStateDict: the state dict has 2 parameter groups, this optimizer has 1'],
      [bad((d) => { d.paramGroups[0].params = [0, 1]; }), 'Adam.loadStateDict: parameter group 0 has 2 parameters in the state dict and 1 here'],
      [bad((d) => { d.state[0].expAvg = new Float64Array(2); }), 'Adam.loadStateDict: state of parameter 0: "expAvg" has 2 elements, the parameter has 3 (shape [3])'],
      [bad((d) => { delete (d.state[0] as Record<string, unknown>).step; }), 'Adam.loadStateDict: state of parameter 0: "step" must be a finite number, got undefined'],
      [bad((d) => { d.state[0].momentumBuffer = new Float64Array(3); }), 'Adam.loadStateDict: state of parameter 0 has an unknown entry "momentumBuffer" (expected step, expAvg, expAvgSq)'],
      [bad((d) => { d.state[5] = d.state[0]; }), 'Adam.loadStateDict: the state dict has state for parameter 5, which is in no parameter group'],
      [bad((d) => { d.paramGroups[0].lr = -1; }), 'Adam: invalid learning rate -1 in parameter group 0 of the state dict (must be a finite number >= 0)'],
      [bad((d) => { d.paramGroups[0].betas = [0.9, 1]; }), 'Adam: invalid beta parameter at index 1: 1 in parameter group 0 of the state dict (each beta must be in [0, 1))'],
      [{} as OptimizerStateDict, 'Adam.loadStateDict: expected an object with "state" and "paramGroups", as returned by stateDict()'],
    ];
    for (const [dict, message] of cases) {
      expect(() => target.loadStateDict(dict)).toThrow(message);
      expect(target.stateDict()).toEqual(before);
    }
  });
});
