/**
 * The draw-a-digit panel in real chromium: a real MNIST test image drawn onto its canvas (enlarged
 * tenfold, as a user's drawing fills it) is classified in the page by nabla bundled for the browser,
 * with the class and probabilities of `nabla eval --sample` on that image. First the panel alone
 * (every model kind, the mouse, no model), then on the page of `nabla dashboard RUN.jsonl`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, startDashboardServer } from '../../src/cli/dashboard-server.js';
import { encodeModel } from '../../src/io/model-bytes.js';
import { mlp } from '../../src/nn/mlp.js';
import { type BrowserSession, openBrowser, screenshot } from '../browser.js';
import { assertBuilt, cleanEnv, CLI, cli, DATASETS, describeRun, expectSuccess, FILES, jsonLines, readIdx, REPO_ROOT, writeSubset } from '../cli/helpers.js';

const HARNESS = join(dirname(fileURLToPath(import.meta.url)), 'digit-harness');
/** Put into each page: what the tests do there (draw an image, read the answer). */
const PAGE_HELPERS = join(HARNESS, 'page-helpers.js');
/** Spread over the test set; the first few MNIST test images are the ones users know. */
const SAMPLES = [0, 1, 2, 3, 4, 7, 18, 247, 1000, 4567, 8111, 9999];

let tmp: string;
/** The whole MNIST test set uncompressed (and a few training samples), which `nabla eval` reads faster than gzip. */
let evalData: string;
let server: DashboardServer;
let session: BrowserSession;
const models: Record<string, string> = {};

beforeAll(async () => {
  assertBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'nabla-draw-digit-'));
  evalData = join(tmp, 'data');
  writeSubset(evalData, 'mnist', 100, 10000);
  // The page under test is the panel alone, served where the dashboard server serves its page.
  await build({ root: HARNESS, base: './', logLevel: 'warn', configFile: false, build: { outDir: join(tmp, 'dist', 'dashboard'), emptyOutDir: true, target: 'es2022' } });
  const spec = join(tmp, 'linear.json');
  writeFileSync(spec, JSON.stringify({ layers: [{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 10 }] }));
  models.mlp = join(tmp, 'mlp.safetensors');
  models.linear = join(tmp, 'linear.safetensors');
  const short = ['--data-dir', DATASETS, '--no-download', '--train-samples', '20000', '--epochs', '1', '--json'];
  const trained = await Promise.all([cli(['train', ...short, '--save', models.mlp]), cli(['train', ...short, '--model', spec, '--lr', '0.05', '--save', models.linear])]);
  trained.forEach(expectSuccess);
  server = await startDashboardServer({ host: '127.0.0.1', distDir: join(tmp, 'dist'), dataDir: DATASETS });
  for (const [id, file] of Object.entries(models)) server.addRun({ id, name: id, live: false, records: () => [], model: () => readFileSync(file) });
  session = await openBrowser({ width: 900, height: 700 });
}, 120_000);

afterAll(async () => {
  await session?.close();
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const testImages = readIdx(join(DATASETS, 'mnist', `${FILES.testImages}.gz`));

interface Classified {
  predicted: number | null;
  /** NaN where the panel shows none. */
  probabilities: number[];
}

/** What digit-harness/harness.js puts in the page for the tests. */
interface Harness {
  digitHarness: { draw(image: number[]): void; answer(): Classified; seen(): number[] };
}

/** Clears the canvas, puts test image `index` on it enlarged tenfold and reads the panel's answer. */
async function drawTestImage(index: number): Promise<Classified> {
  const { page } = session;
  await page.click('.digit-clear');
  await page.waitForSelector('.digit-panel:not([data-predicted])');
  await page.evaluate((image) => (globalThis as unknown as Harness).digitHarness.draw(image), Array.from(testImages.data.subarray(index * 784, (index + 1) * 784)));
  await page.waitForSelector('.digit-panel[data-predicted]');
  return page.evaluate(() => (globalThis as unknown as Harness).digitHarness.answer());
}

/** What the model saw, as the small canvas shows it. */
const seenPixels = () => session.page.evaluate(() => (globalThis as unknown as Harness).digitHarness.seen());

/** Opens a page that shows the digit panel and puts the test helpers in it; forgets the errors of earlier pages. */
async function openPanel(url: string): Promise<void> {
  session.pageErrors.length = 0;
  await session.page.goto(url);
  await session.page.waitForSelector('.digit-drawing');
  await session.page.addScriptTag({ path: PAGE_HELPERS });
}

/** Draws each test image on the open page's panel and compares its answer with `nabla eval --sample` of `modelFile`. */
async function expectSameAsEval(modelFile: string, samples: readonly number[]): Promise<void> {
  const mismatches: string[] = [];
  for (const index of samples) {
    const r = await cli(['eval', '--load', modelFile, '--data-dir', evalData, '--no-download', '--sample', String(index), '--json']);
    expectSuccess(r);
    const expected = jsonLines(r)[0] as { predicted: number; probabilities: number[] };
    const drawn = await drawTestImage(index);
    expect(drawn.predicted, `test image ${index}\n${describeRun(r)}`).toBe(expected.predicted);
    expect(drawn.probabilities).toHaveLength(10);
    drawn.probabilities.forEach((p, k) => {
      if (!(Math.abs(p - expected.probabilities[k]) <= 1e-5)) mismatches.push(`image ${index}, class ${k}: page ${p}, eval ${expected.probabilities[k]}`);
    });
    expect(await seenPixels(), `the 28x28 input shown for test image ${index}`).toEqual(Array.from(testImages.data.subarray(index * 784, (index + 1) * 784)));
  }
  expect(mismatches).toEqual([]);
  expect(session.pageErrors).toEqual([]);
}

describe('draw-a-digit panel in chromium', () => {
  for (const id of ['mlp', 'linear']) {
    it(`classifies real test images drawn on the canvas as nabla eval --sample does (${id === 'mlp' ? 'the default MLP' : 'a --model network'})`, async () => {
      await openPanel(`${server.url}?run=${id}`);
      await expectSameAsEval(models[id], SAMPLES);
      await screenshot(session.page, `draw-digit-${id}`);
    }, 60_000);
  }

  it('classifies strokes drawn with the mouse, and Clear empties the panel', async () => {
    const { page } = session;
    await openPanel(`${server.url}?run=mlp`);
    const box = (await page.locator('.digit-drawing').boundingBox())!;
    // A "1": one vertical stroke.
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
    await page.mouse.down();
    for (let t = 1; t <= 10; t++) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.15 + 0.07 * t));
    await page.mouse.up();
    await page.waitForSelector('.digit-panel[data-predicted]');
    const { probabilities } = await page.evaluate(() => (globalThis as unknown as Harness).digitHarness.answer());
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const seen = await seenPixels();
    // The stroke, centred: ink in the middle column, none in the corners.
    expect(seen[14 * 28 + 14] + seen[14 * 28 + 13]).toBeGreaterThan(0);
    expect([seen[0], seen[27], seen[27 * 28], seen[783]]).toEqual([0, 0, 0, 0]);
    await page.click('.digit-clear');
    await page.waitForSelector('.digit-panel:not([data-predicted])');
    expect(await page.locator('.digit-status').textContent()).toBe('Draw a digit in the black square.');
    expect(session.pageErrors).toEqual([]);
  });

  it('says so when the run has no model yet', async () => {
    server.addRun({ id: 'untrained', name: 'untrained', live: true, records: () => [], model: () => null });
    const { page } = session;
    await openPanel(`${server.url}?run=untrained`);
    const box = (await page.locator('.digit-drawing').boundingBox())!;
    await page.mouse.move(box.x + 100, box.y + 60);
    await page.mouse.down();
    await page.mouse.move(box.x + 120, box.y + 200, { steps: 8 });
    await page.mouse.up();
    await expect.poll(() => page.locator('.digit-status').textContent()).toMatch(/^No model yet/);
    expect(await page.locator('.digit-panel').getAttribute('data-predicted')).toBeNull();
  });

  it('says what is wrong with a model it cannot use, and shows no classes', async () => {
    const narrow = { inputSize: 100, hiddenSizes: [8], outputSize: 10, activation: 'sigmoid' as const };
    const wrongInput = encodeModel(mlp(narrow), { config: narrow });
    server.addRun({ id: 'garbage', name: 'garbage', live: false, records: () => [], model: () => new TextEncoder().encode('not a safetensors file') });
    server.addRun({ id: 'narrow', name: 'narrow', live: false, records: () => [], model: () => wrongInput });
    const { page } = session;
    for (const [id, message] of [['garbage', /^Cannot use the model: the run's model: \S/], ['narrow', /^The model cannot classify a 28x28 image: \S/]] as const) {
      await openPanel(`${server.url}?run=${id}`);
      await page.evaluate((image) => (globalThis as unknown as Harness).digitHarness.draw(image), Array.from(testImages.data.subarray(0, 784)));
      await expect.poll(() => page.locator('.digit-status').textContent()).toMatch(message);
      expect(await page.locator('.digit-panel').getAttribute('data-predicted')).toBeNull();
      expect(session.pageErrors).toEqual([]);
    }
  });
});

describe('draw-a-digit panel on the page of nabla dashboard RUN.jsonl', () => {
  let dashboard: ChildProcess | undefined;
  afterAll(() => {
    dashboard?.kill();
  });

  it('classifies real test images with the weights saved beside the run log, as nabla eval --sample does', async () => {
    const page = join(REPO_ROOT, 'dist', 'dashboard', 'index.html');
    if (!existsSync(page)) throw new Error(`${page} is missing: build the dashboard page with \`npx vite build --config src/dashboard/vite.config.ts\``);
    // nabla train --save mlp.safetensors wrote its history to mlp.jsonl beside it.
    dashboard = spawn(process.execPath, [CLI, 'dashboard', join(tmp, 'mlp.jsonl')], { cwd: REPO_ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      dashboard!.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const found = /dashboard: (http:\/\/\S+)/.exec(output);
        if (found) resolve(found[1]!);
      });
      dashboard!.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      dashboard!.on('exit', (code) => reject(new Error(`nabla dashboard exited with ${code} before printing its URL:\n${output}`)));
    });
    await openPanel(url);
    await expectSameAsEval(models.mlp, SAMPLES.slice(0, 6));
    await screenshot(session.page, 'dashboard-digit');
  }, 60_000);
});
