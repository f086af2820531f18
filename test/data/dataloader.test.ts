import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

const { DataLoader, TensorDataset, trainValidationSplit } = nb;

/**
 * n samples: x row i is [3i, 3i + 1, 3i + 2] (float32 [n, 3]), y[i] = i (int32 [n]) and
 * z row i is [[i, -i]] ([n, 1, 2]), so every row says which sample it is.
 */
function numbered(n: number): nb.TensorDataset {
  return new TensorDataset(
    nb.arange(3 * n).reshape([n, 3]),
    nb.arange(n, undefined, 1, { dtype: 'int32' }),
    nb.tensor(Float32Array.from({ length: 2 * n }, (_, k) => (k % 2 === 0 ? k / 2 : -(k - 1) / 2)), { shape: [n, 1, 2] }),
  );
}

/** Checks that every row of a batch belongs to the same sample, and returns the sample ids. */
function ids(batch: nb.Tensor[]): number[] {
  const [x, y, z] = batch;
  const out = Array.from(y.data);
  out.forEach((id, r) => {
    expect(Array.from(x.data.subarray(3 * r, 3 * r + 3))).toEqual([3 * id, 3 * id + 1, 3 * id + 2]);
    expect(Array.from(z.data.subarray(2 * r, 2 * r + 2))).toEqual([id, -id]);
  });
  return out;
}

const epoch = (loader: nb.DataLoader) => [...loader].map(ids);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('DataLoader', () => {
  it('without shuffling yields the samples in order, in batches of batchSize, the last one smaller', () => {
    const loader = new DataLoader(numbered(10), { batchSize: 4 });
    const batches = [...loader];
    expect(batches.map((b) => b.map((t) => [...t.shape]))).toEqual([
      [[4, 3], [4], [4, 1, 2]],
      [[4, 3], [4], [4, 1, 2]],
      [[2, 3], [2], [2, 1, 2]],
    ]);
    expect(batches.map(ids)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(batches[0][1].dtype).toBe('int32');
  });

  it('batchSize defaults to 1', () => {
    const loader = new DataLoader(numbered(3));
    expect(loader.length).toBe(3);
    expect(epoch(loader)).toEqual([[0], [1], [2]]);
  });

  it('with shuffling covers every sample exactly once per epoch', () => {
    const loader = new DataLoader(numbered(103), { batchSize: 10, shuffle: true, seed: 5 });
    for (let e = 0; e < 3; e++) {
      const batches = epoch(loader);
      expect(batches).toHaveLength(11);
      expect(batches.slice(0, 10).every((b) => b.length === 10)).toBe(true);
      expect(batches[10]).toHaveLength(3);
      const seen = batches.flat();
      expect([...seen].sort((a, b) => a - b)).toEqual(range(103));
      expect(seen).not.toEqual(range(103)); // actually shuffled
    }
  });

  it('dropLast skips the smaller final batch', () => {
    const loader = new DataLoader(numbered(103), { batchSize: 10, shuffle: true, dropLast: true, seed: 1 });
    const batches = epoch(loader);
    expect(loader.length).toBe(10);
    expect(batches).toHaveLength(10);
    expect(batches.every((b) => b.length === 10)).toBe(true);
    expect(new Set(batches.flat()).size).toBe(100);
  });

  it('dropLast has no effect when batchSize divides the dataset', () => {
    const loader = new DataLoader(numbered(12), { batchSize: 4, dropLast: true });
    expect(loader.length).toBe(3);
    expect(epoch(loader).flat()).toEqual(range(12));
  });

  it('length is the number of batches per pass', () => {
    const cases: [number, number, boolean, number][] = [
      [10, 3, false, 4],
      [10, 3, true, 3],
      [9, 3, false, 3],
      [9, 3, true, 3],
      [2, 5, false, 1],
      [2, 5, true, 0],
      [60000, 128, false, 469],
      [60000, 128, true, 468],
    ];
    for (const [n, batchSize, dropLast, expected] of cases) {
      const loader = new DataLoader(numbered(n), { batchSize, dropLast });
      expect(loader.length, `${n}/${batchSize} dropLast ${dropLast}`).toBe(expected);
      if (n < 100) expect([...loader]).toHaveLength(expected);
    }
  });

  it('the same seed gives the same order; another seed a different one', () => {
    const a = new DataLoader(numbered(50), { batchSize: 7, shuffle: true, seed: 42 });
    const b = new DataLoader(numbered(50), { batchSize: 7, shuffle: true, seed: 42 });
    const c = new DataLoader(numbered(50), { batchSize: 7, shuffle: true, seed: 43 });
    const a1 = epoch(a);
    const a2 = epoch(a);
    expect(epoch(b)).toEqual(a1);
    expect(epoch(b)).toEqual(a2);
    expect(epoch(c)).not.toEqual(a1);
  });

  it('each epoch draws a new order', () => {
    const loader = new DataLoader(numbered(50), { batchSize: 50, shuffle: true, seed: 3 });
    const orders = [0, 1, 2, 3].map(() => epoch(loader)[0].join());
    expect(new Set(orders).size).toBe(4);
  });

  it('batches are copies: writing into one does not change the dataset', () => {
    const ds = numbered(5);
    const [x] = [...new DataLoader(ds, { batchSize: 5 })][0];
    x.data[0] = 1000;
    expect(ds.tensors[0].data[0]).toBe(0);
  });

  it('rejects a batchSize that is not a positive integer', () => {
    for (const batchSize of [0, -1, 1.5, NaN, Infinity]) {
      expect(() => new DataLoader(numbered(4), { batchSize }), String(batchSize)).toThrow(RangeError);
    }
    expect(() => new DataLoader(numbered(4), { batchSize: 0 })).toThrow(/batchSize.*0/);
  });

  it('iterates over a subset, in the subset\'s order', () => {
    const subset = numbered(20).subset([19, 3, 7, 11]);
    expect(epoch(new DataLoader(subset, { batchSize: 3 }))).toEqual([[19, 3, 7], [11]]);
    const shuffled = epoch(new DataLoader(subset, { batchSize: 3, shuffle: true, seed: 2 })).flat();
    expect([...shuffled].sort((a, b) => a - b)).toEqual([3, 7, 11, 19]);
  });
});

describe('TensorDataset', () => {
  it('length is the first dimension', () => {
    expect(numbered(7).length).toBe(7);
  });

  it('rejects tensors whose first dimensions differ, naming the shapes', () => {
    expect(() => new TensorDataset(nb.zeros([5, 2]), nb.zeros([4]))).toThrow(nb.ShapeError);
    expect(() => new TensorDataset(nb.zeros([5, 2]), nb.zeros([4]))).toThrow(/tensor 1.*\[4\].*5/);
    expect(() => new TensorDataset(nb.zeros([5, 2]), nb.tensor(1))).toThrow(nb.ShapeError);
    expect(() => new TensorDataset()).toThrow(nb.ShapeError);
    // The array form gets a message that says how to call it.
    expect(() => new TensorDataset([nb.zeros([5, 2])] as unknown as nb.Tensor)).toThrow(/argument 0 is not a Tensor.*new TensorDataset\(inputs, targets\)/);
  });

  it('subset picks rows by position without copying, and composes', () => {
    const ds = numbered(10);
    const sub = ds.subset([9, 2, 4]);
    expect(sub.length).toBe(3);
    expect(sub.tensors[0]).toBe(ds.tensors[0]);
    expect([0, 1, 2].map((i) => sub.rowOf(i))).toEqual([9, 2, 4]);
    const subsub = sub.subset([2, 0]);
    expect(subsub.length).toBe(2);
    expect([0, 1].map((i) => subsub.rowOf(i))).toEqual([4, 9]);
    expect(() => sub.subset([3])).toThrow(RangeError);
    expect(() => ds.subset([-1])).toThrow(RangeError);
  });

  it('take copies the rows at the given positions into new contiguous tensors', () => {
    const ds = numbered(10);
    const taken = ds.take([7, 1, 1]);
    expect(taken.map((t) => [...t.shape])).toEqual([[3, 3], [3], [3, 1, 2]]);
    expect(taken[0].toArray()).toEqual([[21, 22, 23], [3, 4, 5], [3, 4, 5]]);
    expect(Array.from(taken[1].data)).toEqual([7, 1, 1]);
    expect(taken[2].toArray()).toEqual([[[7, -7]], [[1, -1]], [[1, -1]]]);
    taken[0].data[0] = -5;
    expect(ds.tensors[0].data[21]).toBe(21);
    // On a subset, positions are subset positions.
    const sub = ds.subset([5, 6, 8]);
    expect(ids(sub.take([2, 0]))).toEqual([8, 5]);
  });
});

describe('trainValidationSplit', () => {
  it('splits into round(n * fraction) validation samples and the rest, disjoint and covering everything', () => {
    for (const [n, fraction] of [[100, 0.2], [10, 0.25], [7, 0.5], [1000, 0.1], [5, 0]] as const) {
      const { train, validation } = trainValidationSplit(numbered(n), fraction, 1);
      expect(validation.length, `${n} ${fraction}`).toBe(Math.round(n * fraction));
      expect(train.length).toBe(n - Math.round(n * fraction));
      const t = range(train.length).map((i) => train.rowOf(i));
      const v = range(validation.length).map((i) => validation.rowOf(i));
      const tSet = new Set(t);
      expect(tSet.size).toBe(t.length);
      expect(v.some((i) => tSet.has(i))).toBe(false);
      expect([...t, ...v].sort((a, b) => a - b)).toEqual(range(n));
    }
  });

  it('is reproducible with a seed and random (not a prefix) across seeds', () => {
    const ds = numbered(200);
    const rows = (s: nb.TensorDataset) => range(s.length).map((i) => s.rowOf(i));
    const a = trainValidationSplit(ds, 0.3, 7);
    const b = trainValidationSplit(ds, 0.3, 7);
    const c = trainValidationSplit(ds, 0.3, 8);
    expect(rows(a.validation)).toEqual(rows(b.validation));
    expect(rows(a.train)).toEqual(rows(b.train));
    expect(rows(a.validation)).not.toEqual(rows(c.validation));
    expect([...rows(a.validation)].sort((x, y) => x - y)).not.toEqual(range(60));
  });

  it('the subsets load through a DataLoader with the right rows', () => {
    const { train, validation } = trainValidationSplit(numbered(30), 0.2, 3);
    const seenTrain = epoch(new DataLoader(train, { batchSize: 8, shuffle: true })).flat();
    const seenVal = epoch(new DataLoader(validation, { batchSize: 8 })).flat();
    expect(seenVal).toEqual(range(6).map((i) => validation.rowOf(i)));
    expect([...seenTrain, ...seenVal].sort((a, b) => a - b)).toEqual(range(30));
  });

  it('splits a subset by its own positions', () => {
    const sub = numbered(50).subset(range(10).map((i) => 40 + i));
    const { train, validation } = trainValidationSplit(sub, 0.5, 0);
    const all = [...range(5).map((i) => train.rowOf(i)), ...range(5).map((i) => validation.rowOf(i))];
    expect(all.sort((a, b) => a - b)).toEqual(range(10).map((i) => 40 + i));
  });

  it('rejects a fraction outside [0, 1)', () => {
    for (const f of [-0.1, 1, 1.5, NaN]) expect(() => trainValidationSplit(numbered(10), f, 0), String(f)).toThrow(RangeError);
  });
});
