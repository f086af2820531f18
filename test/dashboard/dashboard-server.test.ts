import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { type DashboardRun, type DashboardServer, startDashboardServer } from '../../src/cli/dashboard-server.js';
import type { RunLogRecord } from '../../src/train/run-log.js';
import { DATASETS } from '../datasets.js';
import { batchRecord, syntheticRun } from './synthetic-run.js';

/** A run whose records the test appends to, as the recorder does while training. */
function liveRun(id: string, records: RunLogRecord[], model: Uint8Array | null = null): DashboardRun {
  return { id, name: `run ${id}`, live: true, records: () => records, model: () => model };
}

/** Reads server-sent events until `count` have arrived; the ids and the parsed data lines. */
async function readEvents(url: string, count: number, headers: Record<string, string> = {}): Promise<{ ids: number[]; records: RunLogRecord[] }> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const ids: number[] = [];
  const records: RunLogRecord[] = [];
  while (records.length < count) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the event stream ended after ${records.length} of ${count} events`);
    text += value;
    const events = text.split('\n\n');
    text = events.pop()!;
    for (const event of events) {
      for (const line of event.split('\n')) {
        if (line.startsWith('id: ')) ids.push(Number(line.slice(4)));
        if (line.startsWith('data: ')) records.push(JSON.parse(line.slice(6)) as RunLogRecord);
      }
    }
  }
  controller.abort();
  return { ids, records };
}

/** A GET whose path is sent as written (fetch would normalize away the dot segments a traversal attempt uses). */
function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let tmp: string;
let dist: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nabla-dashboard-server-'));
  dist = join(tmp, 'dist');
  mkdirSync(join(dist, 'dashboard', 'assets'), { recursive: true });
  writeFileSync(join(dist, 'dashboard', 'index.html'), '<!doctype html><title>page</title>');
  writeFileSync(join(dist, 'dashboard', 'assets', 'page.js'), 'console.log(1)');
  mkdirSync(join(dist, 'examples', 'train-in-browser'), { recursive: true });
  writeFileSync(join(dist, 'examples', 'train-in-browser', 'index.html'), '<!doctype html><title>example</title>');
  writeFileSync(join(dist, 'secret.txt'), 'outside the served folders');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let server: DashboardServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('dashboard server', () => {
  it('listens on 127.0.0.1 on a free port and serves the built page and its assets', async () => {
    server = await startDashboardServer({ host: '127.0.0.1', distDir: dist });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<title>page</title>');
    const script = await fetch(new URL('assets/page.js', server.url));
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toBe('console.log(1)');
    const example = await fetch(new URL('examples/train-in-browser', server.url));
    expect(example.url).toBe(new URL('examples/train-in-browser/', server.url).href);
    expect(await example.text()).toContain('<title>example</title>');
  });

  it('lists the runs with their names and whether they are live', async () => {
    server = await startDashboardServer({ host: '127.0.0.1', distDir: dist });
    server.addRun(liveRun('a', []));
    server.addRun({ ...liveRun('b', []), live: false });
    expect(await (await fetch(new URL('api/runs', server.url))).json()).toEqual([
      { id: 'a', name: 'run a', live: true },
      { id: 'b', name: 'run b', live: false },
    ]);
    expect(() => server!.addRun(liveRun('a', []))).toThrow(/already served/);
    expect(() => server!.publish('nope', syntheticRun()[0]!)).toThrow(/no run with id "nope"/);
  });

  it('replays the records so far, then streams the ones published', async () => {
    server = await startDashboardServer({ host: '127.0.0.1', distDir: dist });
    const records = syntheticRun({ epochs: 1, batchesPerEpoch: 3, ended: false });
    const run = liveRun('live', records);
    server.addRun(run);
    const url = new URL('api/runs/live/events', server.url).href;
    const pending = readEvents(url, records.length + 2);
    // Publish once the replay has arrived, as training would a moment later.
    await readEvents(url, records.length);
    const later = [batchRecord(2, 1, 4, 0.5), batchRecord(2, 2, 5, 0.4)];
    for (const record of later) {
      records.push(record);
      server.publish('live', record);
    }
    const { ids, records: received } = await pending;
    expect(received).toEqual([...syntheticRun({ epochs: 1, batchesPerEpoch: 3, ended: false }), ...later]);
    expect(ids).toEqual(received.map((_, i) => i));
  });

  it('resumes a reconnecting stream after its Last-Event-ID instead of replaying it all', async () => {
    server = await startDashboardServer({ host: '127.0.0.1', distDir: dist });
    const records = syntheticRun({ epochs: 1, batchesPerEpoch: 4 });
    server.addRun(liveRun('r', records));
    const { ids, records: rest } = await readEvents(new URL('api/runs/r/events', server.url).href, records.length - 3, { 'Last-Event-ID': '2' });
    expect(ids[0]).toBe(3);
    expect(rest).toEqual(records.slice(3));
  });

  it("serves a run's weights, and 404s with a JSON error when it has none or the run is unknown", async () => {
    server = await startDashboardServer({ host: '127.0.0.1', distDir: dist });
    const bytes = new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0, 123, 125]);
    server.addRun(liveRun('with', [], bytes));
    server.addRun(liveRun('without', []));
    const model = await fetch(new URL('api/runs/with/model', server.url));
    expect(model.status).toBe(200);
    expect(new Uint8Array(await model.arrayBuffer())).toEqual(bytes);
    const none = await fetch(new URL('api/runs/without/model', server.url));
    expect(none.status).toBe(404);
    expect(((await none.json()) as { error: string }).error).toMatch(/run "run without" has no saved weights yet/);
    const unknown = await fetch(new URL('api/runs/ghost/events', server.url));
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/no run with id "ghost"/);
  });

  it('serves the local dataset files as IDX bytes, and refuses other names', async () => {
    server = await startDashboardServer({ host: '127.0.0.1', distDir: dist, dataDir: DATASETS });
    for (const name of ['t10k-labels-idx1-ubyte', 't10k-labels-idx1-ubyte.gz']) {
      const response = await fetch(new URL(`data/mnist/${name}`, server.url));
      expect(response.status).toBe(200);
      const expected = gunzipSync(readFileSync(join(DATASETS, 'mnist', 't10k-labels-idx1-ubyte.gz')));
      expect(Buffer.from(await response.arrayBuffer()).equals(expected)).toBe(true);
    }
    const wrong = await fetch(new URL('data/mnist/passwd', server.url));
    expect(wrong.status).toBe(404);
    expect(((await wrong.json()) as { error: string }).error).toMatch(/expected \/data\/\{mnist,fashion-mnist\}\/\{train-images-idx3-ubyte,/);
    expect((await fetch(new URL('data/cifar/t10k-labels-idx1-ubyte', server.url))).status).toBe(404);
  });

  it('says where no dataset is found rather than downloading it', async () => {
    server = await startDashboardServer({ host: '127.0.0.1', distDir: dist, dataDir: join(tmp, 'no-data') });
    const response = await fetch(new URL('data/mnist/t10k-labels-idx1-ubyte', server.url));
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toMatch(/data directory not found: .*no-data/);
  });

  it('answers unknown paths with 404 and reads nothing outside the served folders', async () => {
    server = await startDashboardServer({ host: '127.0.0.1', distDir: dist });
    for (const path of ['/nothing-here', '/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/examples/train-in-browser/../../secret.txt', '/examples/train-in-browser/%2e%2e%2f%2e%2e%2fsecret.txt', '/assets/..%5c..%5csecret.txt', '/api/nothing']) {
      const response = await rawGet(server.url, path);
      expect(response.status, path).toBe(404);
      expect(response.body, path).not.toContain('outside the served folders');
    }
  });

  it('says to build the page when it is not built', async () => {
    server = await startDashboardServer({ host: '127.0.0.1', distDir: join(tmp, 'empty') });
    const response = await fetch(server.url);
    expect(response.status).toBe(500);
    expect(await response.text()).toContain('npm run build');
  });

  it('refuses a port in use with a UsageError naming --port and the port', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const attempt = startDashboardServer({ host: '127.0.0.1', port, distDir: dist });
      await expect(attempt).rejects.toBeInstanceOf(UsageError);
      await expect(attempt).rejects.toThrow(new RegExp(`--port ${port}: port ${port} on 127\\.0\\.0\\.1 is already in use`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('closes while pages are still connected to an event stream', async () => {
    server = await startDashboardServer({ host: '127.0.0.1', distDir: dist });
    server.addRun(liveRun('open', syntheticRun({ epochs: 1, batchesPerEpoch: 1, ended: false })));
    await readEvents(new URL('api/runs/open/events', server.url).href, 1);
    const response = await fetch(new URL('api/runs/open/events', server.url));
    expect(response.status).toBe(200);
    await server.close();
    server = undefined;
  });
});
