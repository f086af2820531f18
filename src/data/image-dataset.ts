import { checkOptions, describeValue } from '../base/options.js';
import { oneHot } from '../ops/indexing.js';
import { Tensor } from '../tensor/tensor.js';
import { TensorDataset } from './dataset.js';
import { DataError, type IdxArray } from './idx.js';
import type { DatasetName } from './sources.js';

export const CLASS_NAMES: Readonly<Record<DatasetName, readonly string[]>> = {
  mnist: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  'fashion-mnist': ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
};

/** The keys of ImageDataOptions. */
export const IMAGE_DATA_OPTIONS: readonly string[] = Object.freeze(['flatten', 'oneHot']);

export interface ImageDataOptions {
  /** Keep images as [N, 1, 28, 28] instead of flattening them to [N, 784]. */
  flatten?: boolean;
  /** Targets as float32 one-hot rows [N, 10] instead of int32 class indices [N]. */
  oneHot?: boolean;
}

/**
 * A dataset of float32 images scaled to [0, 1] and int32 (or one-hot) labels in 0..9, from parsed
 * IDX arrays; `names` (file names) label the errors. No I/O, so it also serves bytes fetched in a browser.
 */
export function imageDataset(images: IdxArray, labels: IdxArray, names: { images: string; labels: string }, options: ImageDataOptions = {}): TensorDataset {
  checkIdxArray(images, 'images');
  checkIdxArray(labels, 'labels');
  const named = names as unknown as Record<string, unknown>;
  if (named === null || typeof named !== 'object' || typeof named.images !== 'string' || typeof named.labels !== 'string') {
    const got = named !== null && typeof named === 'object' ? `an object with the keys ${Object.keys(named).join(', ') || '(none)'}` : describeValue(named);
    throw new TypeError(`imageDataset: names must be { images: string, labels: string }, the file names that label errors (options come fourth), got ${got}`);
  }
  checkImageDataOptions(options, 'imageDataset');
  expectDims(images, 3, names.images, 'images [count, rows, cols]');
  expectDims(labels, 1, names.labels, 'labels [count]');
  const [count, rows, cols] = images.shape;
  if (labels.shape[0] !== count) {
    throw new DataError(`${names.labels}: holds ${labels.shape[0]} labels but ${names.images} holds ${count} images`);
  }
  const scaled = Float32Array.from({ length: 256 }, (_, v) => v / 255);
  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = scaled[images.data[i]];
  const classes = 10;
  const indices = Int32Array.from(labels.data);
  const bad = indices.findIndex((v) => v >= classes);
  if (bad >= 0) throw new DataError(`${names.labels}: label ${indices[bad]} at position ${bad} is not a class in 0..${classes - 1}`);
  const x = new Tensor(pixels, options.flatten === false ? [count, 1, rows, cols] : [count, rows * cols]);
  const y = new Tensor(indices, [count]);
  return new TensorDataset(x, options.oneHot ? oneHot(y, classes) : y);
}

/** Throws unless `options` is an ImageDataOptions object with boolean (or undefined) flags. */
export function checkImageDataOptions(options: ImageDataOptions, owner: string): void {
  checkOptions(options, IMAGE_DATA_OPTIONS, owner);
  for (const key of IMAGE_DATA_OPTIONS) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`${owner}: ${key} must be a boolean, got ${describeValue(value)}`);
  }
}

/** Throws unless `array` is an IdxArray as parseIdx returns it: a shape of sizes and as many bytes as they multiply to. */
function checkIdxArray(array: IdxArray, argument: string): void {
  if (array === null || typeof array !== 'object') throw new TypeError(`imageDataset: ${argument} must be an IdxArray { shape, data } as parseIdx returns it, got ${describeValue(array)}`);
  const { shape, data } = array;
  if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new TypeError(`imageDataset: ${argument}.shape must be an array of non-negative integers, got ${describeValue(shape)}`);
  }
  if (!(data instanceof Uint8Array)) throw new TypeError(`imageDataset: ${argument}.data must be a Uint8Array of pixel or label bytes, got ${describeValue(data)}`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new RangeError(`imageDataset: ${argument}.shape [${shape.join(', ')}] needs ${size} bytes, but ${argument}.data holds ${data.length}`);
}

function expectDims(array: IdxArray, ndim: number, name: string, what: string): void {
  if (array.shape.length !== ndim) throw new DataError(`${name}: expected ${what} but the file has ${array.shape.length} dimension(s) [${array.shape.join(', ')}]`);
}
