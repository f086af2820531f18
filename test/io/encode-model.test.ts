import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'nabla-encode-model-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CONFIG: nb.MlpConfig = { inputSize: 6, hiddenSizes: [5], outputSize: 3, activation: 'tanh' };
const inputs = nb.randn([8, 6], { generator: new nb.Generator(7) });
const labels = nb.tensor([0, 1, 2, 0, 1, 2, 0, 1], { dtype: 'int32' });

/** The safetensors header as JSON, read by hand. */
function header(bytes: Uint8Array): Record<string, unknown> {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Record<string, unknown>;
}

const values = (model: nb.Module) => Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, Array.from(t.toTypedArray())]));

/** `steps` updates of the cross-entropy on the fixed batch. */
function train(model: nb.Module, optimizer: nb.Optimizer, steps: number, scheduler?: nb.LRScheduler): void {
  for (let i = 0; i < steps; i++) {
    optimizer.zeroGrad();
    nb.crossEntropy(model.forward(inputs) as nb.Tensor, labels).backward();
    optimizer.step();
    scheduler?.step();
  }
}

describe('encodeModel / decodeModel', () => {
  it('round-trips the weights under PyTorch names, the config and the metadata, into a model or from a builder', () => {
    const model = nb.mlp(CONFIG, { generator: new nb.Generator(1) });
    const bytes = nb.encodeModel(model, { config: CONFIG, metadata: { note: 'hello' } });
    expect(bytes).toBeInstanceOf(Uint8Array);
    const h = header(bytes);
    expect(Object.keys(h).filter((k) => k !== '__metadata__').sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight']);
    expect(h['0.weight']).toMatchObject({ dtype: 'F32', shape: [5, 6] });
    expect(h.__metadata__).toEqual({ note: 'hello', format: 'nabla', config: JSON.stringify(CONFIG) });

    const into = nb.mlp(CONFIG, { generator: new nb.Generator(2) });
    const decoded = nb.decodeModel(bytes, into);
    expect(decoded.model).toBe(into);
    expect(values(into)).toEqual(values(model));
    expect(decoded.training).toBeNull();

    const built = nb.decodeModel(bytes, (config: nb.MlpConfig, metadata) => {
      expect(metadata.note).toBe('hello');
      return nb.mlp(config);
    });
    expect(built.config).toEqual(CONFIG);
    expect(values(built.model)).toEqual(values(model));
    expect(built.model.forward(inputs).toArray()).toEqual(model.forward(inputs).toArray());
  });

  it('is what saveModel writes, so loadCheckpoint reads its bytes and decodeModel reads the file', () => {
    const model = nb.mlp(CONFIG, { generator: new nb.Generator(3) });
    const path = join(tmp, 'same.safetensors');
    nb.saveModel(path, model, CONFIG, { note: 'x' });
    const loaded = nb.loadCheckpoint<nb.MlpConfig>(path);
    const decoded = nb.decodeCheckpoint<nb.MlpConfig>(nb.encodeModel(model, { config: CONFIG, metadata: { note: 'x' } }));
    expect(decoded.config).toEqual(loaded.config);
    expect(decoded.metadata).toEqual(loaded.metadata);
    expect(Object.keys(decoded.stateDict)).toEqual(Object.keys(loaded.stateDict));
  });

  it('refuses metadata keys that nabla writes, a builder without a stored config and weights that do not fit, naming them', () => {
    const model = nb.mlp(CONFIG);
    expect(() => nb.encodeModel(model, { config: CONFIG, metadata: { config: 'mine' } })).toThrow(/metadata key "config" is written by nabla itself/);
    expect(() => nb.encodeModel(model, { metadata: { format: 'x' } })).toThrow(/"format"/);
    const optimizer = new nb.SGD(model.parameters(), { lr: 0.1 });
    expect(() => nb.encodeModel(model, { metadata: { epoch: '1' }, training: { epoch: 1, optimizer: optimizer.stateDict() } })).toThrow(/"epoch" is written by nabla/);
    const weightsOnly = nb.encodeModel(model);
    expect(() => nb.decodeModel(weightsOnly, (c: nb.MlpConfig) => nb.mlp(c))).toThrow(/no model config in the metadata.*pass the model itself/);
    expect(() => nb.decodeModel(weightsOnly, nb.mlp({ ...CONFIG, hiddenSizes: [4] }))).toThrow(/decodeModel: the weights do not fit the model: .*0\.weight/);
    expect(() => nb.decodeModel(nb.encodeModel(model, { config: CONFIG }), (() => 42) as never)).toThrow(/expected a Module or a function .* that returns one, got 42/);
    expect(() => nb.decodeModel(weightsOnly, 'model' as never)).toThrow(/expected a Module or a function \(config, metadata\) => Module, got 'model'/);
  });
});

describe('the training state in a checkpoint', () => {
  for (const [name, make] of [
    ['SGD with momentum and a StepLR schedule', (p: nb.Tensor[]) => new nb.SGD(p, { lr: 0.2, momentum: 0.9, weightDecay: 1e-3 })],
    ['Adam (step counts and two buffers per parameter)', (p: nb.Tensor[]) => new nb.Adam(p, { lr: 0.01, betas: [0.8, 0.99] })],
  ] as const) {
    it(`${name}: saving after 3 steps and loading into a fresh run continues bit for bit`, () => {
      const straight = nb.mlp(CONFIG, { generator: new nb.Generator(4) });
      const straightOptimizer = make(straight.parameters());
      const straightSchedule = new nb.StepLR(straightOptimizer, { stepSize: 2, gamma: 0.5 });
      train(straight, straightOptimizer, 6, straightSchedule);

      const first = nb.mlp(CONFIG, { generator: new nb.Generator(4) });
      const firstOptimizer = make(first.parameters());
      const firstSchedule = new nb.StepLR(firstOptimizer, { stepSize: 2, gamma: 0.5 });
      train(first, firstOptimizer, 3, firstSchedule);
      const path = join(tmp, 'resume.safetensors');
      const generator = new nb.Generator(11);
      generator.normal(); // leaves a spare normal sample in the state
      nb.saveModel(path, first, CONFIG, {}, { epoch: 3, optimizer: firstOptimizer.stateDict(), scheduler: firstSchedule.stateDict(), generators: { mine: generator.getState() } });

      const loaded = nb.loadCheckpoint<nb.MlpConfig>(path);
      expect(loaded.training!.epoch).toBe(3);
      const second = nb.mlp(loaded.config);
      second.loadStateDict(loaded.stateDict);
      const secondOptimizer = make(second.parameters());
      const secondSchedule = new nb.StepLR(secondOptimizer, { stepSize: 2, gamma: 0.5 });
      secondOptimizer.loadStateDict(loaded.training!.optimizer);
      secondSchedule.loadStateDict(loaded.training!.scheduler!);
      expect(secondOptimizer.stateDict()).toEqual(firstOptimizer.stateDict());
      expect(secondSchedule.stateDict()).toEqual(firstSchedule.stateDict());
      const restored = new nb.Generator(0).setState(loaded.training!.generators!.mine);
      expect([restored.normal(), restored.uniform()]).toEqual([generator.normal(), generator.uniform()]);

      train(second, secondOptimizer, 3, secondSchedule);
      expect(values(second)).toEqual(values(straight));
    });
  }

  it('stores buffers as tensors named as in PyTorch (optimizer.state.<i>.exp_avg) and scalars and param_groups in the metadata, snake_case', () => {
    const model = nb.mlp(CONFIG);
    const optimizer = new nb.Adam(model.parameters(), { lr: 0.01 });
    train(model, optimizer, 2);
    const bytes = nb.encodeModel(model, { training: { epoch: 1, optimizer: optimizer.stateDict() } });
    const h = header(bytes);
    expect(h['optimizer.state.0.exp_avg']).toMatchObject({ dtype: 'F32', shape: [30] });
    expect(h['optimizer.state.3.exp_avg_sq']).toMatchObject({ dtype: 'F32', shape: [3] });
    const meta = h.__metadata__ as Record<string, string>;
    expect(meta.epoch).toBe('1');
    const saved = JSON.parse(meta.optimizer) as { state: Record<string, unknown>; param_groups: Record<string, unknown>[] };
    expect(saved.state['0']).toEqual({ step: 2 });
    expect(saved.param_groups[0]).toMatchObject({ lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, decoupled_weight_decay: false, params: [0, 1, 2, 3] });
    // The model's own state dict leaves the optimizer's tensors out.
    const decoded = nb.decodeCheckpoint(bytes);
    expect(Object.keys(decoded.stateDict).sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight']);
    expect(decoded.training!.optimizer).toEqual(optimizer.stateDict());
  });

  it('keeps non-finite numbers of a schedule state (JSON has none)', () => {
    const model = nb.mlp(CONFIG);
    const optimizer = new nb.SGD(model.parameters(), { lr: 0.1 });
    const scheduler = { lastEpoch: 0, baseLrs: [0.1], lastLr: [0.1], best: Infinity, worst: -Infinity, nan: NaN } as unknown as nb.LRSchedulerStateDict;
    const decoded = nb.decodeCheckpoint(nb.encodeModel(model, { training: { epoch: 0, optimizer: optimizer.stateDict(), scheduler } }));
    expect(decoded.training!.scheduler).toEqual(scheduler);
  });

  it('refuses a malformed training state, naming the file and the entry', () => {
    const model = nb.mlp(CONFIG);
    const optimizer = new nb.SGD(model.parameters(), { lr: 0.1 });
    expect(() => nb.encodeModel(model, { training: { epoch: -1, optimizer: optimizer.stateDict() } })).toThrow(/epoch must be a non-negative integer, got -1/);
    const raw = (metadata: Record<string, string>, tensors: Record<string, nb.RawTensor> = {}) => nb.encodeSafetensors(tensors, metadata);
    expect(() => nb.decodeCheckpoint(raw({ optimizer: '{' }), 'bad.safetensors')).toThrow(/bad\.safetensors: the metadata has an optimizer state but no epoch count/);
    expect(() => nb.decodeCheckpoint(raw({ optimizer: '{', epoch: '1' }), 'bad.safetensors')).toThrow(/bad\.safetensors: the optimizer entry of the metadata is not valid JSON/);
    expect(() => nb.decodeCheckpoint(raw({ optimizer: '[]', epoch: '1' }))).toThrow(/not \{ "state": \{\.\.\.\}, "param_groups": \[\.\.\.\] \}/);
    const buffer = { dtype: 'F32' as const, shape: [1], data: new Float32Array(1) };
    const ok = JSON.stringify({ state: {}, param_groups: [] });
    expect(() => nb.decodeCheckpoint(raw({ optimizer: ok, epoch: '1' }, { 'optimizer.state.x.exp_avg': buffer }))).toThrow(/optimizer state for "x", which is not a parameter index/);
    expect(() => nb.decodeCheckpoint(raw({ optimizer: ok, epoch: '1' }, { 'optimizer.state.0': buffer }))).toThrow(/"optimizer.state.0" is not named optimizer.state.<param index>.<state name>/);
  });
});

describe('Generator.getState / setState', () => {
  it('a restored state repeats every kind of draw, like torch.Generator.set_state', () => {
    const g = new nb.Generator(5);
    g.uniform();
    g.normal();
    const state = g.getState();
    const draw = (r: nb.Generator) => [r.nextUint32(), r.uniform(), r.normal(), r.normal(), r.integer(0, 100)];
    const first = draw(g);
    expect(draw(new nb.Generator(99).setState(state))).toEqual(first);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });

  it('refuses states that are not four unsigned 32-bit words and a finite spare sample or null', () => {
    const g = new nb.Generator(1);
    expect(() => g.setState({ words: [1, 2, 3], spareNormal: null } as never)).toThrow(/state\.words must be four unsigned 32-bit integers, got \[1,2,3\]/);
    expect(() => g.setState({ words: [1, 2, 3, 2 ** 32], spareNormal: null })).toThrow(/four unsigned 32-bit integers/);
    expect(() => g.setState({ words: [0, 0, 0, 0], spareNormal: null })).toThrow(/all zero/);
    expect(() => g.setState({ words: [1, 2, 3, 4], spareNormal: NaN })).toThrow(/spareNormal must be a finite number or null, got null/);
    expect(() => g.setState(undefined as never)).toThrow(/state\.words/);
  });
});

describe('fit resumes from a checkpoint and stops on an AbortSignal', () => {
  const data = new nb.TensorDataset(nb.randn([60, 6], { generator: new nb.Generator(8) }), nb.randint(0, 3, [60], { generator: new nb.Generator(9) }));
  const config: nb.MlpConfig = { ...CONFIG, dropout: 0.3 };
  /** A run: its model (with dropout drawing from `layers`), optimizer, schedule and shuffling generator. */
  const setUp = () => {
    const layers = new nb.Generator(1);
    const model = nb.mlp(config, { generator: layers });
    const optimizer = new nb.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const scheduler = new nb.CosineAnnealingLR(optimizer, { tMax: 4 });
    return { model, optimizer, scheduler, generators: { layers, shuffle: new nb.Generator(2) } };
  };
  const options = (run: ReturnType<typeof setUp>) => ({ loss: nb.objective('cross-entropy'), optimizer: run.optimizer, scheduler: run.scheduler, train: data, epochs: 4, batchSize: 8, generator: run.generators.shuffle });

  it('2 epochs, a checkpoint in onEpoch, then initialEpoch 2 in a fresh run give the weights of 4 epochs straight', async () => {
    const straight = setUp();
    const history = nb.fit(straight.model, options(straight));

    const first = setUp();
    let bytes: Uint8Array = new Uint8Array(0);
    const controller = new AbortController();
    nb.fit(first.model, {
      ...options(first),
      signal: controller.signal,
      onEpoch: (record) => {
        const generators = Object.fromEntries(Object.entries(first.generators).map(([name, g]) => [name, g.getState()]));
        bytes = nb.encodeModel(first.model, { config, training: { epoch: record.epoch, optimizer: first.optimizer.stateDict(), scheduler: first.scheduler.stateDict(), generators } });
        if (record.epoch === 2) controller.abort();
      },
    });

    const second = setUp();
    const { training } = nb.decodeModel(bytes, second.model);
    expect(training!.epoch).toBe(2);
    second.optimizer.loadStateDict(training!.optimizer);
    second.scheduler.loadStateDict(training!.scheduler!);
    for (const [name, g] of Object.entries(second.generators)) g.setState(training!.generators![name as 'layers']);
    const rest = await nb.fitAsync(second.model, { ...options(second), initialEpoch: training!.epoch });
    expect(rest.map((r) => r.epoch)).toEqual([3, 4]);
    expect(rest.map((r) => [r.train_loss, r.lr])).toEqual(history.slice(2).map((r) => [r.train_loss, r.lr]));
    expect(values(second.model)).toEqual(values(straight.model));
  });

  it('an abort during an epoch stops after that batch, without the epoch in the history', () => {
    const run = setUp();
    const controller = new AbortController();
    const seen: number[] = [];
    const history = nb.fit(run.model, { ...options(run), signal: controller.signal, onBatch: (p) => {
      seen.push(p.batch);
      if (p.epoch === 2 && p.batch === 3) controller.abort();
    } });
    expect(history.map((r) => r.epoch)).toEqual([1]);
    expect(seen.slice(-3)).toEqual([1, 2, 3]);
  });

  it('refuses a bad initialEpoch, generator or signal, and a seed beside a generator', () => {
    const run = setUp();
    expect(() => nb.fit(run.model, { ...options(run), initialEpoch: 4 })).toThrow(/initialEpoch must be an integer in \[0, epochs\) = \[0, 4\), the epochs already done, got 4/);
    expect(() => nb.fit(run.model, { ...options(run), generator: 3 as never })).toThrow(/options.generator must be a Generator, got 3/);
    expect(() => nb.fit(run.model, { ...options(run), signal: {} as never })).toThrow(/options.signal must be an AbortSignal, got an object/);
    expect(() => nb.fit(run.model, { ...options(run), seed: 1 })).toThrow(/either seed or generator, not both/);
  });
});
