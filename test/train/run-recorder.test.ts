import { beforeAll, describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { RunRecorder } from '../../src/train/run-recorder.js';
import type { BatchLogRecord, EndRecord, EpochLogRecord, RunLogRecord, RunRecord } from '../../src/train/run-log.js';
import { DATASETS } from '../datasets.js';

const CONFIG: nb.MlpConfig = { inputSize: 784, hiddenSizes: [32, 16], outputSize: 10, activation: 'relu' };
const TRAIN = 1000;
const TEST = 500;
const BATCH = 64;
const BATCHES = Math.ceil(TRAIN / BATCH); // 16, the last one of 40 samples
const EPOCHS = 3;
const STATS_EVERY = 5;

const first = (dataset: nb.TensorDataset, n: number) => dataset.subset(Array.from({ length: n }, (_, i) => i));
const sumSquares = (values: ArrayLike<number>) => Array.from(values).reduce((s, v) => s + v * v, 0);

/** The relu MLP's logits of `rows` samples of 784 pixels, computed by hand from its parameters [W0, b0, W1, b1, ...] (W as [out, in]). */
function mlpLogits(parameters: readonly Float32Array[], images: ArrayLike<number>, rows: number): Float64Array {
  let input: ArrayLike<number> = images;
  let width = 784;
  for (let l = 0; l < parameters.length; l += 2) {
    const [w, b] = [parameters[l], parameters[l + 1]];
    const out = new Float64Array(rows * b.length);
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < b.length; o++) {
        let sum = b[o];
        for (let i = 0; i < width; i++) sum += w[o * width + i] * input[r * width + i];
        out[r * b.length + o] = l + 2 < parameters.length ? Math.max(sum, 0) : sum;
      }
    }
    input = out;
    width = b.length;
  }
  return input as Float64Array;
}

let data: nb.MnistLike;
beforeAll(async () => {
  data = await nb.loadMnist({ dataDir: DATASETS });
});

describe(`RunRecorder on a ${CONFIG.hiddenSizes.join('-')} relu MLP, ${TRAIN} MNIST samples, batch ${BATCH}, ${EPOCHS} epochs`, () => {
  const records: RunLogRecord[] = [];
  /** What the test saw at the moment of each callback, measured by hand. */
  const seenAtBatch: { weightNorms: number[]; gradNorms: number[] }[] = [];
  const seenAtEpoch: { storages: number; parameters: Float32Array[] }[] = [];
  let model: nb.Sequential;
  let train: nb.TensorDataset;
  let test: nb.TensorDataset;
  let history: nb.EpochRecord[];
  /** The parameters of each logged layer: Linear i holds parameters 2i and 2i + 1. */
  const layerParameters = () => {
    const parameters = model.parameters();
    return [0, 1, 2].map((i) => [parameters[2 * i], parameters[2 * i + 1]]);
  };

  beforeAll(() => {
    train = first(data.train, TRAIN);
    test = first(data.test, TEST);
    model = nb.mlp(CONFIG, { generator: new nb.Generator(3) });
    const loss = nb.objective('cross-entropy');
    const optimizer = new nb.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const recorder = new RunRecorder(model, {
      emit: (record) => records.push(record),
      train, test, loss, batchSize: BATCH, epochs: EPOCHS, statsEvery: STATS_EVERY,
      config: { lr: 0.1 }, modelConfig: CONFIG, dataset: 'mnist', classNames: data.classNames,
    });
    recorder.start();
    history = nb.fit(model, {
      loss, optimizer, train, test, epochs: EPOCHS, batchSize: BATCH, seed: 1,
      onBatch: (progress) => {
        recorder.onBatch(progress);
        // Without clipping, the gradients fit leaves are the ones the norms were taken of.
        const layers = layerParameters();
        seenAtBatch.push({
          weightNorms: layers.map((ps) => Math.sqrt(ps.reduce((s, p) => s + sumSquares(p.dataSync()), 0))),
          gradNorms: layers.map((ps) => Math.sqrt(ps.reduce((s, p) => s + sumSquares(p.grad!.dataSync()), 0))),
        });
      },
      onEpoch: (record, evaluation) => {
        recorder.onEpoch(record, evaluation);
        // Copies of the values only: a tensor made here would itself stay alive until collected.
        seenAtEpoch.push({ storages: nb.memory().storages, parameters: model.parameters().map((p) => Float32Array.from(p.dataSync())) });
      },
    });
    recorder.end('completed');
  }, 120_000);

  const runRecord = () => records[0] as RunRecord;
  const batchRecords = () => records.filter((r): r is BatchLogRecord => r.event === 'batch');
  const epochRecords = () => records.filter((r): r is EpochLogRecord => r.event === 'epoch');

  it('emits the run record, each epoch\'s batch records then its epoch record, and the end record, in that order', () => {
    const expected = ['run', ...Array.from({ length: EPOCHS }, () => [...new Array<string>(BATCHES).fill('batch'), 'epoch']).flat(), 'end'];
    expect(records.map((r) => r.event)).toEqual(expected);
    expect(records.at(-1)).toMatchObject({ event: 'end', status: 'completed', epoch: EPOCHS, message: null } satisfies Partial<EndRecord>);
    expect((records.at(-1) as EndRecord).seconds).toBeGreaterThan(0);
    // Every record survives JSON unchanged: no NaN, no typed arrays, no tensors.
    expect(JSON.parse(JSON.stringify(records))).toEqual(records);
  });

  it('the run record describes the run: settings, the layers with parameters in model order, sizes', () => {
    const run = runRecord();
    expect(run).toMatchObject({
      version: 1, config: { lr: 0.1 }, model: CONFIG, dataset: 'mnist', class_names: [...data.classNames],
      input_shape: [784], train_samples: TRAIN, batches_per_epoch: BATCHES, epochs: EPOCHS, initial_epoch: 0,
    });
    expect(new Date(run.started).toISOString()).toBe(run.started);
    const names = [...new Set([...model.namedParameters()].map(([name]) => name.slice(0, name.lastIndexOf('.'))))];
    expect(run.layers).toEqual(names.map((name, i) => ({ name, type: 'Linear', parameters: [784 * 32 + 32, 32 * 16 + 16, 16 * 10 + 10][i] })));
    expect(run.parameters).toBe(model.numParameters());
  });

  it('batch records hold each batch\'s own loss and accuracy: weighted by batch sizes they give the epoch\'s train_loss and train_acc', () => {
    const sizes = Array.from({ length: BATCHES }, (_, i) => Math.min(BATCH, TRAIN - i * BATCH));
    for (const epoch of history) {
      const mine = batchRecords().filter((b) => b.epoch === epoch.epoch);
      expect(mine.map((b) => b.batch)).toEqual(sizes.map((_, i) => i + 1));
      const loss = mine.reduce((s, b, i) => s + b.loss * sizes[i], 0) / TRAIN;
      const acc = mine.reduce((s, b, i) => s + b.acc! * sizes[i], 0) / TRAIN;
      expect(loss).toBeCloseTo(epoch.train_loss, 10);
      expect(acc).toBeCloseTo(epoch.train_acc!, 10);
      // Own, not running, means: they differ from batch to batch and are not the cumulative ones.
      expect(new Set(mine.map((b) => b.loss)).size).toBeGreaterThan(BATCHES / 2);
      for (const b of mine) {
        // A count of right answers over the batch's own samples.
        const right = b.acc! * sizes[b.batch - 1];
        expect(Math.abs(right - Math.round(right))).toBeLessThan(1e-9);
        expect(b.lr).toBe(0.1);
        expect(b.samples_per_s).toBeGreaterThan(0);
      }
    }
    expect(batchRecords().map((b) => b.step)).toEqual(Array.from({ length: EPOCHS * BATCHES }, (_, i) => i + 1));
  });

  it(`per-layer norms come every ${STATS_EVERY}th batch and on each epoch's last, and match the model's weights and gradients at that batch`, () => {
    const batches = batchRecords();
    batches.forEach((b, i) => {
      const due = b.batch % STATS_EVERY === 0 || b.batch === BATCHES;
      expect(b.layers !== undefined, `epoch ${b.epoch} batch ${b.batch}`).toBe(due);
      if (b.layers === undefined) return;
      const seen = seenAtBatch[i];
      b.layers.forEach((layer, l) => {
        expect(layer.weight_norm).toBeCloseTo(seen.weightNorms[l], 4);
        expect(layer.grad_norm).toBeCloseTo(seen.gradNorms[l], 5);
      });
    });
  });

  it('the per-layer gradient norms squared sum to the global gradient norm squared', () => {
    const withLayers = batchRecords().filter((b) => b.layers !== undefined);
    expect(withLayers.length).toBe(EPOCHS * (Math.floor(BATCHES / STATS_EVERY) + 1));
    for (const b of withLayers) {
      const sum = b.layers!.reduce((s, layer) => s + layer.grad_norm ** 2, 0);
      expect(b.grad_norm).toBeGreaterThan(0);
      expect(Math.abs(sum - b.grad_norm ** 2) / b.grad_norm ** 2).toBeLessThan(1e-9);
    }
  });

  it('the epoch records carry fit\'s record, and a confusion matrix of the test set that sums to its size and gives test_acc', () => {
    epochRecords().forEach((e, i) => {
      const { layers: _layers, confusion, confusion_split, misclassified: _misclassified, event: _event, ...record } = e;
      expect(record).toEqual(history[i]);
      expect(confusion_split).toBe('test');
      expect(confusion!.flat().reduce((a, b) => a + b, 0)).toBe(TEST);
      expect(confusion!.reduce((s, row, label) => s + row[label], 0) / TEST).toBe(e.test_acc);
      // Rows are labels: each row sums to the number of test samples of that class.
      const labels = Array.from(test.take(Array.from({ length: TEST }, (_, k) => k))[1].dataSync());
      expect(confusion!.map((row) => row.reduce((a, b) => a + b, 0))).toEqual(Array.from({ length: 10 }, (_, c) => labels.filter((l) => l === c).length));
    });
  });

  it('the misclassified images are really misclassified, most confident first, with their pixels and softmax confidence', () => {
    const [images, labels] = test.take(Array.from({ length: TEST }, (_, k) => k)).map((t) => t.dataSync());
    epochRecords().forEach((e, i) => {
      const logits = mlpLogits(seenAtEpoch[i].parameters, images, TEST);
      const softmax = (row: number) => {
        const values = Array.from(logits.subarray(row * 10, row * 10 + 10));
        const max = Math.max(...values);
        const exps = values.map((v) => Math.exp(v - max));
        const total = exps.reduce((a, b) => a + b, 0);
        return exps.map((v) => v / total);
      };
      const wrong = Array.from({ length: TEST }, (_, k) => k).filter((k) => { const p = softmax(k); return p.indexOf(Math.max(...p)) !== labels[k]; });
      expect(e.misclassified).toHaveLength(Math.min(16, wrong.length));
      expect(wrong.length).toBeGreaterThan(16);
      const confidences = e.misclassified.map((m) => m.confidence);
      expect(confidences).toEqual([...confidences].sort((a, b) => b - a));
      // Nothing wrong that was left out is more confident than the least confident kept.
      const leastKept = confidences.at(-1)!;
      const kept = new Set(e.misclassified.map((m) => m.index));
      for (const k of wrong) if (!kept.has(k)) expect(Math.max(...softmax(k))).toBeLessThanOrEqual(leastKept + 1e-6);
      for (const m of e.misclassified) {
        const p = softmax(m.index);
        expect(m.label).toBe(labels[m.index]);
        expect(m.predicted).toBe(p.indexOf(Math.max(...p)));
        expect(m.predicted).not.toBe(m.label);
        expect(m.confidence).toBeCloseTo(p[m.predicted], 5);
        expect(m.shape).toEqual([28, 28]);
        const pixels = Buffer.from(m.pixels, 'base64');
        expect([...pixels]).toEqual(Array.from(images.subarray(m.index * 784, (m.index + 1) * 784), (v) => Math.round(v * 255)));
      }
    });
  });

  it('each layer\'s weight histogram has 30 bins spanning its weights, whose counts sum to the weight\'s element count', () => {
    epochRecords().forEach((e, i) => {
      e.layers.forEach((layer, l) => {
        const weights = seenAtEpoch[i].parameters[2 * l];
        expect(layer.histogram.counts).toHaveLength(30);
        expect(layer.histogram.counts.reduce((a, b) => a + b, 0)).toBe(weights.length);
        expect(layer.histogram.min).toBe(Math.min(...weights));
        expect(layer.histogram.max).toBe(Math.max(...weights));
        // The bin of the smallest weight holds at least it, the last bin at least the largest.
        expect(layer.histogram.counts[0]).toBeGreaterThan(0);
        expect(layer.histogram.counts[29]).toBeGreaterThan(0);
      });
    });
  });

  it('epoch layer statistics are those of the first 256 training samples: activation moments and dead ReLUs by hand', () => {
    const last = epochRecords().at(-1)!;
    const [x] = train.take(Array.from({ length: 256 }, (_, k) => k));
    const [w, b] = model.parameters();
    const out = nb.noGrad(() => x.matmul(w.transpose(0, 1)).add(b)).dataSync();
    const mean = Array.from(out).reduce((s, v) => s + v, 0) / out.length;
    const std = Math.sqrt(Array.from(out).reduce((s, v) => s + (v - mean) ** 2, 0) / out.length);
    const first = last.layers[0];
    expect(first).toMatchObject({ name: '0', type: 'Linear', saturated_fraction: null });
    expect(first.act_mean).toBeCloseTo(mean, 4);
    expect(first.act_std).toBeCloseTo(std, 4);
    // A unit is dead when its pre-activation is <= 0 for all 256 samples.
    let dead = 0;
    for (let unit = 0; unit < 32; unit++) if (Array.from({ length: 256 }, (_, s) => out[s * 32 + unit]).every((v) => v <= 0)) dead++;
    expect(first.dead_fraction).toBe(dead / 32);
    // The output layer has no activation after it.
    expect(last.layers[2].dead_fraction).toBeNull();
    layerParameters().forEach((parameters, l) => {
      expect(last.layers[l].weight_norm).toBeCloseTo(Math.sqrt(parameters.reduce((s, p) => s + sumSquares(p.dataSync()), 0)), 4);
    });
    for (const layer of last.layers) expect(layer.grad_norm).toBeGreaterThan(0);
  });

  it('keeps no tensor of a batch alive: the live storages do not grow from epoch to epoch', () => {
    const storages = seenAtEpoch.map((s) => s.storages);
    expect(storages).toEqual(new Array<number>(EPOCHS).fill(storages[0]));
  });
});

describe('RunRecorder, other runs', () => {
  it('a resumed run (initialEpoch 1) says so in its run record and counts steps from the epochs before', () => {
    const train = first(data.train, 300);
    const model = nb.mlp({ ...CONFIG, hiddenSizes: [8] }, { generator: new nb.Generator(1) });
    const loss = nb.objective('cross-entropy');
    const records: RunLogRecord[] = [];
    const recorder = new RunRecorder(model, { emit: (r) => records.push(r), train, loss, batchSize: 100, epochs: 3, initialEpoch: 1 });
    recorder.start();
    nb.fit(model, { loss, optimizer: new nb.SGD(model.parameters(), { lr: 0.1 }), train, epochs: 3, initialEpoch: 1, batchSize: 100, onBatch: recorder.onBatch, onEpoch: recorder.onEpoch });
    recorder.end('completed');
    expect(records[0]).toMatchObject({ event: 'run', initial_epoch: 1, epochs: 3, batches_per_epoch: 3 });
    const batches = records.filter((r): r is BatchLogRecord => r.event === 'batch');
    expect(batches.map((b) => [b.epoch, b.step])).toEqual([[2, 4], [2, 5], [2, 6], [3, 7], [3, 8], [3, 9]]);
    // Default statistics interval: about 20 per epoch, so every batch of a 3-batch epoch.
    expect(recorder.statsEvery).toBe(1);
    expect(batches.every((b) => b.layers?.length === 2)).toBe(true);
    // No test or validation set: no confusion matrix, nothing misclassified.
    const epochs = records.filter((r): r is EpochLogRecord => r.event === 'epoch');
    expect(epochs.map((e) => [e.epoch, e.confusion, e.confusion_split, e.misclassified])).toEqual([[2, null, null, []], [3, null, null, []]]);
    expect(records.at(-1)).toMatchObject({ event: 'end', epoch: 3 });
  });

  it('the gradient norm is taken before clipping: with clipGradNorm 1e-3 it stays far above what the step used', () => {
    const train = first(data.train, 200);
    const model = nb.mlp({ ...CONFIG, hiddenSizes: [8] }, { generator: new nb.Generator(2) });
    const loss = nb.objective('cross-entropy');
    const batches: BatchLogRecord[] = [];
    const clipped: number[] = [];
    const recorder = new RunRecorder(model, { emit: (r) => r.event === 'batch' && batches.push(r), train, loss, batchSize: 50, epochs: 1 });
    nb.fit(model, {
      loss, optimizer: new nb.SGD(model.parameters(), { lr: 0.1 }), train, epochs: 1, batchSize: 50, clipGradNorm: 1e-3,
      onBatch: (progress) => {
        recorder.onBatch(progress);
        clipped.push(Math.sqrt(model.parameters().reduce((s, p) => s + sumSquares(p.grad!.dataSync()), 0)));
      },
    });
    expect(batches).toHaveLength(4);
    batches.forEach((b, i) => {
      expect(clipped[i]).toBeCloseTo(1e-3, 6);
      expect(b.grad_norm).toBeGreaterThan(100 * clipped[i]);
      expect(Math.sqrt(b.layers!.reduce((s, l) => s + l.grad_norm ** 2, 0))).toBeCloseTo(b.grad_norm, 6);
    });
  });

  it('the end record of a run stopped early names the last epoch completed and the reason', () => {
    const train = first(data.train, 200);
    const model = nb.mlp({ ...CONFIG, hiddenSizes: [8] });
    const records: RunLogRecord[] = [];
    const recorder = new RunRecorder(model, { emit: (r) => records.push(r), train, loss: nb.objective('cross-entropy'), batchSize: 50, epochs: 4 });
    recorder.start();
    recorder.end('diverged', 'training diverged in epoch 1, batch 2');
    expect(records.map((r) => r.event)).toEqual(['run', 'end']);
    expect(records[1]).toMatchObject({ status: 'diverged', epoch: 0, message: 'training diverged in epoch 1, batch 2' });
  });

  it('[1, 28, 28] image samples are logged as 28 x 28 images; an imageShape that does not hold a sample is refused', () => {
    const images = new nb.TensorDataset(nb.zeros([10, 1, 28, 28]), nb.zeros([10], { dtype: 'int32' }));
    const model = new nb.Sequential(new nb.Flatten(), new nb.Linear(784, 10));
    const options = { emit: () => {}, train: images, loss: nb.objective('cross-entropy'), batchSize: 5, epochs: 1 };
    const records: RunLogRecord[] = [];
    new RunRecorder(model, { ...options, emit: (r) => records.push(r) }).start();
    expect(records[0]).toMatchObject({ input_shape: [1, 28, 28], layers: [{ name: '1', type: 'Linear', parameters: 7850 }] });
    expect(() => new RunRecorder(model, { ...options, imageShape: [27, 28] })).toThrow('RunRecorder: options.imageShape [27, 28] does not hold the 784 values of a sample of shape [1, 28, 28]');
  });

  it('refuses bad options by name', () => {
    const train = first(data.train, 10);
    const model = nb.mlp({ ...CONFIG, hiddenSizes: [] });
    const good = { emit: () => {}, train, loss: nb.objective('cross-entropy'), batchSize: 5, epochs: 2 };
    expect(() => new RunRecorder({} as never, good)).toThrow('RunRecorder: the first argument must be the Module that fit trains, got');
    expect(() => new RunRecorder(model, { ...good, emit: 'file.jsonl' as never })).toThrow(/^RunRecorder: options.emit must be a function/);
    expect(() => new RunRecorder(model, { ...good, batchSize: 0 })).toThrow('RunRecorder: options.batchSize must be a positive integer, got 0');
    expect(() => new RunRecorder(model, { ...good, initialEpoch: 2 })).toThrow(/^RunRecorder: options.initialEpoch must be an integer in \[0, epochs\)/);
    expect(() => new RunRecorder(model, { ...good, statsEvery: 1.5 })).toThrow('RunRecorder: options.statsEvery must be a positive integer, got 1.5');
    expect(() => new RunRecorder(model, { ...good, every: 3 } as never)).toThrow(/RunRecorder.*every/);
  });
});
