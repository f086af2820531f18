import { oneHot } from '../ops/indexing.js';
import { Tensor } from '../tensor/tensor.js';
import { TensorDataset } from './dataset.js';
import { DataError, type IdxArray, readIdxFile } from './idx.js';
import { type DatasetFiles, type DatasetName, locateDataset, type LocateOptions } from './sources.js';

export const CLASS_NAMES: Readonly<Record<DatasetName, readonly string[]>> = {
  mnist: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  'fashion-mnist': ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
};

export interface ImageDataOptions {
  /** Keep images as [N, 1, 28, 28] instead of flattening them to [N, 784]. */
  flatten?: boolean;
  /** Targets as float32 one-hot rows [N, 10] instead of int32 class indices [N]. */
  oneHot?: boolean;
}

export interface MnistLike {
  name: DatasetName;
  files: DatasetFiles;
  train: TensorDataset;
  test: TensorDataset;
  classNames: readonly string[];
}

/**
 * MNIST or Fashion-MNIST, train and test, with pixels scaled to [0, 1]. Files are found as
 * `locateDataset` describes (--data-dir, NABLA_DATA_DIR, cache, installed copies, download).
 */
export async function loadMnistLike(name: DatasetName, options: LocateOptions & ImageDataOptions = {}): Promise<MnistLike> {
  const files = await locateDataset(name, options);
  return {
    name,
    files,
    train: readSplit(files.trainImages, files.trainLabels, options),
    test: readSplit(files.testImages, files.testLabels, options),
    classNames: CLASS_NAMES[name],
  };
}

export const loadMnist = (options?: LocateOptions & ImageDataOptions) => loadMnistLike('mnist', options);
export const loadFashionMnist = (options?: LocateOptions & ImageDataOptions) => loadMnistLike('fashion-mnist', options);

/** Reads one images/labels pair into a dataset of float32 images and int32 (or one-hot) labels. */
export function readSplit(imagesPath: string, labelsPath: string, options: ImageDataOptions = {}): TensorDataset {
  const images = readIdxFile(imagesPath);
  const labels = readIdxFile(labelsPath);
  expectDims(images, 3, imagesPath, 'images [count, rows, cols]');
  expectDims(labels, 1, labelsPath, 'labels [count]');
  const [count, rows, cols] = images.shape;
  if (labels.shape[0] !== count) {
    throw new DataError(`${labelsPath}: holds ${labels.shape[0]} labels but ${imagesPath} holds ${count} images`);
  }
  const scaled = Float32Array.from({ length: 256 }, (_, v) => v / 255);
  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = scaled[images.data[i]];
  const classes = 10;
  const indices = Int32Array.from(labels.data);
  const bad = indices.findIndex((v) => v >= classes);
  if (bad >= 0) throw new DataError(`${labelsPath}: label ${indices[bad]} at position ${bad} is not a class in 0..${classes - 1}`);
  const x = new Tensor(pixels, options.flatten === false ? [count, 1, rows, cols] : [count, rows * cols]);
  const y = new Tensor(indices, [count]);
  return new TensorDataset([x, options.oneHot ? oneHot(y, classes) : y]);
}

function expectDims(array: IdxArray, ndim: number, path: string, what: string): void {
  if (array.shape.length !== ndim) throw new DataError(`${path}: expected ${what} but the file has ${array.shape.length} dimension(s) [${array.shape.join(', ')}]`);
}
