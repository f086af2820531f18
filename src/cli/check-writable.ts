import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UsageError } from './errors.js';

/** Fails before training, not after, when the file of `flag` could not be written there. */
export async function checkWritable(path: string, flag: string): Promise<void> {
  if (path.trim() === '') throw new UsageError(`${flag} needs a file name`);
  const target = resolve(path);
  const existing = await stat(target).catch(() => null);
  if (existing !== null && !existing.isFile()) {
    throw new UsageError(`${flag} ${path}: exists and is not a regular file (${existing.isDirectory() ? 'a directory' : 'a device, socket or pipe'}); choose a file name`);
  }
  const directory = dirname(target);
  const parent = await stat(directory).catch((error: NodeJS.ErrnoException) => error);
  if (parent instanceof Error) {
    const problem = parent.code === 'ENOENT' ? `the directory ${directory} does not exist; create it first` : `cannot write there (${parent.code ?? parent.message})`;
    throw new UsageError(`${flag} ${path}: ${problem}`);
  }
  if (!parent.isDirectory()) throw new UsageError(`${flag} ${path}: cannot write there (${directory} is not a directory)`);
  try {
    await access(directory, constants.W_OK);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new UsageError(`${flag} ${path}: cannot write there (${code ?? message})`);
  }
}
