import { describeValue } from '../base/options.js';

/** Every error raised by the data layer; its message is one line, fit to print as is. */
export class DataError extends Error {
  override name = 'DataError';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** An unsigned-byte IDX array: `data` holds product(shape) values in row-major order. */
export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

const hex = (n: number, digits: number) => '0x' + n.toString(16).padStart(digits, '0');

/** Messages from zlib or the file system may span lines; the data layer promises one. */
export const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();

/** Whether `bytes` begin with the gzip magic number, 1f 8b. */
export const isGzip = (bytes: Uint8Array) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/**
 * Parses an uncompressed IDX file held in memory. `name` only labels errors.
 * The returned `data` is a view into `bytes`, not a copy. Gzip bytes (the .gz files as
 * downloaded) are refused with an error that says so: parseIdxAsync decompresses them.
 */
export function parseIdx(bytes: Uint8Array, name: string): IdxArray {
  const fail = (problem: string): never => {
    throw new DataError(`${name}: ${problem}`);
  };
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`parseIdx: bytes must be a Uint8Array (or a Node Buffer), got ${describeValue(bytes)}`);
  if (isGzip(bytes)) {
    fail('got gzip-compressed bytes (magic number 1f 8b), not an IDX file; use parseIdxAsync, which decompresses them, or decompress them first');
  }

  if (bytes.length < 4) {
    fail(`not an IDX file: ${bytes.length} bytes, too short for the 4-byte magic number`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(`not an IDX file: magic number is ${hex(magic, 8)}, expected 0x000008NN (two zero bytes, type, dimension count)`);
  }
  const type = bytes[2]!;
  if (type !== UBYTE) {
    const known = TYPE_NAMES[type];
    fail(
      known === undefined
        ? `not an IDX file: unknown data type ${hex(type, 2)} in magic number ${hex(magic, 8)}`
        : `unsupported IDX data type ${hex(type, 2)} (${known}); only unsigned byte (0x08) is supported`,
    );
  }
  const ndim = bytes[3]!;
  if (ndim === 0) fail('IDX header declares 0 dimensions');

  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    fail(`truncated: header declares ${ndim} dimensions (${headerBytes} header bytes) but the file holds ${bytes.length} bytes`);
  }
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 + 4 * i, false));

  const expected = shape.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual !== expected) {
    const says = `header says ${shape.join('x')} = ${expected} bytes of data but the file holds ${actual}`;
    fail(actual < expected ? `truncated: ${says}` : `too long: ${says} (${actual - expected} extra bytes)`);
  }
  return { shape, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, expected) };
}

/**
 * parseIdx for raw or gzip-compressed bytes: gzip (recognised by its magic number) is decompressed
 * with the platform's DecompressionStream (browsers, workers, Node 18 and later).
 */
export async function parseIdxAsync(bytes: Uint8Array, name: string): Promise<IdxArray> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`parseIdxAsync: bytes must be a Uint8Array (or a Node Buffer), got ${describeValue(bytes)}`);
  return parseIdx(isGzip(bytes) ? await gunzip(bytes, name) : bytes, name);
}

async function gunzip(bytes: Uint8Array, name: string): Promise<Uint8Array> {
  if (typeof globalThis.DecompressionStream !== 'function') {
    throw new DataError(`${name}: got gzip-compressed bytes, and this platform has no DecompressionStream to decompress them; decompress them first`);
  }
  try {
    // A copy: Blob takes only memory of an ArrayBuffer, and `bytes` may view a SharedArrayBuffer.
    const stream = new Blob([bytes.slice()]).stream().pipeThrough(new globalThis.DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (err) {
    throw new DataError(`${name}: corrupt gzip data: ${oneLine((err as Error).message)}`, { cause: err });
  }
}
