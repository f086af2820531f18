import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

// State-dict names from PyTorch 1.13 (scripts/torch/module_fixtures.py).
const fixture = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'modules.json'), 'utf8')) as { stateDictKeys: Record<string, string[]> };

const keys = (m: nb.AnyModule) => Object.keys(m.stateDict());
const linear = (i: number, o: number) => new nb.Linear(i, o, { generator: new nb.Generator(i * 10 + o) });

/** PyTorch's Net of the fixture script: an Embedding, a ModuleList of blocks, a ModuleDict of heads and a LayerNorm. */
class Net extends nb.Module {
  embed = new nb.Embedding(10, 4, { paddingIdx: 0 });
  blocks = new nb.ModuleList([0, 1].map(() => new nb.Sequential(linear(4, 4), new nb.LayerNorm(4))));
  heads = new nb.ModuleDict({ cls: linear(4, 3), reg: linear(4, 1) });
  norm = new nb.LayerNorm([2, 4], { elementwiseAffine: false });
  forward(tokens: nb.Tensor): nb.Tensor {
    let h = this.embed.forward(tokens);
    for (const block of this.blocks) h = block.forward(h);
    return this.heads.get('cls').forward(this.norm.forward(h));
  }
}

describe('ModuleList', () => {
  it('names its modules by position, nested lists included, exactly as PyTorch', () => {
    expect(keys(new Net())).toEqual(fixture.stateDictKeys.Net);
    const nested = new nb.ModuleList<nb.AnyModule>([linear(2, 3), new nb.ModuleList([linear(3, 1)])]);
    expect(keys(nested)).toEqual(fixture.stateDictKeys['ModuleList([Linear(2, 3), ModuleList([Linear(3, 1)])])']);
  });

  it('appends, extends, inserts, replaces and pops, renumbering the names', () => {
    const [a, b, c, d] = [linear(1, 1), linear(1, 2), linear(1, 3), linear(1, 4)];
    const list = new nb.ModuleList([a]).append(b).extend([c]);
    expect(list.length).toBe(3);
    expect([...list]).toEqual([a, b, c]);
    expect(list.at(0)).toBe(a);
    expect(list.at(-1)).toBe(c);
    list.insert(1, d);
    expect([...list]).toEqual([a, d, b, c]);
    expect(keys(list)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '2.weight', '2.bias', '3.weight', '3.bias']);
    expect([...list.stateDict()['1.weight'].shape]).toEqual([4, 1]);
    expect(list.pop(1)).toBe(d);
    expect(list.pop()).toBe(c);
    list.set(-1, c);
    expect([...list]).toEqual([a, c]);
    expect(list.insert(-10, d).at(0)).toBe(d);
    expect(list.parameters()).toEqual([d.weight, d.bias, a.weight, a.bias, c.weight, c.bias]);
  });

  it('hands its parameters to an optimizer and trains inside a module', () => {
    const model = new Net();
    const optimizer = new nb.SGD(model.parameters(), { lr: 0.1 });
    expect(model.parameters()).toContain(model.blocks.at(1).layers[0].parameters()[0]);
    const before = model.blocks.at(0).stateDict()['0.weight'].toTypedArray();
    const tokens = nb.tensor([[1, 2], [3, 0]], { dtype: 'int32' });
    nb.crossEntropy(model.forward(tokens).reshape([4, 3]), nb.tensor([0, 1, 2, 0], { dtype: 'int32' })).backward();
    optimizer.step();
    expect(Array.from(model.blocks.at(0).stateDict()['0.weight'].toTypedArray())).not.toEqual(Array.from(before));
  });

  it('prints as PyTorch does and has no forward', () => {
    const list = new nb.ModuleList([linear(2, 3), new nb.ReLU()]);
    expect(String(list)).toBe('ModuleList(\n  (0): Linear(inFeatures=2, outFeatures=3, bias=true)\n  (1): ReLU()\n)');
    expect(() => list.forward()).toThrow(/ModuleList: a ModuleList has no forward/);
  });

  it('refuses what is not a module and positions out of range', () => {
    const list = new nb.ModuleList([linear(1, 1)]);
    expect(() => list.at(1)).toThrow('ModuleList.at: index 1 is out of range for a list of 1 module');
    expect(() => list.pop(-2)).toThrow('ModuleList.pop: index -2 is out of range for a list of 1 module');
    expect(() => list.append(nb.zeros([2]) as unknown as nb.Linear)).toThrow('ModuleList.append: expected a Module, got a Tensor');
    expect(() => new nb.ModuleList([linear(1, 1), 3 as unknown as nb.Linear])).toThrow('ModuleList.extend (item 1): expected a Module, got 3');
    expect(() => new nb.ModuleList(5 as unknown as nb.Linear[])).toThrow('ModuleList: expected an iterable of modules, got 5');
  });
});

describe('ModuleDict', () => {
  it('names its modules by key, in insertion order, with a Map\'s methods', () => {
    const [enc, dec] = [linear(2, 2), linear(2, 1)];
    const dict = new nb.ModuleDict({ encoder: enc });
    dict.set('decoder', dec);
    expect(keys(dict)).toEqual(['encoder.weight', 'encoder.bias', 'decoder.weight', 'decoder.bias']);
    expect(dict.get('decoder')).toBe(dec);
    expect(dict.has('encoder')).toBe(true);
    expect(dict.size).toBe(2);
    expect([...dict.keys()]).toEqual(['encoder', 'decoder']);
    expect([...dict]).toEqual([['encoder', enc], ['decoder', dec]]);
    expect(new nb.ModuleDict(dict).get('encoder')).toBe(enc);
    expect(dict.delete('encoder')).toBe(true);
    expect(keys(dict)).toEqual(['decoder.weight', 'decoder.bias']);
    expect(String(dict)).toBe('ModuleDict(\n  (decoder): Linear(inFeatures=2, outFeatures=1, bias=true)\n)');
  });

  it('refuses keys that cannot name parameters and values that are not modules', () => {
    const dict = new nb.ModuleDict();
    expect(() => dict.get('x')).toThrow("ModuleDict.get: no module under 'x' (keys: none)");
    expect(() => dict.set('a.b', linear(1, 1))).toThrow("ModuleDict: a key must be a non-empty string without '.' (it names the module's parameters), got 'a.b'");
    expect(() => dict.set('', linear(1, 1))).toThrow(/non-empty string/);
    expect(() => new nb.ModuleDict({ a: 'linear' as unknown as nb.Linear })).toThrow("ModuleDict: the value under 'a' must be a Module, got 'linear'");
  });
});

describe('modules in plain objects and Maps', () => {
  class Holder extends nb.Module {
    heads: Record<string, nb.Linear> = { left: linear(2, 1), right: linear(2, 3) };
    stages = new Map([['first', linear(3, 3)]]);
    nested = { towers: [linear(1, 1)] };
    config = { sizes: [1, 2], 'not.a.module': 3 };
    forward(x: nb.Tensor): nb.Tensor {
      return this.heads.left.forward(x);
    }
  }

  it('are registered as a ModuleDict would be: parameters, state dict, modules, toString', () => {
    const holder = new Holder();
    expect(keys(holder)).toEqual([
      'heads.left.weight', 'heads.left.bias', 'heads.right.weight', 'heads.right.bias',
      'stages.first.weight', 'stages.first.bias', 'nested.towers.0.weight', 'nested.towers.0.bias',
    ]);
    expect(holder.parameters()).toContain(holder.stages.get('first')!.weight);
    expect([...holder.modules()].length).toBe(5);
    expect(String(holder)).toBe([
      'Holder(',
      '  (heads): ModuleDict(',
      '    (left): Linear(inFeatures=2, outFeatures=1, bias=true)',
      '    (right): Linear(inFeatures=2, outFeatures=3, bias=true)',
      '  )',
      '  (stages): ModuleDict(',
      '    (first): Linear(inFeatures=3, outFeatures=3, bias=true)',
      '  )',
      '  (nested): ModuleDict(',
      '    (towers): ModuleList(',
      '      (0): Linear(inFeatures=1, outFeatures=1, bias=true)',
      '    )',
      '  )',
      ')',
    ].join('\n'));
    const copy = new Holder();
    copy.loadStateDict(holder.stateDict());
    allclose(copy.stages.get('first')!.weight, holder.stages.get('first')!.weight, 0, 0);
  });

  it('are refused, never dropped, where they cannot be named', () => {
    class Bad extends nb.Module {
      constructor(readonly field: unknown) {
        super();
      }
      forward(x: nb.Tensor): nb.Tensor {
        return x;
      }
    }
    expect(() => new Bad(new Set([linear(1, 1)])).parameters()).toThrow("Module: field path 'field' is a Set holding a module, which gives it no name for parameters and the state dict");
    expect(() => new Bad(new Map([[1, linear(1, 1)]])).stateDict()).toThrow("Module: 'field' holds a module under the key 1, which cannot name it in the state dict (keys must be non-empty strings without '.')");
    expect(() => String(new Bad({ 'a.b': linear(1, 1) }))).toThrow(/under the key 'a.b'/);
    expect(new Bad(new Set([1, 2])).parameters()).toEqual([]);
    expect(new Bad({ 'a.b': 1 }).parameters()).toEqual([]);
  });
});

describe('Module.apply', () => {
  it('visits the children first, then the module, and returns it', () => {
    const inner = new nb.Sequential(linear(2, 2), new nb.ReLU());
    const model = new nb.Sequential(inner, linear(2, 1));
    const seen: string[] = [];
    expect(model.apply((m) => seen.push(m.constructor.name))).toBe(model);
    expect(seen).toEqual(['Linear', 'ReLU', 'Sequential', 'Linear', 'Sequential']);
    model.apply((m) => {
      if (m instanceof nb.Linear) nb.noGrad(() => m.weight.fill_(0.5));
    });
    expect(Array.from(model.parameters()[0].toTypedArray())).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(() => model.apply(3 as unknown as () => void)).toThrow('apply: expected a function of the module, got 3');
  });
});

describe('Module.to(dtype)', () => {
  it('converts parameters in place, keeping them the optimizer\'s, and float buffers; int32 buffers stay', () => {
    const model = new nb.Sequential(linear(3, 2), new nb.BatchNorm1d(2));
    const params = model.parameters();
    const optimizer = new nb.SGD(params, { lr: 0.5 });
    const before = params.map((p) => p.detach().clone());
    expect(model.to('float64')).toBe(model);
    expect(model.parameters()).toEqual(params);
    expect(params.every((p, i) => p === model.parameters()[i] && p.dtype === 'float64')).toBe(true);
    params.forEach((p, i) => allclose(p, before[i], 0, 0));
    expect(before[0].dtype).toBe('float32');
    const bn = model.layers[1] as nb.BatchNorm1d;
    expect([bn.runningMean!.dtype, bn.runningVar!.dtype, bn.numBatchesTracked!.dtype]).toEqual(['float64', 'float64', 'int32']);
    expect(model.stateDict()['0.weight'].dtype).toBe('float64');

    const x = nb.randn([4, 3], { dtype: 'float64', generator: new nb.Generator(1) });
    model.forward(x).sum().backward();
    expect(params[0].grad!.dtype).toBe('float64');
    const weight = Array.from(params[0].toTypedArray());
    optimizer.step();
    expect(Array.from(params[0].toTypedArray())).not.toEqual(weight);
    model.to('float32');
    expect(params[0].grad!.dtype).toBe('float32');
  });

  it('a graph recorded before the conversion refuses to backward', () => {
    const layer = linear(2, 2);
    const y = layer.forward(nb.ones([1, 2])).sum();
    layer.to('float64');
    expect(() => y.backward()).toThrow(/modified by an inplace operation: linear's saved tensor of shape \[2, 2\] \(its input 1\) is at version 1; expected version 0/);
  });

  it('accepts floating-point dtypes only', () => {
    expect(() => linear(1, 1).to('int32' as nb.FloatDType)).toThrow(/Module.to: dtype must be/);
  });
});

describe('loadStateDict', () => {
  it('strict (the default) names every missing and unexpected key and every shape mismatch in one error', () => {
    const model = new nb.Sequential(linear(2, 3), linear(3, 1));
    const state: Record<string, nb.Tensor> = { ...model.stateDict(), extra: nb.zeros([1]), '1.weight': nb.zeros([3, 1]) };
    delete state['0.bias'];
    expect(() => model.loadStateDict(state)).toThrow('loadStateDict: missing keys: 0.bias; unexpected keys: extra; 1.weight has shape [3, 1] in the state dict but [1, 3] in the model');
  });

  it('non-strict loads the names that match and reports the others; shapes must still match', () => {
    const model = new nb.Sequential(linear(2, 3), linear(3, 1));
    const source = new nb.Sequential(linear(2, 3));
    const result = model.loadStateDict({ ...source.stateDict(), 'head.weight': nb.zeros([1]) }, { strict: false });
    expect(result).toEqual({ missingKeys: ['1.weight', '1.bias'], unexpectedKeys: ['head.weight'] });
    allclose(model.parameters()[0], source.parameters()[0], 0, 0);
    expect(model.loadStateDict(model.stateDict())).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(() => model.loadStateDict({ '0.bias': nb.zeros([2]) }, { strict: false })).toThrow('loadStateDict: 0.bias has shape [2] in the state dict but [3] in the model');
  });

  it('checks its arguments', () => {
    const model = linear(1, 1);
    expect(() => model.loadStateDict({ weight: [[1]] as unknown as nb.Tensor, bias: nb.zeros([1]) })).toThrow('loadStateDict: weight is an array in the state dict, not a Tensor');
    expect(() => model.loadStateDict(model.stateDict(), { strict: 'no' as unknown as boolean })).toThrow("loadStateDict: strict must be a boolean, got 'no'");
    expect(() => model.loadStateDict(model.stateDict(), { strcit: false } as nb.LoadStateDictOptions)).toThrow(/loadStateDict: options has an unknown option "strcit"/);
  });
});
