/** A curve of a run (per batch or per epoch) with the words that say where each of its points is. */
import type { DiagnosisPlot } from './diagnosis.js';
import type { RunHistory } from './history.js';

export interface Curve {
  x: 'step' | 'epoch';
  /** The step or epoch of each point. */
  at: number[];
  values: number[];
  /** "step 340 (epoch 2, batch 70)" or "epoch 3". */
  where: (i: number) => string;
}

/** The training loss: per batch when the log has batch records, else per epoch. */
export function trainingLoss(history: RunHistory): Curve | null {
  const { batches, epochs } = history;
  if (batches.length > 0) {
    return {
      x: 'step',
      at: batches.map((b) => b.step),
      values: batches.map((b) => b.loss),
      where: (i) => `step ${batches[i].step} (epoch ${batches[i].epoch}, batch ${batches[i].batch})`,
    };
  }
  if (epochs.length > 0) return epochCurve(history, epochs.map((e) => e.train_loss));
  return null;
}

/** Per-epoch values of the run's epoch records. */
export function epochCurve(history: RunHistory, values: number[]): Curve {
  const at = history.epochs.map((e) => e.epoch);
  return { x: 'epoch', at, values, where: (i) => `epoch ${at[i]}` };
}

/** A plot of curves that share their x (the first one's). */
export function plotOf(title: string, curves: { name: string; curve: Curve }[]): DiagnosisPlot {
  const { x, at } = curves[0].curve;
  return { title, x: { label: x, from: at[0], to: at.at(-1)! }, series: curves.map(({ name, curve }) => ({ name, values: curve.values })) };
}

/** The mean of the finite values of `values[from, to)`; NaN when there are none. */
export function finiteMean(values: readonly number[], from = 0, to = values.length): number {
  let sum = 0;
  let count = 0;
  for (let i = Math.max(0, from); i < Math.min(to, values.length); i++) {
    if (Number.isFinite(values[i])) {
      sum += values[i];
      count++;
    }
  }
  return count > 0 ? sum / count : NaN;
}

/** The trailing mean over `window` points at each point, which takes the batch-to-batch noise off a loss curve. */
export function movingAverage(values: readonly number[], window: number): number[] {
  return values.map((_, i) => finiteMean(values, i + 1 - window, i + 1));
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
