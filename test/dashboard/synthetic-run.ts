/**
 * Made-up run logs that fill every panel of the dashboard (confusion matrices, misclassified images,
 * histograms that change with the epoch), with numbers that follow simple rules so that tests can
 * predict what the page shows. test/doctor/synthetic-run.ts builds runs for the doctor's diagnoses.
 */
import type { BatchLogRecord, EndRecord, EpochLogRecord, RunLogRecord, RunRecord } from '../../src/train/run-log.js';

/** Options of a made-up run's records: the shape of a real `nabla train` log, with numbers that follow simple rules. */
export interface SyntheticRunOptions {
  epochs?: number;
  batchesPerEpoch?: number;
  classes?: number;
  /** Test images per class: each confusion matrix sums to classes * perClass. */
  perClass?: number;
  /** Loss of the first batch; each later batch's is a little lower. */
  initialLoss?: number;
  ended?: boolean;
}

export const LAYERS = [
  { name: '0', type: 'Linear', parameters: 7850 },
  { name: '2', type: 'Linear', parameters: 110 },
];

export function runRecord(options: SyntheticRunOptions = {}): RunRecord {
  const { epochs = 2, batchesPerEpoch = 5, classes = 10 } = options;
  return {
    event: 'run',
    version: 1,
    started: '2026-01-01T00:00:00.000Z',
    config: { dataset: 'mnist', epochs, lr: 0.1, save: 'model.safetensors' },
    model: { inputSize: 784, hiddenSizes: [10], outputSize: classes, activation: 'sigmoid' },
    dataset: 'mnist',
    class_names: Array.from({ length: classes }, (_, i) => String(i)),
    input_shape: [784],
    parameters: LAYERS.reduce((sum, layer) => sum + layer.parameters, 0),
    layers: LAYERS,
    train_samples: batchesPerEpoch * 100,
    batches_per_epoch: batchesPerEpoch,
    stats_every: 1,
    epochs,
    initial_epoch: 0,
  };
}

export function batchRecord(epoch: number, batch: number, step: number, loss: number): BatchLogRecord {
  return {
    event: 'batch',
    epoch,
    batch,
    step,
    loss,
    acc: Math.min(1, 0.1 + step * 0.05),
    lr: 0.1 / epoch,
    samples_per_s: 1000 + step,
    grad_norm: 1 / step,
    layers: LAYERS.map((_, i) => ({ weight_norm: 10 + step + i, grad_norm: (i + 1) / step })),
  };
}

/** A confusion matrix with `perClass` test images per class, `wrong` of each class mistaken for the next class. */
export function confusion(classes: number, perClass: number, wrong: number): number[][] {
  return Array.from({ length: classes }, (_, label) =>
    Array.from({ length: classes }, (_, predicted) => (predicted === label ? perClass - wrong : predicted === (label + 1) % classes ? wrong : 0)),
  );
}

/** A 28x28 image of a vertical bar at column `column`, base64 bytes as the records store pixels. */
export function barImage(column: number): string {
  const pixels = new Uint8Array(28 * 28);
  for (let row = 4; row < 24; row++) pixels[row * 28 + column] = 255;
  return Buffer.from(pixels).toString('base64');
}

export function epochRecord(epoch: number, options: SyntheticRunOptions = {}): EpochLogRecord {
  const { classes = 10, perClass = 20 } = options;
  return {
    event: 'epoch',
    epoch,
    train_loss: 2 / epoch,
    train_acc: 1 - 0.5 / epoch,
    val_loss: 2.1 / epoch,
    val_acc: 1 - 0.6 / epoch,
    test_loss: 2.2 / epoch,
    test_acc: 1 - 0.7 / epoch,
    lr: 0.1 / epoch,
    samples_per_s: 5000,
    seconds: epoch,
    layers: LAYERS.map((layer, i) => ({
      name: layer.name,
      type: layer.type,
      weight_norm: 10 + epoch,
      grad_norm: 1 / epoch,
      act_mean: 0.1 * (i + 1),
      act_std: 0.5 / epoch,
      dead_fraction: null,
      saturated_fraction: 0.01 * i,
      histogram: { min: -1, max: 1, counts: [1, 4, 9, 16, 9, 4, 1].map((c) => c * epoch) },
    })),
    confusion: confusion(classes, perClass, Math.max(0, 5 - epoch)),
    confusion_split: 'test',
    misclassified: [0.97, 0.9, 0.8].map((confidence, i) => ({
      index: 100 + i,
      label: i,
      predicted: (i + 1) % classes,
      confidence,
      shape: [28, 28],
      pixels: barImage(8 + 4 * i),
    })),
  };
}

export function endRecord(epoch: number): EndRecord {
  return { event: 'end', status: 'completed', epoch, message: null, seconds: epoch };
}

/** A whole run: the run record, every batch and epoch, and (unless `ended` is false) the end record. */
export function syntheticRun(options: SyntheticRunOptions = {}): RunLogRecord[] {
  const { epochs = 2, batchesPerEpoch = 5, initialLoss = 2.3, ended = true } = options;
  const records: RunLogRecord[] = [runRecord(options)];
  let step = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (let batch = 1; batch <= batchesPerEpoch; batch++) {
      step += 1;
      records.push(batchRecord(epoch, batch, step, initialLoss * 0.95 ** step));
    }
    records.push(epochRecord(epoch, options));
  }
  if (ended) records.push(endRecord(epochs));
  return records;
}
