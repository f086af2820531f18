import { checkOptions } from '../base/options.js';
import type { TensorDataset } from './dataset.js';
import { readIdxFile } from './idx-file.js';
import { checkImageDataOptions, CLASS_NAMES, IMAGE_DATA_OPTIONS, imageDataset, type ImageDataOptions } from './image-dataset.js';
import { type DatasetFiles, type DatasetName, locateDataset, LOCATE_OPTIONS, type LocateOptions } from './sources.js';

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
  return load('loadMnistLike', name, options);
}

export const loadMnist = (options?: LocateOptions & ImageDataOptions) => load('loadMnist', 'mnist', options);
export const loadFashionMnist = (options?: LocateOptions & ImageDataOptions) => load('loadFashionMnist', 'fashion-mnist', options);

const LOAD_OPTIONS = [...LOCATE_OPTIONS, ...IMAGE_DATA_OPTIONS];

async function load(owner: string, name: DatasetName, options: LocateOptions & ImageDataOptions = {}): Promise<MnistLike> {
  checkOptions(options, LOAD_OPTIONS, owner);
  const { flatten, oneHot, ...locate } = options;
  const files = await locateDataset(name, locate);
  return {
    name,
    files,
    train: readSplit(files.trainImages, files.trainLabels, { flatten, oneHot }),
    test: readSplit(files.testImages, files.testLabels, { flatten, oneHot }),
    classNames: CLASS_NAMES[name],
  };
}

/** Reads one images/labels pair of IDX files (gzip or raw) into a dataset. */
export function readSplit(imagesPath: string, labelsPath: string, options: ImageDataOptions = {}): TensorDataset {
  checkImageDataOptions(options, 'readSplit');
  return imageDataset(readIdxFile(imagesPath), readIdxFile(labelsPath), { images: imagesPath, labels: labelsPath }, options);
}
