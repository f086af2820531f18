import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

// PyTorch state dicts both ways, with PyTorch 1.13's numbers (scripts/torch/safetensors_roundtrip.py,
// float32). models.json lists the networks as nabla specs, each with a seed; for each,
// <name>.safetensors is PyTorch's state dict (torch.manual_seed(seed)) and outputs.json holds an
// input, PyTorch's output with those weights, and PyTorch's output with the weights nabla builds
// from the spec with new nb.Generator(seed) (scripts/torch/nabla_weights.mjs), with the SHA-256 of
// that file.

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'pytorch');
const readJson = <T>(name: string): T => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;

interface Encoded {
  shape: number[];
  data: number[];
}
interface ReferenceModel {
  seed: number;
  input_shape: number[];
  spec: nb.NetworkSpec;
}
interface ReferenceOutputs {
  input: Encoded;
  pytorch_weights: { file: string; output: Encoded };
  nabla_weights: { sha256: string; output: Encoded };
}

const MODELS = readJson<Record<string, ReferenceModel>>('models.json');
const OUTPUTS = readJson<Record<string, ReferenceOutputs>>('outputs.json');
const NAMES = ['mlp', 'lenet', 'lstm', 'residual-cnn'];
const ATOL = 1e-5;

const DEFAULT_MLP: nb.MlpConfig = { inputSize: 784, hiddenSizes: [40, 30, 20], outputSize: 10, activation: 'sigmoid' };
const LSTM_OPTIONS: nb.SequenceClassifierOptions = { numLayers: 2, bidirectional: true };

const input = (name: string): nb.Tensor => nb.tensor(OUTPUTS[name].input.data).reshape(OUTPUTS[name].input.shape);
const pytorchFile = (name: string): string => join(FIXTURES, OUTPUTS[name].pytorch_weights.file);
const pytorchState = (name: string): Record<string, nb.Tensor> => nb.decodeCheckpoint(readFileSync(pytorchFile(name))).stateDict;
const values = (t: nb.Tensor): number[] => Array.from(t.toTypedArray());
const expectOutput = (actual: nb.Tensor, expected: Encoded): void => allclose(actual, nb.tensor(expected.data).reshape(expected.shape), ATOL, 0);

function evalForward(model: nb.Module, x: nb.Tensor): nb.Tensor {
  model.eval();
  return nb.noGrad(() => model.forward(x));
}

/** The model of `name`'s spec with PyTorch's weights, loaded strictly from PyTorch's file. */
function withPytorchWeights<M extends nb.Module>(name: string, model: M): M {
  const path = pytorchFile(name);
  return nb.decodeModel(readFileSync(path), model, path).model;
}

/** The state dict's names and shapes, in order. */
const layout = (model: nb.Module): [string, number[]][] => Object.entries(model.stateDict()).map(([key, t]) => [key, [...t.shape]]);

describe('the reference networks', () => {
  it('are the default MLP, LeNet-5, an LSTM classifier and a residual CNN, with the layouts of the built-in constructors', () => {
    expect(Object.keys(MODELS)).toEqual(NAMES);
    expect(Object.keys(OUTPUTS)).toEqual(NAMES);
    expect(MODELS.lenet.spec).toEqual(nb.LENET);
    expect(layout(nb.buildNetwork(MODELS.mlp.spec))).toEqual(layout(nb.mlp(DEFAULT_MLP)));
    expect(layout(nb.buildNetwork(MODELS.lstm.spec))).toEqual(layout(new nb.SequenceClassifier('lstm', 28, 12, 10, LSTM_OPTIONS)));
  });
});

describe('PyTorch -> nabla: a state dict PyTorch saved as safetensors', () => {
  it.each(NAMES)('%s: loads strictly, by name and shape, and gives PyTorch\'s output within 1e-5', (name) => {
    const model = withPytorchWeights(name, nb.buildNetwork(MODELS[name].spec, { generator: new nb.Generator(0) }));
    const state = pytorchState(name);
    expect(Object.keys(model.stateDict()), 'the names, in the order of PyTorch\'s state_dict()').toEqual(Object.keys(state));
    for (const [key, t] of Object.entries(model.stateDict())) expect(values(t), key).toEqual(values(state[key]));
    expectOutput(evalForward(model, input(name)), OUTPUTS[name].pytorch_weights.output);
  });

  it('loads into nabla\'s own constructors: mlp() with the default config, lenet(), SequenceClassifier (sequences and images)', () => {
    const expected = (name: string) => OUTPUTS[name].pytorch_weights.output;
    expectOutput(evalForward(withPytorchWeights('mlp', nb.mlp(DEFAULT_MLP)), input('mlp')), expected('mlp'));
    expectOutput(evalForward(withPytorchWeights('lenet', nb.lenet()), input('lenet')), expected('lenet'));
    const lstm = withPytorchWeights('lstm', new nb.SequenceClassifier('lstm', 28, 12, 10, LSTM_OPTIONS));
    const [n, steps, features] = OUTPUTS.lstm.input.shape;
    expectOutput(evalForward(lstm, input('lstm')), expected('lstm'));
    expectOutput(evalForward(lstm, input('lstm').reshape([n, 1, steps, features])), expected('lstm'));
  });

  it('into a different network is an error naming the file and every missing and unexpected key, and changes nothing', () => {
    const model = nb.mlp(DEFAULT_MLP, { generator: new nb.Generator(5) });
    const before = values(model.stateDict()['0.weight']);
    const path = pytorchFile('lenet');
    let message = '';
    try {
      nb.decodeModel(readFileSync(path), model, path);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(path);
    expect(message).toContain('missing keys: 2.weight, 2.bias, 4.weight, 4.bias, 6.weight, 6.bias');
    expect(message).toContain('unexpected keys: 3.weight, 3.bias, 7.weight, 7.bias, 9.weight, 9.bias, 11.weight, 11.bias');
    expect(message).toContain('0.weight has shape [6, 1, 5, 5] in the state dict but [40, 784] in the model');
    expect(values(model.stateDict()['0.weight'])).toEqual(before);
  });

  it('with a wrong name or a wrong shape is an error naming it', () => {
    const state = pytorchState('lstm');
    const { 'fc.weight': fcWeight, ...rest } = state;
    const renamed = { ...rest, 'classifier.weight': fcWeight };
    const model = nb.buildNetwork(MODELS.lstm.spec);
    expect(() => model.loadStateDict(renamed)).toThrow('loadStateDict: missing keys: fc.weight; unexpected keys: classifier.weight');
    const wider = new nb.SequenceClassifier('lstm', 28, 13, 10, LSTM_OPTIONS);
    expect(() => wider.loadStateDict(state)).toThrow('rnn.weight_ih_l0 has shape [48, 28] in the state dict but [52, 28] in the model');
  });

  it('non-strict: reports the missing and unexpected keys and loads the rest', () => {
    const state = pytorchState('lstm');
    const layerKeys = (layer: number) => ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].flatMap((w) => [`rnn.${w}_l${layer}`, `rnn.${w}_l${layer}_reverse`]).sort();

    const deeper = new nb.SequenceClassifier('lstm', 28, 12, 10, { ...LSTM_OPTIONS, numLayers: 3 });
    expect(() => deeper.loadStateDict(state)).toThrow(/missing keys: rnn\.weight_ih_l2/);
    const fromDeeper = deeper.loadStateDict(state, { strict: false });
    expect(fromDeeper.missingKeys.sort()).toEqual(layerKeys(2));
    expect(fromDeeper.unexpectedKeys).toEqual([]);
    expect(values(deeper.stateDict()['rnn.weight_hh_l1_reverse'])).toEqual(values(state['rnn.weight_hh_l1_reverse']));

    const shallower = new nb.SequenceClassifier('lstm', 28, 12, 10, { bidirectional: true });
    const fromShallower = shallower.loadStateDict(state, { strict: false });
    expect(fromShallower.missingKeys).toEqual([]);
    expect(fromShallower.unexpectedKeys.sort()).toEqual(layerKeys(1));
    expect(values(shallower.stateDict()['rnn.weight_ih_l0'])).toEqual(values(state['rnn.weight_ih_l0']));
  });
});

describe('nabla -> PyTorch: the weights nabla writes, loaded into PyTorch', () => {
  it.each(NAMES)('%s: give PyTorch the output nabla computes, within 1e-5', (name) => {
    const { spec, seed } = MODELS[name];
    const model = nb.buildNetwork(spec, { generator: new nb.Generator(seed) });
    // The same bytes as the file PyTorch read: the fixture's output belongs to these weights.
    const bytes = nb.encodeModel(model, { config: spec });
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(OUTPUTS[name].nabla_weights.sha256);
    const expected = OUTPUTS[name].nabla_weights.output;
    expect(expected.shape).toEqual([OUTPUTS[name].input.shape[0], 10]);
    expectOutput(evalForward(model, input(name)), expected);
    // And the file reads back into the same weights.
    const reloaded = nb.decodeModel(bytes, (config: nb.NetworkSpec) => nb.buildNetwork(config)).model;
    expectOutput(evalForward(reloaded, input(name)), expected);
  });
});
