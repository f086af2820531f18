import type { TensorDataset } from './dataset.js';
import { readIdxFile } from './idx-file.js';
import { CLASS_NAMES, imageDataset, type ImageDataOptions } from './image-dataset.js';
import { type DatasetFiles, type DatasetName, locateDataset, type LocateOptions } from './sources.js';

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

/** Reads one images/labels pair of IDX files (gzip or raw) into a dataset. */
export function readSplit(imagesPath: string, labelsPath: string, options: ImageDataOptions = {}): TensorDataset {
  return imageDataset(readIdxFile(imagesPath), readIdxFile(labelsPath), { images: imagesPath, labels: labelsPath }, options);
}
