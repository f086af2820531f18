import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** PyTorch 1.13's numbers for the optimizers and schedules (scripts/torch/optim_fixtures.py, float64). */
export interface OptimizerCase {
  optimizer: 'RMSprop' | 'Adagrad' | 'Adam' | 'AdamW';
  /** Options with nabla's names. */
  options: Record<string, unknown>;
  /** With two parameter groups: the first holds parameter 0, the second parameter 1. */
  groups?: Record<string, unknown>[];
  /** Both parameters' values after each step. */
  trajectory: number[][][];
  /** Each parameter's state after the last step, with nabla's names. */
  state: Record<string, number | number[]>[];
}

export interface ScheduleSequence {
  /** The learning rate at epochs 0..n: after construction, then after each step(). */
  lr: number[];
  momentum?: number[];
}

export interface OneCycleCase extends ScheduleSequence {
  optimizer: 'SGD' | 'Adam' | 'RMSprop';
  optimizerOptions: Record<string, unknown>;
  options: Record<string, unknown>;
  totalSteps: number;
  momentum: number[];
}

export interface Fixture {
  initial: number[][];
  shapes: number[][];
  /** One gradient per parameter per step. */
  grads: number[][][];
  optimizers: OptimizerCase[];
  schedules: {
    LambdaLR: (ScheduleSequence & { lambda: string })[];
    ExponentialLR: (ScheduleSequence & { gamma: number })[];
    OneCycleLR: OneCycleCase[];
  };
  plateau: {
    metrics: number[];
    cases: { options: Record<string, unknown>; lr: number[]; best: number; numBadEpochs: number; cooldownCounter: number }[];
  };
}

export const fixture = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'optim.json'), 'utf8')) as Fixture;
