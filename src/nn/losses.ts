/**
 * Loss functions with PyTorch's semantics (torch.nn.functional), composed from tensor ops so their
 * gradients come from autodiff; crossEntropy's plain case runs the fused, stable softmaxCrossEntropy
 * op. Each takes `reduction`: 'mean' (default) averages the per-element losses, 'sum' adds them and
 * 'none' returns them unreduced. One file per family in ./losses/.
 */
export type { LossOptions, Reduction } from './losses/shared.js';
export { LOSS_NAMES, type LossName } from './losses/names.js';
export { mseLoss, l1Loss, huberLoss, smoothL1Loss, type HuberLossOptions, type SmoothL1LossOptions } from './losses/regression.js';
export { binaryCrossEntropy, binaryCrossEntropyWithLogits, type BinaryCrossEntropyOptions, type BinaryCrossEntropyWithLogitsOptions } from './losses/binary.js';
export { crossEntropy, nllLoss, type CrossEntropyOptions, type NllLossOptions } from './losses/cross-entropy.js';
export { klDiv, type KlDivOptions, type KlDivReduction } from './losses/kl-div.js';
