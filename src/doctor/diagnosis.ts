/**
 * What the doctor says about a run: findings about its curves, each with the numbers behind it and
 * the curve it is about, so that a terminal can draw it in text and the dashboard can chart it.
 */

/** Every diagnosis the doctor knows, in the order it reports findings of the same severity. */
export const DIAGNOSIS_IDS = [
  'learning-rate-too-high',
  'untrained-plateau',
  'learning-rate-too-low',
  'exploding-gradients',
  'vanishing-gradients',
  'dead-relus',
  'saturated-sigmoids',
  'overfitting',
  'underfitting',
] as const;

export type DiagnosisId = (typeof DIAGNOSIS_IDS)[number];

/** 'error': the run is not learning (or has blown up); 'warning': it learns, worse than it could. */
export type Severity = 'error' | 'warning';

/** The curve a finding is about, with what textPlot needs to draw it. */
export interface DiagnosisPlot {
  title: string;
  x: { label: 'step' | 'epoch'; from: number; to: number };
  series: { name: string; values: number[] }[];
}

export interface Finding {
  severity: Severity;
  /** One line: what the doctor sees. */
  title: string;
  /** The numbers behind it, one sentence each, naming the step or epoch. */
  evidence: string[];
  suggestion: string;
  /** The same numbers as data (snake_case); NaN and infinities stay numbers. */
  measurements: Record<string, number>;
  plot: DiagnosisPlot | null;
}

export interface Diagnosis extends Finding {
  id: DiagnosisId;
}
