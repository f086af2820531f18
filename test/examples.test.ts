import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

it('examples/xor.mjs learns XOR (runs against the built package, as a user would)', () => {
  const out = execFileSync(process.execPath, ['examples/xor.mjs'], { cwd: root, encoding: 'utf8' });
  const losses = [...out.matchAll(/loss (\d+\.\d+)/g)].map((m) => Number(m[1]));
  expect(losses).toHaveLength(5);
  expect(losses[4]).toBeLessThan(0.05);
  const predictions = [...out.matchAll(/\[([-\d.e]+)\]/g)].map((m) => Number(m[1]));
  expect(predictions.map((p) => Math.round(p))).toEqual([0, 1, 1, 0]);
});
