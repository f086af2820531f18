import { checkOptions } from '../base/options.js';
import { defaultGenerator, Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { TensorDataset } from './dataset.js';

export interface DataLoaderOptions {
  batchSize?: number;
  /** Reshuffle the order at the start of every epoch. */
  shuffle?: boolean;
  /** Skip the last batch when it is smaller than batchSize. */
  dropLast?: boolean;
  /**
   * Seed of the shuffling generator; each pass over the data draws a new order from it. By default
   * a shuffling loader draws its seed from the default generator, so `manualSeed` makes runs reproducible.
   */
  seed?: number;
}

const DATALOADER_OPTIONS = ['batchSize', 'shuffle', 'dropLast', 'seed'];

/** Iterates over a dataset in mini-batches: each batch is one tensor per dataset tensor, rows copied contiguously. */
export class DataLoader implements Iterable<Tensor[]> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly generator: Generator;

  constructor(readonly dataset: TensorDataset, options: DataLoaderOptions = {}) {
    if (!(dataset instanceof TensorDataset)) {
      throw new TypeError('DataLoader: expected a TensorDataset, e.g. new DataLoader(new TensorDataset(inputs, targets), { batchSize: 64 })');
    }
    const { batchSize = 1, shuffle = false, dropLast = false } = checkOptions(options, DATALOADER_OPTIONS, 'DataLoader');
    const seed = options.seed ?? (shuffle ? defaultGenerator.nextUint32() : 0);
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.generator = new Generator(seed);
  }

  /** Number of batches per pass. */
  get length(): number {
    const n = this.dataset.length / this.batchSize;
    return this.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  *[Symbol.iterator](): Iterator<Tensor[]> {
    const order = Int32Array.from({ length: this.dataset.length }, (_, i) => i);
    if (this.shuffle) this.generator.shuffle(order);
    for (let b = 0; b < this.length; b++) {
      yield this.dataset.take(order.subarray(b * this.batchSize, Math.min(order.length, (b + 1) * this.batchSize)));
    }
  }
}
