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
export { clipGradNorm, clipGradValue, type ClipGradNormOptions } from './clip.js';
export {
  LRScheduler,
  StepLR,
  CosineAnnealingLR,
  LinearWarmup,
  SequentialLR,
  type AnyOptimizer,
  type LRSchedulerStateDict,
  type StepLROptions,
  type CosineAnnealingLROptions,
  type LinearWarmupOptions,
  type SequentialLROptions,
} from './schedules.js';
