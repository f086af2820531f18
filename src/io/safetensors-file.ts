import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { decodeSafetensors, encodeSafetensors, type RawTensor, type SafetensorsContents, SafetensorsError } from './safetensors.js';

/** Writes a safetensors file atomically: a temp file in the same directory, then a rename. */
export async function saveSafetensors(
  path: string,
  tensors: Record<string, RawTensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  const bytes = encodeSafetensors(tensors, metadata, path);
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(tmp, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const { code, message } = err as NodeJS.ErrnoException;
    throw new SafetensorsError(`${path}: cannot write file (${code ?? message})`);
  }
}

export async function loadSafetensors(path: string): Promise<SafetensorsContents> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SafetensorsError(`${path}: no such file`);
    throw new SafetensorsError(`${path}: cannot read file (${code ?? (err as Error).message})`);
  }
  return decodeSafetensors(bytes, path);
}
