export {
  Optimizer,
  type OptimizerOptions,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type ParamsInput,
  type ParamState,
  type StateValue,
  type StateSchema,
  type HyperParameter,
} from './optimizer.js';
export { SGD, type SGDOptions, type SGDState } from './sgd.js';
export { Adam, AdamW, type AdamOptions, type AdamState } from './adam.js';
export { RMSprop, type RMSpropOptions, type RMSpropState } from './rmsprop.js';
export { Adagrad, type AdagradOptions, type AdagradState } from './adagrad.js';
export { clipGradNorm, clipGradValue, type ClipGradNormOptions } from './clip.js';
export {
  LRScheduler,
  StepLR,
  CosineAnnealingLR,
  LinearWarmup,
  SequentialLR,
  LambdaLR,
  ExponentialLR,
  type AnyOptimizer,
  type LRSchedulerStateDict,
  type StepLROptions,
  type CosineAnnealingLROptions,
  type LinearWarmupOptions,
  type SequentialLROptions,
  type LambdaLROptions,
  type ExponentialLROptions,
} from './schedules.js';
export { OneCycleLR, type OneCycleLROptions } from './one-cycle-lr.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions, type ReduceLROnPlateauStateDict } from './reduce-lr-on-plateau.js';
