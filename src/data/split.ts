import { Generator } from '../tensor/random.js';
import type { TensorDataset } from './dataset.js';

/**
 * A seeded random split into train and validation subsets (no copying); `fraction` of the samples
 * (rounded) go to validation.
 */
export function trainValidationSplit(dataset: TensorDataset, fraction: number, seed: number): { train: TensorDataset; validation: TensorDataset } {
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`trainValidationSplit: fraction must be in [0, 1), got ${fraction}`);
  const order = new Generator(seed).shuffle(Int32Array.from({ length: dataset.length }, (_, i) => i));
  const validationSize = Math.round(dataset.length * fraction);
  return {
    validation: dataset.subset(order.subarray(0, validationSize)),
    train: dataset.subset(order.subarray(validationSize)),
  };
}
