/** `nabla dashboard RUN.jsonl...`: serves finished (or still growing) runs' histories on the dashboard page, overlaid. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { readRunLog } from '../io/run-log-file.js';
import type { RunLogRecord, RunRecord } from '../train/run-log.js';
import { type DashboardRun, startDashboardServer } from './dashboard-server.js';
import { UsageError } from './errors.js';

export interface DashboardFlags {
  host: string;
  port?: number;
  dataDir?: string;
}

export async function dashboardCommand(files: string[], flags: DashboardFlags): Promise<void> {
  if (files.length === 0) {
    throw new UsageError('nabla dashboard needs the run logs to show: nabla dashboard RUN.jsonl [MORE.jsonl ...] (nabla train writes them with --log FILE, or beside --save)');
  }
  const names = uniqueNames(files);
  const runs = files.map((file, i): DashboardRun => {
    const { records, warnings } = readRunLog(file);
    for (const warning of warnings) process.stderr.write(`nabla: warning: ${warning}\n`);
    const modelFile = modelBeside(file, records);
    return {
      id: String(i + 1),
      name: names[i]!,
      live: false,
      records: () => records,
      model: () => (modelFile === null ? null : new Uint8Array(readFileSync(modelFile))),
    };
  });
  const server = await startDashboardServer({ host: flags.host, port: flags.port, dataDir: flags.dataDir });
  for (const run of runs) server.addRun(run);
  process.stdout.write(`dashboard: ${server.url} (${runs.length === 1 ? '1 run' : `${runs.length} runs`}; Ctrl-C to stop)\n`);
  await new Promise<void>((stop) => {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
}

/** Each log's file name without .jsonl; the path as given where two share a name. */
function uniqueNames(files: readonly string[]): string[] {
  const short = files.map((file) => basename(file).replace(/\.jsonl$/, ''));
  return short.map((name, i) => (short.indexOf(name) !== short.lastIndexOf(name) ? files[i]! : name));
}

/**
 * The weights the run saved: the safetensors file of the log's name beside it (nabla train's default log
 * of --save model.safetensors is model.jsonl), else the file its config names as `save` or `checkpoint`.
 */
function modelBeside(logFile: string, records: readonly RunLogRecord[]): string | null {
  const config = (records[0] as RunRecord).config;
  const named = ['save', 'checkpoint'].map((key) => config[key]).filter((path): path is string => typeof path === 'string');
  const candidates = [join(dirname(logFile), `${basename(logFile, '.jsonl')}.safetensors`), ...named.flatMap((path) => [join(dirname(logFile), basename(path)), resolve(path)])];
  return candidates.find((path) => existsSync(path) && statSync(path).isFile()) ?? null;
}
