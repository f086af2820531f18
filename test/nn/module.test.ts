import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

const { Generator, Linear, Module, Parameter, ReLU, Sequential, Tanh } = nb;

/** A residual-free block with a child Linear and an own parameter, to nest inside Net. */
class Block extends Module {
  lin: nb.Linear;
  gain: nb.Parameter;
  constructor(features: number, generator: nb.Generator) {
    super();
    this.lin = new Linear(features, features, { generator });
    this.gain = new Parameter(nb.full([features], 1.5));
  }
  forward(x: nb.Tensor): nb.Tensor {
    return this.lin.forward(x).tanh().mul(this.gain);
  }
}

/**
 * encoder: Linear(3 -> 4); blocks: an array of two Blocks(4); head: Sequential(Linear(4 -> 2), ReLU);
 * plus an own parameter `scale` and non-module fields that must be ignored.
 */
class Net extends Module {
  encoder: nb.Linear;
  blocks: Block[];
  label = 'not a module';
  sizes = [3, 4, 2];
  head: nb.Sequential;
  scale: nb.Parameter;
  constructor(seed = 0) {
    super();
    const generator = new Generator(seed);
    this.encoder = new Linear(3, 4, { generator });
    this.blocks = [new Block(4, generator), new Block(4, generator)];
    this.head = new Sequential(new Linear(4, 2, { generator }), new ReLU());
    this.scale = new Parameter(nb.tensor([2]));
  }
  forward(x: nb.Tensor): nb.Tensor {
    let h = this.encoder.forward(x);
    for (const block of this.blocks) h = block.forward(h);
    return this.head.forward(h).mul(this.scale);
  }
}

const NAMES = [
  // A module's own parameters come before its children's (as in PyTorch's named_parameters).
  'scale',
  'encoder.weight',
  'encoder.bias',
  'blocks.0.gain',
  'blocks.0.lin.weight',
  'blocks.0.lin.bias',
  'blocks.1.gain',
  'blocks.1.lin.weight',
  'blocks.1.lin.bias',
  'head.0.weight',
  'head.0.bias',
];

const SHAPES: Record<string, number[]> = {
  scale: [1],
  'encoder.weight': [4, 3],
  'encoder.bias': [4],
  'blocks.0.gain': [4],
  'blocks.0.lin.weight': [4, 4],
  'blocks.0.lin.bias': [4],
  'blocks.1.gain': [4],
  'blocks.1.lin.weight': [4, 4],
  'blocks.1.lin.bias': [4],
  'head.0.weight': [2, 4],
  'head.0.bias': [2],
};

const input = () => nb.tensor([[0.5, -1, 2], [1.5, 0.25, -0.75], [-2, 1, 0.1]]);

describe('Module parameter discovery', () => {
  it('names parameters with PyTorch-style dotted paths (own first, then children in declaration order)', () => {
    const net = new Net();
    const named = [...net.namedParameters()];
    expect(named.map(([name]) => name)).toEqual(NAMES);
    for (const [name, p] of named) {
      expect(p, name).toBeInstanceOf(Parameter);
      expect([...p.shape], name).toEqual(SHAPES[name]);
      expect(p.requiresGrad, name).toBe(true);
    }
  });

  it('names the parameters of a Sequential by index, skipping parameter-free layers', () => {
    const seq = new Sequential(new Linear(5, 3), new Tanh(), new Linear(3, 2, { bias: false }), new ReLU(), new Linear(2, 1));
    expect([...seq.namedParameters()].map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '4.weight', '4.bias']);
  });

  it('parameters() returns the same objects as namedParameters, in the same order', () => {
    const net = new Net();
    const params = net.parameters();
    expect(params).toHaveLength(NAMES.length);
    expect(params[0]).toBe(net.scale);
    expect(params[1]).toBe(net.encoder.weight);
    expect(params[4]).toBe(net.blocks[0].lin.weight);
    expect(params[9]).toBe((net.head.at(0) as nb.Linear).weight);
    expect(params[10]).toBe((net.head.at(0) as nb.Linear).bias);
    expect(new Set(params).size).toBe(params.length);
  });

  it('numParameters counts every scalar', () => {
    // scale 1; encoder 4*3 + 4; each block 4 + 4*4 + 4; head 2*4 + 2
    expect(new Net().numParameters()).toBe(1 + 16 + 2 * 24 + 10);
    expect(new Linear(7, 5).numParameters()).toBe(40);
    expect(new Linear(7, 5, { bias: false }).numParameters()).toBe(35);
    expect(new ReLU().numParameters()).toBe(0);
  });

  it('modules() walks the tree depth-first, starting with the module itself', () => {
    const net = new Net();
    const names = [...net.modules()].map((m) => m.constructor.name);
    expect(names).toEqual(['Net', 'Linear', 'Block', 'Linear', 'Block', 'Linear', 'Sequential', 'Linear', 'ReLU']);
  });
});

describe('Module modes and gradients', () => {
  it('train()/eval() set `training` on every descendant and return the module', () => {
    const net = new Net();
    const all = [...net.modules()];
    expect(all).toHaveLength(9);
    expect(all.every((m) => m.training)).toBe(true);
    expect(net.eval()).toBe(net);
    expect(all.map((m) => m.training)).toEqual(all.map(() => false));
    expect(net.blocks[1].lin.training).toBe(false);
    expect((net.head.at(1) as nb.Module).training).toBe(false);
    expect(net.train()).toBe(net);
    expect(all.every((m) => m.training)).toBe(true);
    net.train(false);
    expect(all.some((m) => m.training)).toBe(false);
    // Switching a child only affects its subtree.
    net.blocks[0].train();
    expect(net.training).toBe(false);
    expect(net.blocks[0].lin.training).toBe(true);
    expect(net.blocks[1].lin.training).toBe(false);
  });

  it('zeroGrad clears the gradient of every parameter', () => {
    const net = new Net();
    net.forward(input()).sum().backward();
    const withGrad = net.parameters().filter((p) => p.grad !== null);
    expect(withGrad.length).toBe(NAMES.length);
    net.zeroGrad();
    for (const [name, p] of net.namedParameters()) expect(p.grad, name).toBeNull();
  });
});

describe('stateDict / loadStateDict', () => {
  it('stateDict has one detached tensor per parameter, with the same values', () => {
    const net = new Net(3);
    const state = net.stateDict();
    expect(Object.keys(state)).toEqual(NAMES);
    for (const [name, p] of net.namedParameters()) {
      expect(state[name].requiresGrad, name).toBe(false);
      expect([...state[name].shape]).toEqual([...p.shape]);
      expect(Array.from(state[name].toTypedArray())).toEqual(Array.from(p.toTypedArray()));
    }
  });

  it('round-trips into a freshly initialized model, which then computes the same outputs and gradients', () => {
    const source = new Net(1);
    source.scale.data[0] = -0.75;
    const target = new Net(2);
    const x = input();
    const before = Array.from(target.forward(x).toTypedArray());
    const expected = Array.from(source.forward(x).toTypedArray());
    expect(before).not.toEqual(expected); // different seeds, different weights

    target.loadStateDict(source.stateDict());
    expect(Array.from(target.forward(x).toTypedArray())).toEqual(expected);
    for (const [name, p] of target.namedParameters()) {
      expect(Array.from(p.toTypedArray()), name).toEqual(Array.from(source.stateDict()[name].toTypedArray()));
    }
    // Loading copies values: the models stay independent afterwards.
    source.encoder.weight.data[0] += 1;
    expect(target.encoder.weight.data[0]).not.toBe(source.encoder.weight.data[0]);
    expect(target.encoder.weight).not.toBe(source.encoder.weight);
    // Gradients of the loaded model still flow into its own parameters.
    target.forward(x).sum().backward();
    expect(target.encoder.weight.grad).not.toBeNull();
  });

  it('accepts a state dict whose tensors were rebuilt from plain values (e.g. read from disk)', () => {
    const source = new Net(5);
    const copied = Object.fromEntries(
      Object.entries(source.stateDict()).map(([k, t]) => [k, nb.tensor(Float64Array.from(t.toTypedArray()), { shape: t.shape, dtype: 'float32' })]),
    );
    const target = new Net(6);
    target.loadStateDict(copied);
    allclose(target.forward(input()), source.forward(input()), 0, 0);
  });

  it('names the missing keys', () => {
    const net = new Net();
    const state = net.stateDict();
    delete state['blocks.1.lin.bias'];
    delete state['scale'];
    expect(() => net.loadStateDict(state)).toThrow(/missing keys: scale, blocks\.1\.lin\.bias/);
  });

  it('names the unexpected keys', () => {
    const net = new Net();
    const state = { ...net.stateDict(), 'decoder.weight': nb.zeros([2, 2]) };
    expect(() => net.loadStateDict(state)).toThrow(/unexpected keys: decoder\.weight/);
    expect(() => net.loadStateDict(state)).not.toThrow(/missing/);
  });

  it('reports missing and unexpected keys together (a renamed parameter)', () => {
    const net = new Net();
    const state = net.stateDict();
    state['head.1.weight'] = state['head.0.weight'];
    delete state['head.0.weight'];
    let message = '';
    try {
      net.loadStateDict(state);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/missing keys: head\.0\.weight/);
    expect(message).toMatch(/unexpected keys: head\.1\.weight/);
  });

  it('names the parameter and both shapes on a shape mismatch', () => {
    const net = new Net();
    const state = net.stateDict();
    state['blocks.0.lin.weight'] = nb.zeros([4, 5]);
    expect(() => net.loadStateDict(state)).toThrow(/blocks\.0\.lin\.weight/);
    expect(() => net.loadStateDict(state)).toThrow(/\[4, 5\]/);
    expect(() => net.loadStateDict(state)).toThrow(/\[4, 4\]/);
  });

  it('rejects a transposed weight even though it has the same number of elements', () => {
    const net = new Net();
    const state = net.stateDict();
    state['head.0.weight'] = nb.zeros([4, 2]);
    expect(() => net.loadStateDict(state)).toThrow(/head\.0\.weight.*\[4, 2\].*\[2, 4\]/);
  });
});

describe('Module.toString', () => {
  it('prints a Sequential like PyTorch, with each layer\'s extraRepr', () => {
    const seq = new Sequential(new Linear(784, 40), new ReLU(), new Linear(40, 10, { bias: false }), new nb.LeakyReLU(0.2), new nb.Softmax(1));
    expect(String(seq)).toBe(
      [
        'Sequential(',
        '  (0): Linear(inFeatures=784, outFeatures=40, bias=true)',
        '  (1): ReLU()',
        '  (2): Linear(inFeatures=40, outFeatures=10, bias=false)',
        '  (3): LeakyReLU(negativeSlope=0.2)',
        '  (4): Softmax(dim=1)',
        ')',
      ].join('\n'),
    );
  });

  it('indents nested modules two spaces per level', () => {
    const text = String(new Net());
    const lines = text.split('\n');
    expect(lines[0]).toBe('Net(');
    expect(lines).toContain('  (encoder): Linear(inFeatures=3, outFeatures=4, bias=true)');
    // An array of modules prints as PyTorch's ModuleList: (blocks): ModuleList( (0): Block( (lin): ... ) ... )
    expect(lines).toContain('  (blocks): ModuleList(');
    expect(lines).toContain('    (0): Block(');
    expect(lines).toContain('      (lin): Linear(inFeatures=4, outFeatures=4, bias=true)');
    expect(lines).toContain('  (head): Sequential(');
    expect(lines).toContain('    (0): Linear(inFeatures=4, outFeatures=2, bias=true)');
    expect(lines).toContain('    (1): ReLU()');
    expect(lines.at(-1)).toBe(')');
    expect(lines).toContain('    (1): Block(');
    expect(lines.filter((l) => l.includes('Block(')).length).toBe(2);
  });

  it('a leaf module prints its name and extraRepr only', () => {
    expect(String(new Linear(3, 2))).toBe('Linear(inFeatures=3, outFeatures=2, bias=true)');
    expect(String(new nb.Flatten())).toBe('Flatten(startDim=1, endDim=-1)');
    expect(String(new nb.Identity())).toBe('Identity()');
  });
});

describe('tied weights and failed loads', () => {
  class Tied extends nb.Module {
    encoder = new nb.Linear(4, 3);
    decoder = this.encoder;
    forward(x: nb.Tensor): nb.Tensor {
      return this.decoder.forward(x);
    }
  }

  it('lists a parameter shared by two fields once, under its first name', () => {
    const m = new Tied();
    expect([...m.namedParameters()].map(([name]) => name)).toEqual(['encoder.weight', 'encoder.bias']);
    expect(m.numParameters()).toBe(4 * 3 + 3);
  });

  it('a load that fails on a later shape leaves every parameter unchanged', () => {
    const m = new nb.Sequential(new nb.Linear(2, 3), new nb.Linear(3, 1));
    const before = m.parameters().map((p) => Array.from(p.data));
    const state = { '0.weight': nb.zeros([3, 2]), '0.bias': nb.zeros([3]), '1.weight': nb.zeros([1, 3]), '1.bias': nb.zeros([2]) };
    expect(() => m.loadStateDict(state)).toThrow(/1\.bias has shape \[2\] in the state dict but \[1\] in the model/);
    expect(m.parameters().map((p) => Array.from(p.data))).toEqual(before);
  });
});

describe('forward with several inputs', () => {
  class Gate extends nb.Module {
    proj = new nb.Linear(3, 3);
    forward(x: nb.Tensor, gate: nb.Tensor): nb.Tensor {
      return this.proj.forward(x).mul(gate.sigmoid());
    }
  }

  it('a module may take an input and a second tensor (type-checks and runs)', () => {
    const m = new Gate();
    const out = m.forward(nb.ones([2, 3]), nb.zeros([2, 3]));
    expect(out.shape).toEqual([2, 3]);
    expect(Array.from(out.data)).toEqual(Array.from(m.proj.forward(nb.ones([2, 3])).mul(0.5).data));
  });
});
