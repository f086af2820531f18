/**
 * `nabla train --log FILE` and `--dashboard`: the run's history as JSON lines, beside --save by
 * default, appended to by --resume, and published live to the dashboard server. Runs
 * `node dist/cli/main.js` (build first).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRunLog } from '../../src/io/run-log-file.js';
import { decodeCheckpoint } from '../../src/io/model-bytes.js';
import type { BatchLogRecord, EndRecord, EpochLogRecord, RunLogRecord, RunRecord } from '../../src/train/run-log.js';
import { assertBuilt, cleanEnv, cli, CLI, DATASETS, expectSuccess, expectUsageError, jsonLines, makeSandbox, REPO_ROOT, removeSandbox } from './helpers.js';

let tmp: string;
let tiny: string;

beforeAll(() => {
  assertBuilt();
  ({ tmp, tiny } = makeSandbox('nabla-cli-run-log-', ['mnist']));
});
afterAll(() => removeSandbox(tmp));

const only = <T extends RunLogRecord>(records: readonly RunLogRecord[], event: T['event']) => records.filter((r): r is T => r.event === event);

describe('train --log', () => {
  // 2000 samples, 1800 after the validation split: 18 batches of 100 per epoch.
  const RUN = ['--data-dir', DATASETS, '--train-samples', '2000', '--epochs', '2', '--hidden', '32', '--activation', 'relu'];
  let file: string;
  let stdout: Record<string, unknown>[];
  let records: RunLogRecord[];

  beforeAll(async () => {
    file = join(tmp, 'run.jsonl');
    const r = await cli(['train', '--json', ...RUN, '--log', file]);
    expectSuccess(r);
    stdout = jsonLines(r);
    const log = readRunLog(file);
    expect(log.warnings).toEqual([]);
    records = log.records;
  }, 120_000);

  it('writes the run record, 18 batch records and an epoch record per epoch, and the end record', () => {
    expect(records.map((r) => r.event)).toEqual(['run', ...[1, 2].flatMap(() => [...new Array<string>(18).fill('batch'), 'epoch']), 'end']);
    const run = records[0] as RunRecord;
    expect(run).toMatchObject({ version: 1, dataset: 'mnist', input_shape: [784], train_samples: 1800, batches_per_epoch: 18, epochs: 2, initial_epoch: 0 });
    expect(run.config).toMatchObject({ hidden: [32], activation: 'relu', epochs: 2, trainSamples: 2000 });
    expect(run.model).toMatchObject({ inputSize: 784, hiddenSizes: [32], outputSize: 10, activation: 'relu' });
    expect(run.class_names).toHaveLength(10);
    expect(run.layers).toEqual([{ name: '0', type: 'Linear', parameters: 784 * 32 + 32 }, { name: '2', type: 'Linear', parameters: 32 * 10 + 10 }]);
    expect(records.at(-1)).toMatchObject({ event: 'end', status: 'completed', epoch: 2, message: null } satisfies Partial<EndRecord>);
  });

  it('its epoch records hold what --json prints, the batch losses average to the train loss, the confusion matrix covers the test set', () => {
    const epochs = only<EpochLogRecord>(records, 'epoch');
    const printed = stdout.filter((row) => row.event === 'epoch');
    expect(epochs.map(({ layers: _l, confusion: _c, confusion_split: _s, misclassified: _m, ...record }) => record)).toEqual(printed);
    for (const epoch of epochs) {
      const batches = only<BatchLogRecord>(records, 'batch').filter((b) => b.epoch === epoch.epoch);
      expect(batches.reduce((s, b) => s + b.loss, 0) / batches.length).toBeCloseTo(epoch.train_loss, 10);
      expect(epoch.confusion_split).toBe('test');
      expect(epoch.confusion!.flat().reduce((a, b) => a + b, 0)).toBe(10000);
      expect(epoch.misclassified).toHaveLength(16);
      expect(epoch.layers.map((l) => l.histogram.counts.reduce((a, b) => a + b, 0))).toEqual([784 * 32, 32 * 10]);
    }
  });

  it('is written beside --save by default (model.safetensors: model.jsonl), which stderr names; the run ends with text plots of its curves', async () => {
    const save = join(tmp, 'model.safetensors');
    const r = await cli(['train', '--data-dir', tiny, '--epochs', '2', '--hidden', '8', '--save', save]);
    expectSuccess(r);
    const log = join(tmp, 'model.jsonl');
    expect(r.stderr).toContain(`saved the run's history to ${log}`);
    expect(readRunLog(log).records.map((rec) => rec.event)).toEqual(['run', ...[1, 2].flatMap(() => [...new Array<string>(3).fill('batch'), 'epoch']), 'end']);
    expect(r.stdout).toMatch(/^loss$/m);
    expect(r.stdout).toMatch(/^accuracy \(%\)$/m);
    expect(r.stdout).toMatch(/┤.* train \(mean of 1 batch\)/);
    expect(r.stdout).toMatch(/┤.* validation/);
    expect(r.stdout).toMatch(/^\s+1\s+epoch\s+2$/m);
  }, 60_000);

  it('without --log, --save or --checkpoint, no history is written; with --json, no plots', async () => {
    const r = await cli(['train', '--json', '--data-dir', tiny, '--epochs', '1', '--hidden', '8']);
    expectSuccess(r);
    expect(r.stderr).not.toContain('history');
    expect(r.stdout).not.toContain('epoch\n');
    expect(jsonLines(r).map((row) => row.event)).toEqual(['epoch', 'summary']);
  }, 60_000);

  it('a resumed run appends to the log beside its checkpoint: a second run record with initial_epoch, then steps that go on', async () => {
    const checkpoint = join(tmp, 'resumable.safetensors');
    const log = join(tmp, 'resumable.jsonl');
    expectSuccess(await cli(['train', '--json', '--data-dir', tiny, '--epochs', '1', '--hidden', '8', '--checkpoint', checkpoint]));
    expect(readRunLog(log).records).toHaveLength(1 + 3 + 1 + 1);
    expectSuccess(await cli(['train', '--json', '--data-dir', tiny, '--resume', checkpoint, '--epochs', '3']));
    const records = readRunLog(log).records;
    expect(records.map((r) => r.event)).toEqual(['run', 'batch', 'batch', 'batch', 'epoch', 'end', 'run', ...[2, 3].flatMap(() => ['batch', 'batch', 'batch', 'epoch']), 'end']);
    expect(only<RunRecord>(records, 'run').map((r) => [r.initial_epoch, r.epochs])).toEqual([[0, 1], [1, 3]]);
    expect(only<BatchLogRecord>(records, 'batch').map((b) => b.step)).toEqual(Array.from({ length: 9 }, (_, i) => i + 1));
    expect(only<EndRecord>(records, 'end').map((r) => r.epoch)).toEqual([1, 3]);
  }, 60_000);

  it('a run killed mid-training keeps every line written before: the log reads back, without an end record', async () => {
    const log = join(tmp, 'killed.jsonl');
    const run = startTraining(['train', '--json', '--data-dir', tiny, '--epochs', '500', '--hidden', '8', '--log', log]);
    try {
      while (!(existsSync(log) && readFileSync(log, 'utf8').includes('"event":"epoch"'))) await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      run.kill();
    }
    const { records, warnings } = readRunLog(log);
    expect(warnings.length).toBeLessThanOrEqual(1);
    expect(records[0].event).toBe('run');
    expect(records.some((r) => r.event === 'epoch')).toBe(true);
    expect(records.some((r) => r.event === 'end')).toBe(false);
    // Batch steps are consecutive from the first: no line was lost.
    expect(only<BatchLogRecord>(records, 'batch').map((b) => b.step)).toEqual(Array.from({ length: only(records, 'batch').length }, (_, i) => i + 1));
  }, 60_000);

  it('refuses a --log it could not write, or that names the --save file, before training', async () => {
    expectUsageError(await cli(['train', '--data-dir', tiny, '--log', join(tmp, 'no-such-dir', 'run.jsonl')]), /^nabla: error: --log .*run\.jsonl: the directory .*no-such-dir does not exist; create it first$/);
    expectUsageError(await cli(['train', '--data-dir', tiny, '--log', tmp]), /^nabla: error: --log .*: exists and is not a regular file \(a directory\); choose a file name$/);
    const same = join(tmp, 'same.safetensors');
    expectUsageError(await cli(['train', '--data-dir', tiny, '--save', same, '--log', same]), /^nabla: error: --log and --save name the same file, .*same\.safetensors; the history needs a file of its own$/);
    expect(existsSync(same)).toBe(false);
  }, 60_000);
});

describe('train --dashboard', () => {
  it('refuses --port and --host without --dashboard, with the reason', async () => {
    expectUsageError(await cli(['train', '--data-dir', tiny, '--port', '8080']), /^nabla: error: --port is the address of the dashboard, which only --dashboard starts; add --dashboard, or leave --port out$/);
    expectUsageError(await cli(['train', '--data-dir', tiny, '--host', '0.0.0.0']), /^nabla: error: --host is the address of the dashboard, which only --dashboard starts/);
  });

  it('a --port in use is a clear error, before anything is written', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const log = join(tmp, 'busy.jsonl');
      expectUsageError(await cli(['train', '--data-dir', tiny, '--dashboard', '--port', String(port), '--log', log]), new RegExp(`^nabla: error: --port ${port}: .*already in use`));
      expect(existsSync(log)).toBe(false);
    } finally {
      busy.close();
    }
  });

  it('prints the URL, publishes every record live, serves the weights, and keeps serving after training until Ctrl-C', async () => {
    const log = join(tmp, 'live.jsonl');
    const run = startTraining(['train', '--json', '--data-dir', tiny, '--epochs', '2', '--hidden', '8', '--dashboard', '--log', log]);
    try {
      const url = (await run.waitFor(/^dashboard: (http:\/\/127\.0\.0\.1:\d+\/)$/m))[1];
      await run.waitFor(/^dashboard: training has ended; still serving (\S+) \(Ctrl-C to stop\)$/m);
      const runs = (await (await fetch(`${url}api/runs`)).json()) as { id: string; live: boolean }[];
      expect(runs).toEqual([expect.objectContaining({ id: 'train', live: false })]);
      // The event stream replays every record so far: the same as the log file.
      const published = await readEvents(`${url}api/runs/train/events`, (records) => records.at(-1)?.event === 'end');
      expect(published).toEqual(readRunLog(log).records);
      const weights = new Uint8Array(await (await fetch(`${url}api/runs/train/model`)).arrayBuffer());
      expect(decodeCheckpoint(weights).config).toMatchObject({ hiddenSizes: [8], outputSize: 10 });
      expect(await run.interrupt(), run.stderr()).toBe(0);
      expect(JSON.parse(run.stdout().trim().split('\n').at(-1)!)).toMatchObject({ event: 'summary', epoch: 2 });
    } finally {
      run.kill();
    }
  }, 60_000);

  it('the dashboard of a resumed run shows the epochs before it too, from the log it appends to', async () => {
    const checkpoint = join(tmp, 'live-resumed.safetensors');
    expectSuccess(await cli(['train', '--json', '--data-dir', tiny, '--epochs', '1', '--hidden', '8', '--checkpoint', checkpoint]));
    const run = startTraining(['train', '--json', '--data-dir', tiny, '--resume', checkpoint, '--epochs', '2', '--dashboard']);
    try {
      const url = (await run.waitFor(/^dashboard: training has ended; still serving (\S+) /m))[1];
      const published = await readEvents(`${url}api/runs/train/events`, (records) => records.filter((r) => r.event === 'end').length === 2);
      expect(published).toEqual(readRunLog(join(tmp, 'live-resumed.jsonl')).records);
      expect(only<RunRecord>(published, 'run').map((r) => r.initial_epoch)).toEqual([0, 1]);
      expect(await run.interrupt(), run.stderr()).toBe(0);
    } finally {
      run.kill();
    }
  }, 60_000);
});

/** `nabla ...args` in the background, to talk to while it runs. */
function startTraining(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    /** The first match of `pattern` in stderr, once it is printed. */
    waitFor: (pattern: RegExp) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const look = () => {
          const match = stderr.match(pattern);
          if (match !== null) resolve(match);
        };
        child.stderr.on('data', look);
        void closed.then(() => reject(new Error(`nabla ${args.join(' ')} exited before printing ${pattern}\nstderr: ${stderr}`)));
        look();
      }),
    /** Ctrl-C; resolves to the exit code. */
    interrupt: () => {
      child.kill('SIGINT');
      return closed;
    },
    kill: () => child.kill('SIGKILL'),
  };
}

/** The records of a server-sent event stream, one per `data:` line, until `done` says so. */
async function readEvents(url: string, done: (records: RunLogRecord[]) => boolean): Promise<RunLogRecord[]> {
  const abort = new AbortController();
  const response = await fetch(url, { signal: abort.signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const records: RunLogRecord[] = [];
  let pending = '';
  try {
    while (!done(records)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      pending += value;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) if (line.startsWith('data:')) records.push(JSON.parse(line.slice(5)) as RunLogRecord);
    }
  } finally {
    abort.abort();
  }
  return records;
}
