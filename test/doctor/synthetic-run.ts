/**
 * Builds run logs with chosen curves, for the diagnoses' tests: a healthy run by default (the loss of
 * a 10-class classifier falling from ln 10 to 0.15 with batch noise, validation tracking training,
 * gradients reaching every layer, few dead or saturated units), and any curve replaced by a function.
 */
import type { BatchLogRecord, EndRecord, EpochLogRecord, LayerEpochStats, RunLogRecord, RunRecord } from '../../src/train/run-log.js';

export interface SyntheticRun {
  epochs: number;
  batchesPerEpoch: number;
  classes: number;
  /** The run record's config (the CLI's flags). */
  config: Record<string, unknown>;
  initialEpoch: number;
  /** Layers with parameters, in model order. */
  layers: string[];
  /** The batch loss and accuracy at a 1-based step. */
  batchLoss: (step: number) => number;
  batchAcc: (step: number) => number;
  /** The per-layer gradient norms at a step (and, at the step ending an epoch, of the probe batch). */
  gradNorms: (step: number) => number[];
  /** Epoch values; by default the means of that epoch's batches, and validation a little worse. */
  trainLoss?: (epoch: number) => number;
  trainAcc?: (epoch: number) => number;
  valLoss?: (epoch: number) => number | null;
  valAcc?: (epoch: number) => number | null;
  /** Per layer at an epoch: the fraction of dead ReLU units or saturated sigmoid outputs after it (null: no such activation). */
  deadFraction: (epoch: number, layer: number) => number | null;
  saturatedFraction: (epoch: number, layer: number) => number | null;
  /** The end record's status, or null for a run without one (still going, or killed). */
  end: EndRecord['status'] | null;
  endMessage: string | null;
  /** The last step logged, for a run that stopped early (its partial epoch has no epoch record); all of them by default. */
  lastStep: number;
}

/** Deterministic noise in [-1, 1) from a step, so that the curves look measured but the tests never vary. */
export function noise(step: number): number {
  const x = Math.sin(step * 12.9898 + 78.233) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

export const HEALTHY_LOSS = (step: number) => (0.15 + 2.15 * Math.exp(-step / 60)) * (1 + 0.08 * noise(step));

/** A healthy run with `overrides`. */
export function syntheticRun(overrides: Partial<SyntheticRun> = {}): RunLogRecord[] {
  const base: SyntheticRun = {
    epochs: 5,
    batchesPerEpoch: 100,
    classes: 10,
    config: { lr: 0.1, loss: 'cross-entropy', activation: 'relu' },
    initialEpoch: 0,
    layers: ['0', '2', '4'],
    batchLoss: HEALTHY_LOSS,
    batchAcc: (step) => Math.min(0.99, 1 - 0.9 * Math.exp(-step / 60) - 0.04 + 0.02 * noise(step + 1)),
    gradNorms: (step) => [0.6, 0.5, 0.8].map((g) => g * (1 + 0.1 * noise(step + 2))),
    deadFraction: () => 0.04,
    saturatedFraction: () => null,
    end: 'completed',
    endMessage: null,
    lastStep: Infinity,
  };
  const spec = { ...base, ...overrides };
  const { epochs, batchesPerEpoch: batches, classes } = spec;
  const mean = (epoch: number, f: (step: number) => number) => {
    let sum = 0;
    for (let b = 1; b <= batches; b++) sum += f((epoch - 1) * batches + b);
    return sum / batches;
  };

  const layers = spec.layers.map((name) => ({ name, type: 'Linear', parameters: 100 }));
  const run: RunRecord = {
    event: 'run',
    version: 1,
    started: '2026-01-01T00:00:00.000Z',
    config: spec.config,
    model: null,
    dataset: 'mnist',
    class_names: Array.from({ length: classes }, (_, i) => String(i)),
    input_shape: [784],
    parameters: 100 * layers.length,
    layers,
    train_samples: batches * 100,
    batches_per_epoch: batches,
    stats_every: 1,
    epochs,
    initial_epoch: spec.initialEpoch,
  };
  const records: RunLogRecord[] = [run];
  let lastEpoch = spec.initialEpoch;
  for (let epoch = spec.initialEpoch + 1; epoch <= epochs; epoch++) {
    for (let batch = 1; batch <= batches; batch++) {
      const step = (epoch - 1) * batches + batch;
      if (step > spec.lastStep) break;
      const norms = spec.gradNorms(step);
      const record: BatchLogRecord = {
        event: 'batch',
        epoch,
        batch,
        step,
        loss: spec.batchLoss(step),
        acc: spec.batchAcc(step),
        lr: 0.1,
        samples_per_s: 10000,
        grad_norm: Math.hypot(...norms),
      };
      if (batch % 5 === 0 || batch === batches) record.layers = norms.map((grad_norm) => ({ weight_norm: 5, grad_norm }));
      records.push(record);
    }
    if (epoch * batches > spec.lastStep) break;
    lastEpoch = epoch;
    const trainLoss = spec.trainLoss?.(epoch) ?? mean(epoch, spec.batchLoss);
    const trainAcc = spec.trainAcc?.(epoch) ?? mean(epoch, spec.batchAcc);
    const norms = spec.gradNorms(epoch * batches);
    const layerStats: LayerEpochStats[] = layers.map((layer, i) => ({
      name: layer.name,
      type: layer.type,
      weight_norm: 5,
      grad_norm: norms[i],
      act_mean: 0,
      act_std: 1,
      dead_fraction: i < layers.length - 1 ? spec.deadFraction(epoch, i) : null,
      saturated_fraction: i < layers.length - 1 ? spec.saturatedFraction(epoch, i) : null,
      histogram: { min: -1, max: 1, counts: [1, 2, 1] },
    }));
    const record: EpochLogRecord = {
      event: 'epoch',
      epoch,
      train_loss: trainLoss,
      train_acc: trainAcc,
      val_loss: spec.valLoss === undefined ? trainLoss * 1.05 : spec.valLoss(epoch),
      val_acc: spec.valAcc === undefined ? trainAcc - 0.01 : spec.valAcc(epoch),
      test_loss: null,
      test_acc: null,
      lr: 0.1,
      samples_per_s: 10000,
      seconds: 1,
      layers: layerStats,
      confusion: null,
      confusion_split: null,
      misclassified: [],
    };
    records.push(record);
  }
  if (spec.end !== null) records.push({ event: 'end', status: spec.end, epoch: lastEpoch, message: spec.endMessage, seconds: 5 });
  return records;
}
