/**
 * Turns a training run into the records of its history (see run-log.ts): the run record, one batch
 * record per batch, one epoch record per epoch and the end record, handed to `emit` as they are
 * made. Portable: `nabla train` writes them to a file and a dashboard, the browser example posts
 * them from its worker. It keeps numbers only, never a tensor of a batch, so a long run costs it
 * no memory.
 */
import { ReleasingScope } from '../backend/storage.js';
import { checkOptions, describeValue } from '../base/options.js';
import type { TensorDataset } from '../data/dataset.js';
import { layerStats } from '../nn/layer-stats.js';
import type { Module } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';
import type { Tensor } from '../tensor/tensor.js';
import type { BatchProgress, EpochEvaluation, EpochRecord } from './fit.js';
import { classIndices } from './labels.js';
import type { Objective } from './objective.js';
import { type EndRecord, type LayerEpochStats, type LayerNorms, type Misclassified, RUN_LOG_VERSION, type RunLogRecord, type RunRecord } from './run-log.js';
import { batchSurvivors } from './survivors.js';

export interface RunRecorderOptions {
  /** Receives every record as soon as it is made. */
  emit: (record: RunLogRecord) => void;
  /** What fit is given: the training set (its first samples are the probe batch of the epoch statistics), the loss, the batch size, the epochs. */
  train: TensorDataset;
  loss: Objective;
  batchSize: number;
  epochs: number;
  initialEpoch?: number;
  /** The sets fit evaluates: the misclassified images are looked up in the test set, else the validation set. */
  test?: TensorDataset;
  validation?: TensorDataset;
  /** The run's settings (the CLI's flags), the model's config as a checkpoint stores it, the dataset's name and its class names. */
  config?: Record<string, unknown>;
  modelConfig?: unknown;
  dataset?: string | null;
  classNames?: readonly string[] | null;
  /** Shape of one sample as an image, for the misclassified ones; default the sample's shape without leading 1s, and s x s for a flat row of s^2 values. */
  imageShape?: number[];
  /** Per-layer norms go into every statsEvery-th batch record (and each epoch's last); default about 20 per epoch. */
  statsEvery?: number;
}

const OPTIONS = ['emit', 'train', 'loss', 'batchSize', 'epochs', 'initialEpoch', 'test', 'validation', 'config', 'modelConfig', 'dataset', 'classNames', 'imageShape', 'statsEvery'];
/** Samples of the fixed batch the epoch statistics are measured on. */
const PROBE_SAMPLES = 256;
const BATCH_STATS_PER_EPOCH = 20;
const HISTOGRAM_BINS = 30;
const MISCLASSIFIED_KEPT = 16;

/** A layer of the run record: a module that holds parameters of its own. */
interface RecordedLayer {
  name: string;
  type: string;
  /** Its own parameters, with their positions in model.namedParameters(). */
  parameters: { parameter: Parameter; index: number }[];
  /** The parameters its histogram shows: its `weight`, else its matrices, else all of them. */
  weights: Parameter[];
}

export class RunRecorder {
  readonly statsEvery: number;
  private readonly options: RunRecorderOptions;
  private readonly model: Module;
  private readonly layers: RecordedLayer[];
  private readonly probe: Tensor[];
  private readonly imageShape: number[];
  private readonly batchesPerEpoch: number;
  private readonly scope: ReleasingScope;
  /** Labels of the test or validation set by position, read once. */
  private readonly labels = new Map<TensorDataset, Int32Array>();
  private startedAt = 0;
  private lastEpoch: number;

  constructor(model: Module, options: RunRecorderOptions) {
    if (model === null || typeof model !== 'object' || typeof model.namedParameters !== 'function') {
      throw new TypeError(`RunRecorder: the first argument must be the Module that fit trains, got ${describeValue(model)}`);
    }
    checkOptions(options, OPTIONS, 'RunRecorder');
    const { emit, train, loss, batchSize, epochs, initialEpoch = 0, imageShape, statsEvery } = options;
    if (typeof emit !== 'function') throw new TypeError(`RunRecorder: options.emit must be a function (record) => void, got ${describeValue(emit)}`);
    if (typeof loss !== 'function') throw new TypeError(`RunRecorder: options.loss must be the objective fit trains with, got ${describeValue(loss)}`);
    if (train === null || typeof train !== 'object' || typeof train.take !== 'function' || train.length === 0) {
      throw new TypeError(`RunRecorder: options.train must be the non-empty TensorDataset fit trains on, got ${describeValue(train)}`);
    }
    for (const [key, value] of [['batchSize', batchSize], ['epochs', epochs]] as const) {
      if (!Number.isInteger(value) || value <= 0) throw new RangeError(`RunRecorder: options.${key} must be a positive integer, got ${describeValue(value)}`);
    }
    if (!Number.isInteger(initialEpoch) || initialEpoch < 0 || initialEpoch >= epochs) {
      throw new RangeError(`RunRecorder: options.initialEpoch must be an integer in [0, epochs) = [0, ${epochs}), got ${describeValue(initialEpoch)}`);
    }
    this.options = options;
    this.model = model;
    this.layers = recordedLayers(model);
    this.batchesPerEpoch = Math.ceil(train.length / batchSize);
    if (statsEvery !== undefined && (!Number.isInteger(statsEvery) || statsEvery <= 0)) throw new RangeError(`RunRecorder: options.statsEvery must be a positive integer, got ${describeValue(statsEvery)}`);
    this.statsEvery = statsEvery ?? Math.max(1, Math.round(this.batchesPerEpoch / BATCH_STATS_PER_EPOCH));
    const sampleShape = train.tensors[0].shape.slice(1);
    this.imageShape = imageShape ?? defaultImageShape(sampleShape);
    const sampleSize = sampleShape.reduce((n, d) => n * d, 1);
    if (!Array.isArray(this.imageShape) || this.imageShape.reduce((n, d) => n * d, 1) !== sampleSize) {
      const given = Array.isArray(imageShape) ? `[${imageShape.join(', ')}]` : describeValue(imageShape);
      throw new RangeError(`RunRecorder: options.imageShape ${given} does not hold the ${sampleSize} values of a sample of shape [${sampleShape.join(', ')}]`);
    }
    this.probe = train.take(range(Math.min(PROBE_SAMPLES, train.length)));
    // What the epoch statistics allocate is freed when they are done; the model's tensors are not.
    this.scope = new ReleasingScope(() => [...batchSurvivors(model), ...this.probe.map((t) => t.storage)]);
    this.lastEpoch = initialEpoch;
  }

  /** Emits the run record; call it before fit. */
  start(): void {
    const { train, epochs, initialEpoch = 0, config = {}, modelConfig = null, dataset = null, classNames = null } = this.options;
    this.startedAt = performance.now();
    const record: RunRecord = {
      event: 'run',
      version: RUN_LOG_VERSION,
      started: new Date().toISOString(),
      config,
      model: modelConfig,
      dataset,
      class_names: classNames === null ? null : [...classNames],
      input_shape: train.tensors[0].shape.slice(1),
      parameters: this.model.numParameters(),
      layers: this.layers.map((layer) => ({ name: layer.name, type: layer.type, parameters: layer.parameters.reduce((n, { parameter }) => n + parameter.size, 0) })),
      train_samples: train.length,
      batches_per_epoch: this.batchesPerEpoch,
      stats_every: this.statsEvery,
      epochs,
      initial_epoch: initialEpoch,
    };
    this.options.emit(record);
  }

  /** fit's onBatch. */
  readonly onBatch = (progress: BatchProgress): void => {
    const { epoch, batch, batches, samples, seconds, batchLoss, batchSamples, batchCorrect, lr, gradNorm, gradSquares } = progress;
    const withStats = batch % this.statsEvery === 0 || batch === batches;
    this.options.emit({
      event: 'batch',
      epoch,
      batch,
      step: (epoch - 1) * batches + batch,
      loss: batchLoss,
      acc: batchCorrect === null ? null : batchCorrect / batchSamples,
      lr,
      samples_per_s: seconds > 0 ? samples / seconds : 0,
      grad_norm: gradNorm,
      ...(withStats ? { layers: this.layers.map((layer) => this.batchNorms(layer, gradSquares)) } : {}),
    });
  };

  /** fit's onEpoch. */
  readonly onEpoch = (record: EpochRecord, evaluation: EpochEvaluation): void => {
    const [split, metrics, dataset] = evaluation.test !== null && evaluation.test.confusion.length > 0
      ? ['test', evaluation.test, this.options.test] as const
      : evaluation.validation !== null && evaluation.validation.confusion.length > 0
        ? ['validation', evaluation.validation, this.options.validation] as const
        : [null, null, undefined] as const;
    const { layers, misclassified } = this.scope.run(() => ({
      layers: this.probeStats(),
      misclassified: metrics === null || dataset === undefined ? [] : this.mistakes(dataset, metrics.predictions, metrics.confidences),
    }));
    this.options.emit({ event: 'epoch', ...record, layers, confusion: metrics?.confusion ?? null, confusion_split: split, misclassified });
    this.lastEpoch = record.epoch;
  };

  /** Emits the end record: the run completed, was interrupted, or diverged (with the error's message). */
  end(status: EndRecord['status'], message: string | null = null): void {
    this.options.emit({ event: 'end', status, epoch: this.lastEpoch, message, seconds: (performance.now() - this.startedAt) / 1000 });
  }

  private batchNorms(layer: RecordedLayer, gradSquares: readonly number[]): LayerNorms {
    return {
      weight_norm: weightNorm(layer),
      grad_norm: Math.sqrt(layer.parameters.reduce((sum, { index }) => sum + (gradSquares[index] ?? 0), 0)),
    };
  }

  /**
   * Each layer's statistics on the probe batch. A layer is measured by layerStats when it is a leaf of
   * the module tree; one with children of its own has NaN (null in JSON) activation statistics and
   * gradient norm.
   */
  private probeStats(): LayerEpochStats[] {
    const rows = layerStats(this.model, this.probe, { loss: this.options.loss });
    return this.layers.map((layer) => {
      const at = rows.findIndex((row) => row.name === layer.name);
      const row = rows[at];
      const next = rows[at + 1];
      return {
        name: layer.name,
        type: layer.type,
        weight_norm: weightNorm(layer),
        grad_norm: row?.gradNorm ?? null,
        act_mean: row?.mean ?? null,
        act_std: row === undefined ? null : Math.sqrt(row.variance),
        dead_fraction: row === undefined ? null : next?.deadFraction ?? null,
        saturated_fraction: row === undefined ? null : next?.saturatedFraction ?? null,
        histogram: histogram(layer.weights.map((w) => w.dataSync()), HISTOGRAM_BINS),
      };
    });
  }

  /** The most confidently misclassified samples of `dataset`, most confident first, with their pixels. */
  private mistakes(dataset: TensorDataset, predictions: Int32Array, confidences: Float32Array): Misclassified[] {
    const labels = this.labelsOf(dataset);
    const wrong: number[] = [];
    for (let i = 0; i < predictions.length; i++) if (predictions[i] !== labels[i]) wrong.push(i);
    wrong.sort((a, b) => confidences[b] - confidences[a] || a - b);
    const kept = wrong.slice(0, MISCLASSIFIED_KEPT);
    if (kept.length === 0) return [];
    const pixels = dataset.take(kept)[0].dataSync();
    const size = pixels.length / kept.length;
    return kept.map((index, k) => ({
      index,
      label: labels[index],
      predicted: predictions[index],
      confidence: confidences[index],
      shape: [...this.imageShape],
      pixels: base64(Uint8Array.from(pixels.subarray(k * size, (k + 1) * size), (v) => Math.round(Math.min(Math.max(v, 0), 1) * 255))),
    }));
  }

  private labelsOf(dataset: TensorDataset): Int32Array {
    let labels = this.labels.get(dataset);
    if (labels === undefined) {
      const byRow = classIndices(dataset.tensors[1]).dataSync();
      labels = Int32Array.from({ length: dataset.length }, (_, i) => byRow[dataset.rowOf(i)]);
      this.labels.set(dataset, labels);
    }
    return labels;
  }
}

/** The modules that hold parameters of their own, in the order of model.namedParameters(), named by their dotted paths. */
function recordedLayers(model: Module): RecordedLayer[] {
  const positions = new Map<Parameter, number>();
  for (const [, parameter] of model.namedParameters()) positions.set(parameter, positions.size);
  const layers: RecordedLayer[] = [];
  const seen = new Set<Module>();
  const visit = (module: Module, name: string) => {
    if (seen.has(module)) return;
    seen.add(module);
    const own = Object.entries(module).filter((entry): entry is [string, Parameter] => entry[1] instanceof Parameter);
    const parameters = own.flatMap(([, parameter]) => {
      const index = positions.get(parameter);
      // A parameter shared with an earlier layer counts there (as namedParameters names it once).
      if (index === undefined || layers.some((layer) => layer.parameters.some((p) => p.parameter === parameter))) return [];
      return [{ parameter, index }];
    });
    if (parameters.length > 0) {
      const named = own.filter(([key]) => key === 'weight').map(([, p]) => p);
      const matrices = parameters.map(({ parameter }) => parameter).filter((p) => p.ndim >= 2);
      const weights = named.length > 0 ? named : matrices.length > 0 ? matrices : parameters.map(({ parameter }) => parameter);
      layers.push({ name, type: module.constructor.name, parameters, weights });
    }
    for (const [child, sub] of module.namedChildren()) visit(sub, name === '' ? child : `${name}.${child}`);
  };
  visit(model, '');
  return layers;
}

/** `counts[i]` values in [min + i w, min + (i + 1) w), the maximum in the last bin; all in the first when every value is the same. */
function histogram(arrays: readonly ArrayLike<number>[], bins: number): { min: number; max: number; counts: number[] } {
  let min = Infinity;
  let max = -Infinity;
  for (const values of arrays) {
    for (let i = 0; i < values.length; i++) {
      min = Math.min(min, values[i]);
      max = Math.max(max, values[i]);
    }
  }
  const counts = new Array<number>(bins).fill(0);
  if (min > max) return { min: 0, max: 0, counts };
  const width = (max - min) / bins;
  for (const values of arrays) {
    for (let i = 0; i < values.length; i++) counts[width === 0 ? 0 : Math.min(bins - 1, Math.floor((values[i] - min) / width))]++;
  }
  return { min, max, counts };
}

/** The L2 norm of a layer's parameters together. */
function weightNorm(layer: RecordedLayer): number {
  let sum = 0;
  for (const { parameter } of layer.parameters) {
    const values = parameter.dataSync();
    for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
  }
  return Math.sqrt(sum);
}

/** [28, 28] for a [1, 28, 28] sample, and for a flat one of 784 values; the sample's own shape otherwise. */
function defaultImageShape(sampleShape: readonly number[]): number[] {
  const shape = [...sampleShape];
  while (shape.length > 2 && shape[0] === 1) shape.shift();
  if (shape.length === 1 && Number.isInteger(Math.sqrt(shape[0]))) return [Math.sqrt(shape[0]), Math.sqrt(shape[0])];
  return shape;
}

function base64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function range(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}
