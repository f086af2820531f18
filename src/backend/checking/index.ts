import { arrayConstructor, DTYPES, type TypedArray } from '../../base/dtype.js';
import type { Backend } from '../backend.js';
import { runJsKernel } from '../js/index.js';
import type { Kernel } from '../kernels.js';
import { Storage } from '../storage.js';

/** What a freed int32 buffer holds (there is no integer NaN): a value no index or label can have. */
const FREED_INT32 = -2147483648;

function check(storage: Storage, what: string): TypedArray {
  if (!(storage instanceof Storage) || storage.backend !== checkingBackend) {
    const owner = storage instanceof Storage ? `backend '${storage.backend.name}'` : 'no backend';
    throw new Error(`checking backend: ${what} is a storage of ${owner}, not of backend 'checking' (tensors from different backends were mixed)`);
  }
  if (storage.freed) throw new Error(`checking backend: ${what} was already freed (use after free)`);
  return storage.buffer as TypedArray;
}

function describeKernel(kernel: Kernel): string {
  return 'fn' in kernel ? `${kernel.op} (${kernel.fn})` : kernel.op;
}

/**
 * The JS kernels behind a strict seam, for tests: reads return copies (so code that writes into a
 * read sees no effect), freed buffers are filled with NaN, and using a freed storage or one of
 * another backend throws. `NABLA_BACKEND=checking npm test` runs the whole suite on it.
 */
export const checkingBackend: Backend<TypedArray> = {
  name: 'checking',
  dtypes: DTYPES,
  alloc(dtype, size) {
    return new Storage(checkingBackend, new (arrayConstructor(dtype))(size), dtype, size);
  },
  free(storage) {
    const buffer = storage.buffer;
    buffer.fill(buffer instanceof Int32Array ? FREED_INT32 : NaN);
  },
  write(storage, values, offset = 0) {
    const buffer = check(storage, 'the storage written');
    if (offset < 0 || offset + values.length > buffer.length) {
      throw new RangeError(`checking backend: writing ${values.length} values at offset ${offset} overflows a storage of ${buffer.length}`);
    }
    buffer.set(values as never, offset);
  },
  readSync: (storage) => check(storage, 'the storage read').slice(),
  read: async (storage) => check(storage, 'the storage read').slice(),
  run(kernel, inputs, outputs) {
    const name = describeKernel(kernel);
    runJsKernel(
      kernel,
      inputs.map((s, i) => check(s, `input ${i} of kernel ${name}`)),
      outputs.map((s, i) => check(s, `output ${i} of kernel ${name}`)),
    );
  },
  hostArray: (storage) => check(storage, 'the storage behind Tensor.data'),
};
