import type { DType, TypedArray } from '../base/dtype.js';
import type { Kernel } from './kernels.js';
import type { Storage } from './storage.js';

/**
 * A device: it owns the memory behind tensors and runs kernels on it. Tensors hold storage handles
 * (see Storage), never arrays, so a backend may keep its buffers anywhere: in JS typed arrays, in a
 * WebAssembly memory, on a GPU. Everything crosses this seam as a handle or as a kernel descriptor,
 * and every host access to values is an explicit write or read.
 */
export interface Backend<B = unknown> {
  readonly name: string;
  /** The element types this backend can store (a WebGPU backend has no float64). */
  readonly dtypes: readonly DType[];
  /** A zero-filled storage of `size` elements. */
  alloc(dtype: DType, size: number): Storage<B>;
  /** Returns the memory now; the storage must not be used again. */
  free(storage: Storage<B>): void;
  /**
   * Returns the memory of a storage that was garbage-collected without free(), given the `handle`
   * it was created with. Backends whose memory the JS garbage collector reclaims need none.
   */
  release?(handle: unknown): void;
  /** Copies host values into the storage, starting at element `offset`. */
  write(storage: Storage<B>, values: ArrayLike<number>, offset?: number): void;
  /** The values, synchronously: a documented sync point. May be the backend's own array (do not write to it). */
  readSync(storage: Storage<B>): TypedArray;
  /** The values, once every kernel queued before has run. */
  read(storage: Storage<B>): Promise<TypedArray>;
  /** Runs one kernel; kernels run in the order they are given. */
  run(kernel: Kernel, inputs: readonly Storage<B>[], outputs: readonly Storage<B>[]): void;
  /**
   * The live host array behind a storage, for the deprecated `Tensor.data` getter; absent on backends
   * whose memory is not a JS typed array.
   */
  hostArray?(storage: Storage<B>): TypedArray;
}
