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

it('examples/gradient-decay.mjs: the Elman gradient vanishes over 49 steps, the gated cells keep theirs (built package)', () => {
  const out = execFileSync(process.execPath, ['examples/gradient-decay.mjs'], { cwd: root, encoding: 'utf8' });
  const rows = new Map(
    [...out.matchAll(/^\s+(\d+)\s+([\d.e+-]+)\s+([\d.e+-]+)\s+([\d.e+-]+)$/gm)].map((m) => [Number(m[1]), m.slice(2).map(Number)]),
  );
  expect([...rows.keys()]).toEqual([0, 1, 2, 5, 10, 20, 30, 40, 49]);
  const [elman, gated, lstm] = [0, 1, 2].map((column) => rows.get(49)![column] / rows.get(0)![column]);
  expect(elman).toBeLessThan(1e-10);
  expect(gated).toBeGreaterThan(1e-2);
  expect(lstm).toBeGreaterThan(1e-2);
});
