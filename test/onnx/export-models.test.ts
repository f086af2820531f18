/**
 * nb.exportOnnx on whole models: LeNet, the default MLP of `nabla train` and the residual CNNs of
 * examples/ run in ONNX Runtime as in nabla; the file carries the parameters under their names, the
 * config, opset 17 and a dynamic batch; layers that cannot be exported are all named in one error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { DEFAULT_MLP } from '../../src/cli/models.js';
import { buildModel } from '../../src/nn/model-spec.js';
import { exportOnnx, ONNX_CONFIG_KEY, OnnxExportError } from '../../src/onnx/export.js';
import { REPO_ROOT } from '../cli/helpers.js';
import { allclose } from '../helpers.js';
import { dimensions, evalForward, expectExportMatches, initializerValues, readModel, runOrt } from './export-helpers.js';

const exampleSpec = (name: string): unknown => JSON.parse(readFileSync(join(REPO_ROOT, 'examples', name), 'utf8'));

const defaultMlp = () => nb.mlp({ inputSize: 784, hiddenSizes: [...DEFAULT_MLP.hiddenSizes], outputSize: 10, activation: DEFAULT_MLP.activation });

describe('whole models in ONNX Runtime', () => {
  it('LeNet', async () => {
    await expectExportMatches(nb.lenet(), [1, 28, 28]);
  });

  it('the default MLP of nabla train', async () => {
    await expectExportMatches(defaultMlp(), [784]);
  });

  it.each(['bottleneck.json', 'resnext-grouped.json', 'resnext-paths.json'])('the residual CNN of examples/%s', async (file) => {
    await expectExportMatches(buildModel(exampleSpec(file)), [256, 4, 4], { std: 0.5 });
  });

  it('has a dynamic batch: one file runs batches of 1 and of 5', async () => {
    const model = nb.lenet();
    const bytes = exportOnnx(model, [1, 28, 28]);
    for (const n of [1, 5]) {
      const input = nb.randn([n, 1, 28, 28], { generator: new nb.Generator(n) });
      allclose(await runOrt(bytes, input), evalForward(model, input), 1e-5, 1e-5);
    }
  });

  it('leaves the modes of the model as they were', () => {
    const model = new nb.Sequential(new nb.Linear(4, 4), new nb.Dropout(0.5), new nb.BatchNorm1d(4)).train();
    exportOnnx(model, [4]);
    expect([...model.modules()].every((m) => m.training)).toBe(true);
  });
});

describe('what the file holds', () => {
  it('every parameter and running statistic as an initializer named as in the state dict, with its values', () => {
    const model = nb.lenet();
    // The other initializers are the nodes' constants (Flatten's target shape), named after their node ('/6/shape').
    const initializers = readModel(exportOnnx(model, [1, 28, 28])).initializers.filter((t) => !t.name!.startsWith('/'));
    const byName = new Map(initializers.map((t) => [t.name, t]));
    const state = model.stateDict();
    expect([...byName.keys()].sort()).toEqual(Object.keys(state).sort());
    for (const [name, tensor] of Object.entries(state)) {
      expect(byName.get(name)!.dims!.map(Number), name).toEqual([...tensor.shape]);
      expect(initializerValues(byName.get(name)!), name).toEqual(Float32Array.from(tensor.dataSync()));
    }
  });

  it('opset 17, IR version 8, producer nabla, the input [N, ...sample] and the config in metadata_props', () => {
    const config: nb.MlpConfig = { inputSize: 784, hiddenSizes: [40, 30, 20], outputSize: 10, activation: 'sigmoid' };
    const { model, inputs, outputs, metadata } = readModel(exportOnnx(nb.mlp(config), [784], { config, producerVersion: '9.9.9', metadata: { dataset: 'mnist' } }));
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    expect(Number(model.irVersion)).toBe(8);
    expect([model.producerName, model.producerVersion]).toEqual(['nabla', '9.9.9']);
    expect(JSON.parse(metadata[ONNX_CONFIG_KEY])).toEqual(config);
    expect(metadata.dataset).toBe('mnist');
    expect(inputs.map((i) => [i.name, dimensions(i)])).toEqual([['input', ['N', 784]]]);
    expect(outputs.map((o) => [o.name, dimensions(o)])).toEqual([['output', ['N', 10]]]);
  });

  it('node names follow the layer paths', () => {
    const { nodes } = readModel(exportOnnx(new nb.Sequential(new nb.Linear(4, 3), new nb.Residual(new nb.Linear(3, 3))), [4]));
    expect(nodes.map((n) => n.name)).toEqual(['/0/Gemm', '/1/body/Gemm', '/1/Add', '/Identity_output']);
  });
});

class Doubler extends nb.Module {
  forward(input: nb.Tensor): nb.Tensor {
    return input.mul(2);
  }
}

class ScaledLinear extends nb.Linear {
  override forward(input: nb.Tensor): nb.Tensor {
    return super.forward(input).mul(2);
  }
}

describe('refusals', () => {
  it('names every layer without an exporter by path and class, in one error', () => {
    const model = new nb.Sequential(new nb.Linear(4, 4), new Doubler(), new nb.Residual(new nb.Sequential(new nb.ReLU(), new ScaledLinear(4, 4))));
    const attempt = () => exportOnnx(model, [4]);
    expect(attempt).toThrow(OnnxExportError);
    expect(attempt).toThrow(/cannot export 2 layers to ONNX:\n {2}1 \(Doubler\): no ONNX exporter for this layer\n {2}2\.body\.1 \(ScaledLinear\): no ONNX exporter/);
  });

  it('names a layer whose options ONNX cannot express, with the reason', () => {
    const model = new nb.Sequential(new nb.Conv2d(1, 2, 3), new nb.AvgPool2d({ kernelSize: 2, ceilMode: true, divisorOverride: 3 }));
    expect(() => exportOnnx(model, [1, 7, 7])).toThrow(/cannot export a layer to ONNX:\n {2}1 \(AvgPool2d\): divisorOverride together with ceilMode/);
  });

  it('says when the model cannot take the sample shape', () => {
    expect(() => exportOnnx(nb.lenet(), [784])).toThrow(/exportOnnx: the model cannot take samples of shape \[784\]/);
  });

  it('refuses a sample shape that is not one', () => {
    expect(() => exportOnnx(nb.lenet(), [1, 0, 28])).toThrow(/sampleInputShape must be the shape of one sample/);
  });
});
