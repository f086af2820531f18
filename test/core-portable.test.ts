import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// The portable core (package entry "nabla/core", and "nabla" under the "browser" condition) must not
// reach Node built-ins or Node-only packages, or a browser bundle of it breaks. This walks the
// import graph of the built files, as a bundler would.

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;

function importGraph(entry: string): { files: Set<string>; external: Map<string, string> } {
  const files = new Set<string>();
  const external = new Map<string, string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2]!;
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
      else external.set(specifier, file);
    }
  };
  visit(resolve(dist, entry));
  return { files, external };
}

it('dist/core.js imports nothing outside the library (no node: built-ins, no packages)', () => {
  const { files, external } = importGraph('core.js');
  expect(files.size).toBeGreaterThan(30);
  expect(Object.fromEntries(external)).toEqual({});
});

it('the Node entry really does reach the file system (so the walk above would notice)', () => {
  const { external } = importGraph('index.js');
  expect([...external.keys()]).toEqual(expect.arrayContaining(['node:fs', 'node:zlib']));
});
