import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

// Tensor and the ops import each other; that cycle is safe only while no module uses an import at
// load time. Importing every built module first, alone, in a fresh process, finds the one that does.

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

/** Vite's bundles for the browser (the dashboard page, the examples), not modules of the library. */
const PAGES = [join(dist, 'dashboard'), join(dist, 'examples')];

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return PAGES.includes(path) ? [] : modules(path);
    return entry.name.endsWith('.js') && !path.includes(join('dist', 'cli')) ? [path] : [];
  });
}

// Run without blocking this worker's event loop, which vitest's own messages need (a minute-long
// spawnSync on a busy machine times them out).
it('every built module loads on its own in a fresh process', async () => {
  const files = modules(dist);
  expect(files.length).toBeGreaterThan(60);
  // One process per module, all started from one script to keep this quick.
  const script = `
    const { spawnSync } = await import('node:child_process');
    const failed = [];
    for (const file of ${JSON.stringify(files)}) {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', 'await import(' + JSON.stringify('file://' + file) + ')'], { encoding: 'utf8' });
      if (r.status !== 0) failed.push(file + ': ' + r.stderr.split('\\n').find((l) => /Error/.test(l)));
    }
    console.log(JSON.stringify(failed));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const failed = (JSON.parse(stdout) as string[]).map((f) => relative(dist, f));
  expect(failed).toEqual([]);
}, 240_000);
