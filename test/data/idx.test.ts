import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError, parseIdx } from '../../src/data/idx.js';
import { readIdxFile } from '../../src/data/idx-file.js';
import { DATASETS } from '../datasets.js';


const mnist = (file: string) => join(DATASETS, 'mnist', file);
const fashion = (file: string) => join(DATASETS, 'fashion-mnist', file);

/** An IDX file: magic 00 00 <type> <ndim>, dims as uint32 big-endian, then `data`. */
function idx(dims: number[], data: Uint8Array | number[], type = 0x08): Uint8Array {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = type;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Uint8Array.from(data)]);
}

/** Expects `fn` to throw a one-line DataError naming `name` and matching `problem`. */
function expectDataError(fn: () => unknown, name: string, problem: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(DataError);
  const message = (error as DataError).message;
  expect((error as DataError).name).toBe('DataError');
  expect(message).not.toContain('\n');
  expect(message.startsWith(`${name}: `)).toBe(true);
  expect(message).toMatch(problem);
}

describe('parseIdx', () => {
  it('reads shape and row-major data', () => {
    const a = parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 6]), 'm');
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads 1-d label files and dimensions above 2^16', () => {
    const a = parseIdx(idx([70000], new Uint8Array(70000).fill(7)), 'labels');
    expect(a.shape).toEqual([70000]);
    expect(a.data.length).toBe(70000);
    expect(a.data[69999]).toBe(7);
  });

  it('rejects a bad magic number', () => {
    const bytes = idx([2], [1, 2]);
    bytes[0] = 0x50;
    expectDataError(() => parseIdx(bytes, 'x.idx'), 'x.idx', /not an IDX file: magic number is 0x50000801/);
  });

  it('rejects other IDX element types by name', () => {
    expectDataError(() => parseIdx(idx([1], [0, 0, 0, 0], 0x0d), 'f.idx'), 'f.idx', /unsupported IDX data type 0x0d \(float32\)/);
    expectDataError(() => parseIdx(idx([1], [0], 0x42), 'q.idx'), 'q.idx', /unknown data type 0x42/);
  });

  it('rejects files too short for the header', () => {
    expectDataError(() => parseIdx(new Uint8Array([0, 0]), 'tiny'), 'tiny', /too short/);
    expectDataError(() => parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1]), 'hdr'), 'hdr', /truncated: header declares 3 dimensions \(16 header bytes\) but the file holds 8 bytes/);
    expectDataError(() => parseIdx(new Uint8Array([0, 0, 8, 0]), 'zero'), 'zero', /0 dimensions/);
  });

  it('rejects data shorter or longer than the header says', () => {
    expectDataError(() => parseIdx(idx([2, 3], [1, 2, 3, 4, 5]), 's'), 's', /^s: truncated: header says 2x3 = 6 bytes of data but the file holds 5$/);
    expectDataError(() => parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 6, 7, 8]), 'l'), 'l', /^l: too long: header says 2x3 = 6 bytes of data but the file holds 8 \(2 extra bytes\)$/);
  });
});

describe('readIdxFile on bad files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-idx-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, bytes: Uint8Array) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };

  it('reads raw and gzip files alike', () => {
    const bytes = idx([2, 2], [9, 8, 7, 6]);
    for (const path of [write('ok', bytes), write('ok.gz', gzipSync(bytes))]) {
      const a = readIdxFile(path);
      expect(a.shape).toEqual([2, 2]);
      expect(Array.from(a.data)).toEqual([9, 8, 7, 6]);
    }
  });

  it('names the file and the problem for a truncated file', () => {
    const path = write('train-images-idx3-ubyte.gz', gzipSync(idx([60000, 28, 28], new Uint8Array(1234))));
    expectDataError(() => readIdxFile(path), path, /truncated: header says 60000x28x28 = 47040000 bytes of data but the file holds 1234$/);
  });

  it('names the file and the problem for a too-long file', () => {
    const path = write('long-labels', idx([3], [1, 2, 3, 4]));
    expectDataError(() => readIdxFile(path), path, /too long: header says 3 = 3 bytes of data but the file holds 4/);
  });

  it('names the file and the problem for a wrong magic number', () => {
    const path = write('image.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expectDataError(() => readIdxFile(path), path, /not an IDX file: magic number is 0x89504e47/);
  });

  it('names the file and the problem for corrupt gzip', () => {
    const gz = gzipSync(idx([100], new Uint8Array(100).fill(3)));
    const cut = write('cut.gz', gz.subarray(0, gz.length - 12));
    expectDataError(() => readIdxFile(cut), cut, /corrupt gzip data: unexpected end of file/);
    const flipped = Buffer.from(gz);
    flipped[flipped.length - 8] ^= 0xff; // the CRC32 of the trailer
    const bad = write('bad-crc.gz', flipped);
    expectDataError(() => readIdxFile(bad), bad, /corrupt gzip data: /);
  });

  it('names the file when it does not exist', () => {
    const path = join(dir, 'nope.gz');
    expectDataError(() => readIdxFile(path), path, /file not found/);
  });
});

describe('readIdxFile on the real datasets', () => {
  const checkLabels = (data: Uint8Array) => {
    expect(data.every((v) => v <= 9)).toBe(true);
    // every class occurs: a shifted or garbled file would rarely keep all ten
    expect(new Set(data).size).toBe(10);
  };

  it('reads Fashion-MNIST train and test', () => {
    const train = readIdxFile(fashion('train-images-idx3-ubyte.gz'));
    expect(train.shape).toEqual([60000, 28, 28]);
    expect(train.data.length).toBe(60000 * 28 * 28);
    const trainLabels = readIdxFile(fashion('train-labels-idx1-ubyte.gz'));
    expect(trainLabels.shape).toEqual([60000]);
    checkLabels(trainLabels.data);
    expect(readIdxFile(fashion('t10k-images-idx3-ubyte.gz')).shape).toEqual([10000, 28, 28]);
    const testLabels = readIdxFile(fashion('t10k-labels-idx1-ubyte.gz'));
    expect(testLabels.shape).toEqual([10000]);
    checkLabels(testLabels.data);
  });

  it('reads MNIST with its well-known first labels', () => {
    const trainLabels = readIdxFile(mnist('train-labels-idx1-ubyte.gz'));
    expect(trainLabels.shape).toEqual([60000]);
    expect(Array.from(trainLabels.data.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    checkLabels(trainLabels.data);
    const testLabels = readIdxFile(mnist('t10k-labels-idx1-ubyte.gz'));
    expect(testLabels.shape).toEqual([10000]);
    expect(Array.from(testLabels.data.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
    checkLabels(testLabels.data);
    const testImages = readIdxFile(mnist('t10k-images-idx3-ubyte.gz'));
    expect(testImages.shape).toEqual([10000, 28, 28]);
    // the image corners are background in every MNIST digit
    expect(testImages.data[0]).toBe(0);
    expect(Math.max(...testImages.data.subarray(0, 784))).toBe(255);
  });
});
