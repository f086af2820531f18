/**
 * The dashboard's web server (node:http, server-sent events): serves the built page, the runs' records
 * live and their weights, and the local dataset files for the in-browser training example.
 *
 *   GET /                              the page (dist/dashboard)
 *   GET /api/runs                      [{ id, name, live }]
 *   GET /api/runs/:id/events           SSE: every record so far, then each one published; one record per
 *                                      `data:` line, its index in the run as the event id (a reconnecting
 *                                      EventSource resumes after Last-Event-ID instead of replaying)
 *   GET /api/runs/:id/model            the run's current weights as safetensors bytes, or 404 { error }
 *   GET /data/:dataset/:file           a dataset's IDX file by base name (train-images-idx3-ubyte, with or
 *                                      without .gz): the IDX bytes, sent gzip-encoded when stored gzipped,
 *                                      so that fetch() always yields plain IDX; found locally, never downloaded
 *   GET /examples/train-in-browser/... dist/examples/train-in-browser
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from '../data/idx.js';
import { DATASET_NAMES, type DatasetFileRole, type DatasetName, FILE_NAMES, locateDataset } from '../data/sources.js';
import type { RunLogRecord } from '../train/run-log.js';
import { UsageError } from './errors.js';

export interface DashboardRun {
  id: string;
  name: string;
  /** Still training: the page shows it as live and expects more records. */
  live: boolean;
  /** Every record so far; publish each new one right after it is appended here. */
  records(): readonly RunLogRecord[];
  /** The weights as safetensors bytes, or null when there are none (yet). */
  model(): Uint8Array | null;
}

export interface DashboardServer {
  /** http://host:port/ */
  url: string;
  addRun(run: DashboardRun): void;
  /** Sends a record, already appended to the run's records(), to every page watching the run. */
  publish(runId: string, record: RunLogRecord): void;
  close(): Promise<void>;
}

export interface DashboardServerOptions {
  host: string;
  /** Undefined: a free port. */
  port?: number;
  /** Where the built pages are (default: the package's dist/). */
  distDir?: string;
  /** Where /data/ finds the datasets, as --data-dir (default: NABLA_DATA_DIR, the cache, installed copies). */
  dataDir?: string;
}

/** src/cli and dist/cli are both two levels below the package root. */
const PACKAGE_DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

const NOT_BUILT_PAGE = `<!doctype html><meta charset="utf-8"><title>nabla dashboard: not built</title>
<body style="font: 16px system-ui, sans-serif; margin: 3em">
<h1>The dashboard page is not built</h1>
<p>This copy of nabla lacks <code>dist/dashboard/index.html</code>. Run <code>npm run build</code> in the nabla folder, then reload.</p>
</body>`;

export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const { host, port, distDir = PACKAGE_DIST, dataDir } = options;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new UsageError(`--port ${port}: expected an integer from 0 to 65535`);
  }
  const runs = new Map<string, DashboardRun>();
  const watchers = new Map<string, Set<(record: RunLogRecord) => void>>();
  const pageDir = join(distDir, 'dashboard');
  const exampleDir = join(distDir, 'examples', 'train-in-browser');

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: (error as Error).message });
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'GET') {
      return sendJson(response, 405, { error: `${request.method} is not supported; the dashboard only answers GET` });
    }
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const segments = path.split('/').slice(1);
    const [top, ...rest] = segments;

    if (top === 'api' && rest[0] === 'runs') return apiRuns(rest.slice(1), request, response);
    if (top === 'data') return dataFile(rest, response);
    if (top === 'examples' && rest[0] === 'train-in-browser') {
      // The page's relative links need the folder's trailing slash.
      if (rest.length === 1) {
        response.writeHead(301, { Location: '/examples/train-in-browser/' });
        response.end();
        return;
      }
      return staticFile(exampleDir, rest.slice(1), response, null);
    }
    return staticFile(pageDir, segments, response, NOT_BUILT_PAGE);
  }

  function apiRuns(rest: string[], request: IncomingMessage, response: ServerResponse): void {
    if (rest.length === 0 || (rest.length === 1 && rest[0] === '')) {
      return sendJson(response, 200, [...runs.values()].map(({ id, name, live }) => ({ id, name, live })));
    }
    const [encodedId, what, ...more] = rest;
    const id = decode(encodedId!);
    const run = id === undefined ? undefined : runs.get(id);
    if (run === undefined) return sendJson(response, 404, { error: `no run with id ${JSON.stringify(id ?? encodedId)}` });
    if (more.length > 0) return notFound(response);
    if (what === 'events') return streamEvents(run, request, response);
    if (what === 'model') {
      const bytes = run.model();
      if (bytes === null) return sendJson(response, 404, { error: `run ${JSON.stringify(run.name)} has no saved weights yet` });
      response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': bytes.byteLength, 'Cache-Control': 'no-store' });
      response.end(bytes);
      return;
    }
    return notFound(response);
  }

  function streamEvents(run: DashboardRun, request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    const lastId = Number(request.headers['last-event-id']);
    let next = Number.isInteger(lastId) && lastId >= 0 ? lastId + 1 : 0;
    const send = (record: RunLogRecord) => {
      response.write(`id: ${next}\ndata: ${JSON.stringify(record)}\n\n`);
      next += 1;
    };
    // A comment first sends the headers, so that the page's EventSource opens even before the first record.
    response.write(': nabla run events\n\n');
    for (const record of run.records().slice(next)) send(record);
    const set = watchers.get(run.id)!;
    set.add(send);
    response.on('close', () => set.delete(send));
  }

  async function dataFile(rest: string[], response: ServerResponse): Promise<void> {
    const [dataset, file, ...more] = rest;
    const base = file?.replace(/\.gz$/, '');
    const known: string[] = Object.values(FILE_NAMES);
    if (more.length > 0 || !DATASET_NAMES.includes(dataset as DatasetName) || base === undefined || !known.includes(base)) {
      return sendJson(response, 404, {
        error: `no such dataset file ${JSON.stringify(rest.join('/'))}: expected /data/{${DATASET_NAMES.join(',')}}/{${known.join(',')}}`,
      });
    }
    const role = (Object.keys(FILE_NAMES) as DatasetFileRole[]).find((r) => FILE_NAMES[r] === base)!;
    let path: string;
    try {
      path = (await locateDataset(dataset as DatasetName, { dataDir, download: false }))[role];
    } catch (error) {
      if (error instanceof DataError) return sendJson(response, 404, { error: error.message });
      throw error;
    }
    const headers: Record<string, string | number> = { 'Content-Type': 'application/octet-stream', 'Content-Length': statSync(path).size };
    if (path.endsWith('.gz')) headers['Content-Encoding'] = 'gzip';
    response.writeHead(200, headers);
    createReadStream(path).pipe(response);
  }

  /** A file under `root`, index.html for a folder; never one outside it. `notBuilt` answers for a missing index.html. */
  function staticFile(root: string, segments: string[], response: ServerResponse, notBuilt: string | null): void {
    const parts = segments.map(decode).filter((part) => part !== '' && part !== '.');
    if (parts.some((part) => part === undefined || part === '..' || /[/\\\0]/.test(part))) return notFound(response);
    let path = resolve(root, ...(parts as string[]));
    if (path !== root && !path.startsWith(root + sep)) return notFound(response);
    if (parts.length === 0 || isDirectory(path)) path = join(path, 'index.html');
    if (!isFile(path)) {
      if (notBuilt !== null && path === join(root, 'index.html')) {
        response.writeHead(500, { 'Content-Type': 'text/html; charset=utf-8' });
        response.end(notBuilt);
        return;
      }
      return notFound(response);
    }
    response.writeHead(200, { 'Content-Type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', 'Content-Length': statSync(path).size });
    createReadStream(path).pipe(response);
  }

  return new Promise((resolvePromise, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new UsageError(`--port ${port}: port ${port} on ${host} is already in use; choose another --port, or leave it out for a free one`));
      } else if (error.code === 'EACCES') {
        reject(new UsageError(`--port ${port}: not allowed to listen on port ${port} of ${host} (ports below 1024 need privileges)`));
      } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') {
        reject(new UsageError(`--host ${host}: cannot listen on that address (${error.code})`));
      } else {
        reject(error);
      }
    };
    server.once('error', onError);
    server.listen(port ?? 0, host, () => {
      server.off('error', onError);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolvePromise({
        url: `http://${shownHost}:${address.port}/`,
        addRun(run) {
          if (runs.has(run.id)) throw new Error(`addRun: a run with id ${JSON.stringify(run.id)} is already served`);
          runs.set(run.id, run);
          watchers.set(run.id, new Set());
        },
        publish(runId, record) {
          const set = watchers.get(runId);
          if (set === undefined) throw new Error(`publish: no run with id ${JSON.stringify(runId)}; addRun it first`);
          for (const send of set) send(record);
        },
        close() {
          return new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          });
        },
      });
    });
  });
}

/** A URL path segment decoded, or undefined when its escapes are malformed. */
function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

const isFile = (path: string) => existsSync(path) && statSync(path).isFile();
const isDirectory = (path: string) => existsSync(path) && statSync(path).isDirectory();

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

function notFound(response: ServerResponse): void {
  sendJson(response, 404, { error: 'not found' });
}
