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

it('examples/random-features.mjs: gradient descent reaches nb.ridge\'s loss to 1e-6; the lambda and feature-count table (built package)', () => {
  const out = execFileSync(process.execPath, ['examples/random-features.mjs'], { cwd: root, encoding: 'utf8' });
  const closed = Number(out.match(/closed form \(nb\.ridge\)\s+([\d.]+)/)![1]);
  const descent = Number(out.match(/gradient descent, \d+ steps\s+([\d.]+)/)![1]);
  expect(Math.abs(descent - closed)).toBeLessThan(1e-6);
  expect(Number(out.match(/difference ([\d.e+-]+)/)![1])).toBeLessThan(1e-6);
  // Rows: D, then train / test MSE for lambda = 1e-6, 1e-3, 0.1, 10.
  const rows = [...out.matchAll(/^\s+(\d+)((?:\s+[\d.]+ \/ [\d.]+){4})$/gm)].map((m) => ({
    features: Number(m[1]),
    cells: [...m[2].matchAll(/([\d.]+) \/ ([\d.]+)/g)].map((c) => ({ train: Number(c[1]), test: Number(c[2]) })),
  }));
  expect(rows.map((r) => r.features)).toEqual([5, 20, 100, 400]);
  for (const { cells } of rows) {
    // A larger penalty never fits the training points better.
    for (let j = 1; j < cells.length; j++) expect(cells[j].train).toBeGreaterThanOrEqual(cells[j - 1].train);
  }
  // Nested features with almost no penalty fit the training points ever more closely...
  for (let i = 1; i < rows.length; i++) expect(rows[i].cells[0].train).toBeLessThanOrEqual(rows[i - 1].cells[0].train);
  // ...and with 400 of them that overfits: a moderate lambda generalizes better.
  const widest = rows[rows.length - 1].cells;
  expect(widest[0].test).toBeGreaterThan(widest[2].test);
  expect(Math.min(...rows.flatMap((r) => r.cells.map((c) => c.test)))).toBeLessThan(0.012);
});

it('examples/residual-vs-plain.mjs: the first layers of a 20-layer tanh MLP get no gradient, with residual connections they do (built package)', () => {
  const out = execFileSync(process.execPath, ['examples/residual-vs-plain.mjs'], { cwd: root, encoding: 'utf8' });
  const rows = new Map(
    [...out.matchAll(/^\s+(\d+)\s+([\d.e+-]+)\s+([\d.e+-]+)\s+([\d.e+-]+)\s+([\d.e+-]+)$/gm)].map((m) => [Number(m[1]), m.slice(2).map(Number)]),
  );
  expect([...rows.keys()]).toEqual([1, 2, 3, 4, 5, 10, 20, 21]);
  for (const layer of [1, 2, 3, 4, 5]) {
    const [plainInit, residualInit, plainTrained, residualTrained] = rows.get(layer)!;
    expect(plainInit, `layer ${layer}`).toBeLessThan(1e-4);
    expect(plainTrained, `layer ${layer}`).toBeLessThan(1e-4);
    expect(residualInit / plainInit, `layer ${layer}`).toBeGreaterThan(1e4);
    expect(residualTrained / plainTrained, `layer ${layer}`).toBeGreaterThan(1e4);
  }
  const [, , plainLoss, residualLoss] = out.match(/^\s+loss on the batch\s+(.*)$/m)![1].trim().split(/\s+/).map(Number);
  expect(plainLoss).toBeGreaterThan(2.2);
  expect(residualLoss).toBeLessThan(1);
});

it('examples/pytorch-port.mjs: the PyTorch script ported line for line trains, and its resumed run ends bit for bit where the straight one does (built package)', () => {
  const out = execFileSync(process.execPath, ['examples/pytorch-port.mjs'], { cwd: root, encoding: 'utf8' });
  expect(out).toContain('resumed run equals the straight run bit for bit: true');
  const losses = [...out.matchAll(/^epoch (\d): loss ([\d.]+)/gm)].map((m) => [Number(m[1]), Number(m[2])]);
  // Four epochs straight, two into the checkpoint, two resumed: the resumed epochs repeat the straight ones.
  expect(losses.map(([epoch]) => epoch)).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
  expect(losses.slice(6)).toEqual(losses.slice(2, 4));
  expect(Number(out.match(/test accuracy ([\d.]+)%/)![1])).toBeGreaterThan(85);
});
