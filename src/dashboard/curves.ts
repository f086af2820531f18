/**
 * The curves each chart shows, from the runs in a RunStore: one per run (its colour), or for the
 * per-layer charts one per run and layer (the layer's colour, the run's dash). Pure data, no DOM.
 */
import type { EpochLogRecord, LayerEpochStats } from '../train/run-log.js';
import type { RunHistory } from './run-store.js';

/** A line on a chart: its points (x ascending) and how it is drawn. */
export interface Curve {
  label: string;
  color: string;
  dash?: number[];
  x: readonly number[];
  y: readonly (number | null)[];
}

const RUN_COLORS = ['#2563eb', '#dc2626', '#059669', '#9333ea', '#ea580c', '#0891b2', '#db2777', '#65a30d'];
const LAYER_COLORS = ['#0f766e', '#b45309', '#7c3aed', '#be123c', '#1d4ed8', '#4d7c0f', '#a21caf', '#334155'];
const RUN_DASHES: (number[] | undefined)[] = [undefined, [8, 4], [2, 3], [12, 3, 2, 3]];
/** The dash of validation curves beside the solid training ones. */
const VALIDATION_DASH = [6, 4];

export const runColor = (index: number): string => RUN_COLORS[index % RUN_COLORS.length]!;
const layerColor = (index: number): string => LAYER_COLORS[index % LAYER_COLORS.length]!;
const runDash = (index: number): number[] | undefined => RUN_DASHES[index % RUN_DASHES.length];

type BatchSeries = 'loss' | 'acc' | 'lr' | 'samplesPerS';

/** One curve per run of a per-batch quantity, by step. */
export function batchCurves(runs: readonly RunHistory[], series: BatchSeries): Curve[] {
  return runs.map((run, i) => ({ label: run.name, color: runColor(i), x: run.steps, y: run[series] }));
}

/** Per epoch, per run: the training value (solid) and the validation value (dashed) where the run has one. */
export function epochCurves(runs: readonly RunHistory[], metric: 'loss' | 'acc'): Curve[] {
  return runs.flatMap((run, i) => {
    const x = run.epochs.map((e) => e.epoch);
    const train = run.epochs.map((e) => e[`train_${metric}`]);
    const validation = run.epochs.map((e) => e[`val_${metric}`]);
    const curves: Curve[] = [{ label: `${run.name} train`, color: runColor(i), x, y: train }];
    if (validation.some((v) => v !== null)) curves.push({ label: `${run.name} validation`, color: runColor(i), dash: VALIDATION_DASH, x, y: validation });
    return curves;
  });
}

/** Label of a layer in a run, with the run's name when several runs share the chart. */
function layerLabel(runs: readonly RunHistory[], run: RunHistory, layer: { name: string; type: string }): string {
  const own = `${layer.name} ${layer.type}`;
  return runs.length > 1 ? `${run.name} · ${own}` : own;
}

/** Per layer, per run: the weight or gradient norm on the batches that carry layer norms. */
export function layerNormCurves(runs: readonly RunHistory[], norm: 'weightNorms' | 'gradNorms'): Curve[] {
  return runs.flatMap((run, r) =>
    (run.run?.layers ?? []).map((layer, l) => ({
      label: layerLabel(runs, run, layer),
      color: layerColor(l),
      ...dash(r),
      x: run.layerNorms.steps,
      y: run.layerNorms[norm][l] ?? [],
    })),
  );
}

/** Per layer, per run: an activation statistic measured at the end of each epoch. */
export function activationCurves(runs: readonly RunHistory[], stat: 'act_mean' | 'act_std'): Curve[] {
  return runs.flatMap((run, r) =>
    (run.run?.layers ?? []).map((layer, l) => ({
      label: layerLabel(runs, run, layer),
      color: layerColor(l),
      ...dash(r),
      x: run.epochs.map((e) => e.epoch),
      y: run.epochs.map((e) => e.layers[l]?.[stat] ?? null),
    })),
  );
}

const dash = (runIndex: number) => {
  const pattern = runDash(runIndex);
  return pattern ? { dash: pattern } : {};
};

/** The layers of all runs by name, in first-seen order: one histogram chart each. */
export function histogramLayers(runs: readonly RunHistory[]): string[] {
  const names = new Set<string>();
  for (const run of runs) for (const layer of run.run?.layers ?? []) names.add(layer.name);
  return [...names];
}

/**
 * One curve per run of the named layer's weight histogram at the run's latest epoch, as steps: a point
 * at each bin's left edge and one at the right end, the density (count / (total * width)) as value,
 * so that runs with different bin widths and sizes compare.
 */
export function histogramCurves(runs: readonly RunHistory[], layerName: string): Curve[] {
  return runs.flatMap((run, i) => {
    const latest: EpochLogRecord | undefined = run.epochs.at(-1);
    const stats: LayerEpochStats | undefined = latest?.layers.find((layer) => layer.name === layerName);
    if (latest === undefined || stats === undefined) return [];
    const { min, max, counts } = stats.histogram;
    const total = counts.reduce((sum, c) => sum + c, 0);
    const width = (max - min) / counts.length;
    if (total === 0 || !(width > 0)) return [];
    const density = counts.map((c) => c / (total * width));
    return [
      {
        label: `${runs.length > 1 ? `${run.name} ` : ''}epoch ${latest.epoch}`,
        color: runColor(i),
        x: [...counts.map((_, b) => min + b * width), max],
        y: [...density, density.at(-1)!],
      },
    ];
  });
}
