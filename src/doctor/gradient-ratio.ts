/**
 * The ratio of the first layer's gradient norm to the last one's, over the run: how much of the
 * gradient that reaches the output layer makes it back to the input layer.
 */
import { type Curve, median, plotOf } from './curve.js';
import type { Finding } from './diagnosis.js';
import { num } from './format.js';
import type { RunHistory } from './history.js';
import type { LayerEpochStats, LayerNorms } from '../train/run-log.js';

export interface GradientRatio {
  first: string;
  last: string;
  /** first / last, at each measurement. */
  curve: Curve;
  /** The median over the second half of the measurements: where the run settled, without one batch's noise. */
  typical: number;
}

/**
 * From the batch records that carry per-layer norms, else from the epoch records (measured on the
 * probe batch); null for a model with fewer than two layers with parameters, or without measurements.
 * Measurements where either norm is 0 or not finite are left out (their ratio says nothing).
 */
export function gradientRatio(history: RunHistory): GradientRatio | null {
  const layers = history.run.layers;
  if (layers.length < 2) return null;
  const points: { at: number; ratio: number; where: string }[] = [];
  const add = (norms: readonly Pick<LayerNorms | LayerEpochStats, 'grad_norm'>[], at: number, where: string) => {
    if (norms.length !== layers.length) return;
    const [first, last] = [norms[0].grad_norm, norms[norms.length - 1].grad_norm];
    if (first === null || last === null) return;
    const ratio = first / last;
    if (first > 0 && Number.isFinite(ratio) && ratio > 0) points.push({ at, ratio, where });
  };
  const measured = history.batches.filter((b) => b.layers !== undefined);
  if (measured.length > 0) {
    for (const b of measured) add(b.layers!, b.step, `step ${b.step} (epoch ${b.epoch}, batch ${b.batch})`);
  } else {
    for (const e of history.epochs) add(e.layers, e.epoch, `epoch ${e.epoch}`);
  }
  if (points.length === 0) return null;
  return {
    first: layers[0].name,
    last: layers.at(-1)!.name,
    curve: { x: measured.length > 0 ? 'step' : 'epoch', at: points.map((p) => p.at), values: points.map((p) => p.ratio), where: (i) => points[i].where },
    typical: median(points.slice(Math.floor(points.length / 2)).map((p) => p.ratio)),
  };
}

/** The evidence, measurements and plot of a ratio beyond `threshold`, which counts as `verdict` ('vanishing', 'exploding'). */
export function ratioFindingParts(ratio: GradientRatio, threshold: number, verdict: string): Pick<Finding, 'evidence' | 'measurements' | 'plot'> {
  const { curve } = ratio;
  const n = curve.values.length;
  return {
    evidence: [
      `The gradient norm of layer ${ratio.first} is ${num(ratio.typical)} times that of layer ${ratio.last} ` +
        `(median over the second half of the run; ${threshold < 1 ? 'below' : 'above'} ${num(threshold)} counts as ${verdict}).`,
      `At ${curve.where(0)} the ratio was ${num(curve.values[0])}; at ${curve.where(n - 1)}, ${num(curve.values[n - 1])}.`,
    ],
    measurements: { gradient_ratio: ratio.typical, threshold },
    // Ratios span orders of magnitude: the plot shows their logarithm.
    plot: plotOf(`log10 of the gradient norm of layer ${ratio.first} over that of layer ${ratio.last}`, [{ name: 'log10 ratio', curve: { ...curve, values: curve.values.map(Math.log10) } }]),
  };
}
