import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { expect } from 'vitest';
import { DATASETS } from '../datasets.js';

export { DATASETS };

/** The repository root, from this file's location (CI clones the repo anywhere, with ../shared beside it). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The real datasets: DATASETS/mnist/ and DATASETS/fashion-mnist/, four gzipped IDX files each. */

export const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does it in pretest)`);
}

export interface CliResult {
  args: string[];
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * The environment a user's shell would give the CLI, minus anything that changes where data is found:
 * no NABLA_DATA_DIR (tests that want it pass it in `env`) and a private, empty XDG cache so that neither
 * a developer's ~/.cache/nabla is read nor anything is written there.
 */
let sandboxCache: string | undefined;
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  sandboxCache ??= mkdtempSync(join(tmpdir(), 'nabla-cli-cache-'));
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: sandboxCache };
  delete env['NABLA_DATA_DIR'];
  return { ...env, ...extra };
}

export function removeSandboxCache(): void {
  if (sandboxCache) rmSync(sandboxCache, { recursive: true, force: true });
  sandboxCache = undefined;
}

/** Runs `node dist/cli/main.js ...args` from the repository root, as a user would. */
export function cli(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  return run(process.execPath, [CLI, ...args], args, options);
}

/** Runs any command from the repository root (for `npx nabla`). */
export function command(file: string, args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  return run(file, args, args, options);
}

function run(file: string, argv: string[], args: string[], options: { env?: Record<string, string>; timeoutMs?: number }): Promise<CliResult> {
  const start = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, argv, { cwd: REPO_ROOT, env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 45_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolvePromise({ args, status, signal, stdout, stderr, ms: performance.now() - start });
    });
  });
}

/** What a failed run looked like, for assertion messages. */
export function describeRun(r: CliResult): string {
  return `nabla ${r.args.join(' ')}\n  exit ${r.status}${r.signal ? ` (${r.signal})` : ''}\n  stdout: ${r.stdout.slice(0, 2000)}\n  stderr: ${r.stderr.slice(0, 2000)}`;
}

export function expectSuccess(r: CliResult): void {
  expect(r.status, describeRun(r)).toBe(0);
}

/** `nabla summary --json ...args`: its one JSON object. */
export async function summaryJson(args: string[]): Promise<Record<string, unknown>> {
  const r = await cli(['summary', '--json', ...args]);
  expectSuccess(r);
  const rows = jsonLines(r);
  expect(rows, describeRun(r)).toHaveLength(1);
  return rows[0];
}

/** Every stdout line parsed as JSON; fails on a line that is not JSON. */
export function jsonLines(r: CliResult): Record<string, unknown>[] {
  const lines = r.stdout.split('\n');
  expect(lines.pop(), 'stdout ends with a newline').toBe('');
  return lines.map((line, i) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`stdout line ${i + 1} is not JSON: ${JSON.stringify(line)}\n${describeRun(r)}`);
    }
  });
}

const HELP_HINT = '(run with --help for usage)';

/**
 * A user error: non-zero exit, nothing on stdout, exactly one stderr line starting with "nabla: error:"
 * that matches `pattern`, no stack trace. Other stderr lines may only be commander's usage hint or
 * status lines printed before the problem was found (like "data: ...").
 */
export function expectUsageError(r: CliResult, pattern: RegExp): string {
  const where = describeRun(r);
  expect(r.signal, where).toBeNull();
  expect(r.status, where).not.toBe(0);
  expect(r.stdout, where).toBe('');
  expect(r.stderr, where).not.toMatch(/^\s+at /m);
  expect(r.stderr, where).not.toMatch(/node:internal|\.js:\d+|^\w*Error:/m);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  const errors = lines.filter((l) => l.startsWith('nabla: error:'));
  expect(errors, where).toHaveLength(1);
  const error = errors[0]!;
  expect(error, where).toMatch(pattern);
  for (const line of lines) {
    if (line === error || line === HELP_HINT || /^\(Did you mean .*\?\)$/.test(line)) continue;
    expect(line, `unexpected stderr line\n${where}`).toMatch(/^(data|downloading|saved|failed): /);
  }
  return error;
}

// ---------------------------------------------------------------- IDX files

export interface Idx {
  shape: number[];
  data: Uint8Array;
}

/** Reads an unsigned-byte IDX file, gzipped or raw (independent of the library's reader). */
export function readIdx(path: string): Idx {
  let bytes: Uint8Array = readFileSync(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08) throw new Error(`${path}: not an unsigned-byte IDX file`);
  const ndim = bytes[3]!;
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  return { shape, data: bytes.subarray(4 + 4 * ndim) };
}

/** IDX bytes for `shape` and `data` (data may be shorter or longer than the shape says: for corrupt files). */
export function idxBytes(shape: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = 0x08;
  header[3] = shape.length;
  shape.forEach((n, i) => header.writeUInt32BE(n, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

/** The first `count` items of an IDX array. */
export function head(idx: Idx, count: number): Idx {
  const itemSize = idx.shape.slice(1).reduce((a, b) => a * b, 1);
  return { shape: [count, ...idx.shape.slice(1)], data: idx.data.subarray(0, count * itemSize) };
}

export const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/**
 * Writes the first `train` training and `test` test samples of a real dataset as raw (uncompressed)
 * IDX files into `root/<name>/`, a small data directory that loads in milliseconds.
 */
export function writeSubset(root: string, name: 'mnist' | 'fashion-mnist', train: number, test: number): string {
  const from = join(DATASETS, name);
  const to = join(root, name);
  mkdirSync(to, { recursive: true });
  const counts = { trainImages: train, trainLabels: train, testImages: test, testLabels: test };
  for (const [role, base] of Object.entries(FILES) as [keyof typeof FILES, string][]) {
    const subset = head(readIdx(join(from, base + '.gz')), counts[role]);
    writeFileSync(join(to, base), idxBytes(subset.shape, subset.data));
  }
  return to;
}

// ---------------------------------------------------------------- safetensors

export interface SafetensorsHeader {
  headerLength: number;
  header: Record<string, unknown>;
  fileSize: number;
}

/** Parses the safetensors framing by hand: u64 little-endian header length, then a JSON header. */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  const bytes = readFileSync(path);
  expect(bytes.length).toBeGreaterThanOrEqual(8);
  const length = bytes.readBigUInt64LE(0);
  expect(length).toBeLessThanOrEqual(BigInt(bytes.length - 8));
  const headerLength = Number(length);
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
  return { headerLength, header, fileSize: bytes.length };
}

/**
 * A temporary folder for one test file, with 300 train and 200 test samples of each of `datasets`
 * (raw IDX, which runs load in milliseconds) under `tiny`.
 */
export function makeSandbox(prefix: string, datasets: readonly ('mnist' | 'fashion-mnist')[]): { tmp: string; tiny: string } {
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  const tiny = join(tmp, 'tiny');
  for (const name of datasets) writeSubset(tiny, name, 300, 200);
  return { tmp, tiny };
}

/** Removes a sandbox and the shared download cache. */
export function removeSandbox(tmp: string | undefined): void {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  removeSandboxCache();
}
