import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataError, type IdxArray, oneLine, parseIdx } from './idx.js';

/** Reads an unsigned-byte IDX file, gzip-compressed (detected by its magic bytes) or raw. */
export function readIdxFile(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const problem = e.code === 'ENOENT' ? 'file not found' : `cannot read: ${oneLine(e.message)}`;
    throw new DataError(`${path}: ${problem}`, { cause: err });
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new DataError(`${path}: corrupt gzip data: ${oneLine((err as Error).message)}`, { cause: err });
    }
  }
  return parseIdx(bytes, path);
}
