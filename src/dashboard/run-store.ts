/**
 * The runs a dashboard shows, built up record by record as they arrive (replayed or live). Pure data:
 * no DOM, so that it is unit-tested in Node and shared by the page and the in-browser example.
 */
import { type BatchLogRecord, type EndRecord, type EpochLogRecord, RUN_LOG_VERSION, type RunLogRecord, type RunRecord } from '../train/run-log.js';

/** Per-layer norms over the batches that carry them. */
export interface LayerNormSeries {
  steps: number[];
  /** weightNorms[layer][i] at steps[i], layers in the run record's order. */
  weightNorms: number[][];
  gradNorms: number[][];
}

/** One run's history, as series ready to plot. */
export interface RunHistory {
  id: string;
  name: string;
  /** Whether more records may come (a run training now), rather than a finished log. */
  live: boolean;
  /** Every record in arrival order (what the doctor reads). */
  records: RunLogRecord[];
  run: RunRecord | null;
  /** Per batch, by global step; NaN where the log has null (JSON's NaN and infinities). */
  steps: number[];
  loss: number[];
  acc: (number | null)[];
  lr: number[];
  samplesPerS: number[];
  gradNorm: number[];
  layerNorms: LayerNormSeries;
  epochs: EpochLogRecord[];
  end: EndRecord | null;
  /** Counts ingested batch and epoch-level records, so that views redraw only what changed. */
  batchVersion: number;
  epochVersion: number;
}

/** 'unfinished': a log that is not live and has no end record (the run was killed). */
export type RunStatus = 'waiting' | 'training' | 'unfinished' | EndRecord['status'];

/** A record the store cannot take: out of order, from a newer nabla, or not a record. */
export class RunStoreError extends Error {
  override name = 'RunStoreError';
}

export class RunStore {
  private readonly histories = new Map<string, RunHistory>();

  /** Adds a run with no records yet; the order of adding is the order of runs() (and of the legend). */
  add(id: string, name: string, live = true): RunHistory {
    if (this.histories.has(id)) throw new RunStoreError(`run ${JSON.stringify(id)} is already in the dashboard`);
    const history: RunHistory = { id, name, live, records: [], ...emptySeries(), batchVersion: 0, epochVersion: 0 };
    this.histories.set(id, history);
    return history;
  }

  runs(): RunHistory[] {
    return [...this.histories.values()];
  }

  get(id: string): RunHistory {
    const history = this.histories.get(id);
    if (history === undefined) throw new RunStoreError(`no run ${JSON.stringify(id)} in the dashboard`);
    return history;
  }

  ingest(id: string, record: RunLogRecord): void {
    const history = this.get(id);
    const where = `run ${JSON.stringify(history.name)}, record ${history.records.length + 1}`;
    if (record === null || typeof record !== 'object' || typeof (record as { event?: unknown }).event !== 'string') {
      throw new RunStoreError(`${where}: not a run-log record (no "event")`);
    }
    if (record.event !== 'run' && history.run === null) {
      throw new RunStoreError(`${where}: a "${record.event}" record came before the "run" record that must open the log`);
    }
    if (record.event === 'run' && record.version > RUN_LOG_VERSION) {
      throw new RunStoreError(`${where}: the log is version ${record.version}, newer than this dashboard's ${RUN_LOG_VERSION}; update nabla`);
    }
    if (!['run', 'batch', 'epoch', 'end'].includes(record.event)) {
      throw new RunStoreError(`${where}: unknown event ${JSON.stringify(record.event)}`);
    }
    if (record.event === 'run' && history.run !== null) restart(history, record);
    else apply(history, record);
    history.records.push(record);
  }
}

function emptySeries(): Omit<RunHistory, 'id' | 'name' | 'live' | 'records' | 'batchVersion' | 'epochVersion'> {
  return { run: null, steps: [], loss: [], acc: [], lr: [], samplesPerS: [], gradNorm: [], layerNorms: { steps: [], weightNorms: [], gradNorms: [] }, epochs: [], end: null };
}

/** Adds a record to the series (the run record has been checked to come first). */
function apply(history: RunHistory, record: RunLogRecord): void {
  switch (record.event) {
    case 'run':
      history.run = record;
      history.layerNorms.weightNorms = record.layers.map(() => []);
      history.layerNorms.gradNorms = record.layers.map(() => []);
      history.epochVersion += 1;
      break;
    case 'batch':
      addBatch(history, record);
      history.batchVersion += 1;
      break;
    case 'epoch':
      history.epochs.push(record);
      history.epochVersion += 1;
      break;
    case 'end':
      history.end = record;
      history.epochVersion += 1;
      break;
  }
}

/**
 * A later run record in the same log: `nabla train --resume` appends to its log, going on from the
 * epoch its checkpoint holds, so what the interrupted run logged after that epoch is dropped (as the
 * doctor does); one that starts at epoch 0 begins the history again.
 */
function restart(history: RunHistory, run: RunRecord): void {
  const resumeFrom = run.initial_epoch;
  const kept = resumeFrom === 0 ? [] : history.records.filter((r) => (r.event === 'batch' || r.event === 'epoch') && r.epoch <= resumeFrom);
  Object.assign(history, emptySeries());
  apply(history, run);
  for (const record of kept) apply(history, record);
  history.batchVersion += 1;
}

/** JSON writes NaN and the infinities as null. */
const number = (value: number | null): number => value ?? Number.NaN;

function addBatch(history: RunHistory, record: BatchLogRecord): void {
  history.steps.push(record.step);
  history.loss.push(number(record.loss));
  history.acc.push(record.acc);
  history.lr.push(number(record.lr));
  history.samplesPerS.push(number(record.samples_per_s));
  history.gradNorm.push(number(record.grad_norm));
  if (record.layers === undefined) return;
  const norms = history.layerNorms;
  if (record.layers.length !== norms.weightNorms.length) {
    throw new RunStoreError(
      `run ${JSON.stringify(history.name)}, step ${record.step}: ${record.layers.length} layer norms, but the run record lists ${norms.weightNorms.length} layers`,
    );
  }
  norms.steps.push(record.step);
  record.layers.forEach((layer, i) => {
    norms.weightNorms[i]!.push(number(layer.weight_norm));
    norms.gradNorms[i]!.push(number(layer.grad_norm));
  });
}

export function runStatus(history: RunHistory): RunStatus {
  if (history.end !== null) return history.end.status;
  if (history.run === null) return 'waiting';
  return history.live ? 'training' : 'unfinished';
}

/** The last epoch record, or null before the first epoch ends. */
export function latestEpoch(history: RunHistory): EpochLogRecord | null {
  return history.epochs.at(-1) ?? null;
}

