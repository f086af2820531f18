/** What the page and the training worker say to each other. */
import type { RunLogRecord } from '../../src/train/run-log.js';

/** The run's settings; the rest is `nabla train`'s defaults. */
export interface TrainingSettings {
  dataset: 'mnist' | 'fashion-mnist';
  epochs: number;
  /** The first n training samples, before the validation split, or null for all 60,000. */
  trainSamples: number | null;
  batchSize: number;
}

export type ToWorker =
  /** `dataUrl` is the folder holding <dataset>/<file>.gz (the dashboard server's /data/). */
  | { type: 'start'; dataUrl: string; settings: TrainingSettings }
  /** Stop after the current batch. */
  | { type: 'stop' };

export type FromWorker =
  | { type: 'status'; text: string }
  | { type: 'record'; record: RunLogRecord }
  /** The current weights as checkpoint bytes (what `nabla train --save` writes). */
  | { type: 'model'; bytes: Uint8Array }
  | { type: 'error'; message: string };
