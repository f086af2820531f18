/**
 * Per-layer fractions of the activation that follows a layer (dead ReLU units, saturated sigmoid or
 * tanh outputs) over the epochs, and the layers where the fraction ends at or above a threshold.
 */
import { epochCurve, plotOf } from './curve.js';
import type { Finding } from './diagnosis.js';
import { percent } from './format.js';
import type { RunHistory } from './history.js';

type FractionKey = 'dead_fraction' | 'saturated_fraction';

/** Evidence, measurements and plot for the layers whose `key` is at least `threshold` in the last epoch; null when none is. */
export function fractionFindingParts(
  history: RunHistory,
  key: FractionKey,
  threshold: number,
  what: string,
): Pick<Finding, 'evidence' | 'measurements' | 'plot'> | null {
  const last = history.epochs.at(-1);
  if (last === undefined) return null;
  const affected = last.layers.flatMap((layer, index) => ((layer[key] ?? 0) >= threshold ? [{ layer, index }] : []));
  if (affected.length === 0) return null;

  const evidence: string[] = [];
  const measurements: Record<string, number> = { threshold };
  const curves = affected.map(({ layer, index }) => {
    const values = history.epochs.map((e) => e.layers[index]?.[key] ?? NaN);
    const first = values.findIndex((v) => v >= threshold);
    evidence.push(
      `Layer ${layer.name} (${layer.type}): ${percent(layer[key]!)} ${what} at epoch ${last.epoch}` +
        (history.epochs.length > 1 ? ` (${percent(values[0])} at epoch ${history.epochs[0].epoch}; ${percent(threshold)} or more from epoch ${history.epochs[first].epoch} on).` : '.'),
    );
    measurements[`layer_${layer.name}`] = layer[key]!;
    return { name: `layer ${layer.name}`, curve: epochCurve(history, values) };
  });
  return { evidence, measurements, plot: plotOf(`fraction ${what}`, curves) };
}
