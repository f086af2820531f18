/**
 * The safetensors file format (https://github.com/huggingface/safetensors).
 *
 *   [8 bytes]  N: header length, unsigned 64-bit little-endian
 *   [N bytes]  UTF-8 JSON header, padded with spaces to a multiple of 8 bytes
 *   [rest]     raw tensor bytes, little-endian, row-major
 *
 * The header maps each tensor name to
 *   {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}
 * where the offsets are relative to the first byte after the header, plus an
 * optional "__metadata__": {string: string} entry. Files may also hold I64 (PyTorch's default
 * integer type, as in BatchNorm's num_batches_tracked), which is read as I32 when every value fits.
 *
 * Byte order: tensor data is copied between the file and typed arrays as raw
 * bytes, which assumes a little-endian host (every platform Node supports in
 * practice).
 *
 * This module is standalone and has no I/O (it runs in browsers too): plain typed arrays in,
 * plain typed arrays out. Reading and writing files is in safetensors-file.ts.
 */

export type SafetensorsDType = 'F32' | 'F64' | 'I32';

export interface RawTensor {
  dtype: SafetensorsDType;
  shape: number[];
  data: Float32Array | Float64Array | Int32Array;
}

export interface SafetensorsContents {
  tensors: Record<string, RawTensor>;
  metadata: Record<string, string>;
}

export class SafetensorsError extends Error {
  constructor(message: string) {
    // Keep every message on one line, whatever names or parser errors went into it.
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'SafetensorsError';
  }
}

type TypedArrayCtor = Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor;

const DTYPES: Record<SafetensorsDType, { bytes: number; ctor: TypedArrayCtor }> = {
  F32: { bytes: 4, ctor: Float32Array },
  F64: { bytes: 8, ctor: Float64Array },
  I32: { bytes: 4, ctor: Int32Array },
};

/** How each dtype a file may hold is read: nabla's own as they are; PyTorch's int64 as int32, when every value fits. */
interface StoredDType {
  bytes: number;
  dtype: SafetensorsDType;
  read(raw: Uint8Array, fail: (problem: string) => never): RawTensor['data'];
}

const copied = (dtype: SafetensorsDType): StoredDType => ({
  bytes: DTYPES[dtype].bytes,
  dtype,
  read: (raw) => {
    const data = new DTYPES[dtype].ctor(raw.length / DTYPES[dtype].bytes);
    new Uint8Array(data.buffer).set(raw);
    return data;
  },
});

const INT32_RANGE = [-(2n ** 31n), 2n ** 31n - 1n] as const;

const STORED_DTYPES: Readonly<Record<string, StoredDType>> = {
  F32: copied('F32'),
  F64: copied('F64'),
  I32: copied('I32'),
  I64: {
    bytes: 8,
    dtype: 'I32',
    read: (raw, fail) => {
      const wide = new BigInt64Array(raw.length / 8);
      new Uint8Array(wide.buffer).set(raw);
      const bad = wide.find((v) => v < INT32_RANGE[0] || v > INT32_RANGE[1]);
      if (bad !== undefined) fail(`I64 value ${bad} does not fit in int32, nabla's integer dtype`);
      return Int32Array.from(wide, Number);
    },
  },
};

const METADATA_KEY = '__metadata__';

function isDType(value: unknown): value is SafetensorsDType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DTYPES, value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isShape(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((d) => Number.isSafeInteger(d) && d >= 0);
}

function numel(shape: number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** Quote a user-supplied name so that odd characters (newlines, quotes) stay readable. */
const q = (s: string): string => JSON.stringify(s);

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

/** The bytes of a safetensors file; `label` (the file name, when there is one) prefixes errors. */
export function encodeSafetensors(
  tensors: Record<string, RawTensor>,
  metadata?: Record<string, string>,
  label = 'encodeSafetensors',
): Uint8Array {
  const fail = (problem: string): never => {
    throw new SafetensorsError(`${label}: ${problem}`);
  };

  const headerEntries: [string, unknown][] = [];
  if (metadata !== undefined) {
    if (!isPlainObject(metadata)) fail('metadata must be an object of strings');
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') fail(`metadata value for ${q(key)} is not a string`);
    }
    if (Object.keys(metadata).length > 0) headerEntries.push([METADATA_KEY, { ...metadata }]);
  }

  // Tensors are laid out contiguously, in the order the entries are listed.
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    if (name === METADATA_KEY) fail(`tensor name ${q(METADATA_KEY)} is reserved`);
    const { dtype, shape, data } = tensor;
    if (!isDType(dtype)) fail(`unsupported dtype ${q(String(dtype))} for tensor ${q(name)}`);
    if (!isShape(shape)) fail(`tensor ${q(name)}: shape must be an array of non-negative integers`);
    const { bytes, ctor } = DTYPES[dtype];
    if (!(data instanceof ctor)) {
      fail(`tensor ${q(name)}: dtype ${dtype} needs a ${ctor.name}, got ${describe(data)}`);
    }
    if (data.length !== numel(shape)) {
      fail(
        `tensor ${q(name)}: data length ${data.length} does not match shape ` +
          `[${shape.join(', ')}] (${numel(shape)} elements)`,
      );
    }
    const byteLength = data.length * bytes;
    headerEntries.push([name, { dtype, shape: [...shape], data_offsets: [offset, offset + byteLength] }]);
    chunks.push(new Uint8Array(data.buffer, data.byteOffset, byteLength));
    offset += byteLength;
  }

  // Object.fromEntries defines own properties, so even a tensor named "__proto__" survives.
  const json = JSON.stringify(Object.fromEntries(headerEntries));
  const unpadded = new TextEncoder().encode(json);
  const headerLength = Math.ceil(unpadded.length / 8) * 8;

  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(unpadded, 8);
  out.fill(0x20, 8 + unpadded.length, 8 + headerLength); // pad with spaces
  let pos = 8 + headerLength;
  for (const chunk of chunks) {
    out.set(chunk, pos);
    pos += chunk.length;
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

export function decodeSafetensors(bytes: Uint8Array, name = '<buffer>'): SafetensorsContents {
  const fail = (problem: string): never => {
    throw new SafetensorsError(`${name}: ${problem}`);
  };

  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(bytes.length - 8)) {
    fail(`not a safetensors file: header length ${declared} is beyond the file size (${bytes.length} bytes)`);
  }
  const headerLength = Number(declared);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;

  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart));
    header = JSON.parse(text);
  } catch (err) {
    fail(`header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(header)) fail('header is not a JSON object');
  const entries = Object.entries(header as Record<string, unknown>);

  let metadata: Record<string, string> = {};
  const layout: { name: string; stored: StoredDType; shape: number[]; begin: number; end: number }[] = [];

  for (const [key, info] of entries) {
    if (key === METADATA_KEY) {
      if (!isPlainObject(info)) fail('__metadata__ is not an object of strings');
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`metadata value for ${q(k)} is not a string`);
      }
      metadata = Object.fromEntries(Object.entries(info as Record<string, string>));
      continue;
    }

    if (!isPlainObject(info)) fail(`tensor ${q(key)}: header entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
    if (typeof dtype !== 'string' || !Object.prototype.hasOwnProperty.call(STORED_DTYPES, dtype)) {
      fail(`unsupported dtype ${q(String(dtype))} for tensor ${q(key)} (supported: F32, F64, I32, and I64 read as I32)`);
    }
    if (!isShape(shape)) fail(`tensor ${q(key)}: shape is not an array of non-negative integers`);
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
    ) {
      fail(`tensor ${q(key)}: data_offsets is not a pair of non-negative integers`);
    }
    const [begin, end] = offsets as [number, number];
    const s = shape as number[];
    const stored = STORED_DTYPES[dtype as string];
    const expected = numel(s) * stored.bytes;
    if (end < begin || end - begin !== expected) {
      fail(
        `tensor ${q(key)}: data_offsets [${begin}, ${end}] span ${end - begin} bytes, ` +
          `but ${dtype as string} [${s.join(', ')}] needs ${expected}`,
      );
    }
    if (end > dataLength) {
      fail(`tensor ${q(key)}: data_offsets [${begin}, ${end}] lie outside the ${dataLength}-byte data buffer`);
    }
    layout.push({ name: key, stored, shape: s, begin, end });
  }

  // No two tensors may share bytes (empty tensors occupy none).
  const occupied = layout.filter((t) => t.end > t.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < occupied.length; i++) {
    const prev = occupied[i - 1]!;
    const cur = occupied[i]!;
    if (cur.begin < prev.end) {
      fail(
        `tensors ${q(prev.name)} [${prev.begin}, ${prev.end}] and ` +
          `${q(cur.name)} [${cur.begin}, ${cur.end}] overlap`,
      );
    }
  }

  // Copy into fresh typed arrays: views straight into `bytes` could be misaligned.
  const tensors = Object.fromEntries(
    layout.map(({ name: tensorName, stored, shape, begin, end }): [string, RawTensor] => {
      const data = stored.read(bytes.subarray(dataStart + begin, dataStart + end), (problem) => fail(`tensor ${q(tensorName)}: ${problem}`));
      return [tensorName, { dtype: stored.dtype, shape: [...shape], data }];
    }),
  );
  return { tensors, metadata };
}
