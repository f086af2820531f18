import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, startDashboardServer } from '../../src/cli/dashboard-server.js';
import type { RunLogRecord } from '../../src/train/run-log.js';
import { type BrowserSession, openBrowser, screenshot } from '../browser.js';
import { assertPageBuilt, chartPoints, confusionTable, unexpectedErrors, waitForPoints } from './page.js';
import { HEALTHY_LOSS, syntheticRun as doctorRun } from '../doctor/synthetic-run.js';
import { batchRecord, endRecord, epochRecord, runRecord, syntheticRun } from './synthetic-run.js';

let browser: BrowserSession;
let server: DashboardServer | undefined;

beforeAll(async () => {
  assertPageBuilt();
  browser = await openBrowser();
});
afterAll(async () => {
  await server?.close();
  await browser?.close();
});

/** A server with these runs, after the page has left the previous one (whose streams closing would count as page errors). */
async function serve(runs: { id: string; name: string; records: RunLogRecord[]; live: boolean }[]): Promise<DashboardServer> {
  await browser.page.goto('about:blank');
  browser.pageErrors.length = 0;
  await server?.close();
  server = await startDashboardServer({ host: '127.0.0.1' });
  for (const run of runs) server.addRun({ id: run.id, name: run.name, live: run.live, records: () => run.records, model: () => null });
  return server;
}

describe('dashboard page (chromium)', () => {
  it('plots records as they are published and fills the test-set panels when an epoch ends', async () => {
    const records: RunLogRecord[] = [runRecord({ epochs: 2, batchesPerEpoch: 5 }), batchRecord(1, 1, 1, 2.3), batchRecord(1, 2, 2, 2.1)];
    const live = await serve([{ id: 'live', name: 'live run', records, live: true }]);
    const { page } = browser;
    const requested: string[] = [];
    const onRequest = (request: { url(): string }) => requested.push(request.url());
    page.on('request', onRequest);
    await page.goto(live.url);
    expect(await waitForPoints(page, 'batch-loss', 2)).toBe(2);
    expect(await page.locator('#confusion').innerText()).toMatch(/appears when the first epoch ends/);

    const publish = (record: RunLogRecord) => {
      records.push(record);
      live.publish('live', record);
    };
    for (let step = 3; step <= 5; step++) publish(batchRecord(1, step, step, 2.3 * 0.9 ** step));
    expect(await waitForPoints(page, 'batch-loss', 5)).toBe(5);
    publish(epochRecord(1, { classes: 10, perClass: 20 }));
    await page.locator('#confusion td[data-total]').waitFor();
    const { cells, total } = await confusionTable(page);
    expect(cells).toHaveLength(10);
    expect(cells.flat().reduce((a, b) => a + b, 0)).toBe(200);
    expect(total).toBe(200);
    expect(await page.locator('#misclassified canvas').count()).toBe(3);
    expect(await chartPoints(page, 'epoch-loss')).toBe(2);
    expect(unexpectedErrors(browser.pageErrors)).toEqual([]);
    // Works offline: everything comes from the nabla server, nothing from a CDN.
    page.off('request', onRequest);
    expect(requested.filter((url) => !url.startsWith(live.url))).toEqual([]);
  });

  it('overlays several runs in the same charts, with a legend by run name', async () => {
    const fast = syntheticRun({ epochs: 3, batchesPerEpoch: 20, initialLoss: 2.3 });
    const slow = syntheticRun({ epochs: 2, batchesPerEpoch: 20, initialLoss: 2.5 }).map((record) => (record.event === 'batch' ? { ...record, loss: record.loss + 0.3, lr: record.lr / 2 } : record));
    const both = await serve([
      { id: 'fast', name: 'lr 0.1', records: fast, live: false },
      { id: 'slow', name: 'lr 0.05', records: slow, live: false },
    ]);
    const { page } = browser;
    await page.goto(both.url);
    expect(await waitForPoints(page, 'batch-loss', 100)).toBe(60 + 40);
    expect(await page.locator('.runs .run').allInnerTexts()).toEqual([expect.stringMatching(/^lr 0\.1\s+completed after epoch 3/), expect.stringMatching(/^lr 0\.05\s+completed after epoch 2/)]);
    const legend = await page.locator('#batch-loss .u-legend').innerText();
    expect(legend).toContain('lr 0.1');
    expect(legend).toContain('lr 0.05');
    // The step, then both runs' two layers.
    expect(await page.locator('#weight-norms .u-legend .u-series').count()).toBe(1 + 4);
    await page.locator('.run-picker').selectOption('slow');
    await expect.poll(() => page.locator('#confusion caption').innerText()).toMatch(/after epoch 2/);
    await screenshot(page, 'dashboard-overlay');
    expect(unexpectedErrors(browser.pageErrors)).toEqual([]);
  });

  it("shows what the doctor finds in each run, with the curve it is about, and nothing on a healthy run", async () => {
    const diverging = doctorRun({ batchLoss: (step) => (step < 130 ? HEALTHY_LOSS(step) * (1 + step / 20) : NaN), lastStep: 130, end: 'diverged', endMessage: 'the loss is NaN at epoch 2, batch 30' });
    const runs = await serve([
      { id: 'bad', name: 'lr 5', records: JSON.parse(JSON.stringify(diverging)) as RunLogRecord[], live: false },
      { id: 'good', name: 'lr 0.1', records: doctorRun(), live: false },
    ]);
    const { page } = browser;
    await page.goto(runs.url);
    const bad = page.locator('.doctor-run[data-run-id="bad"]');
    await bad.locator('[data-diagnosis="learning-rate-too-high"]').waitFor();
    expect(await bad.locator('[data-diagnosis="learning-rate-too-high"]').innerText()).toContain('The training loss is NaN at step 130 (epoch 2, batch 30).');
    expect(Number(await bad.locator('[data-diagnosis="learning-rate-too-high"] .chart').getAttribute('data-points'))).toBeGreaterThan(100);
    expect(await page.locator('.doctor-run[data-run-id="good"]').innerText()).toMatch(/Nothing wrong found in 500 batches and 5 epochs/);
    expect(await page.locator('.runs .run').first().innerText()).toMatch(/diverged after epoch 1 .*the loss is NaN at epoch 2, batch 30/);
    expect(unexpectedErrors(browser.pageErrors)).toEqual([]);
  });

  it('says there is no run yet, how to start one, and links to the in-browser example', async () => {
    const empty = await serve([]);
    const { page } = browser;
    await page.goto(empty.url);
    const text = await page.locator('#no-run').innerText();
    expect(text).toContain('npx nabla train --dashboard');
    expect(text).toContain('npx nabla dashboard run.jsonl');
    expect(await page.locator('#no-run a').getAttribute('href')).toBe('examples/train-in-browser/');
  });

  it('shows a record it cannot take as a message on the page, and keeps the others', async () => {
    const records: RunLogRecord[] = [batchRecord(1, 1, 1, 2.3), runRecord(), batchRecord(1, 1, 1, 2.3), endRecord(1)];
    const odd = await serve([{ id: 'odd', name: 'odd', records, live: false }]);
    const { page } = browser;
    await page.goto(odd.url);
    await expect.poll(() => page.locator('.problems').innerText()).toMatch(/record 1: a "batch" record came before the "run" record/);
    expect(await waitForPoints(page, 'batch-loss', 1)).toBe(1);
  });
});
