import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/idx.js';
import { readRunLog, RunLogError, RunLogWriter } from '../../src/io/run-log-file.js';
import type { BatchLogRecord, EndRecord, RunLogRecord, RunRecord } from '../../src/train/run-log.js';

const tmp = mkdtempSync(join(tmpdir(), 'nabla-run-log-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let files = 0;
const newFile = () => join(tmp, `run-${++files}.jsonl`);

const RUN: RunRecord = {
  event: 'run', version: 1, started: '2026-12-02T06:00:00.000Z', config: { lr: 0.1 }, model: null, dataset: 'mnist',
  class_names: null, input_shape: [784], parameters: 7850, layers: [{ name: '0', type: 'Linear', parameters: 7850 }],
  train_samples: 200, batches_per_epoch: 2, stats_every: 1, epochs: 1, initial_epoch: 0,
};
const batch = (n: number): BatchLogRecord => ({ event: 'batch', epoch: 1, batch: n, step: n, loss: 2.3 / n, acc: 0.1 * n, lr: 0.1, samples_per_s: 1000, grad_norm: 1.5 });
const END: EndRecord = { event: 'end', status: 'completed', epoch: 1, message: null, seconds: 0.5 };
const RECORDS: RunLogRecord[] = [RUN, batch(1), batch(2), END];
const lines = (records: readonly unknown[]) => records.map((r) => JSON.stringify(r) + '\n').join('');

/** The RunLogError that reading `text` as a log throws. */
function readError(text: string): RunLogError {
  const path = newFile();
  writeFileSync(path, text);
  try {
    readRunLog(path);
  } catch (error) {
    expect(error).toBeInstanceOf(RunLogError);
    expect((error as Error).message.startsWith(`${path}: `), (error as Error).message).toBe(true);
    return error as RunLogError;
  }
  throw new Error(`reading ${JSON.stringify(text.slice(0, 80))} did not fail`);
}

describe('RunLogWriter', () => {
  it('writes one JSON line per record, on the disk as soon as write() returns, and reads back the same records', () => {
    const path = newFile();
    const writer = new RunLogWriter(path);
    RECORDS.forEach((record, i) => {
      writer.write(record);
      const onDisk = readFileSync(path, 'utf8');
      expect(onDisk.endsWith('\n')).toBe(true);
      expect(onDisk.split('\n').slice(0, -1).map((line) => JSON.parse(line) as unknown)).toEqual(RECORDS.slice(0, i + 1));
    });
    writer.close();
    expect(readRunLog(path)).toEqual({ records: RECORDS, warnings: [] });
    expect(() => writer.write(END)).toThrow(`${path}: the run log is closed`);
  });

  it('without append, empties an existing file; with append, adds after it (a resumed run)', () => {
    const path = newFile();
    writeFileSync(path, lines([RUN, batch(1)]));
    const appending = new RunLogWriter(path, { append: true });
    expect(appending.droppedBytes).toBe(0);
    appending.write(batch(2));
    appending.close();
    expect(readRunLog(path).records).toEqual([RUN, batch(1), batch(2)]);
    const fresh = new RunLogWriter(path);
    fresh.write(RUN);
    fresh.close();
    expect(readRunLog(path).records).toEqual([RUN]);
  });

  it('appending after a line cut short removes that partial line first, so the file stays readable', () => {
    const path = newFile();
    const partial = JSON.stringify(batch(2)).slice(0, 25);
    writeFileSync(path, lines([RUN, batch(1)]) + partial);
    const writer = new RunLogWriter(path, { append: true });
    expect(writer.droppedBytes).toBe(partial.length);
    writer.write({ ...RUN, initial_epoch: 1, epochs: 2 });
    writer.close();
    expect(readRunLog(path)).toEqual({ records: [RUN, batch(1), { ...RUN, initial_epoch: 1, epochs: 2 }], warnings: [] });
  });

  it('a file it cannot open is a RunLogError (a DataError, which the CLI prints as a one-line error) naming the file', () => {
    const path = join(tmp, 'missing-directory', 'run.jsonl');
    expect(() => new RunLogWriter(path)).toThrow(new RunLogError(`${path}: cannot open the run log (no such file or directory)`));
    expect(() => new RunLogWriter(tmp)).toThrow(new RunLogError(`${tmp}: cannot open the run log (it is a directory)`));
    expect(new RunLogError('x')).toBeInstanceOf(DataError);
  });
});

describe('readRunLog', () => {
  it('a last line cut short (the run was killed while writing it) is left out with a warning naming the file and line', () => {
    const path = newFile();
    writeFileSync(path, lines([RUN, batch(1)]) + JSON.stringify(batch(2)).slice(0, 30));
    const { records, warnings } = readRunLog(path);
    expect(records).toEqual([RUN, batch(1)]);
    expect(warnings).toEqual([`${path}: line 3, the last, is cut short (the run was stopped while writing it); it is left out`]);
  });

  it('a complete last record whose newline is missing is kept, without a warning', () => {
    const path = newFile();
    writeFileSync(path, lines([RUN, batch(1)]) + JSON.stringify(batch(2)));
    expect(readRunLog(path)).toEqual({ records: [RUN, batch(1), batch(2)], warnings: [] });
  });

  it('a run still going (no end record) reads as what it has so far; a resumed run appends a second run record', () => {
    const path = newFile();
    const resumed = { ...RUN, initial_epoch: 1, epochs: 2 };
    writeFileSync(path, lines([RUN, batch(1), resumed, { ...batch(1), epoch: 2, step: 3 }]));
    expect(readRunLog(path).records.map((r) => r.event)).toEqual(['run', 'batch', 'run', 'batch']);
  });

  it('a corrupt line in the middle is an error naming the file and the line', () => {
    const error = readError(lines([RUN, batch(1)]) + '{"event":"batch","epo\n' + lines([batch(2)]));
    expect(error.message).toMatch(/: line 3 is not valid JSON \(.+\); the file is damaged$/);
  });

  it('refuses a log of a newer version, and a run record with a version that is not one', () => {
    expect(readError(lines([{ ...RUN, version: 2 }, batch(1)])).message).toMatch(/: line 1: the log is of version 2, newer than this nabla reads \(1\); update nabla$/);
    expect(readError(lines([{ ...RUN, version: 0 }])).message).toMatch(/: line 1: run-log version 0 is not a version nabla writes$/);
    expect(readError(lines([{ ...RUN, version: '1' }])).message).toMatch(/: line 1: the "run" record has no integer "version"$/);
  });

  it('refuses what is not a run log: no run record first, unknown events, missing fields, no records at all', () => {
    expect(readError(lines([batch(1), RUN])).message).toMatch(/: line 1 is a "batch" record, but a run log starts with the "run" record; not the start of a nabla run log$/);
    expect(readError(lines([RUN, { event: 'step', step: 1 }])).message).toMatch(/: line 2: unknown event "step"; a run log holds "run", "batch", "epoch", "end" records$/);
    expect(readError(lines([RUN, [1, 2]])).message).toMatch(/: line 2 is not a record \(a JSON object\); the file is not a nabla run log$/);
    const { step: _step, ...noStep } = batch(1);
    expect(readError(lines([RUN, noStep])).message).toMatch(/: line 2: the "batch" record has no integer "step"$/);
    expect(readError('').message).toMatch(/: holds no records; a run log starts with the "run" record that nabla train writes$/);
    expect(readError('{"not json').message).toMatch(/: holds no records/);
  });

  it('a NaN or infinite value (JSON null) is still a number field', () => {
    const path = newFile();
    writeFileSync(path, lines([RUN, { ...batch(1), grad_norm: Infinity }]));
    expect((readRunLog(path).records[1] as BatchLogRecord).grad_norm).toBeNull();
  });

  it('a file that cannot be read is a RunLogError naming it', () => {
    const path = join(tmp, 'no-such-run.jsonl');
    expect(() => readRunLog(path)).toThrow(new RunLogError(`${path}: cannot read the run log (no such file or directory)`));
  });
});
