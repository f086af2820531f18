import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { decodeSafetensors, encodeSafetensors, type RawTensor, type SafetensorsContents, SafetensorsError } from './safetensors.js';

/**
 * Writes a safetensors file atomically: a temp file in the same directory, flushed, then renamed
 * over the target, so a reader (or a crash) never sees half a file. Synchronous, like torch.save:
 * checkpoints are small, and a training loop can save between epochs without awaiting.
 */
export function saveSafetensors(path: string, tensors: Record<string, RawTensor>, metadata?: Record<string, string>): void {
  writeFileAtomically(path, encodeSafetensors(tensors, metadata, path));
}

/** Writes `bytes` to a temp file beside `path` (creating missing directories), flushes it and renames it over `path`. */
export function writeFileAtomically(path: string, bytes: Uint8Array): void {
  let existing;
  try {
    existing = statSync(path, { throwIfNoEntry: false });
  } catch (err) {
    // ENOTDIR: a part of the path is a file; EACCES: a directory on the way cannot be searched.
    const { code, message } = err as NodeJS.ErrnoException;
    throw new SafetensorsError(`${path}: cannot write file (${code ?? message})`);
  }
  if (existing !== undefined && !existing.isFile()) {
    throw new SafetensorsError(`${path}: exists and is not a regular file; refusing to replace it`);
  }
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(tmp, 'wx');
    try {
      writeFileSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    const { code, message } = err as NodeJS.ErrnoException;
    throw new SafetensorsError(`${path}: cannot write file (${code ?? message})`);
  }
}

export function loadSafetensors(path: string): SafetensorsContents {
  return decodeSafetensors(readFileBytes(path), path);
}

/** The bytes of a file, or a SafetensorsError naming it and the reason. */
export function readFileBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SafetensorsError(`${path}: no such file`);
    throw new SafetensorsError(`${path}: cannot read file (${code ?? (err as Error).message})`);
  }
}
