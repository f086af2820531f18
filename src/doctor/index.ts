/**
 * The loss-curve doctor: reads a run's history (src/train/run-log.ts) and names what it sees, with
 * the evidence. Portable: the terminal (`nabla doctor`) and the dashboard page both run it.
 */
import type { RunLogRecord } from '../train/run-log.js';
import { DIAGNOSES } from './diagnoses.js';
import { DIAGNOSIS_IDS, type Diagnosis, type DiagnosisId } from './diagnosis.js';
import { type RunHistory, runHistory } from './history.js';

export { DIAGNOSIS_IDS, type Diagnosis, type DiagnosisId, type DiagnosisPlot, type Severity } from './diagnosis.js';
export { RunHistoryError, runHistory, type RunHistory } from './history.js';

/**
 * Every diagnosis that applies to the run, errors first, each severity in the order of DIAGNOSIS_IDS;
 * a diagnosis that another found one supersedes (a symptom of it) is left out. Empty for a healthy run.
 * Works on a run still in progress (no end record). Throws a RunHistoryError when the records do not
 * start with a run record.
 */
export function diagnose(records: readonly RunLogRecord[]): Diagnosis[] {
  return diagnoseHistory(runHistory(records));
}

/** diagnose, for a history already taken apart. */
export function diagnoseHistory(history: RunHistory): Diagnosis[] {
  const found = DIAGNOSIS_IDS.flatMap((id) => {
    const finding = DIAGNOSES[id].check(history);
    return finding === null ? [] : [{ id, ...finding }];
  });
  const superseded = new Set<DiagnosisId>(found.flatMap((d) => DIAGNOSES[d.id].supersedes));
  const kept = found.filter((d) => !superseded.has(d.id));
  return [...kept.filter((d) => d.severity === 'error'), ...kept.filter((d) => d.severity === 'warning')];
}
