import type { DiagnosisId, Finding } from './diagnosis.js';
import type { RunHistory } from './history.js';

/** One diagnosis: a check over a run's history, which finds nothing on a healthy run. */
export interface DiagnosisRule {
  /** Diagnoses this one explains when both are found: their findings are left out. */
  supersedes: readonly DiagnosisId[];
  check(history: RunHistory): Finding | null;
}
