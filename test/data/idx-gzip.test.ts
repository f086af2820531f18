import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { DATASETS } from '../datasets.js';

/** An unsigned-byte IDX file: magic 00 00 08 <ndim>, dims as uint32 big-endian, then `data`. */
function idx(dims: number[], data: number[]): Uint8Array {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return new Uint8Array(Buffer.concat([header, Uint8Array.from(data)]));
}

const IMAGES = idx([2, 2, 3], [0, 51, 102, 153, 204, 255, 255, 0, 0, 0, 0, 255]);
const LABELS = idx([2], [7, 1]);

describe('gzip bytes', () => {
  it('parseIdx says that it got gzip bytes and what to do with them', () => {
    expect(() => nb.parseIdx(gzipSync(IMAGES), 'train-images-idx3-ubyte.gz')).toThrow(nb.DataError);
    expect(() => nb.parseIdx(gzipSync(IMAGES), 'train-images-idx3-ubyte.gz')).toThrow(
      /^train-images-idx3-ubyte\.gz: got gzip-compressed bytes \(magic number 1f 8b\), not an IDX file; use parseIdxAsync, which decompresses them, or decompress them first$/,
    );
  });

  it('parseIdxAsync decompresses them with DecompressionStream, and reads raw bytes as parseIdx does', async () => {
    const fromGzip = await nb.parseIdxAsync(gzipSync(IMAGES), 'images.gz');
    expect(fromGzip.shape).toEqual([2, 2, 3]);
    expect(Array.from(fromGzip.data)).toEqual(Array.from(nb.parseIdx(IMAGES, 'images').data));
    const raw = await nb.parseIdxAsync(LABELS, 'labels');
    expect(raw).toEqual(nb.parseIdx(LABELS, 'labels'));
  });

  it('parseIdxAsync reads the real gzipped MNIST test labels as the Node reader does', async () => {
    const path = join(DATASETS, 'mnist', 't10k-labels-idx1-ubyte.gz');
    const bytes = readFileSync(path);
    const parsed = await nb.parseIdxAsync(bytes, path);
    expect(parsed.shape).toEqual([10000]);
    expect(Buffer.from(parsed.data).equals(Buffer.from(nb.parseIdx(gunzipSync(bytes), path).data))).toBe(true);
  });

  it('parseIdxAsync names the file when the gzip data is corrupt, and parse errors still name it', async () => {
    const truncated = gzipSync(IMAGES).subarray(0, 20);
    await expect(nb.parseIdxAsync(truncated, 'broken.gz')).rejects.toThrow(/^broken\.gz: corrupt gzip data: /);
    await expect(nb.parseIdxAsync(gzipSync(IMAGES.subarray(0, 18)), 'short.gz')).rejects.toThrow(/^short\.gz: truncated: header says 2x2x3 = 12 bytes of data but the file holds 2/);
    await expect(nb.parseIdxAsync('bytes' as never, 'x')).rejects.toThrow(/parseIdxAsync: bytes must be a Uint8Array \(or a Node Buffer\), got 'bytes'/);
    expect(() => nb.parseIdx([0, 0, 8, 1] as never, 'x')).toThrow(/parseIdx: bytes must be a Uint8Array \(or a Node Buffer\), got an array/);
  });
});

describe('imageDataset', () => {
  const names = { images: 'images', labels: 'labels' };
  const images = nb.parseIdx(IMAGES, 'images');
  const labels = nb.parseIdx(LABELS, 'labels');

  it('builds the dataset from parsed arrays', () => {
    const ds = nb.imageDataset(images, labels, names, { flatten: false });
    expect([...ds.tensors[0].shape]).toEqual([2, 1, 2, 3]);
    expect(ds.tensors[1].toArray()).toEqual([7, 1]);
  });

  it('refuses arguments that are not parsed IDX arrays, naming the argument and the rule', () => {
    expect(() => nb.imageDataset(IMAGES as never, labels, names)).toThrow(/imageDataset: images\.shape must be an array of non-negative integers, got undefined/);
    expect(() => nb.imageDataset(images, null as never, names)).toThrow(/imageDataset: labels must be an IdxArray \{ shape, data \} as parseIdx returns it, got null/);
    expect(() => nb.imageDataset({ shape: [2, 2, 3], data: [1, 2] } as never, labels, names)).toThrow(/images\.data must be a Uint8Array of pixel or label bytes, got an array/);
    expect(() => nb.imageDataset({ shape: [2, 2, 3], data: new Uint8Array(11) }, labels, names)).toThrow(/images\.shape \[2, 2, 3\] needs 12 bytes, but images\.data holds 11/);
    expect(() => nb.imageDataset({ shape: [2, -2, 3], data: new Uint8Array(0) }, labels, names)).toThrow(/images\.shape must be an array of non-negative integers/);
  });

  it('refuses names that are not the two file names, as when the options come third', () => {
    expect(() => nb.imageDataset(images, labels, { flatten: false } as never)).toThrow(
      /imageDataset: names must be \{ images: string, labels: string \}, the file names that label errors \(options come fourth\), got an object with the keys flatten/,
    );
    expect(() => nb.imageDataset(images, labels, undefined as never)).toThrow(/names must be .* got undefined/);
    expect(() => nb.imageDataset(images, labels, names, { flaten: true } as never)).toThrow(/unknown option "flaten"/);
  });
});
