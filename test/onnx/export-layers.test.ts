/**
 * nb.exportOnnx layer by layer: each layer and each of its options, exported with random weights,
 * gives in ONNX Runtime what nabla's eval() forward gives on a random batch of 3, within 1e-5.
 * Runs on whichever backend NABLA_BACKEND selects.
 */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { expectExportMatches, readModel } from './export-helpers.js';

type Case = [label: string, build: () => nb.Module, sampleShape: number[]];

const cases = (list: Case[]) => list;

describe('Linear and its fused activations', () => {
  it.each(cases([
    ['Linear', () => new nb.Linear(5, 4), [5]],
    ['Linear without bias', () => new nb.Linear(5, 4, { bias: false }), [5]],
    ['Linear on [N, L, in] (MatMul)', () => new nb.Linear(5, 4), [2, 5]],
    ['Linear on [N, L, in] without bias', () => new nb.Linear(5, 4, { bias: false }), [2, 5]],
    ['Linear -> ReLU (fused in nabla)', () => new nb.Sequential(new nb.Linear(5, 4), new nb.ReLU()), [5]],
    ['Linear -> Sigmoid (fused in nabla)', () => new nb.Sequential(new nb.Linear(5, 4), new nb.Sigmoid()), [5]],
    ['Linear -> Tanh (fused in nabla)', () => new nb.Sequential(new nb.Linear(5, 4), new nb.Tanh()), [5]],
    ['Linear -> LeakyReLU(0.2) (fused in nabla)', () => new nb.Sequential(new nb.Linear(5, 4), new nb.LeakyReLU(0.2)), [5]],
    ['float64 Linear (written as float32)', () => new nb.Linear(5, 4, { dtype: 'float64' }), [5]],
  ]))('%s', async (_label, build, shape) => {
    await expectExportMatches(build(), shape);
  });
});

describe('activations', () => {
  it.each(cases([
    ['Sigmoid', () => new nb.Sigmoid(), [6]],
    ['Tanh', () => new nb.Tanh(), [6]],
    ['ReLU', () => new nb.ReLU(), [6]],
    ['LeakyReLU', () => new nb.LeakyReLU(), [6]],
    ['LeakyReLU(0.3)', () => new nb.LeakyReLU(0.3), [6]],
    ['Softmax', () => new nb.Softmax(), [4, 5]],
    ['Softmax(dim 1)', () => new nb.Softmax(1), [4, 5]],
    ['LogSoftmax', () => new nb.LogSoftmax(), [6]],
    ['LogSoftmax(dim 1)', () => new nb.LogSoftmax(1), [4, 5]],
    ['Identity', () => new nb.Identity(), [6]],
    ['GELU', () => new nb.GELU(), [6]],
    ["GELU('tanh')", () => new nb.GELU('tanh'), [6]],
    ['SiLU', () => new nb.SiLU(), [6]],
    ['ELU', () => new nb.ELU(), [6]],
    ['ELU(0.5)', () => new nb.ELU(0.5), [6]],
    ['SELU', () => new nb.SELU(), [6]],
    ['Softplus', () => new nb.Softplus(), [6]],
    ['Softplus(beta 2, threshold 1), both branches', () => new nb.Softplus(2, 1), [6]],
    ['Hardtanh', () => new nb.Hardtanh(), [6]],
    ['Hardtanh(-0.5, 0.7)', () => new nb.Hardtanh(-0.5, 0.7), [6]],
    ['Mish', () => new nb.Mish(), [6]],
  ]))('%s', async (_label, build, shape) => {
    await expectExportMatches(build(), shape, { std: 3 });
  });
});

describe('Flatten, Dropout', () => {
  it.each(cases([
    ['Flatten', () => new nb.Flatten(), [2, 3, 4]],
    ['Flatten(2, 3)', () => new nb.Flatten(2, 3), [2, 3, 4]],
    ['Flatten(1, -2)', () => new nb.Flatten(1, -2), [2, 3, 4]],
    ['Dropout in training mode exports its eval form', () => new nb.Dropout(0.5).train(), [6]],
    ['Dropout2d', () => new nb.Dropout2d(0.3).train(), [2, 3, 3]],
  ]))('%s', async (_label, build, shape) => {
    await expectExportMatches(build(), shape);
  });

  it('writes Dropout as no node at all', async () => {
    const bytes = await expectExportMatches(new nb.Sequential(new nb.Linear(4, 3), new nb.Dropout(0.5)), [4]);
    expect(readModel(bytes).nodes.map((n) => n.opType)).toEqual(['Gemm', 'Identity']);
  });
});

describe('convolutions', () => {
  it.each(cases([
    ['Conv1d', () => new nb.Conv1d(2, 3, 3), [2, 9]],
    ['Conv1d padding 2', () => new nb.Conv1d(2, 3, 3, { padding: 2 }), [2, 9]],
    ['Conv1d padding [1] per axis', () => new nb.Conv1d(2, 3, 3, { padding: [1] }), [2, 9]],
    ['Conv1d padding [1, 2] per side', () => new nb.Conv1d(2, 3, 3, { padding: [1, 2] }), [2, 9]],
    ["Conv1d padding 'same', even kernel (1 before, 2 after)", () => new nb.Conv1d(2, 3, 4, { padding: 'same' }), [2, 9]],
    ["Conv1d padding 'same', dilation 2", () => new nb.Conv1d(2, 3, 4, { padding: 'same', dilation: 2 }), [2, 9]],
    ["Conv1d padding 'valid'", () => new nb.Conv1d(2, 3, 3, { padding: 'valid' }), [2, 9]],
    ['Conv1d stride 2, dilation 2', () => new nb.Conv1d(2, 3, 3, { stride: 2, dilation: 2, padding: 1 }), [2, 11]],
    ['Conv1d groups 2, no bias', () => new nb.Conv1d(4, 6, 3, { groups: 2, bias: false }), [4, 9]],
    ['Conv2d', () => new nb.Conv2d(2, 3, 3), [2, 7, 8]],
    ['Conv2d padding 1', () => new nb.Conv2d(2, 3, 3, { padding: 1 }), [2, 7, 8]],
    ['Conv2d padding [1, 2] per axis', () => new nb.Conv2d(2, 3, 3, { padding: [1, 2] }), [2, 7, 8]],
    ['Conv2d padding [0, 1, 2, 1] per side', () => new nb.Conv2d(2, 3, 3, { padding: [0, 1, 2, 1] }), [2, 7, 8]],
    ["Conv2d padding 'same', kernel [3, 4]", () => new nb.Conv2d(2, 3, [3, 4], { padding: 'same' }), [2, 7, 8]],
    ["Conv2d padding 'same', kernel [3, 4], dilation [2, 1]", () => new nb.Conv2d(2, 3, [3, 4], { padding: 'same', dilation: [2, 1] }), [2, 7, 8]],
    ["Conv2d padding 'valid'", () => new nb.Conv2d(2, 3, 3, { padding: 'valid' }), [2, 7, 8]],
    ['Conv2d stride [2, 1], dilation [1, 2]', () => new nb.Conv2d(2, 3, [3, 2], { stride: [2, 1], dilation: [1, 2], padding: 1 }), [2, 9, 8]],
    ['Conv2d groups 3', () => new nb.Conv2d(6, 9, 3, { groups: 3, padding: 1 }), [6, 5, 5]],
    ['Conv2d depthwise, no bias', () => new nb.Conv2d(4, 4, 3, { groups: 4, bias: false }), [4, 6, 6]],
    ['Conv2d -> ReLU (fused in nabla)', () => new nb.Sequential(new nb.Conv2d(2, 3, 3), new nb.ReLU()), [2, 6, 6]],
    ['ConvTranspose1d', () => new nb.ConvTranspose1d(2, 3, 3), [2, 6]],
    ['ConvTranspose1d stride 2, padding 1, outputPadding 1', () => new nb.ConvTranspose1d(2, 3, 3, { stride: 2, padding: 1, outputPadding: 1 }), [2, 6]],
    ['ConvTranspose1d dilation 2, groups 2, no bias', () => new nb.ConvTranspose1d(4, 6, 3, { dilation: 2, groups: 2, bias: false }), [4, 6]],
    ['ConvTranspose2d', () => new nb.ConvTranspose2d(2, 3, 3), [2, 4, 5]],
    ['ConvTranspose2d stride [2, 3], padding [1, 0], outputPadding [1, 2]', () => new nb.ConvTranspose2d(2, 3, [3, 2], { stride: [2, 3], padding: [1, 0], outputPadding: [1, 2] }), [2, 4, 5]],
    ['ConvTranspose2d dilation [2, 1], groups 2', () => new nb.ConvTranspose2d(4, 2, 3, { dilation: [2, 1], groups: 2 }), [4, 4, 5]],
  ]))('%s', async (_label, build, shape) => {
    await expectExportMatches(build(), shape);
  });
});

describe('pooling', () => {
  it.each(cases([
    ['MaxPool1d(2)', () => new nb.MaxPool1d(2), [2, 9]],
    ['MaxPool1d stride 2, padding 1, dilation 2', () => new nb.MaxPool1d({ kernelSize: 3, stride: 2, padding: 1, dilation: 2 }), [2, 10]],
    ['MaxPool1d ceilMode', () => new nb.MaxPool1d({ kernelSize: 2, ceilMode: true }), [2, 9]],
    ['MaxPool2d(2)', () => new nb.MaxPool2d(2), [2, 6, 7]],
    ['MaxPool2d kernel [3, 2], stride [2, 1], padding 1', () => new nb.MaxPool2d({ kernelSize: [3, 2], stride: [2, 1], padding: 1 }), [2, 7, 6]],
    ['MaxPool2d ceilMode, padding 1', () => new nb.MaxPool2d({ kernelSize: 3, stride: 2, padding: 1, ceilMode: true }), [2, 8, 7]],
    ['AvgPool1d(2)', () => new nb.AvgPool1d(2), [2, 9]],
    ['AvgPool1d padding 1, countIncludePad false', () => new nb.AvgPool1d({ kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }), [2, 9]],
    ['AvgPool1d padding 1, countIncludePad true', () => new nb.AvgPool1d({ kernelSize: 3, stride: 2, padding: 1 }), [2, 9]],
    ['AvgPool2d(2)', () => new nb.AvgPool2d(2), [2, 6, 7]],
    ['AvgPool2d ceilMode, countIncludePad true', () => new nb.AvgPool2d({ kernelSize: 3, stride: 2, padding: 1, ceilMode: true }), [2, 8, 7]],
    ['AvgPool2d ceilMode, countIncludePad false', () => new nb.AvgPool2d({ kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [2, 8, 7]],
    ['AvgPool2d ceilMode without padding', () => new nb.AvgPool2d({ kernelSize: 2, ceilMode: true }), [2, 5, 7]],
    ['AvgPool2d divisorOverride 5', () => new nb.AvgPool2d({ kernelSize: 3, stride: 2, padding: 1, divisorOverride: 5 }), [2, 7, 6]],
    ['AdaptiveAvgPool1d(3) over 7', () => new nb.AdaptiveAvgPool1d(3), [2, 7]],
    ['AdaptiveAvgPool2d(2) over 4 x 6', () => new nb.AdaptiveAvgPool2d(2), [2, 4, 6]],
    ['AdaptiveAvgPool2d([3, 4]) over 7 x 5', () => new nb.AdaptiveAvgPool2d([3, 4]), [2, 7, 5]],
    ['AdaptiveAvgPool2d([3, null]) over 7 x 5', () => new nb.AdaptiveAvgPool2d([3, null]), [2, 7, 5]],
    ['AdaptiveAvgPool2d(1) over 5 x 5', () => new nb.AdaptiveAvgPool2d(1), [3, 5, 5]],
    ['GlobalAvgPool 2-D', () => new nb.GlobalAvgPool(), [3, 4, 5]],
    ['GlobalAvgPool 1-D', () => new nb.GlobalAvgPool(), [3, 4]],
  ]))('%s', async (_label, build, shape) => {
    await expectExportMatches(build(), shape);
  });
});

describe('normalization', () => {
  it.each(cases([
    ['BatchNorm1d on [N, C]', () => new nb.BatchNorm1d(4), [4]],
    ['BatchNorm1d on [N, C, L]', () => new nb.BatchNorm1d(4), [4, 6]],
    ['BatchNorm1d eps 0.1', () => new nb.BatchNorm1d(4, { eps: 0.1 }), [4]],
    ['BatchNorm2d', () => new nb.BatchNorm2d(3), [3, 4, 5]],
    ['BatchNorm2d, affine false', () => new nb.BatchNorm2d(3, { affine: false }), [3, 4, 5]],
    ['BatchNorm2d, trackRunningStats false (batch statistics in eval)', () => new nb.BatchNorm2d(3, { trackRunningStats: false }), [3, 4, 5]],
    ['BatchNorm1d, trackRunningStats false, affine false', () => new nb.BatchNorm1d(4, { trackRunningStats: false, affine: false }), [4, 6]],
    ['LayerNorm over the last axis', () => new nb.LayerNorm(4), [3, 4]],
    ['LayerNorm over two axes, no affine', () => new nb.LayerNorm([3, 4], { elementwiseAffine: false }), [3, 4]],
    ['LayerNorm without bias', () => new nb.LayerNorm(4, { bias: false }), [4]],
  ]))('%s', async (_label, build, shape) => {
    await expectExportMatches(build(), shape);
  });

  it('writes the running statistics under their state-dict names', async () => {
    const bytes = await expectExportMatches(new nb.Sequential(new nb.Conv2d(2, 3, 3), new nb.BatchNorm2d(3)), [2, 5, 5]);
    const names = readModel(bytes).initializers.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['1.weight', '1.bias', '1.running_mean', '1.running_var']));
    expect(names).not.toContain('1.num_batches_tracked');
  });
});

describe('blocks', () => {
  it.each(cases([
    ['Residual with the identity shortcut', () => new nb.Residual(new nb.Sequential(new nb.Conv2d(3, 3, 3, { padding: 1 }), new nb.ReLU())), [3, 5, 5]],
    ['Residual with a 1x1 projection', () => new nb.Residual(new nb.Conv2d(2, 4, 3, { padding: 1, stride: 2 }), new nb.Conv2d(2, 4, 1, { stride: 2 })), [2, 6, 6]],
    ['Residual of Linear layers', () => new nb.Residual(new nb.Linear(4, 4)), [4]],
    ['ParallelSum of three branches', () => new nb.ParallelSum(new nb.Linear(4, 3), new nb.Sequential(new nb.Linear(4, 3), new nb.Tanh()), new nb.Linear(4, 3, { bias: false })), [4]],
    ['Sequential in Sequential', () => new nb.Sequential(new nb.Sequential(new nb.Linear(4, 5), new nb.ReLU()), new nb.Sequential(new nb.Linear(5, 2))), [4]],
    ['a ResNet-like stack', () => new nb.Sequential(
      new nb.Conv2d(1, 4, 3, { padding: 1 }), new nb.BatchNorm2d(4), new nb.ReLU(),
      new nb.Residual(new nb.Sequential(new nb.Conv2d(4, 4, 3, { padding: 1 }), new nb.BatchNorm2d(4), new nb.ReLU(), new nb.Conv2d(4, 4, 3, { padding: 1 }))),
      new nb.ReLU(), new nb.MaxPool2d(2), new nb.Dropout(0.2), new nb.GlobalAvgPool(), new nb.Linear(4, 3), new nb.LogSoftmax(1),
    ), [1, 8, 8]],
  ]))('%s', async (_label, build, shape) => {
    await expectExportMatches(build(), shape);
  });

  it('names the block parameters by their paths', async () => {
    const model = new nb.Sequential(new nb.Residual(new nb.Linear(4, 3), new nb.Linear(4, 3)), new nb.ParallelSum(new nb.Linear(3, 2), new nb.Linear(3, 2)));
    const bytes = await expectExportMatches(model, [4]);
    const names = readModel(bytes).initializers.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['0.body.weight', '0.projection.bias', '1.branches.0.weight', '1.branches.1.bias']));
  });

  it('writes a parameter shared by two layers once', async () => {
    const shared = new nb.Linear(4, 4);
    const bytes = await expectExportMatches(new nb.Sequential(shared, new nb.Tanh(), shared), [4]);
    const names = readModel(bytes).initializers.map((t) => t.name);
    expect(names).toEqual(['0.weight', '0.bias']);
  });
});
