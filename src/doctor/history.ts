/** A run log taken apart into the records the diagnoses read. */
import type { BatchLogRecord, EndRecord, EpochLogRecord, RunLogRecord, RunRecord } from '../train/run-log.js';

export interface RunHistory {
  run: RunRecord;
  batches: BatchLogRecord[];
  epochs: EpochLogRecord[];
  /** Null while the run is going, or when it was killed. */
  end: EndRecord | null;
}

export class RunHistoryError extends Error {
  override name = 'RunHistoryError';
}

/**
 * The history of the last run in `records`. A log that runs were appended to holds several run
 * records: one that starts at epoch 0 begins a new run; one with a later initial epoch is a resume
 * (`nabla train --resume` appends to its log), which continues the run before it from that epoch, so
 * the records the interrupted run wrote past it are dropped. JSON writes a NaN or infinite loss as
 * null: it comes back as NaN here. Refuses records that do not start with a run record.
 */
export function runHistory(records: readonly RunLogRecord[]): RunHistory {
  if (records.length === 0) throw new RunHistoryError('the run log has no records');
  const first = records[0] as { event?: unknown };
  if (first.event !== 'run') {
    throw new RunHistoryError(`a run log starts with its run record ({"event":"run", ...}); this one starts with ${JSON.stringify(first).slice(0, 80)}`);
  }
  let history: RunHistory = { run: records[0] as RunRecord, batches: [], epochs: [], end: null };
  for (const record of records.slice(1)) {
    if (record.event === 'run') {
      const resumeFrom = record.initial_epoch;
      history =
        resumeFrom > 0
          ? {
              run: { ...history.run, epochs: record.epochs },
              batches: history.batches.filter((b) => b.epoch <= resumeFrom),
              epochs: history.epochs.filter((e) => e.epoch <= resumeFrom),
              end: null,
            }
          : { run: record, batches: [], epochs: [], end: null };
    } else if (record.event === 'batch') history.batches.push({ ...record, loss: record.loss ?? NaN, grad_norm: record.grad_norm ?? NaN });
    else if (record.event === 'epoch') history.epochs.push({ ...record, train_loss: record.train_loss ?? NaN });
    else if (record.event === 'end') history.end = record;
  }
  return history;
}

/** The number of classes of a classification run; null otherwise. */
export function classCount(history: RunHistory): number | null {
  return history.run.class_names?.length ?? null;
}

/** The loss the run trains with: the CLI's --loss, cross-entropy when the config does not say. */
export function lossName(history: RunHistory): string {
  const loss = history.run.config['loss'];
  return typeof loss === 'string' ? loss : 'cross-entropy';
}

/** The learning rate the run was given (its config's lr), else the one its first batch used. */
export function learningRate(history: RunHistory): number | null {
  const lr = history.run.config['lr'];
  if (typeof lr === 'number') return lr;
  return history.batches[0]?.lr ?? history.epochs[0]?.lr ?? null;
}
