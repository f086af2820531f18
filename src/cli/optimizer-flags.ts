import { Adam, AdamW } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { CosineAnnealingLR, LinearWarmup, type LRScheduler, SequentialLR, StepLR } from '../optim/schedules.js';
import { SGD } from '../optim/sgd.js';
import type { LossName } from '../nn/losses.js';
import type { MlpActivation } from '../nn/mlp.js';
import type { Tensor } from '../tensor/tensor.js';
import { UsageError } from './errors.js';

export const OPTIMIZER_NAMES = ['sgd', 'adam', 'adamw'] as const;
export const SCHEDULE_NAMES = ['none', 'step', 'cosine'] as const;

/** The flags of the optimizer itself, which `train` and `lr-find` share. */
export interface OptimizerChoiceFlags {
  optimizer: (typeof OPTIMIZER_NAMES)[number];
  lr?: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
}

export interface OptimizerFlags extends OptimizerChoiceFlags {
  schedule: (typeof SCHEDULE_NAMES)[number];
  stepSize: number;
  gamma: number;
  warmup: number;
}

/** The flags that only some optimizers or schedules read: given with another one, they would be silently ignored. */
const SPECIFIC_FLAGS: readonly { flag: string; of: '--optimizer' | '--schedule'; values: readonly string[]; hint?: string }[] = [
  { flag: '--momentum', of: '--optimizer', values: ['sgd'], hint: "Adam's --beta1 is its momentum-like average of the gradients" },
  { flag: '--dampening', of: '--optimizer', values: ['sgd'] },
  { flag: '--nesterov', of: '--optimizer', values: ['sgd'] },
  { flag: '--beta1', of: '--optimizer', values: ['adam', 'adamw'], hint: 'for SGD, --momentum plays that part' },
  { flag: '--beta2', of: '--optimizer', values: ['adam', 'adamw'] },
  { flag: '--eps', of: '--optimizer', values: ['adam', 'adamw'] },
  { flag: '--step-size', of: '--schedule', values: ['step'] },
  { flag: '--gamma', of: '--schedule', values: ['step'] },
];

/**
 * Rejects combinations of flags that cannot work, before any data is loaded. `given`: the flags on
 * the command line, to refuse those the chosen optimizer or schedule does not read.
 */
export function checkOptimizerFlags(flags: OptimizerFlags, epochs: number, given: readonly string[] = []): void {
  refuseUnread('--schedule', flags.schedule, given);
  checkOptimizerChoiceFlags(flags, given);
  if (flags.warmup >= epochs) throw new UsageError(`--warmup ${flags.warmup} must be shorter than --epochs ${epochs}`);
}

/** Rejects combinations of the optimizer's own flags that cannot work, and (from `given`) those it does not read. */
export function checkOptimizerChoiceFlags(flags: OptimizerChoiceFlags, given: readonly string[] = []): void {
  refuseUnread('--optimizer', flags.optimizer, given);
  if (flags.nesterov && (flags.optimizer !== 'sgd' || flags.momentum === 0 || flags.dampening !== 0)) {
    throw new UsageError('--nesterov needs --optimizer sgd with --momentum > 0 and --dampening 0');
  }
}

/** Refuses a flag on the command line that `chosen`, the value of `of`, does not read. */
function refuseUnread(of: '--optimizer' | '--schedule', chosen: string, given: readonly string[]): void {
  for (const { flag, of: owner, values, hint } of SPECIFIC_FLAGS) {
    if (owner !== of || !given.includes(flag) || values.includes(chosen)) continue;
    const owners = values.map((v) => `${of} ${v}`).join(' or ');
    throw new UsageError(`${flag} applies to ${owners} only, and ${of} ${chosen} does not use it${hint === undefined ? '' : ` (${hint})`}`);
  }
}

/**
 * The learning rate when --lr is not given. For SGD it depends on the activation: the slopes of
 * sigmoid and tanh shrink the gradients (sigmoid's is at most 1/4) and want the larger step, while
 * ReLU networks with He initialization train better with half of it (measured on Fashion-MNIST).
 * The mean squared error of the softmax output averages over the 10 classes and passes through the
 * softmax's slope, so its gradients are far smaller than the cross-entropy's and SGD needs a far
 * larger step: on MNIST, 5 epochs of the default network reach 11% at lr 0.1, 93% at 1 and 96% at
 * 5 (sigmoid); 97% at 1 with relu.
 */
export function defaultLearningRate(optimizer: OptimizerChoiceFlags['optimizer'], activation: MlpActivation, loss: LossName = 'cross-entropy'): number {
  if (optimizer !== 'sgd') return 1e-3;
  const relu = activation === 'relu' || activation === 'leakyRelu';
  if (loss === 'mse') return relu ? 1 : 5;
  return relu ? 0.05 : 0.1;
}

export function buildOptimizer(params: Tensor[], flags: OptimizerChoiceFlags & { lr: number }): Optimizer {
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
