import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BatchLogRecord, RunLogRecord } from '../../src/train/run-log.js';
import { type BrowserSession, openBrowser, screenshot } from '../browser.js';
import { assertBuilt, CLI, cleanEnv, cli, DATASETS, expectSuccess, expectUsageError, makeSandbox, readIdx, REPO_ROOT, removeSandbox } from '../cli/helpers.js';
import { assertPageBuilt, chartPoints, confusionTable, unexpectedErrors, waitForPoints } from './page.js';

/** A CLI process that keeps running (a server); resolves once a line of its output matches `ready`. */
interface Running {
  child: ChildProcess;
  /** The first match of `ready`. */
  match: RegExpMatchArray;
  stdout(): string;
  stderr(): string;
  /** Sends a signal and waits for the exit status. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const running: ChildProcess[] = [];

function start(args: string[], ready: RegExp, timeoutMs = 30_000): Promise<Running> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (status) => resolve(status)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nabla ${args.join(' ')}: no ${ready} within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`)), timeoutMs);
    const check = () => {
      const match = (stdout + stderr).match(ready);
      if (match === null) return;
      clearTimeout(timer);
      resolve({
        child,
        match,
        stdout: () => stdout,
        stderr: () => stderr,
        stop: (signal = 'SIGINT') => {
          child.kill(signal);
          return exited;
        },
      });
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => ((stdout += chunk), check()));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => ((stderr += chunk), check()));
    void exited.then((status) => {
      clearTimeout(timer);
      reject(new Error(`nabla ${args.join(' ')} exited (${status}) before ${ready}\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
  });
}

const DASHBOARD_URL = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/;

let tmp: string;
let tiny: string;
let browser: BrowserSession;
/** The history and weights of a short real run on 300 training and 200 test images. */
let log: string;
let model: string;
let records: RunLogRecord[];

beforeAll(async () => {
  assertBuilt();
  assertPageBuilt();
  ({ tmp, tiny } = makeSandbox('nabla-dashboard-cli-', ['mnist']));
  model = join(tmp, 'short.safetensors');
  log = join(tmp, 'short.jsonl');
  expectSuccess(await cli(['train', '--data-dir', tiny, '--epochs', '2', '--batch-size', '30', '--save', model]));
  records = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as RunLogRecord);
  browser = await openBrowser();
});
afterEach(async () => {
  for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await browser?.page.goto('about:blank');
  browser?.pageErrors.splice(0);
});
afterAll(async () => {
  await browser?.close();
  removeSandbox(tmp);
});

describe('nabla train --dashboard (chromium)', () => {
  it('serves a page whose curves gain points while the run trains, with a confusion matrix over the whole test set', async () => {
    const testSetSize = readIdx(join(DATASETS, 'mnist', 't10k-labels-idx1-ubyte.gz')).shape[0]!;
    const args = ['train', '--data-dir', DATASETS, '--train-samples', '2000', '--batch-size', '20', '--activation', 'relu', '--epochs', '100', '--schedule', 'none', '--dashboard'];
    const train = await start(args, DASHBOARD_URL);
    const { page } = browser;
    await page.goto(train.match[1]!);
    const early = await waitForPoints(page, 'batch-loss', 1);
    await expect.poll(() => page.locator('.runs .run .status').innerText()).toMatch(/^training, epoch/);
    const later = await waitForPoints(page, 'batch-loss', early + 50);
    expect(later).toBeGreaterThan(early);
    await page.locator('#confusion td[data-total]').waitFor();
    const { cells, total } = await confusionTable(page);
    expect(cells.flat().reduce((a, b) => a + b, 0)).toBe(testSetSize);
    expect(total).toBe(testSetSize);
    // A few epochs in, for the screenshot the README shows.
    await waitForPoints(page, 'epoch-loss', 2 * 3);
    expect(await page.locator('.runs .run .status').innerText()).toMatch(/^training/);
    await screenshot(page, 'dashboard');

    // Ctrl-C ends the run after its batch; the page says so, and the server stays up until the second one.
    train.child.kill('SIGINT');
    await expect.poll(() => page.locator('.runs .run .status').innerText(), { timeout: 10_000 }).toMatch(/^interrupted after epoch \d+/);
    expect(await chartPoints(page, 'batch-loss')).toBeGreaterThan(later);
    expect(await train.stop('SIGINT')).toBe(130);
    expect(unexpectedErrors(browser.pageErrors).filter((e) => !/ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_CONNECTION_REFUSED/.test(e))).toEqual([]);
  });
});

describe('nabla dashboard RUN.jsonl (chromium)', () => {
  it("serves a finished run's history and its weights from beside the log", async () => {
    const dashboard = await start(['dashboard', log], DASHBOARD_URL);
    const url = dashboard.match[1]!;
    const { page } = browser;
    await page.goto(url);
    const batches = records.filter((r) => r.event === 'batch').length;
    expect(await waitForPoints(page, 'batch-loss', batches)).toBe(batches);
    expect(await page.locator('.runs .run').innerText()).toMatch(/^short\s+completed after epoch 2/);
    await page.locator('#confusion td[data-total]').waitFor();
    expect((await confusionTable(page)).total).toBe(200);
    await page.locator('#digit .digit-panel').waitFor();
    const served = await fetch(new URL('api/runs/1/model', url));
    expect(Buffer.from(await served.arrayBuffer()).equals(readFileSync(model))).toBe(true);
    expect(unexpectedErrors(browser.pageErrors)).toEqual([]);
    expect(await dashboard.stop()).toBe(0);
  });

  it('overlays several runs, and shows the records of a truncated history with a warning', async () => {
    const text = readFileSync(log, 'utf8');
    const truncated = join(tmp, 'killed.jsonl');
    // Cut in the middle of the last batch record, as a run killed while writing it leaves the file.
    const lastBatch = text.lastIndexOf('{"event":"batch"');
    writeFileSync(truncated, text.slice(0, lastBatch + 40));
    const kept = text.slice(0, lastBatch).trim().split('\n').map((line) => JSON.parse(line) as RunLogRecord);
    const dashboard = await start(['dashboard', log, truncated], DASHBOARD_URL);
    expect(dashboard.stderr()).toMatch(/^nabla: warning: .*killed\.jsonl: line \d+, the last, is cut short/m);
    const { page } = browser;
    await page.goto(dashboard.match[1]!);
    const batches = (rs: RunLogRecord[]) => rs.filter((r): r is BatchLogRecord => r.event === 'batch').length;
    expect(await waitForPoints(page, 'batch-loss', batches(records) + batches(kept))).toBe(batches(records) + batches(kept));
    expect(await page.locator('.runs .run').allInnerTexts()).toEqual([expect.stringMatching(/^short\s+completed/), expect.stringMatching(/^killed\s+the log stops after epoch 1 of 2, without an end: the run was killed/)]);
    expect(await page.locator('#batch-loss .u-legend').innerText()).toMatch(/short[\s\S]*killed/);
    expect(await dashboard.stop()).toBe(0);
  });

  it('refuses a missing file, a file that is not a run log, no file at all and a port in use', async () => {
    expectUsageError(await cli(['dashboard', join(tmp, 'absent.jsonl')]), /absent\.jsonl: cannot read the run log \(no such file or directory\)/);
    const notALog = join(tmp, 'model.json');
    writeFileSync(notALog, '{"layers": []}\n');
    expectUsageError(await cli(['dashboard', notALog]), /model\.json: line 1: unknown event undefined/);
    expectUsageError(await cli(['dashboard']), /nabla dashboard needs the run logs to show: nabla dashboard RUN\.jsonl/);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      expectUsageError(await cli(['dashboard', log, '--port', String(port)]), new RegExp(`--port ${port}: port ${port} on 127\\.0\\.0\\.1 is already in use`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
