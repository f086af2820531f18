/** Forward hooks and pre-hooks on modules (PyTorch's register_forward_hook / register_forward_pre_hook). */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

const { Generator, Identity, Linear, ReLU, Residual, Sequential, Tanh } = nb;

const input = () => nb.randn([5, 4], { generator: new Generator(1) });

function net(): nb.Sequential {
  const generator = new Generator(0);
  return new Sequential(new Linear(4, 6, { generator }), new ReLU(), new Residual(new Sequential(new Linear(6, 6, { generator }), new Tanh())), new Linear(6, 3, { generator }));
}

describe('registerForwardHook', () => {
  it('runs with the module, its inputs and its output when forward is called directly', () => {
    const layer = new Linear(4, 2, { generator: new Generator(0) });
    const calls: [nb.Module, nb.Tensor[], nb.Tensor][] = [];
    layer.registerForwardHook((module, inputs, output) => {
      calls.push([module, inputs, output]);
    });
    const x = input();
    const y = layer.forward(x);
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe(layer);
    expect(calls[0][1]).toEqual([x]);
    expect(calls[0][2]).toBe(y);
  });

  it('runs for layers that containers call, in call order, also for a Linear that Sequential would fuse with its activation', () => {
    const model = net();
    const plain = model.forward(input());
    const seen: string[] = [];
    const handles = [...model.modules()].map((m) => m.registerForwardHook((module) => {
      seen.push(module.constructor.name);
    }));
    const hooked = model.forward(input());
    expect(seen).toEqual(['Linear', 'ReLU', 'Linear', 'Tanh', 'Sequential', 'Residual', 'Linear', 'Sequential']);
    allclose(hooked, plain, 1e-6, 1e-5);
    for (const handle of handles) handle.remove();
  });

  it('replaces the output with what the hook returns, and gradients flow through the replacement', () => {
    const layer = new Linear(4, 2, { generator: new Generator(0) });
    const x = input();
    const plain = layer.forward(x);
    const handle = layer.registerForwardHook((_, __, output) => output.mul(3));
    const y = layer.forward(x);
    allclose(y, plain.mul(3));
    y.sum().backward();
    // d(sum(3 (x W^T + b)))/db = 3 per row.
    allclose(layer.bias!.grad!, [15, 15]);
    handle.remove();
    allclose(layer.forward(x), plain);
  });

  it('runs several hooks in registration order, each seeing the output the previous one returned', () => {
    const layer = new Identity();
    const order: string[] = [];
    layer.registerForwardHook((_, __, output) => {
      order.push('first');
      return output.add(1);
    });
    layer.registerForwardHook((_, __, output) => {
      order.push(`second sees ${output.item()}`);
      return output.mul(10);
    });
    expect(layer.forward(nb.tensor(1)).item()).toBe(20);
    expect(order).toEqual(['first', 'second sees 2']);
  });

  it('registers the same function twice as two hooks, and a hook may remove itself while running', () => {
    const layer = new Identity();
    let calls = 0;
    const count = () => {
      calls++;
    };
    const a = layer.registerForwardHook(count);
    layer.registerForwardHook(count);
    layer.forward(nb.tensor(0));
    expect(calls).toBe(2);
    a.remove();
    a.remove();
    layer.forward(nb.tensor(0));
    expect(calls).toBe(3);
    const once: nb.RemovableHandle = layer.registerForwardHook(() => once.remove());
    layer.forward(nb.tensor(0));
    layer.forward(nb.tensor(0));
    expect(calls).toBe(5);
  });

  it('rejects a hook that is not a function', () => {
    expect(() => new Identity().registerForwardHook(42 as never)).toThrow(/registerForwardHook: the hook must be a function, got 42/);
    expect(() => new Identity().registerForwardPreHook(null as never)).toThrow(/registerForwardPreHook: the hook must be a function/);
  });
});

describe('registerForwardPreHook', () => {
  it('runs before forward and replaces the inputs with what it returns', () => {
    const layer = new Linear(4, 2, { generator: new Generator(0) });
    const x = input();
    const order: string[] = [];
    layer.registerForwardPreHook((module, inputs) => {
      order.push('pre');
      expect(module).toBe(layer);
      expect(inputs).toEqual([x]);
      return [inputs[0].neg()];
    });
    layer.registerForwardHook((_, inputs) => {
      order.push('post');
      // The forward hook sees the inputs forward was given.
      allclose(inputs[0], x.neg());
    });
    allclose(layer.forward(x), layer.weight.matmul(x.neg().T).T.add(layer.bias!));
    expect(order).toEqual(['pre', 'post']);
  });

  it('keeps the inputs when it returns nothing', () => {
    const layer = new Identity();
    layer.registerForwardPreHook(() => undefined);
    expect(layer.forward(nb.tensor(7)).item()).toBe(7);
  });
});

describe('hooks leave the module as it was', () => {
  it('are invisible to children, parameters, state dict and toString while registered', () => {
    const model = net();
    const before = { keys: [...model.modules()].map((m) => Object.keys(m)), children: [...model.namedChildren()].map(([n]) => n), state: Object.keys(model.stateDict()), text: model.toString(), params: [...model.namedParameters()].map(([n]) => n) };
    const handles = [...model.modules()].flatMap((m) => [m.registerForwardHook(() => undefined), m.registerForwardPreHook(() => undefined)]);
    expect([...model.modules()].map((m) => Object.keys(m))).toEqual(before.keys);
    expect([...model.namedChildren()].map(([n]) => n)).toEqual(before.children);
    expect(Object.keys(model.stateDict())).toEqual(before.state);
    expect([...model.namedParameters()].map(([n]) => n)).toEqual(before.params);
    expect(model.toString()).toBe(before.text);
    // A state dict round-trips while hooked.
    model.loadStateDict(model.stateDict());
    for (const handle of handles) handle.remove();
  });

  it('removing the last hook restores the class forward, and with it Sequential fusing Linear with its activation', () => {
    const linear = new Linear(4, 6, { generator: new Generator(0) });
    const relu = new ReLU();
    expect(linear.fuseWith(relu)).not.toBeNull();
    const a = linear.registerForwardHook(() => undefined);
    const b = relu.registerForwardPreHook(() => undefined);
    expect(Object.prototype.hasOwnProperty.call(linear, 'forward')).toBe(true);
    expect(linear.fuseWith(relu)).toBeNull();
    a.remove();
    expect(linear.fuseWith(relu)).toBeNull(); // the ReLU is still hooked
    b.remove();
    for (const m of [linear, relu]) {
      expect(Object.prototype.hasOwnProperty.call(m, 'forward')).toBe(false);
      expect(Object.getOwnPropertyNames(m)).not.toContain('forward');
    }
    expect(linear.forward).toBe(Linear.prototype.forward);
    expect(linear.fuseWith(relu)).not.toBeNull();
  });

  it('restores a forward that was assigned to the instance', () => {
    const layer = new Identity();
    const double = (x: nb.Tensor) => x.mul(2);
    layer.forward = double;
    const seen: number[] = [];
    const handle = layer.registerForwardHook((_, __, output) => {
      seen.push(output.item());
    });
    expect(layer.forward(nb.tensor(3)).item()).toBe(6);
    expect(seen).toEqual([6]);
    handle.remove();
    expect(layer.forward).toBe(double);
  });
});
