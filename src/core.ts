// Everything that runs anywhere JavaScript runs (Node, browsers, workers): no file system, no
// Node built-ins. src/index.ts adds the Node-only parts (files, dataset lookup and download).
export { Tensor, type TensorLike, type NestedArray, type Axes } from './tensor/tensor.js';
export { type DType, type FloatDType, type TypedArray } from './base/dtype.js';
export { ShapeError, type Shape } from './base/shape.js';
export { Generator, manualSeed, defaultGenerator } from './tensor/random.js';
export { noGrad, isGradEnabled, backward, type GradFn } from './autograd/graph.js';
export { gradcheck, GradcheckError, type GradcheckOptions } from './autograd/gradcheck.js';
export { getBackend, setBackend, BACKEND_NAMES } from './backend/registry.js';
export { getThreads, setThreads } from './backend/wasm/threads.js';
export type { Backend } from './backend/backend.js';
export type { Activation, Kernel, KernelName, KernelTable } from './backend/kernels.js';
export { Storage, memory, type MemoryInfo } from './backend/storage.js';
export * from './ops/creation.js';
export { add, sub, mul, div, pow, maximum, minimum } from './ops/arithmetic.js';
export { neg, abs, exp, log, log1p, sqrt, square, reciprocal, sin, cos, sign, floor, ceil, round, sigmoid, tanh, relu, leakyRelu } from './ops/elementwise.js';
export { eq, ne, lt, le, gt, ge, where, clamp } from './ops/compare.js';
export { sum, mean, max, min, argmax, argmin, logsumexp, variance as var, std, type VarianceOptions } from './ops/reduce.js';
export { matmul } from './ops/matmul.js';
export { reshape, flatten, permute, transpose, squeeze, unsqueeze, broadcastTo, slice, concat, stack, flip, narrow, newaxis, ellipsis, type SliceSpec } from './ops/shape.js';
export { gather, oneHot, indexSelect, take } from './ops/indexing.js';
export { asStrided, asStridedScatter } from './ops/strided.js';
export { pad, PAD_MODES, type PadMode } from './ops/pad.js';
export { conv1d, conv2d, convTranspose1d, convTranspose2d, type ConvOptions, type ConvTransposeOptions } from './ops/conv.js';
export { maxPool1d, maxPool2d, avgPool1d, avgPool2d, adaptiveAvgPool1d, adaptiveAvgPool2d, type PoolOptions } from './ops/pool.js';
export type { Padding, PerAxis } from './ops/window.js';
export { linear, softmax, logSoftmax, softmaxCrossEntropy, dropout, type DropoutOptions, type Reduction } from './ops/nn.js';

export * as init from './nn/init.js';
export { Module } from './nn/module.js';
export { Parameter } from './nn/parameter.js';
export { Linear, type LinearOptions } from './nn/layers/linear.js';
export { Sequential } from './nn/layers/sequential.js';
export { Dropout } from './nn/layers/dropout.js';
export { Dropout2d } from './nn/layers/dropout.js';
export { dropout2d } from './ops/dropout2d.js';
export { BatchNorm1d, BatchNorm2d, type BatchNormLayerOptions } from './nn/layers/batchnorm.js';
export { batchNorm, type BatchNormOptions } from './ops/normalization.js';
export { Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, type ConvLayerOptions, type ConvTransposeLayerOptions } from './nn/layers/conv.js';
export { MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d, GlobalAvgPool } from './nn/layers/pool.js';
export { Residual } from './nn/layers/residual.js';
// Recurrent layers and cells (issue 13).
export { RNN, GRU, LSTM, type RNNOptions, type GRUOptions, type LSTMOptions, type RecurrentForwardOptions, type RecurrentParameterName } from './nn/layers/rnn.js';
export { RNNCell, GRUCell, LSTMCell, type RNNCellOptions, type GRUCellOptions, type LSTMCellOptions, type LSTMState } from './nn/layers/rnn-cells.js';
export type { RNNNonlinearity } from './ops/recurrent.js';
export { Sigmoid, Tanh, ReLU, LeakyReLU, Softmax, LogSoftmax, Identity, Flatten, FusableActivation } from './nn/layers/activations.js';
export { mlp, ACTIVATION_NAMES, MLP_ACTIVATIONS, type ActivationName, type MlpActivation, type MlpConfig, type MlpOptions } from './nn/mlp.js';
export { summarize, type LayerSummary } from './nn/summary.js';
export { INIT_NAMES, type InitName } from './nn/init.js';
export { mseLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, nllLoss, LOSS_NAMES, type LossName } from './nn/losses.js';
// More losses and the options of every loss (issue 15).
export { l1Loss, huberLoss, smoothL1Loss, klDiv, type LossOptions, type CrossEntropyOptions, type NllLossOptions, type BinaryCrossEntropyOptions, type BinaryCrossEntropyWithLogitsOptions, type HuberLossOptions, type SmoothL1LossOptions, type KlDivOptions, type KlDivReduction } from './nn/losses.js';
export * from './optim/index.js';
export { DataError, parseIdx, type IdxArray } from './data/idx.js';
export { imageDataset, CLASS_NAMES, type ImageDataOptions } from './data/image-dataset.js';
export type { DatasetName } from './data/sources.js';
export { TensorDataset } from './data/dataset.js';
export { DataLoader, type DataLoaderOptions } from './data/dataloader.js';
export { trainValidationSplit } from './data/split.js';
export { fit, TrainingDivergedError, type FitOptions, type EpochRecord, type BatchProgress, type EpochEvaluation } from './train/fit.js';
export { RunRecorder, type RunRecorderOptions } from './train/run-recorder.js';
export {
  RUN_LOG_VERSION, type RunLogRecord, type RunRecord, type BatchLogRecord, type EpochLogRecord, type EndRecord, type LayerEpochStats, type LayerNorms, type LoggedLayer,
  type Misclassified,
} from './train/run-log.js';
export { diagnose, type Diagnosis } from './doctor/index.js';
export { evaluate, countCorrect, type Metrics } from './train/evaluate.js';
export { objective, type Objective } from './train/objective.js';
export { encodeSafetensors, decodeSafetensors, SafetensorsError, type RawTensor } from './io/safetensors.js';
// Model summaries and JSON model specs (issue 12).
export { summaryJson, type ModelSummary, type SummaryShape } from './nn/summary.js';
export { ParallelSum } from './nn/layers/parallel-sum.js';
export { buildModel, ModelSpecError, LAYER_TYPES, type BuildModelOptions, type LayerSpec, type ModelSpec } from './nn/model-spec.js';
export { LENET, lenet } from './nn/lenet.js';
// Gated and attention recurrent layers (issue 13).
export { GatedRNN, type GatedRNNOptions } from './nn/layers/gated-rnn.js';
export { AttentionRNN, type AttentionRNNOptions } from './nn/layers/attention-rnn.js';
// Recurrent image classifiers and the spec of a one-layer network (issue 13).
export { SequenceClassifier, SEQUENCE_CELLS, type SequenceCell, type SequenceClassifierOptions } from './nn/layers/sequence-classifier.js';
export { buildNetwork, isNetworkSpec, type NetworkSpec } from './nn/model-spec.js';
// Functional Jacobians: grad, vjp, jvp, jacobian, and gradients (torch.autograd.grad) (issue 14).
export { enableGrad, gradients, type BackwardOptions } from './autograd/graph.js';
export { grad, vjp, jvp, jacobian, type FunctionalOptions, type GradOptions } from './autograd/functional.js';
// Linear algebra (nb.linalg) and closed-form ridge regression (issue 14).
export * as linalg from './linalg/index.js';
export { LinalgError } from './linalg/errors.js';
export { ridge, type RidgeOptions, type RidgeFit } from './linalg/ridge.js';
// Forward hooks and per-layer statistics (issue 14).
export type { ForwardHook, ForwardPreHook, RemovableHandle } from './nn/module.js';
export { layerStats, initializeModel, type LayerStats, type LayerStatsOptions } from './nn/layer-stats.js';
// Indexing, masks, scatter and pieces of tensors (issue 15).
export { maskedSelect, maskedFill } from './ops/masked.js';
export { scatter, scatterAdd } from './ops/scatter.js';
export { split, chunk, unbind } from './ops/split.js';
export { repeat, tile } from './ops/repeat.js';
export { roll } from './ops/roll.js';
// Reductions, sorting, elementwise math and activations (issue 15).
export { amax, amin, any, all } from './ops/reduce.js';
export { erf, expm1, isnan, isfinite } from './ops/elementwise.js';
export { prod, cumsum, cumprod } from './ops/cumulative.js';
export { norm, type NormOrder } from './ops/norm.js';
export { sort, argsort, topk } from './ops/sort.js';
export type { ValuesIndices } from './ops/values-indices.js';
export type { ArrayOfRank } from './tensor/tensor.js';
export { gelu, silu, elu, selu, softplus, hardtanh, mish, SELU_ALPHA, SELU_SCALE, GELU_APPROXIMATIONS, type GeluApproximation } from './ops/activations.js';
export { GELU, SiLU, ELU, SELU, Softplus, Hardtanh, Mish } from './nn/layers/activations.js';
// Learning-rate range test (issue 15).
export { lrFinder, type LrFinderOptions, type LrFinderResult } from './train/lr-finder.js';
// Containers, Embedding, LayerNorm and in-place ops (issue 15).
export { ModuleList } from './nn/layers/module-list.js';
export { ModuleDict } from './nn/layers/module-dict.js';
export type { AnyModule, IncompatibleKeys, LoadStateDictOptions } from './nn/module.js';
export { Embedding, type EmbeddingLayerOptions } from './nn/layers/embedding.js';
export { LayerNorm, type LayerNormOptions } from './nn/layers/layer-norm.js';
export { embedding, type EmbeddingOptions } from './ops/embedding.js';
export { layerNorm } from './ops/normalization.js';
// Resumable training, DataLoader over any dataset, bytes of models for browsers and workers (issue 15).
export type { GeneratorState } from './tensor/random.js';
export { fitAsync } from './train/fit.js';
export type { Dataset } from './data/dataset.js';
export { defaultCollate, type Collated } from './data/collate.js';
export { parseIdxAsync } from './data/idx.js';
export { encodeModel, decodeModel, decodeCheckpoint, type EncodeModelOptions, type Checkpoint, type ModelOrBuilder } from './io/model-bytes.js';
export type { TrainingState } from './io/training-state.js';
