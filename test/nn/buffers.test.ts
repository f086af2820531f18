import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

/** A parameter, a persistent buffer `total` and a non-persistent `scratch_space`. */
class Stats extends nb.Module {
  weight = new nb.Parameter(nb.ones([2]));
  declare total: nb.Tensor | null;
  declare scratchSpace: nb.Tensor | null;
  constructor() {
    super();
    this.registerBuffer('total', nb.zeros([2]));
    this.registerBuffer('scratch_space', nb.zeros([3]), { persistent: false });
  }
  forward(x: nb.Tensor): nb.Tensor {
    return x.mul(this.weight);
  }
}

/** Buffers of its own, in a child, in an array of children and inside a Sequential. */
class Net extends nb.Module {
  declare steps: nb.Tensor | null;
  head = new Stats();
  blocks = [new Stats(), new Stats()];
  seq = new nb.Sequential(new Stats(), new nb.Linear(2, 2));
  constructor() {
    super();
    this.registerBuffer('steps', nb.zeros([], { dtype: 'int32' }));
  }
  forward(x: nb.Tensor): nb.Tensor {
    return this.seq.forward(x);
  }
}

const BUFFER_NAMES = [
  'steps', 'head.total', 'head.scratch_space', 'blocks.0.total', 'blocks.0.scratch_space',
  'blocks.1.total', 'blocks.1.scratch_space', 'seq.0.total', 'seq.0.scratch_space',
];

describe('Module buffers', () => {
  it('namedBuffers gives dotted names through children, arrays of modules and Sequential, in registration order', () => {
    const net = new Net();
    expect([...net.namedBuffers()].map(([name]) => name)).toEqual(BUFFER_NAMES);
    expect(net.buffers()).toEqual([...net.namedBuffers()].map(([, t]) => t));
    expect(net.buffers()[1]).toBe(net.head.total);
    expect([...net.head.namedBuffers('model.')].map(([name]) => name)).toEqual(['model.total', 'model.scratch_space']);
  });

  it('lives in a camelCase field that can be read and reassigned', () => {
    const net = new Net();
    expect(net.head.scratchSpace).toBe(net.buffers()[2]);
    expect(Object.keys(net.head)).toContain('scratchSpace');
    net.head.total = nb.full([2], 5);
    expect(Array.from(net.stateDict()['head.total'].toTypedArray())).toEqual([5, 5]);
  });

  it('is not a parameter and does not require a gradient', () => {
    const net = new Net();
    expect([...net.namedParameters()].map(([name]) => name)).toEqual(['head.weight', 'blocks.0.weight', 'blocks.1.weight', 'seq.0.weight', 'seq.1.weight', 'seq.1.bias']);
    for (const b of net.buffers()) expect(b.requiresGrad).toBe(false);
  });

  it('skips null buffers until a tensor is assigned to the field', () => {
    const stats = new Stats();
    stats.total = null;
    expect([...stats.namedBuffers()].map(([name]) => name)).toEqual(['scratch_space']);
    expect(Object.keys(stats.stateDict())).toEqual(['weight']);
    stats.loadStateDict({ weight: nb.ones([2]) });
    stats.total = nb.ones([2]);
    expect(Object.keys(stats.stateDict())).toEqual(['weight', 'total']);
  });

  it('a tensor shared by two buffers comes once unless removeDuplicate is false, as in PyTorch', () => {
    const net = new Net();
    net.blocks[1].total = net.blocks[0].total;
    expect([...net.namedBuffers()].map(([name]) => name)).not.toContain('blocks.1.total');
    expect([...net.namedBuffers('', false)].map(([name]) => name)).toContain('blocks.1.total');
    expect(Object.keys(net.stateDict())).toContain('blocks.1.total');
  });

  it('rejects bad names, values and options', () => {
    const stats = new Stats();
    expect(() => stats.registerBuffer('a.b', nb.zeros([1]))).toThrow("registerBuffer: buffer name 'a.b' must not contain '.'");
    expect(() => stats.registerBuffer('', nb.zeros([1]))).toThrow(/registerBuffer: the buffer name must be a non-empty string/);
    expect(() => stats.registerBuffer('x', [1, 2] as unknown as nb.Tensor)).toThrow("registerBuffer: buffer 'x' must be a Tensor (not a Parameter) or null, got an array");
    expect(() => stats.registerBuffer('x', new nb.Parameter(nb.zeros([1])))).toThrow(/buffer 'x' must be a Tensor \(not a Parameter\)/);
    expect(() => stats.registerBuffer('weight', nb.zeros([1]))).toThrow("registerBuffer: attribute 'weight' already exists");
    expect(() => stats.registerBuffer('train', nb.zeros([1]))).toThrow("registerBuffer: attribute 'train' already exists");
    expect(() => stats.registerBuffer('x', nb.zeros([1]), { persist: true } as { persistent?: boolean })).toThrow(/registerBuffer: options has an unknown option "persist"/);
    // Registering an existing buffer again replaces it.
    const replacement = nb.ones([2]);
    stats.registerBuffer('total', replacement);
    expect(stats.total).toBe(replacement);
  });
});

describe('stateDict / loadStateDict with buffers', () => {
  it('has the persistent buffers in PyTorch\'s order: each module\'s parameters, then its buffers, then its children', () => {
    expect(Object.keys(new Net().stateDict())).toEqual([
      'steps', 'head.weight', 'head.total', 'blocks.0.weight', 'blocks.0.total', 'blocks.1.weight', 'blocks.1.total',
      'seq.0.weight', 'seq.0.total', 'seq.1.weight', 'seq.1.bias',
    ]);
  });

  it('loads buffers in place, int32 ones included', () => {
    const source = new Net();
    source.head.total = nb.tensor([1.5, -2]);
    source.steps = nb.tensor(7, { dtype: 'int32' });
    const target = new Net();
    const { total } = target.head;
    target.loadStateDict(source.stateDict());
    expect(target.head.total).toBe(total);
    expect(Array.from(target.head.total!.toTypedArray())).toEqual([1.5, -2]);
    expect(target.steps!.item()).toBe(7);
    expect(target.steps!.dtype).toBe('int32');
    expect(target.head.total).not.toBe(source.head.total);
  });

  it('names missing and unexpected buffers; a non-persistent buffer is unexpected, as in PyTorch', () => {
    const net = new Net();
    const state = net.stateDict();
    delete state['blocks.1.total'];
    expect(() => net.loadStateDict(state)).toThrow(/missing keys: blocks\.1\.total/);
    expect(() => net.loadStateDict({ ...net.stateDict(), 'head.scratch_space': nb.zeros([3]) })).toThrow(/unexpected keys: head\.scratch_space/);
  });

  it('checks every shape, buffers included, before copying anything', () => {
    const net = new Net();
    const before = Object.fromEntries(Object.entries(net.stateDict()).map(([k, t]) => [k, Array.from(t.toTypedArray())]));
    const state = Object.fromEntries(Object.entries(new Net().stateDict()).map(([k, t]) => [k, t.add(1)]));
    state['seq.0.total'] = nb.zeros([3]);
    expect(() => net.loadStateDict(state)).toThrow('loadStateDict: seq.0.total has shape [3] in the state dict but [2] in the model');
    expect(Object.fromEntries(Object.entries(net.stateDict()).map(([k, t]) => [k, Array.from(t.toTypedArray())]))).toEqual(before);
  });
});

/** Linear -> BatchNorm1d -> ReLU -> Linear on 32 random samples of 4 features and 3 classes. */
function problem() {
  const generator = new nb.Generator(11);
  const model = new nb.Sequential(new nb.Linear(4, 8, { generator }), new nb.BatchNorm1d(8), new nb.ReLU(), new nb.Linear(8, 3, { generator }));
  const x = nb.randn([32, 4], { generator });
  const y = nb.randint(0, 3, [32], { generator });
  return { model, bn: model.at(1) as nb.BatchNorm1d, train: new nb.TensorDataset(x, y) };
}

function onBackend<T>(name: string, fn: () => T): T {
  const previous = nb.getBackend();
  nb.setBackend(name);
  try {
    return fn();
  } finally {
    nb.setBackend(previous);
  }
}

describe('buffers survive fit', () => {
  // fit frees every storage a batch allocated except what the model and optimizer keep; the
  // checking backend fills freed storages with NaN and throws when one is used.
  it.each([nb.getBackend().name, 'checking'])('on the %s backend, with the running statistics a plain loop computes', (backend) => onBackend(backend, () => {
    const loss = nb.objective('cross-entropy');
    const fitted = problem();
    const { runningMean, runningVar, numBatchesTracked } = fitted.bn;
    const optimizer = new nb.SGD(fitted.model.parameters(), { lr: 0.1, momentum: 0.9 });
    nb.fit(fitted.model, { loss, optimizer, train: fitted.train, validation: fitted.train, epochs: 2, batchSize: 8, seed: 4 });
    expect(fitted.bn.runningMean).toBe(runningMean);
    expect(fitted.bn.runningVar).toBe(runningVar);
    expect(fitted.bn.numBatchesTracked).toBe(numBatchesTracked);
    expect(fitted.bn.numBatchesTracked!.item()).toBe(8);

    const looped = problem();
    const loopOptimizer = new nb.SGD(looped.model.parameters(), { lr: 0.1, momentum: 0.9 });
    const loader = new nb.DataLoader(looped.train, { batchSize: 8, shuffle: true, seed: 4 });
    for (let epoch = 0; epoch < 2; epoch++) {
      looped.model.train();
      for (const [x, y] of loader) {
        loopOptimizer.zeroGrad();
        loss(looped.model.forward(x), y).backward();
        loopOptimizer.step();
      }
    }
    const mean = Array.from(fitted.bn.runningMean!.toTypedArray());
    expect(mean.every(Number.isFinite)).toBe(true);
    expect(mean.some((v) => v !== 0)).toBe(true);
    allclose(fitted.bn.runningMean!, looped.bn.runningMean!, 0, 0);
    allclose(fitted.bn.runningVar!, looped.bn.runningVar!, 0, 0);
    fitted.model.eval();
    looped.model.eval();
    const probe = nb.randn([5, 4], { generator: new nb.Generator(5) });
    allclose(fitted.model.forward(probe), looped.model.forward(probe), 0, 0);
  }));

  it.each([nb.getBackend().name, 'checking'])('on the %s backend, a buffer replaced by a new tensor in every batch', (backend) => onBackend(backend, () => {
    /** Counts the training samples it sees in a buffer that it replaces rather than updates. */
    class Counting extends nb.Module {
      declare seen: nb.Tensor | null;
      constructor() {
        super();
        this.registerBuffer('seen', nb.zeros([]));
      }
      forward(x: nb.Tensor): nb.Tensor {
        if (this.training) this.seen = nb.noGrad(() => this.seen!.add(x.shape[0]));
        return x;
      }
    }
    const { train } = problem();
    const counting = new Counting();
    const model = new nb.Sequential(new nb.Linear(4, 3, { generator: new nb.Generator(1) }), counting);
    const optimizer = new nb.SGD(model.parameters(), { lr: 0.1 });
    nb.fit(model, { loss: nb.objective('cross-entropy'), optimizer, train, validation: train, epochs: 2, batchSize: 8 });
    expect(counting.seen!.item()).toBe(64);
  }));
});

describe('checkpoints keep buffers', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'nabla-buffers-test-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('a BatchNorm model\'s running statistics survive saveModel / loadCheckpoint', () => {
    const { model, bn, train } = problem();
    const optimizer = new nb.SGD(model.parameters(), { lr: 0.1 });
    nb.fit(model, { loss: nb.objective('cross-entropy'), optimizer, train, epochs: 1, batchSize: 8 });
    const path = join(tmp, 'bn.safetensors');
    nb.saveModel(path, model, { layers: 4 });

    const bytes = readFileSync(path);
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8')) as Record<string, { dtype: string; shape: number[] }>;
    expect(header['1.running_mean']).toMatchObject({ dtype: 'F32', shape: [8] });
    expect(header['1.num_batches_tracked']).toMatchObject({ dtype: 'I32', shape: [] });

    const restored = problem();
    restored.model.loadStateDict(nb.loadCheckpoint(path).stateDict);
    allclose(restored.bn.runningMean!, bn.runningMean!, 0, 0);
    allclose(restored.bn.runningVar!, bn.runningVar!, 0, 0);
    expect(restored.bn.numBatchesTracked!.item()).toBe(4);
    model.eval();
    restored.model.eval();
    const probe = nb.randn([3, 4], { generator: new nb.Generator(6) });
    allclose(restored.model.forward(probe), model.forward(probe), 0, 0);
  });
});
