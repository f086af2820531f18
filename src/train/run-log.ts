/**
 * The history of a training run as JSON lines: what `nabla train` writes (--log, or beside --save),
 * what the dashboard plots live and what the doctor reads. One record per line, snake_case like the
 * CLI's --json output; the first line is the run record, with the config. Portable: the browser
 * example produces the same records in a worker.
 */
import type { EpochRecord } from './fit.js';

/** Bumped when a record changes meaning; readers refuse versions newer than theirs. */
export const RUN_LOG_VERSION = 1;

/** A layer that holds parameters, as the records name it. */
export interface LoggedLayer {
  /** Dotted path in the model, as in the state dict ('0', 'features.3'). */
  name: string;
  /** Class name ('Linear', 'Conv2d'). */
  type: string;
  parameters: number;
}

/** The first line. */
export interface RunRecord {
  event: 'run';
  version: number;
  /** ISO 8601 time the run started. */
  started: string;
  /** The run's settings: the CLI's flags (camelCase as parsed), or what a program passes. */
  config: Record<string, unknown>;
  /** The model's config as a checkpoint stores it (an MLP config or a network spec), or null. */
  model: unknown;
  dataset: string | null;
  /** Class names in label order; null when the task is not a classification. */
  class_names: string[] | null;
  /** Shape of one input sample ([784], [1, 28, 28]). */
  input_shape: number[];
  parameters: number;
  /** Layers with parameters, in model order: batch and epoch records give their statistics in this order. */
  layers: LoggedLayer[];
  train_samples: number;
  batches_per_epoch: number;
  /** Batch records carry per-layer norms every this many batches (and on an epoch's last batch). */
  stats_every: number;
  epochs: number;
  /** The first epoch this log covers minus one (0, or the epoch a resumed run starts after). */
  initial_epoch: number;
}

/** Norms of one layer's parameters taken together (weight and bias). */
export interface LayerNorms {
  weight_norm: number;
  grad_norm: number;
}

export interface BatchLogRecord {
  event: 'batch';
  epoch: number;
  /** 1-based within the epoch. */
  batch: number;
  /** 1-based over the whole run (counting the epochs before a resume). */
  step: number;
  /** This batch's own mean loss and accuracy (not a running mean); acc null when not a classification. */
  loss: number;
  acc: number | null;
  lr: number;
  /** Throughput of the epoch so far. */
  samples_per_s: number;
  /** Global L2 norm of all gradients before any clipping. */
  grad_norm: number;
  /** Per layer of the run record, in its order, on every `stats_every`-th batch of an epoch and its last; absent otherwise. */
  layers?: LayerNorms[];
}

/**
 * Statistics of one layer at the end of an epoch, measured on a fixed probe batch. The activation
 * statistics and the gradient norm are null for a module with parameters of its own and children
 * too (a custom one), whose output nb.layerStats does not measure.
 */
export interface LayerEpochStats {
  name: string;
  type: string;
  weight_norm: number;
  grad_norm: number | null;
  /** Mean and standard deviation of the layer's output on the probe batch. */
  act_mean: number | null;
  act_std: number | null;
  /** The fraction of dead ReLU units, or saturated sigmoid/tanh outputs, of the activation that follows the layer; null where none follows. */
  dead_fraction: number | null;
  saturated_fraction: number | null;
  /** Histogram of the layer's weight values (not its bias): `counts[i]` values in [min + i w, min + (i + 1) w), w = (max - min) / counts.length. */
  histogram: { min: number; max: number; counts: number[] };
}

/** A test image the model got wrong with high confidence. */
export interface Misclassified {
  /** Index in the test set. */
  index: number;
  label: number;
  predicted: number;
  /** Softmax probability of the predicted class. */
  confidence: number;
  /** Input shape of the image ([28, 28]) and its pixels as bytes (value * 255, rounded), base64. */
  shape: number[];
  pixels: string;
}

export interface EpochLogRecord extends EpochRecord {
  event: 'epoch';
  layers: LayerEpochStats[];
  /** confusion[label][prediction] over the test set (else the validation set); null when not a classification. */
  confusion: number[][] | null;
  /** Which split the confusion matrix and the misclassified images come from. */
  confusion_split: 'test' | 'validation' | null;
  /** The most confidently misclassified images, most confident first (at most 16). */
  misclassified: Misclassified[];
}

/** The last line of a run that ended; a log without one is a run still going, or one that was killed. */
export interface EndRecord {
  event: 'end';
  status: 'completed' | 'interrupted' | 'diverged';
  /** The last epoch completed. */
  epoch: number;
  /** Why it ended early (the divergence message). */
  message: string | null;
  seconds: number;
}

export type RunLogRecord = RunRecord | BatchLogRecord | EpochLogRecord | EndRecord;
