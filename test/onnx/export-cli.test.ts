/**
 * `nabla export --load FILE --format onnx -o model.onnx`, run as a user would (build first: `npm run
 * build`): checkpoints of `nabla train` (the default MLP, LeNet) and of a residual CNN become ONNX
 * files that ONNX Runtime runs as nabla runs the checkpoint; bad input is one line on stderr.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { DEFAULT_SEQUENCE } from '../../src/cli/models.js';
import { sequenceSpec } from '../../src/cli/sequence-models.js';
import { loadCheckpoint, saveModel } from '../../src/io/checkpoint.js';
import type { MlpConfig } from '../../src/nn/mlp.js';
import { buildNetwork, isNetworkSpec, type ModelSpec, type NetworkSpec } from '../../src/nn/model-spec.js';
import { ONNX_CONFIG_KEY } from '../../src/onnx/export.js';
import { assertBuilt, cli, describeRun, expectSuccess, expectUsageError, makeSandbox, removeSandbox } from '../cli/helpers.js';
import { allclose } from '../helpers.js';
import { dimensions, evalForward, readModel, runOrt } from './export-helpers.js';

let tmp: string;
let tiny: string;

beforeAll(() => {
  assertBuilt();
  ({ tmp, tiny } = makeSandbox('nabla-export-', ['mnist']));
});

afterAll(() => removeSandbox(tmp));

/** A small residual CNN for MNIST images, as a model spec. */
const RESIDUAL_CNN: ModelSpec = {
  layers: [
    { type: 'Conv2d', in_channels: 1, out_channels: 4, kernel_size: 3, padding: 1 },
    { type: 'ReLU' },
    { type: 'Residual', body: [{ type: 'Conv2d', in_channels: 4, out_channels: 4, kernel_size: 3, padding: 1 }, { type: 'BatchNorm2d', num_features: 4 }, { type: 'ReLU' }] },
    { type: 'MaxPool2d', kernel_size: 4 },
    { type: 'Flatten' },
    { type: 'Linear', in_features: 196, out_features: 10 },
  ],
};

/** The checkpoint's model with its weights, as nabla eval rebuilds it. */
function checkpointModel(file: string): nb.Module {
  const { config, stateDict } = loadCheckpoint<MlpConfig | NetworkSpec>(file);
  const model = isNetworkSpec(config) ? buildNetwork(config) : nb.mlp(config);
  model.loadStateDict(stateDict);
  return model;
}

/** Exports the checkpoint and asserts that ONNX Runtime's outputs on a random batch of 3 match nabla's within 1e-5; returns the ONNX file. */
async function expectExportedMatches(checkpoint: string, sampleShape: number[], extra: string[] = []): Promise<Uint8Array> {
  const output = join(tmp, `${checkpoint.split('/').at(-1)}.onnx`);
  const r = await cli(['export', '--load', checkpoint, '--format', 'onnx', '-o', output, ...extra]);
  expectSuccess(r);
  expect(r.stdout, describeRun(r)).toContain(`wrote ${output}`);
  const bytes = readFileSync(output);
  const input = nb.randn([3, ...sampleShape], { generator: new nb.Generator(3) });
  allclose(await runOrt(bytes, input), evalForward(checkpointModel(checkpoint), input), 1e-5, 1e-5);
  return bytes;
}

describe('nabla export', () => {
  it('the default MLP that nabla train saves, with its config in the metadata', async () => {
    const saved = join(tmp, 'mlp.safetensors');
    expectSuccess(await cli(['train', '--data-dir', tiny, '--no-download', '--train-samples', '100', '--epochs', '1', '--save', saved]));
    const bytes = await expectExportedMatches(saved, [784]);
    const { metadata } = readModel(bytes);
    expect(JSON.parse(metadata[ONNX_CONFIG_KEY])).toEqual(loadCheckpoint(saved).config);
  });

  it('LeNet that nabla train --model lenet saves, on [1, 28, 28] by default', async () => {
    const saved = join(tmp, 'lenet.safetensors');
    expectSuccess(await cli(['train', '--model', 'lenet', '--data-dir', tiny, '--no-download', '--train-samples', '100', '--epochs', '1', '--save', saved]));
    const bytes = await expectExportedMatches(saved, [1, 28, 28]);
    expect(readModel(bytes).inputs.map(dimensions)).toEqual([['N', 1, 28, 28]]);
  });

  it('the LSTM classifier of --model lstm, reading the rows of [1, 28, 28] images', async () => {
    const saved = join(tmp, 'lstm.safetensors');
    const spec = sequenceSpec('lstm', DEFAULT_SEQUENCE, [1, 28, 28]);
    saveModel(saved, buildNetwork(spec), spec);
    await expectExportedMatches(saved, [1, 28, 28]);
  });

  it('a residual CNN with BatchNorm, and --input-shape for another image size', async () => {
    const saved = join(tmp, 'residual.safetensors');
    const model = buildNetwork(RESIDUAL_CNN);
    saveModel(saved, model, RESIDUAL_CNN);
    await expectExportedMatches(saved, [1, 28, 28]);
    const spec: ModelSpec = { layers: RESIDUAL_CNN.layers.slice(0, 4).concat([{ type: 'GlobalAvgPool' }]) };
    const anySize = join(tmp, 'residual-any-size.safetensors');
    saveModel(anySize, buildNetwork(spec), spec);
    await expectExportedMatches(anySize, [1, 16, 12], ['--input-shape', '1,16,12']);
  });
});

describe('nabla export: errors', () => {
  it('a missing checkpoint', async () => {
    expectUsageError(await cli(['export', '--load', join(tmp, 'missing.safetensors'), '-o', join(tmp, 'x.onnx')]), /missing\.safetensors: no such file/);
  });

  it('an unknown format', async () => {
    const saved = join(tmp, 'format.safetensors');
    saveModel(saved, nb.lenet(), nb.LENET);
    expectUsageError(await cli(['export', '--load', saved, '--format', 'tflite', '-o', join(tmp, 'x.onnx')]), /'tflite' is invalid. Allowed choices are onnx/);
  });

  it('an output in a directory that does not exist', async () => {
    const saved = join(tmp, 'no-directory.safetensors');
    saveModel(saved, nb.lenet(), nb.LENET);
    expectUsageError(await cli(['export', '--load', saved, '-o', join(tmp, 'absent', 'model.onnx')]), /-o \S*absent\/model\.onnx: the directory \S*absent does not exist/);
  });

  it('an output that cannot be written', async () => {
    const saved = join(tmp, 'unwritable.safetensors');
    saveModel(saved, nb.lenet(), nb.LENET);
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'not a directory');
    expectUsageError(await cli(['export', '--load', saved, '-o', join(file, 'model.onnx')]), /-o \S*a-file\/model\.onnx: cannot write there \(\S*a-file is not a directory\)/);
  });

  it('an input shape the model cannot take', async () => {
    const saved = join(tmp, 'shape.safetensors');
    saveModel(saved, nb.lenet(), nb.LENET);
    expectUsageError(await cli(['export', '--load', saved, '-o', join(tmp, 'x.onnx'), '--input-shape', '784']), /cannot take inputs of shape \[784\]/);
  });
});
