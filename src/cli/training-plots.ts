import type { EpochRecord } from '../train/fit.js';
import { movingAverage } from '../doctor/curve.js';
import { textPlot } from './text-plot.js';

/**
 * The loss and accuracy curves of the run drawn in text: the batches' values as a trailing mean over
 * a tenth of an epoch (a batch's own is too noisy to read at this size), and the validation split's
 * per epoch.
 */
export function trainingPlots(epochs: readonly EpochRecord[], batchLosses: readonly number[], batchAccuracies: readonly number[], color: boolean): string {
  const options = (title: string) => ({ title, color, x: { label: 'epoch', from: epochs[0].epoch, to: epochs[epochs.length - 1].epoch } });
  const window = Math.max(1, Math.round(batchLosses.length / epochs.length / 10));
  const curves = (batches: readonly number[], validation: (number | null)[]) => [
    { name: `train (mean of ${window} batch${window === 1 ? '' : 'es'})`, values: movingAverage(batches, window) },
    ...(validation.every((v) => v !== null) ? [{ name: 'validation', values: validation as number[] }] : []),
  ];
  const loss = textPlot(curves(batchLosses, epochs.map((r) => r.val_loss)), options('loss'));
  if (batchAccuracies.length === 0) return loss;
  const percent = (value: number | null) => (value === null ? null : 100 * value);
  const accuracy = textPlot(curves(batchAccuracies.map((v) => 100 * v), epochs.map((r) => percent(r.val_acc))), options('accuracy (%)'));
  return `${loss}\n${accuracy}`;
}
