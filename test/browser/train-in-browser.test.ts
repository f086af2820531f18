/**
 * examples/train-in-browser in real chromium: the default network trains in a Web Worker on MNIST
 * served by the dashboard server, its records reach the page's dashboard, and its loss goes down.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, startDashboardServer } from '../../src/cli/dashboard-server.js';
import type { BatchLogRecord, EndRecord, EpochLogRecord, RunLogRecord, RunRecord } from '../../src/train/run-log.js';
import { type BrowserSession, openBrowser, screenshot } from '../browser.js';
import { DATASETS, FILES, readIdx, REPO_ROOT } from '../cli/helpers.js';

const BUILT = join(REPO_ROOT, 'dist', 'examples', 'train-in-browser', 'index.html');
/** 30,000 training samples after the validation split: 300 batches of 100, one epoch. */
const QUERY = '?epochs=1&trainSamples=33333&batchSize=100&dataset=mnist&autostart';

/** Copies every record the worker posts into the page's `nablaRecords`, before the page's own script runs. */
const RECORD_TAP = `
  globalThis.nablaRecords = [];
  const PageWorker = globalThis.Worker;
  globalThis.Worker = class extends PageWorker {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        if (event.data && event.data.type === 'record') globalThis.nablaRecords.push(event.data.record);
      });
    }
  };
`;

interface Tapped {
  nablaRecords: RunLogRecord[];
  /** From test/browser/digit-harness/page-helpers.js. */
  digitHarness: { draw(image: number[]): void; answer(): { predicted: number | null; probabilities: number[] } };
}

let server: DashboardServer;
let session: BrowserSession;

beforeAll(async () => {
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: build the example with \`npx vite build --config examples/train-in-browser/vite.config.ts\``);
  server = await startDashboardServer({ host: '127.0.0.1', dataDir: DATASETS });
  session = await openBrowser();
});

afterAll(async () => {
  await session?.close();
  await server?.close();
});

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe('examples/train-in-browser', () => {
  it('trains the default MLP in a worker and lowers its loss, with the records on the dashboard', async () => {
    const { page, pageErrors } = session;
    await page.addInitScript({ content: RECORD_TAP });
    await page.goto(`${server.url}examples/train-in-browser/${QUERY}`);
    const records = async () => page.evaluate(() => (globalThis as unknown as Tapped).nablaRecords);
    await expect.poll(async () => (await records()).some((r) => r.event === 'end'), { timeout: 40_000, interval: 250 }).toBe(true);
    const all = await records();

    const run = all[0] as RunRecord;
    expect(run).toMatchObject({ event: 'run', dataset: 'mnist', train_samples: 30000, batches_per_epoch: 300, epochs: 1, input_shape: [784] });
    expect(run.model).toEqual({ inputSize: 784, hiddenSizes: [40, 30, 20], outputSize: 10, activation: 'sigmoid', dropout: 0 });
    expect(run.layers.map((layer) => layer.type)).toEqual(['Linear', 'Linear', 'Linear', 'Linear']);
    const batches = all.filter((r): r is BatchLogRecord => r.event === 'batch');
    expect(batches.map((b) => b.step)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    const epochs = all.filter((r): r is EpochLogRecord => r.event === 'epoch');
    expect(epochs).toHaveLength(1);
    expect((all.at(-1) as EndRecord).status).toBe('completed');

    // The untrained network starts near log(10) = 2.30; 300 batches take it well below.
    const first = mean(batches.slice(0, 10).map((b) => b.loss));
    const last = mean(batches.slice(-30).map((b) => b.loss));
    expect(first).toBeGreaterThan(2);
    expect(last).toBeLessThan(first / 2);
    expect(epochs[0]!.test_loss!).toBeLessThan(first / 2);
    expect(epochs[0]!.test_acc!).toBeGreaterThan(0.6);
    const confusion = epochs[0]!.confusion!;
    expect(confusion.flat().reduce((a, b) => a + b, 0)).toBe(10000);

    // The dashboard got the same records: its legend says the run completed.
    await expect.poll(() => page.locator('.runs .run').first().textContent()).toMatch(/completed after epoch 1/);

    // The dashboard's draw-a-digit panel classifies with the weights the worker trained: test image 0, a 7.
    await page.waitForSelector('.digit-drawing');
    await page.addScriptTag({ path: join(REPO_ROOT, 'test', 'browser', 'digit-harness', 'page-helpers.js') });
    const testImages = readIdx(join(DATASETS, 'mnist', `${FILES.testImages}.gz`));
    await page.evaluate((image) => (globalThis as unknown as Tapped).digitHarness.draw(image), Array.from(testImages.data.subarray(0, 784)));
    await page.waitForSelector('.digit-panel[data-predicted]');
    const answer = await page.evaluate(() => (globalThis as unknown as Tapped).digitHarness.answer());
    expect(answer.predicted).toBe(7);
    expect(answer.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    await screenshot(page, 'train-in-browser');
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('says which setting is wrong instead of training with it', async () => {
    const { page } = session;
    await page.goto(`${server.url}examples/train-in-browser/?epochs=0&autostart`);
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Cannot train with these settings: epochs "0": \S/);
    expect(await page.locator('#start').isDisabled()).toBe(false);
  });

  it('shows why training failed when the data cannot be fetched', async () => {
    const { page, pageErrors } = session;
    pageErrors.length = 0;
    await page.route('**/data/mnist/**', (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"no mnist here"}' }));
    await page.goto(`${server.url}examples/train-in-browser/?autostart`);
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Training failed: GET http:\/\/127\.0\.0\.1:\d+\/data\/mnist\/[a-z0-9-]+\.gz: 404 .*no mnist here/);
    expect(await page.locator('#start').isDisabled()).toBe(false);
    expect(pageErrors).toEqual([]);
    await page.unroute('**/data/mnist/**');
  });
});
