import { describeValue } from '../base/options.js';
import { stack } from '../ops/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** What defaultCollate makes of a batch of samples of type T: the same structure with a batch dimension in front. */
export type Collated<T> = T extends Tensor | number
  ? Tensor
  : T extends string
    ? string[]
    : T extends readonly unknown[] | Record<string, unknown>
      ? { -readonly [K in keyof T]: Collated<T[K]> }
      : never;

/**
 * Merges a list of samples into a batch, as PyTorch's default_collate: tensors are stacked along
 * a new first dimension, numbers become a tensor (int32 when every one is an integer, such as
 * class labels, else float32: JavaScript has one number type where Python has int and float),
 * strings stay a list, and arrays (tuples) and plain objects are collated position by position
 * and key by key.
 */
export function defaultCollate<T>(samples: readonly T[]): Collated<T> {
  if (!Array.isArray(samples) || samples.length === 0) throw new TypeError(`defaultCollate: expected a non-empty array of samples, got ${describeValue(samples)}`);
  return collate(samples as readonly unknown[], 'sample') as Collated<T>;
}

/** `path` says where in the samples the values were (sample[1].label), for the errors. */
function collate(values: readonly unknown[], path: string): unknown {
  const first = values[0];
  const mismatch = values.findIndex((v) => kind(v) !== kind(first));
  if (mismatch !== -1) {
    throw new TypeError(`defaultCollate: ${path} is ${describeValue(first)} in sample 0 but ${describeValue(values[mismatch])} in sample ${mismatch}; every sample must have the same structure`);
  }
  switch (kind(first)) {
    case 'tensor':
      return stack(values as Tensor[], 0);
    case 'number': {
      const numbers = values as number[];
      const integers = numbers.every((n) => Number.isInteger(n) && Math.abs(n) <= 0x7fffffff);
      return Tensor.fromValues(numbers, [numbers.length], integers ? 'int32' : 'float32');
    }
    case 'string':
      return [...(values as string[])];
    case 'array': {
      const length = (first as unknown[]).length;
      const uneven = values.findIndex((v) => (v as unknown[]).length !== length);
      if (uneven !== -1) throw new RangeError(`defaultCollate: ${path} has ${length} elements in sample 0 but ${(values[uneven] as unknown[]).length} in sample ${uneven}; each must have the same length`);
      return Array.from({ length }, (_, i) => collate(values.map((v) => (v as unknown[])[i]), `${path}[${i}]`));
    }
    case 'object': {
      const keys = Object.keys(first as object);
      const other = values.findIndex((v) => Object.keys(v as object).sort().join() !== [...keys].sort().join());
      if (other !== -1) throw new RangeError(`defaultCollate: ${path} has the keys ${keys.join(', ')} in sample 0 but ${Object.keys(values[other] as object).join(', ')} in sample ${other}`);
      return Object.fromEntries(keys.map((key) => [key, collate(values.map((v) => (v as Record<string, unknown>)[key]), `${path}.${key}`)]));
    }
    default:
      throw new TypeError(`defaultCollate: ${path} is ${describeValue(first)}; samples may hold tensors, numbers, strings, and arrays or plain objects of them (pass your own collate for anything else)`);
  }
}

function kind(value: unknown): string {
  if (value instanceof Tensor) return 'tensor';
  if (typeof value === 'number' || typeof value === 'string') return typeof value;
  if (Array.isArray(value)) return 'array';
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return 'object';
  return `other:${typeof value}`;
}
