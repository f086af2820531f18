import { arrayConstructor, type DType, type TypedArray } from '../../base/dtype.js';

/**
 * Arrays of freed storages kept for reuse, by dtype and length: a training step allocates the
 * same sizes as the step before, and an array taken from here skips the allocator, the page
 * faults of fresh memory and the garbage collector's work on large buffers. Only storages freed
 * explicitly come here (by a ReleasingScope, by backward for its own gradients), never ones the
 * garbage collector found, and a kernel refuses a freed storage (see dispatch.ts), so an array is
 * never reachable through its old storage once reused.
 */
export class ArrayPool {
  private readonly free = new Map<string, TypedArray[]>();
  private bytes = 0;

  /** Arrays below `minBytes` are left to the allocator (cheap on the JS heap); the pool holds at most `maxBytes`. */
  constructor(private readonly minBytes: number, private readonly maxBytes: number) {}

  /** A zero-filled array: a kept one if there is one of this dtype and length, else a new one. */
  take(dtype: DType, size: number): TypedArray {
    const kept = this.free.get(keyOf(dtype, size))?.pop();
    if (kept === undefined) return new (arrayConstructor(dtype))(size);
    this.bytes -= kept.byteLength;
    kept.fill(0);
    return kept;
  }

  /** Keeps an array whose storage was freed, when it is large enough and there is room. */
  give(dtype: DType, array: TypedArray): void {
    if (array.byteLength < this.minBytes || this.bytes + array.byteLength > this.maxBytes) return;
    const key = keyOf(dtype, array.length);
    let list = this.free.get(key);
    if (list === undefined) this.free.set(key, (list = []));
    list.push(array);
    this.bytes += array.byteLength;
  }
}

const keyOf = (dtype: DType, size: number) => `${dtype}:${size}`;
