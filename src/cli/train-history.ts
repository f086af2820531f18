/**
 * Where `nabla train` records its run: the JSON-lines history (--log, or beside --save), the live
 * dashboard (--dashboard), both fed by one RunRecorder.
 */
import { existsSync } from 'node:fs';
import { basename, join, parse, resolve } from 'node:path';
import { encodeModel } from '../io/model-bytes.js';
import { readRunLog, RunLogWriter } from '../io/run-log-file.js';
import type { Module } from '../nn/module.js';
import type { RunLogRecord } from '../train/run-log.js';
import { RunRecorder, type RunRecorderOptions } from '../train/run-recorder.js';
import { checkWritable } from './check-writable.js';
import { type DashboardServer, startDashboardServer } from './dashboard-server.js';
import { UsageError } from './errors.js';
import type { TrainFlags } from './train.js';

const DASHBOARD_RUN_ID = 'train';
const DEFAULT_DASHBOARD_HOST = '127.0.0.1';

export interface RunHistory {
  /** Null when it goes nowhere. */
  recorder: RunRecorder | null;
  dashboard: DashboardServer | null;
  /** The end record, the file closed, the dashboard told that the run is over. */
  end(status: 'completed' | 'interrupted' | 'diverged', message?: string): void;
  /** After a failure: the file closed, the dashboard stopped. */
  abandon(): Promise<void>;
}

/**
 * Starts the dashboard (before the log is touched, so that a port in use stops the run with its log
 * as it was), opens the log, and emits the run record to both. The dashboard of a resumed run shows
 * the epochs before it too, from the log it appends to.
 */
export async function openHistory(
  flags: TrainFlags,
  logPath: string | undefined,
  append: boolean,
  model: Module,
  modelConfig: unknown,
  say: (line: string) => void,
  run: Omit<RunRecorderOptions, 'emit'>,
): Promise<RunHistory> {
  const records: RunLogRecord[] = flags.dashboard && append && logPath !== undefined && existsSync(logPath) ? readRunLog(logPath).records : [];
  const dashboard = flags.dashboard ? await startDashboardServer({ host: flags.host ?? DEFAULT_DASHBOARD_HOST, port: flags.port, dataDir: flags.dataDir }) : null;
  let writer: RunLogWriter | null = null;
  try {
    if (logPath !== undefined) writer = new RunLogWriter(logPath, { append });
  } catch (error) {
    await dashboard?.close();
    throw error;
  }
  if (writer !== null && writer.droppedBytes > 0) say(`log: ${logPath} ended in a line cut short (the run was stopped while writing it); removed that line before appending`);
  let live = true;
  const emit = (record: RunLogRecord) => {
    writer?.write(record);
    if (dashboard === null) return;
    records.push(record);
    dashboard.publish(DASHBOARD_RUN_ID, record);
  };
  const recorder = writer === null && dashboard === null ? null : new RunRecorder(model, { ...run, emit });
  if (dashboard !== null) {
    dashboard.addRun({
      id: DASHBOARD_RUN_ID,
      name: logPath === undefined ? `${flags.dataset} ${flags.model ?? 'mlp'}` : basename(logPath, '.jsonl'),
      get live() {
        return live;
      },
      records: () => records,
      model: () => encodeModel(model, { config: modelConfig }),
    });
    say(`dashboard: ${dashboard.url}`);
  }
  recorder?.start();
  return {
    recorder,
    dashboard,
    end(status, message) {
      recorder?.end(status, message ?? null);
      writer?.close();
      live = false;
    },
    async abandon() {
      writer?.close();
      await dashboard?.close();
    },
  };
}

/** After training, the dashboard stays up until Ctrl-C. */
export async function serveUntilInterrupted(dashboard: DashboardServer, say: (line: string) => void): Promise<void> {
  say(`dashboard: training has ended; still serving ${dashboard.url} (Ctrl-C to stop)`);
  await new Promise<void>((resolveStop) => process.once('SIGINT', () => resolveStop()));
  await dashboard.close();
}

/**
 * The history file: --log, else beside --save (model.safetensors: model.jsonl), else beside
 * --checkpoint (for --resume FILE, which checkpoints into FILE, beside FILE); none without any.
 */
export function historyFile(flags: TrainFlags): string | undefined {
  if (flags.log !== undefined) return flags.log;
  const beside = flags.save ?? flags.checkpoint;
  if (beside === undefined) return undefined;
  const { dir, name, ext } = parse(beside);
  return ext === '.jsonl' ? `${beside}.jsonl` : join(dir, `${name}.jsonl`);
}

export async function checkHistoryFile(path: string, flags: TrainFlags): Promise<void> {
  await checkWritable(path, '--log');
  for (const [flag, other] of [['--save', flags.save], ['--checkpoint', flags.checkpoint]] as const) {
    if (other !== undefined && resolve(other) === resolve(path)) throw new UsageError(`--log and ${flag} name the same file, ${path}; the history needs a file of its own`);
  }
}

