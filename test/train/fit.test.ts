import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { DATASETS } from '../datasets.js';

// A full collection before each memory reading, so that garbage not yet collected does not count.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;



const DEFAULT: nb.MlpConfig = { inputSize: 784, hiddenSizes: [40, 30, 20], outputSize: 10, activation: 'relu' };
const EPOCHS = 2;
const BATCH = 128;
const BATCHES = Math.ceil(60000 / BATCH); // 469
/** Measured 0.842-0.851 over seeds 2..5 with this recipe (0.8512 with seed 2); the bar leaves room. */
const ACCURACY_BAR = 0.82;

/** Mean cross-entropy and accuracy of logits [N, C] against labels, by hand in float64. */
function byHand(logits: nb.Tensor, labels: nb.Tensor): { loss: number; accuracy: number; correct: number } {
  const [n, c] = logits.shape;
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const row = logits.data.subarray(i * c, (i + 1) * c);
    let best = 0;
    let max = -Infinity;
    for (let j = 0; j < c; j++) {
      if (row[j] > max) {
        max = row[j];
        best = j;
      }
    }
    let s = 0;
    for (let j = 0; j < c; j++) s += Math.exp(row[j] - max);
    const label = labels.data[i];
    loss += max + Math.log(s) - row[label];
    if (best === label) correct++;
  }
  return { loss: loss / n, accuracy: correct / n, correct };
}

let data: nb.MnistLike;
beforeAll(async () => {
  data = await nb.loadFashionMnist({ dataDir: DATASETS });
});

describe(`fit: ${DEFAULT.hiddenSizes.join('-')} relu MLP, kaiming-uniform, Adam(lr 1e-3), batch ${BATCH}, ${EPOCHS} epochs on the full Fashion-MNIST`, () => {
  const loss = nb.objective('cross-entropy');
  let model: nb.Sequential;
  let history: nb.EpochRecord[];
  let initialTrain: nb.Metrics;
  /** Every 6th training image, to measure the loss on the training set before and after. */
  let trainSample: nb.TensorDataset;
  const batches: nb.BatchProgress[] = [];
  const epochs: nb.EpochRecord[] = [];
  const memory: { heapUsed: number; arrayBuffers: number }[] = [];

  beforeAll(() => {
    model = nb.mlp(DEFAULT, { init: 'kaiming-uniform', generator: new nb.Generator(2) });
    trainSample = data.train.subset(Array.from({ length: 10000 }, (_, i) => i * 6));
    initialTrain = nb.evaluate(model, trainSample, loss);
    const optimizer = new nb.Adam(model.parameters(), { lr: 1e-3 });
    history = nb.fit(model, {
      loss,
      optimizer,
      train: data.train,
      test: data.test,
      epochs: EPOCHS,
      batchSize: BATCH,
      seed: 2,
      onBatch: (p) => batches.push({ ...p }),
      onEpoch: (r) => {
        epochs.push(r);
        collectGarbage();
        const m = process.memoryUsage();
        memory.push({ heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers });
      },
    });
  }, 180_000);

  it(`reaches test accuracy >= ${ACCURACY_BAR}`, () => {
    const last = history.at(-1)!;
    expect(last.test_acc).toBeGreaterThanOrEqual(ACCURACY_BAR);
    expect(last.train_acc).toBeGreaterThanOrEqual(ACCURACY_BAR);
  });

  it('history has one complete record per epoch', () => {
    expect(history.map((r) => r.epoch)).toEqual([1, 2]);
    for (const r of history) {
      expect(Object.keys(r).sort()).toEqual(['epoch', 'lr', 'samples_per_s', 'seconds', 'test_acc', 'test_loss', 'train_acc', 'train_loss', 'val_acc', 'val_loss']);
      expect(r.lr).toBe(1e-3);
      expect(r.val_loss).toBeNull();
      expect(r.val_acc).toBeNull();
      for (const key of ['train_loss', 'train_acc', 'test_loss', 'test_acc', 'samples_per_s', 'seconds'] as const) {
        expect(Number.isFinite(r[key]), key).toBe(true);
        expect(r[key] as number, key).toBeGreaterThan(0);
      }
      expect(r.train_acc).toBeLessThanOrEqual(1);
      expect(r.test_acc!).toBeLessThanOrEqual(1);
      // samples/s counts training only; seconds includes the test evaluation.
      expect(60000 / r.samples_per_s).toBeLessThanOrEqual(r.seconds + 1e-9);
    }
  });

  it('calls onEpoch once per epoch with the history records', () => {
    expect(epochs).toHaveLength(EPOCHS);
    expect(epochs).toEqual(history);
  });

  it(`calls onBatch once per batch (${BATCHES} per epoch) with running progress`, () => {
    expect(batches).toHaveLength(EPOCHS * BATCHES);
    for (let e = 1; e <= EPOCHS; e++) {
      const mine = batches.filter((b) => b.epoch === e);
      expect(mine.map((b) => b.batch)).toEqual(Array.from({ length: BATCHES }, (_, i) => i + 1));
      expect(mine.every((b) => b.batches === BATCHES)).toBe(true);
      expect(mine.map((b) => b.samples)).toEqual(Array.from({ length: BATCHES }, (_, i) => Math.min(60000, (i + 1) * BATCH)));
      const lastBatch = mine.at(-1)!;
      // The running means at the end of the epoch are the epoch's training metrics.
      expect(lastBatch.loss).toBeCloseTo(history[e - 1].train_loss, 10);
      expect(lastBatch.accuracy).toBeCloseTo(history[e - 1].train_acc!, 10);
      expect(mine.every((b, i) => i === 0 || b.seconds >= mine[i - 1].seconds)).toBe(true);
    }
  });

  it('the training loss decreases', () => {
    // An untrained 10-class network starts near ln(10) = 2.30.
    expect(initialTrain.loss).toBeGreaterThan(1.5);
    expect(initialTrain.accuracy).toBeLessThan(0.3);
    expect(history[1].train_loss).toBeLessThan(history[0].train_loss);
    const finalTrain = nb.evaluate(model, trainSample, loss);
    expect(finalTrain.loss).toBeLessThan(initialTrain.loss / 3);
    expect(finalTrain.loss).toBeLessThan(history[0].train_loss);
  });

  it('evaluate() agrees with counting argmax matches and averaging the cross-entropy by hand', () => {
    const [x, y] = data.test.tensors;
    const logits = nb.noGrad(() => model.forward(x));
    const manual = byHand(logits, y);
    const metrics = nb.evaluate(model, data.test, loss);
    expect(metrics.accuracy).toBe(manual.correct / 10000);
    expect(metrics.accuracy).toBe(history.at(-1)!.test_acc);
    expect(Math.abs(metrics.loss - manual.loss)).toBeLessThan(1e-4 * manual.loss);
    expect(nb.countCorrect(logits, y)).toBe(manual.correct);
    // The confusion matrix, counted here from the argmax: rows are labels, columns predictions.
    const predictions = logits.argmax(1);
    const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
    for (let i = 0; i < 10000; i++) confusion[y.data[i]!]![predictions.data[i]!]!++;
    expect(metrics.confusion).toEqual(confusion);
    // evaluate leaves the model in the mode it found it.
    expect(model.training).toBe(true);
    model.eval();
    nb.evaluate(model, data.test, loss, 777);
    expect(model.training).toBe(false);
    model.train();
  });

  it('memory does not grow from epoch 1 to epoch 2 (no graph or batch kept alive)', () => {
    expect(memory).toHaveLength(2);
    const MiB = 2 ** 20;
    // One epoch's retained batches alone would be ~180 MiB of inputs.
    expect((memory[1].heapUsed - memory[0].heapUsed) / MiB).toBeLessThan(32);
    expect((memory[1].arrayBuffers - memory[0].arrayBuffers) / MiB).toBeLessThan(64);
  });
});

describe('fit on a small subset', () => {
  const first = (n: number) => data.train.subset(Array.from({ length: n }, (_, i) => i));

  it('a huge learning rate (SGD lr 1e6, relu, cross-entropy) throws TrainingDivergedError mentioning the learning rate', () => {
    const model = nb.mlp(DEFAULT, { generator: new nb.Generator(1) });
    const optimizer = new nb.SGD(model.parameters(), { lr: 1e6 });
    let calls = 0;
    let error: unknown;
    try {
      nb.fit(model, { loss: nb.objective('cross-entropy'), optimizer, train: first(2000), epochs: 3, batchSize: 100, onBatch: () => calls++ });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(nb.TrainingDivergedError);
    const message = (error as Error).message;
    expect((error as Error).name).toBe('TrainingDivergedError');
    expect(message).toMatch(/learning rate/);
    expect(message).toMatch(/NaN|Infinity/);
    expect(message).toMatch(new RegExp(`epoch 1, batch ${calls + 1}\\b`));
    expect(calls).toBeLessThan(20); // stopped during the first epoch
  });

  it('one-hot label rows train and evaluate exactly like int32 class labels, for every objective', () => {
    const subset = first(600);
    const [x, y] = subset.take(Array.from({ length: subset.length }, (_, i) => i));
    const hot = new nb.TensorDataset(x, nb.oneHot(y, 10));
    const plain = new nb.TensorDataset(x, y);
    for (const name of nb.LOSS_NAMES) {
      const run = (dataset: nb.TensorDataset) => {
        const model = nb.mlp({ ...DEFAULT, hiddenSizes: [16] }, { generator: new nb.Generator(4) });
        const optimizer = new nb.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
        const history = nb.fit(model, { loss: nb.objective(name), optimizer, train: dataset, test: dataset, epochs: 2, batchSize: 50 });
        return { history, metrics: nb.evaluate(model, dataset, nb.objective(name)) };
      };
      const a = run(plain);
      const b = run(hot);
      expect(b.history.map((r) => [r.train_loss, r.train_acc, r.test_loss, r.test_acc]), name)
        .toEqual(a.history.map((r) => [r.train_loss, r.train_acc, r.test_loss, r.test_acc]));
      expect(b.metrics.confusion, name).toEqual(a.metrics.confusion);
    }
  });

  it('reports validation metrics and the scheduled learning rate of each epoch', () => {
    const model = nb.mlp({ ...DEFAULT, hiddenSizes: [20] }, { generator: new nb.Generator(3) });
    const optimizer = new nb.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const scheduler = new nb.StepLR(optimizer, { stepSize: 1, gamma: 0.5 });
    const { train, validation } = nb.trainValidationSplit(first(3000), 0.2, 0);
    const history = nb.fit(model, { loss: nb.objective('cross-entropy'), optimizer, scheduler, train, validation, epochs: 3, batchSize: 100 });
    expect(history.map((r) => r.lr)).toEqual([0.1, 0.05, 0.025]);
    for (const r of history) {
      expect(r.test_acc).toBeNull();
      expect(r.test_loss).toBeNull();
      expect(r.val_acc).toBeGreaterThan(0.5);
      expect(Number.isFinite(r.val_loss)).toBe(true);
    }
    expect(history.at(-1)!.val_acc).toBe(nb.evaluate(model, validation, nb.objective('cross-entropy')).accuracy);
  });

  it('the same seeds give the same history (reproducible training)', () => {
    const run = () => {
      const model = nb.mlp({ ...DEFAULT, hiddenSizes: [16] }, { init: 'xavier-uniform', generator: new nb.Generator(4) });
      const optimizer = new nb.SGD(model.parameters(), { lr: 0.05 });
      return nb.fit(model, { loss: nb.objective('cross-entropy'), optimizer, train: first(1000), epochs: 2, batchSize: 50, seed: 9 }).map((r) => [r.train_loss, r.train_acc]);
    };
    expect(run()).toEqual(run());
  });

  it('rejects a number of epochs that is not a positive integer', () => {
    const model = nb.mlp(DEFAULT);
    const optimizer = new nb.SGD(model.parameters(), { lr: 0.1 });
    for (const epochs of [0, -1, 1.5]) {
      expect(() => nb.fit(model, { loss: nb.objective('cross-entropy'), optimizer, train: first(10), epochs, batchSize: 5 })).toThrow(RangeError);
    }
  });
});

describe('countCorrect', () => {
  it('counts rows whose largest logit is at the label', () => {
    const logits = nb.tensor([[0.1, 2, -1], [3, 0, 0], [0, 0, 5], [1, 1.5, 1.2]]);
    const labels = nb.tensor([1, 1, 2, 0], { dtype: 'int32' });
    expect(nb.countCorrect(logits, labels)).toBe(2);
  });
});
