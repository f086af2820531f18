import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { collectAndFinalize } from '../memory-probe.js';

const CONFIG: nb.MlpConfig = { inputSize: 20, hiddenSizes: [16, 8], outputSize: 4, activation: 'sigmoid' };

/** 512 samples of 20 features with 4 classes: enough batches to see growth, small enough to be quick. */
function dataset(): nb.TensorDataset {
  const g = new nb.Generator(7);
  return new nb.TensorDataset(nb.randn([512, 20], { generator: g }), nb.randint(0, 4, [512], { generator: g }));
}

describe('backward releases the graph', () => {
  it('a kept loss no longer holds its graph after backward(): the intermediates are collected', async () => {
    const w = nb.randn([50, 50], { requiresGrad: true });
    const refs: WeakRef<nb.Tensor>[] = [];
    const losses: nb.Tensor[] = [];
    // In a function of its own: a suspended async function may keep its last locals reachable.
    const train = () => {
      for (let i = 0; i < 3; i++) {
        const hidden = nb.randn([8, 50]).matmul(w).tanh();
        refs.push(new WeakRef(hidden));
        const loss = hidden.square().mean();
        loss.backward();
        losses.push(loss);
      }
    };
    train();
    await collectAndFinalize();
    expect(refs.map((r) => r.deref())).toEqual([undefined, undefined, undefined]);
    expect(losses.every((l) => l.gradFn !== null && l.gradFn.inputs.length === 0)).toBe(true);
    expect(losses.every((l) => Number.isFinite(l.item()))).toBe(true);
  });

  it('backward frees the gradients it made for inner nodes at once (no garbage collection needed), keeping the leaves\' .grad; not with retainGraph or createGraph', () => {
    const w = nb.randn([30, 30], { requiresGrad: true });
    const x = nb.randn([8, 30]);
    const forward = () => x.matmul(w).tanh().matmul(w).sigmoid().square().mean();
    const loss = forward();
    const before = nb.memory().storages;
    loss.backward();
    expect(nb.memory().storages, 'only w.grad is new').toBe(before + 1);
    const kept = forward();
    const start = nb.memory().storages;
    kept.backward({ retainGraph: true });
    expect(nb.memory().storages).toBeGreaterThan(start + 1);
    const inner = x.matmul(w);
    const [g] = nb.gradients(inner.square().sum(), [inner]);
    expect(g!.dataSync().length, 'the gradients function returns an inner gradient, which stays usable').toBe(8 * 30);
  });

  it('with retainGraph the graph stays, and a later backward accumulates through it', () => {
    const x = nb.tensor([1, 2, 3], { requiresGrad: true, dtype: 'float64' });
    const y = x.square().sum();
    y.backward({ retainGraph: true });
    expect(y.gradFn!.inputs.length).toBe(1);
    y.backward(undefined, { retainGraph: false });
    expect(x.grad!.toArray()).toEqual([4, 8, 12]);
    expect(() => y.backward()).toThrow(/second time/);
  });
});

describe('memory stays flat without dispose', () => {
  it('fit frees each batch: live storages are the same after every epoch', () => {
    const model = nb.mlp(CONFIG, { generator: new nb.Generator(1) });
    const optimizer = new nb.Adam(model.parameters(), { lr: 1e-2 });
    const counts: number[] = [];
    nb.fit(model, {
      loss: nb.objective('cross-entropy'), optimizer, train: dataset(), validation: dataset(), epochs: 4, batchSize: 32,
      onEpoch: () => counts.push(nb.memory().storages),
    });
    // Epoch 1 creates the gradients and Adam's moments; nothing is added after that.
    expect(counts[1]).toBe(counts[2]);
    expect(counts[2]).toBe(counts[3]);
  });

  it('tensors a module keeps in its fields (buffers, caches) survive the batch that made them', () => {
    class Scaled extends nb.Module {
      readonly inner = nb.mlp(CONFIG, { generator: new nb.Generator(2) });
      /** Made lazily in the first forward, replaced in every training forward. */
      scale: nb.Tensor | null = null;
      steps: nb.Tensor[] = [];
      forward(x: nb.Tensor): nb.Tensor {
        if (this.scale === null) this.scale = nb.full([1], 0.5);
        if (this.training) {
          this.steps = [nb.tensor([this.steps.length + 1])];
          this.scale = this.scale.mul(1);
        }
        return this.inner.forward(x).mul(this.scale);
      }
    }
    const model = new Scaled();
    const optimizer = new nb.SGD(model.parameters(), { lr: 0.1 });
    nb.fit(model, { loss: nb.objective('cross-entropy'), optimizer, train: dataset(), validation: dataset(), epochs: 2, batchSize: 64 });
    expect(model.scale!.toArray()).toEqual([0.5]);
    expect(model.steps[0].toArray()).toEqual([2]);
  });

  it('evaluate frees each batch too', () => {
    const model = nb.mlp(CONFIG, { generator: new nb.Generator(1) });
    const data = dataset();
    const before = nb.memory().storages;
    nb.evaluate(model, data, nb.objective('cross-entropy'), 64);
    expect(nb.memory().storages).toBe(before);
  });

  it('a hand-written loop that keeps every loss: storages grow by the kept losses only', async () => {
    const model = nb.mlp(CONFIG, { generator: new nb.Generator(1) });
    const optimizer = new nb.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const loader = new nb.DataLoader(dataset(), { batchSize: 32, shuffle: true, seed: 3 });
    const losses: nb.Tensor[] = [];
    const live: number[] = [];
    // In a function of its own: a suspended async function may keep its last locals reachable.
    const trainEpoch = () => {
      for (const [x, y] of loader) {
        optimizer.zeroGrad();
        const loss = nb.crossEntropy(model.forward(x), y);
        loss.backward();
        optimizer.step();
        losses.push(loss);
      }
    };
    for (let epoch = 0; epoch < 8; epoch++) {
      trainEpoch();
      await collectAndFinalize();
      live.push(nb.memory().storages - losses.length);
    }
    // The same count after the first epoch and the last three: no growth. (A reading in between can
    // be a few higher, when V8 recompiles the loop and its frame briefly holds a batch's tensors.)
    expect(live.slice(-3)).toEqual([live[1], live[1], live[1]]);
    expect(losses.length).toBe(8 * loader.length);
  });

  it('a loop that never yields pauses tracking instead of piling up finalizer records', async () => {
    await collectAndFinalize();
    const before = nb.memory();
    const x = nb.ones([4]);
    const churn = () => {
      for (let i = 0; i < 40_000; i++) x.add(1); // 80k storages dropped without a turn of the event loop
    };
    churn();
    const paused = nb.memory();
    expect(paused.untracked).toBeGreaterThan(before.untracked);
    await collectAndFinalize();
    expect(nb.memory().storages).toBe(before.storages + 1); // x
  });
});

