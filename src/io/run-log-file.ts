/**
 * A run's history as a JSON-lines file (see src/train/run-log.ts): written one line per record as
 * training goes, so a run that is killed keeps every line written before, and read back with every
 * line checked.
 */
import { closeSync, ftruncateSync, fstatSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { DataError, oneLine } from '../data/idx.js';
import { RUN_LOG_VERSION, type RunLogRecord } from '../train/run-log.js';

/** A run log that cannot be read or written; the message names the file (and the line). */
export class RunLogError extends DataError {
  override name = 'RunLogError';
}

export interface RunLog {
  records: RunLogRecord[];
  /** What was wrong but could be passed over: a last line cut short by a killed run. */
  warnings: string[];
}

/** Appends records to a run log, one line each, written to the file before write() returns. */
export class RunLogWriter {
  readonly path: string;
  /** Bytes of a cut-short last line that opening with `append` removed (a run killed while writing it), else 0. */
  readonly droppedBytes: number;
  private fd: number | null;

  /** Creates or empties the file; with `append`, adds to what is there (a resumed run) after its last complete line. */
  constructor(path: string, options: { append?: boolean } = {}) {
    this.path = path;
    this.fd = attempt(path, 'open', () => openSync(path, options.append === true ? 'a+' : 'w'));
    this.droppedBytes = options.append === true ? attempt(path, 'open', () => dropCutShortLine(this.fd!)) : 0;
  }

  write(record: RunLogRecord): void {
    if (this.fd === null) throw new RunLogError(`${this.path}: the run log is closed`);
    const fd = this.fd;
    attempt(this.path, 'write', () => writeSync(fd, JSON.stringify(record) + '\n'));
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** Reads a run log: every record, with a warning for a cut-short last line; any other bad line is a RunLogError naming it. */
export function readRunLog(path: string): RunLog {
  const text = attempt(path, 'read', () => readFileSync(path, 'utf8'));
  return parseRunLog(text, path);
}

/** The records of a run log's text; `file` names it in the errors and warnings. */
export function parseRunLog(text: string, file: string): RunLog {
  const lines = text.split('\n');
  // A complete file ends with a newline, so the last piece is empty; anything else was cut short.
  const unfinished = lines.pop()!;
  const records: RunLogRecord[] = [];
  const warnings: string[] = [];
  const check = (line: string, number: number): void => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new RunLogError(`${file}: line ${number} is not valid JSON (${oneLine((error as Error).message)}); the file is damaged`);
    }
    records.push(checkRecord(value, `${file}: line ${number}`, records.length === 0));
  };
  lines.forEach((line, i) => check(line, i + 1));
  if (unfinished.trim() !== '') {
    const number = lines.length + 1;
    let complete = true;
    try {
      JSON.parse(unfinished);
    } catch {
      complete = false;
    }
    if (complete) check(unfinished, number);
    else warnings.push(`${file}: line ${number}, the last, is cut short (the run was stopped while writing it); it is left out`);
  }
  if (records.length === 0) throw new RunLogError(`${file}: holds no records; a run log starts with the "run" record that nabla train writes`);
  return { records, warnings };
}

const EVENTS = ['run', 'batch', 'epoch', 'end'] as const;
type FieldType = 'integer' | 'number' | 'string' | 'array';
/** The fields every reader relies on, by event. A 'number' may be null: JSON writes NaN and Infinity so. */
const REQUIRED: Record<(typeof EVENTS)[number], Record<string, FieldType>> = {
  run: { version: 'integer', started: 'string', layers: 'array', epochs: 'integer', initial_epoch: 'integer', batches_per_epoch: 'integer', stats_every: 'integer' },
  batch: { epoch: 'integer', batch: 'integer', step: 'integer', loss: 'number', lr: 'number', grad_norm: 'number' },
  epoch: { epoch: 'integer', train_loss: 'number', lr: 'number', layers: 'array', misclassified: 'array' },
  end: { status: 'string', epoch: 'integer', seconds: 'number' },
};

const FITS: Record<FieldType, (value: unknown) => boolean> = {
  integer: Number.isInteger,
  number: (value) => typeof value === 'number' || value === null,
  string: (value) => typeof value === 'string',
  array: Array.isArray,
};

function checkRecord(value: unknown, where: string, first: boolean): RunLogRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new RunLogError(`${where} is not a record (a JSON object); the file is not a nabla run log`);
  const record = value as Record<string, unknown>;
  const event = record.event;
  if (!EVENTS.includes(event as never)) {
    throw new RunLogError(`${where}: unknown event ${JSON.stringify(event)}; a run log holds ${EVENTS.map((e) => `"${e}"`).join(', ')} records`);
  }
  if (first && event !== 'run') throw new RunLogError(`${where} is a "${String(event)}" record, but a run log starts with the "run" record; not the start of a nabla run log`);
  for (const [key, type] of Object.entries(REQUIRED[event as (typeof EVENTS)[number]])) {
    if (!FITS[type](record[key])) throw new RunLogError(`${where}: the "${String(event)}" record has no ${type === 'array' ? 'list' : type} "${key}"`);
  }
  if (event === 'run') {
    const version = record.version as number;
    if (version < 1) throw new RunLogError(`${where}: run-log version ${version} is not a version nabla writes`);
    if (version > RUN_LOG_VERSION) throw new RunLogError(`${where}: the log is of version ${version}, newer than this nabla reads (${RUN_LOG_VERSION}); update nabla`);
  }
  return record as unknown as RunLogRecord;
}

/** Truncates a file open for appending after its last newline; returns the bytes removed. */
function dropCutShortLine(fd: number): number {
  const size = fstatSync(fd).size;
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const read = readSync(fd, chunk, 0, end - start, start);
    const newline = chunk.subarray(0, read).lastIndexOf(0x0a);
    if (newline !== -1) {
      end = start + newline + 1;
      break;
    }
    end = start;
  }
  if (end < size) ftruncateSync(fd, end);
  return size - end;
}

function attempt<T>(path: string, action: 'open' | 'read' | 'write', fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : code ?? oneLine(message);
    throw new RunLogError(`${path}: cannot ${action} the run log (${why})`, { cause: error });
  }
}
