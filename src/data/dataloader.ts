import { checkOptions, describeValue } from '../base/options.js';
import { defaultGenerator, Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { type Collated, defaultCollate } from './collate.js';
import { type Dataset, TensorDataset } from './dataset.js';

export interface DataLoaderOptions<T = unknown, B = Collated<T>> {
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
  /** The shuffling generator itself, instead of a seed (as PyTorch's `generator`): its state can be saved and restored. */
  generator?: Generator;
  /** Merges a list of samples (`dataset.get(i)`) into a batch (default: defaultCollate, which stacks tensors and numbers). */
  collate?: (samples: T[]) => B;
}

const DATALOADER_OPTIONS = ['batchSize', 'shuffle', 'dropLast', 'seed', 'generator', 'collate'];

/**
 * Iterates over a dataset in mini-batches, as PyTorch's DataLoader: any object with `length` and
 * `get(i)`, its samples merged by `collate`. A TensorDataset without a collate function is batched
 * directly, one tensor per dataset tensor with the rows copied contiguously.
 */
export class DataLoader<T = Tensor[], B = Collated<T>> implements Iterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly generator: Generator;
  private readonly collate: ((samples: T[]) => B) | undefined;

  constructor(readonly dataset: Dataset<T>, options: DataLoaderOptions<T, B> = {}) {
    if (!isDataset(dataset)) {
      throw new TypeError(`DataLoader: expected a TensorDataset or any dataset with a length and a get(index) method, e.g. new DataLoader(new TensorDataset(inputs, targets), { batchSize: 64 }), got ${describeValue(dataset)}`);
    }
    const { batchSize = 1, shuffle = false, dropLast = false, seed, generator, collate } = checkOptions(options, DATALOADER_OPTIONS, 'DataLoader');
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    if (seed !== undefined && generator !== undefined) throw new Error('DataLoader: give either seed or generator, not both');
    if (generator !== undefined && !(generator instanceof Generator)) throw new TypeError(`DataLoader: generator must be a Generator, got ${describeValue(generator)}`);
    if (collate !== undefined && typeof collate !== 'function') throw new TypeError(`DataLoader: collate must be a function (samples) => batch, got ${describeValue(collate)}`);
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.generator = generator ?? new Generator(seed ?? (shuffle ? defaultGenerator.nextUint32() : 0));
    this.collate = collate;
  }

  /** Number of batches per pass. */
  get length(): number {
    const n = this.dataset.length / this.batchSize;
    return this.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  *[Symbol.iterator](): Iterator<B> {
    const order = Int32Array.from({ length: this.dataset.length }, (_, i) => i);
    if (this.shuffle) this.generator.shuffle(order);
    const direct = this.collate === undefined && this.dataset instanceof TensorDataset ? this.dataset : null;
    const collate = this.collate ?? (defaultCollate as unknown as (samples: T[]) => B);
    for (let b = 0; b < this.length; b++) {
      const positions = order.subarray(b * this.batchSize, Math.min(order.length, (b + 1) * this.batchSize));
      yield direct !== null ? (direct.take(positions) as B) : collate(Array.from(positions, (i) => this.dataset.get(i)));
    }
  }
}

function isDataset(value: unknown): value is Dataset<unknown> {
  if (value === null || typeof value !== 'object') return false;
  const { length, get } = value as Partial<Dataset<unknown>>;
  return Number.isInteger(length) && (length as number) >= 0 && typeof get === 'function';
}
