import { Adam, AdamW } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { CosineAnnealingLR, LinearWarmup, type LRScheduler, SequentialLR, StepLR } from '../optim/schedules.js';
import { SGD } from '../optim/sgd.js';
import type { MlpActivation } from '../nn/mlp.js';
import type { Tensor } from '../tensor/tensor.js';
import { UsageError } from './errors.js';

export const OPTIMIZER_NAMES = ['sgd', 'adam', 'adamw'] as const;
export const SCHEDULE_NAMES = ['none', 'step', 'cosine'] as const;

export interface OptimizerFlags {
  optimizer: (typeof OPTIMIZER_NAMES)[number];
  lr?: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  schedule: (typeof SCHEDULE_NAMES)[number];
  stepSize: number;
  gamma: number;
  warmup: number;
}

/** Rejects combinations of flags that cannot work, before any data is loaded. */
export function checkOptimizerFlags(flags: OptimizerFlags, epochs: number): void {
  if (flags.nesterov && (flags.optimizer !== 'sgd' || flags.momentum === 0 || flags.dampening !== 0)) {
    throw new UsageError('--nesterov needs --optimizer sgd with --momentum > 0 and --dampening 0');
  }
  if (flags.warmup >= epochs) throw new UsageError(`--warmup ${flags.warmup} must be shorter than --epochs ${epochs}`);
}

/**
 * The learning rate when --lr is not given. For SGD it depends on the activation: the slopes of
 * sigmoid and tanh shrink the gradients (sigmoid's is at most 1/4) and want the larger step, while
 * ReLU networks with He initialization train better with half of it (measured on Fashion-MNIST).
 */
export function defaultLearningRate(optimizer: OptimizerFlags['optimizer'], activation: MlpActivation): number {
  if (optimizer !== 'sgd') return 1e-3;
  return activation === 'relu' || activation === 'leakyRelu' ? 0.05 : 0.1;
}

export function buildOptimizer(params: Tensor[], flags: OptimizerFlags & { lr: number }): Optimizer {
  const { lr, momentum, dampening, nesterov, weightDecay, beta1, beta2, eps } = flags;
  switch (flags.optimizer) {
    case 'sgd':
      return new SGD(params, { lr, momentum, dampening, nesterov, weightDecay });
    case 'adam':
      return new Adam(params, { lr, betas: [beta1, beta2], eps, weightDecay });
    case 'adamw':
      return new AdamW(params, { lr, betas: [beta1, beta2], eps, weightDecay });
  }
}

/** The per-epoch schedule: an optional linear warm-up, then step decay, cosine decay or a constant rate. */
export function buildScheduler(optimizer: Optimizer, flags: OptimizerFlags, epochs: number): LRScheduler | undefined {
  const after = epochs - flags.warmup;
  const main =
    flags.schedule === 'step' ? new StepLR(optimizer, { stepSize: flags.stepSize, gamma: flags.gamma })
    : flags.schedule === 'cosine' ? new CosineAnnealingLR(optimizer, { tMax: after })
    : undefined;
  if (flags.warmup === 0) return main;
  const warmup = new LinearWarmup(optimizer, { warmupSteps: flags.warmup, startFactor: 1 / (flags.warmup + 1) });
  if (main === undefined) return warmup;
  return new SequentialLR(optimizer, { schedulers: [warmup, main], milestones: [flags.warmup] });
}
