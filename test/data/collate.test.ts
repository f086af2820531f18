import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

const { DataLoader, TensorDataset, defaultCollate } = nb;

/** A dataset that is not a TensorDataset: sample i is an image-like tensor, its label and a name. */
class Numbered implements nb.Dataset<{ image: nb.Tensor; label: number; name: string }> {
  constructor(readonly length: number) {}

  get(i: number) {
    return { image: nb.full([2, 2], i), label: i % 3, name: `sample-${i}` };
  }
}

describe('defaultCollate (PyTorch default_collate)', () => {
  it('stacks tensors along a new first dimension', () => {
    const batch = defaultCollate([nb.tensor([1, 2]), nb.tensor([3, 4]), nb.tensor([5, 6])]);
    expect([...batch.shape]).toEqual([3, 2]);
    expect(batch.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  it('turns numbers into a tensor: int32 when all are integers (labels), float32 otherwise', () => {
    const labels = defaultCollate([3, 0, 7]);
    expect(labels.dtype).toBe('int32');
    expect(labels.toArray()).toEqual([3, 0, 7]);
    const values = defaultCollate([0.5, 2, -1.25]);
    expect(values.dtype).toBe('float32');
    expect(values.toArray()).toEqual([0.5, 2, -1.25]);
  });

  it('collates tuples position by position and objects key by key, nested, and keeps strings as a list', () => {
    const [x, y] = defaultCollate([[nb.tensor([1, 2]), 1], [nb.tensor([3, 4]), 0]] as [nb.Tensor, number][]);
    expect(x.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(y.toArray()).toEqual([1, 0]);
    const batch = defaultCollate([
      { a: nb.tensor([1]), b: { c: 1.5, d: ['x', 2] } },
      { a: nb.tensor([2]), b: { c: 2.5, d: ['y', 3] } },
    ] as { a: nb.Tensor; b: { c: number; d: [string, number] } }[]);
    expect(batch.a.toArray()).toEqual([[1], [2]]);
    expect(batch.b.c.toArray()).toEqual([1.5, 2.5]);
    expect(batch.b.d[0]).toEqual(['x', 'y']);
    expect(batch.b.d[1].toArray()).toEqual([2, 3]);
  });

  it('refuses samples of different structure or of types it cannot merge, saying where', () => {
    expect(() => defaultCollate([])).toThrow(/expected a non-empty array of samples/);
    expect(() => defaultCollate([[nb.tensor([1]), 1], [nb.tensor([2]), 'x']] as unknown[])).toThrow(/sample\[1\] is 1 in sample 0 but 'x' in sample 1/);
    expect(() => defaultCollate([[1, 2], [3]])).toThrow(/sample has 2 elements in sample 0 but 1 in sample 1/);
    expect(() => defaultCollate([{ a: 1 }, { b: 1 }] as Record<string, number>[])).toThrow(/keys a in sample 0 but b in sample 1/);
    expect(() => defaultCollate([{ a: null }, { a: null }])).toThrow(/sample\.a is null; samples may hold tensors, numbers, strings/);
    expect(() => defaultCollate([nb.zeros([2]), nb.zeros([3])])).toThrow(/stack: tensor 1 has shape \[3\]/);
  });
});

describe('DataLoader over any dataset', () => {
  it('batches a dataset with length and get(i) through defaultCollate', () => {
    const loader = new DataLoader(new Numbered(5), { batchSize: 2 });
    const batches = [...loader];
    expect(batches).toHaveLength(3);
    expect([...batches[0].image.shape]).toEqual([2, 2, 2]);
    expect(batches[0].image.toArray()).toEqual([[[0, 0], [0, 0]], [[1, 1], [1, 1]]]);
    expect(batches[1].label.toArray()).toEqual([2, 0]);
    expect(batches[2].name).toEqual(['sample-4']);
  });

  it('shuffles with a seed or a generator, and the same generator state gives the same order', () => {
    const order = (loader: nb.DataLoader<{ image: nb.Tensor; label: number; name: string }>) => [...loader].flatMap((b) => b.name);
    const a = order(new DataLoader(new Numbered(20), { batchSize: 4, shuffle: true, seed: 3 }));
    expect([...a].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `sample-${i}`).sort());
    expect(order(new DataLoader(new Numbered(20), { batchSize: 4, shuffle: true, generator: new nb.Generator(3) }))).toEqual(a);
    const generator = new nb.Generator(8);
    const loader = new DataLoader(new Numbered(20), { batchSize: 4, shuffle: true, generator });
    order(loader);
    const state = generator.getState();
    const next = order(loader);
    generator.setState(state);
    expect(order(loader)).toEqual(next);
  });

  it('takes a collate function, which gets the list of samples', () => {
    const loader = new DataLoader(new Numbered(4), { batchSize: 3, collate: (samples) => samples.map((s) => s.label).join('') });
    expect([...loader]).toEqual(['012', '0']);
  });

  it('gives a TensorDataset the same batches through its fast path as through get(i) and defaultCollate', () => {
    const ds = new TensorDataset(nb.arange(12).reshape([4, 3]), nb.tensor([3, 1, 2, 0], { dtype: 'int32' }));
    const [x, y] = ds.get(2);
    expect(x.toArray()).toEqual([6, 7, 8]);
    expect(y.item()).toBe(2);
    expect(() => ds.get(4)).toThrow(/index 4 is out of range \[0, 4\)/);
    const fast = [...new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 1 })];
    const generic = [...new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 1, collate: (samples: nb.Tensor[][]) => defaultCollate(samples) })];
    expect(generic.map((b) => b.map((t) => [t.dtype, t.toArray()]))).toEqual(fast.map((b) => b.map((t) => [t.dtype, t.toArray()])));
  });

  it('refuses what is not a dataset and bad options, naming them', () => {
    expect(() => new DataLoader([1, 2, 3] as never)).toThrow(/expected a TensorDataset or any dataset with a length and a get\(index\) method, .*got an array/);
    expect(() => new DataLoader({ length: 2 } as never)).toThrow(/expected a TensorDataset or any dataset/);
    expect(() => new DataLoader(new Numbered(2), { seed: 1, generator: new nb.Generator(1) })).toThrow(/either seed or generator, not both/);
    expect(() => new DataLoader(new Numbered(2), { generator: 5 as never })).toThrow(/generator must be a Generator, got 5/);
    expect(() => new DataLoader(new Numbered(2), { collate: 'stack' as never })).toThrow(/collate must be a function \(samples\) => batch, got 'stack'/);
    expect(() => new DataLoader(new Numbered(2), { colate: () => 0 } as never)).toThrow(/unknown option "colate" \(known: .*collate\)/);
  });
});
