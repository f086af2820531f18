/**
 * Options objects and string choices are checked at run time, as JavaScript callers need: an
 * unknown key names itself and the known keys, a bad string lists the accepted values, and leaky
 * ReLU is 'leakyRelu' everywhere, with PyTorch's 'leaky_relu' (init) and the old 'leaky-relu'
 * (mlp config, checkpoints, the CLI flag) kept as aliases.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { assertBuilt, cli, DATASETS, describeRun, expectSuccess, jsonLines, readSafetensorsHeader, removeSandboxCache } from '../cli/helpers.js';

/** Calls fn and returns what it threw (fails when it throws nothing). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to throw, but it returned');
}

/** The error names the owner, the unknown key and every known key, in the optimizers' wording. */
function expectUnknownKey(fn: () => unknown, owner: string, key: string, known: readonly string[], what = 'options'): Error {
  const error = thrown(fn);
  expect(error.message).toContain(`${owner}: ${what} has an unknown option "${key}" (known: ${known.join(', ')})`);
  return error;
}

/** The error names the owner and the option, lists every accepted value, and says what it got. */
function expectBadChoice(fn: () => unknown, owner: string, option: string, choices: readonly string[], got: string): Error {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(RangeError);
  expect(error.message).toMatch(new RegExp(`^${owner}: ${option} must be `));
  for (const choice of choices) expect(error.message).toContain(`'${choice}'`);
  expect(error.message).toContain(`got ${got}`);
  return error;
}

const x = () => nb.tensor([[1, -2, 3], [-4, 5, -6]]);
const w = () => nb.tensor([[0.5, -1, 2], [1, 1, -1]]);
const b = () => nb.tensor([0.1, -0.2]);
const LINEAR_ACTIVATIONS = ['none', 'sigmoid', 'tanh', 'relu', 'leakyRelu'];
const REDUCTIONS = ['mean', 'sum', 'none'];

describe('the options helper', () => {
  it('rejects an unknown key, naming it and the known ones; suggests a near miss', () => {
    expectUnknownKey(() => nb.linear(x(), w(), b(), { activaton: 'relu' } as never), 'linear', 'activaton', ['activation', 'alpha']);
    const error = expectUnknownKey(() => nb.crossEntropy(nb.zeros([2, 3]), nb.tensor([0, 1], { dtype: 'int32' }), { label_smoothing: 0.1 } as never), 'crossEntropy', 'label_smoothing', ['reduction', 'weight', 'ignoreIndex', 'labelSmoothing']);
    expect(error.message).toContain('did you mean "labelSmoothing"?');
  });

  it('rejects an options argument that is not an object, naming the known options', () => {
    const error = thrown(() => nb.linear(x(), w(), b(), 'relu' as never));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe("linear: options must be an object such as { activation: ... }, got 'relu' (known options: activation, alpha)");
    expect(thrown(() => nb.mseLoss(nb.zeros([2]), nb.zeros([2]), null as never)).message).toMatch(/^mseLoss: options must be an object .*got null/);
    expect(thrown(() => nb.zeros([2], [1] as never)).message).toMatch(/^zeros: options must be an object .*got an array/);
    expect(thrown(() => nb.rand([2], nb.zeros([1]) as never)).message).toMatch(/^rand: options must be an object .*got a Tensor/);
  });

  it('lets known keys be undefined (the default)', () => {
    const plain = nb.linear(x(), w(), b());
    const withUndefined = nb.linear(x(), w(), b(), { activation: undefined, alpha: undefined });
    expect(withUndefined.toArray()).toEqual(plain.toArray());
    expect(nb.zeros([2], { dtype: undefined }).dtype).toBe('float32');
    // The default of zerosLike is the tensor's own dtype, also when dtype is given as undefined.
    expect(nb.zerosLike(nb.zeros([2], { dtype: 'int32' }), { dtype: undefined }).dtype).toBe('int32');
    expect(nb.mlp({ inputSize: 2, hiddenSizes: [2], outputSize: 1, activation: 'relu', dropout: undefined }).layers).toHaveLength(3);
  });
});

describe('ops: linear, softmaxCrossEntropy, dropout', () => {
  it("linear rejects activation 'leaky-relu' with a RangeError listing the activations, not a kernel crash", () => {
    const error = expectBadChoice(() => nb.linear(x(), w(), b(), { activation: 'leaky-relu' as nb.Activation }), 'linear', 'activation', LINEAR_ACTIVATIONS, "'leaky-relu'");
    expect(error).not.toBeInstanceOf(TypeError);
    expectBadChoice(() => nb.linear(x(), w(), null, { activation: 'gelu' as nb.Activation }), 'linear', 'activation', LINEAR_ACTIVATIONS, "'gelu'");
    // and every accepted activation still runs
    for (const activation of LINEAR_ACTIVATIONS) expect(nb.linear(x(), w(), b(), { activation: activation as nb.Activation }).shape).toEqual([2, 2]);
  });

  it('linear rejects an alpha that is not a finite number', () => {
    expect(() => nb.linear(x(), w(), b(), { activation: 'leakyRelu', alpha: Number.NaN })).toThrow('linear: alpha must be a finite number, got NaN');
    expect(() => nb.linear(x(), w(), b(), { activation: 'leakyRelu', alpha: '0.1' as never })).toThrow("linear: alpha must be a finite number, got '0.1'");
  });

  it('softmaxCrossEntropy checks its reduction', () => {
    expectBadChoice(() => nb.softmaxCrossEntropy(nb.zeros([2, 3]), nb.tensor([0, 1], { dtype: 'int32' }), 'avg' as nb.Reduction), 'softmaxCrossEntropy', 'reduction', REDUCTIONS, "'avg'");
  });

  it('dropout rejects unknown options and a non-boolean training flag', () => {
    expectUnknownKey(() => nb.dropout(nb.ones([4]), 0.5, { train: false } as never), 'dropout', 'train', ['training', 'generator']);
    expect(() => nb.dropout(nb.ones([4]), 0.5, { training: 'no' as never })).toThrow("dropout: training must be a boolean, got 'no'");
  });
});

describe('losses', () => {
  const logits = () => nb.zeros([2, 3]);
  const labels = () => nb.tensor([0, 2], { dtype: 'int32' });

  it('reject options they do not support instead of ignoring them', () => {
    const error = expectUnknownKey(() => nb.crossEntropy(logits(), labels(), { ignore_index: -100 } as never), 'crossEntropy', 'ignore_index', ['reduction', 'weight', 'ignoreIndex', 'labelSmoothing']);
    expect(error.message).toContain('did you mean "ignoreIndex"?');
    expectUnknownKey(() => nb.mseLoss(nb.zeros([2]), nb.zeros([2]), { weight: nb.ones([2]) } as never), 'mseLoss', 'weight', ['reduction']);
    expectUnknownKey(() => nb.binaryCrossEntropy(nb.full([2], 0.5), nb.zeros([2]), { posWeight: nb.ones([2]) } as never), 'binaryCrossEntropy', 'posWeight', ['reduction', 'weight']);
    expectUnknownKey(() => nb.binaryCrossEntropyWithLogits(nb.zeros([2]), nb.zeros([2]), { pos_weight: nb.ones([2]) } as never), 'binaryCrossEntropyWithLogits', 'pos_weight', ['reduction', 'weight', 'posWeight']);
  });

  it('list the reductions when given a bad one', () => {
    expectBadChoice(() => nb.nllLoss(logits(), labels(), { reduction: 'average' as nb.Reduction }), 'nllLoss', 'reduction', REDUCTIONS, "'average'");
    expectBadChoice(() => nb.binaryCrossEntropyWithLogits(nb.zeros([2]), nb.zeros([2]), { reduction: 'batchmean' as nb.Reduction }), 'binaryCrossEntropyWithLogits', 'reduction', REDUCTIONS, "'batchmean'");
  });

  it('still accept every supported option', () => {
    expect(nb.crossEntropy(logits(), labels(), { reduction: 'sum', labelSmoothing: 0.1 }).item()).toBeCloseTo(2 * Math.log(3), 5);
    expect(nb.binaryCrossEntropyWithLogits(nb.zeros([2]), nb.ones([2]), { reduction: 'none', weight: nb.ones([2]), posWeight: nb.ones([2]) }).shape).toEqual([2]);
  });
});

describe('creation functions', () => {
  it('reject unknown keys, each listing its own known options', () => {
    const creation = ['dtype', 'requiresGrad'];
    expectUnknownKey(() => nb.tensor([1, 2], { dtpye: 'float64' } as never), 'tensor', 'dtpye', [...creation, 'shape']);
    const error = expectUnknownKey(() => nb.zeros([2], { requires_grad: true } as never), 'zeros', 'requires_grad', creation);
    expect(error.message).toContain('did you mean "requiresGrad"?');
    expectUnknownKey(() => nb.ones([2], { device: 'gpu' } as never), 'ones', 'device', creation);
    expectUnknownKey(() => nb.full([2], 3, { fill: 1 } as never), 'full', 'fill', creation);
    expectUnknownKey(() => nb.onesLike(nb.zeros([2]), { shape: [3] } as never), 'onesLike', 'shape', creation);
    expectUnknownKey(() => nb.arange(0, 4, 1, { endpoint: true } as never), 'arange', 'endpoint', creation);
    expectUnknownKey(() => nb.linspace(0, 1, 5, { endpoint: false } as never), 'linspace', 'endpoint', creation);
    expectUnknownKey(() => nb.eye(3, 3, { k: 1 } as never), 'eye', 'k', creation);
    expectUnknownKey(() => nb.rand([2], { min: 0, max: 2 } as never), 'rand', 'min', [...creation, 'generator', 'low', 'high']);
    expectUnknownKey(() => nb.randn([2], { seed: 1 } as never), 'randn', 'seed', [...creation, 'generator', 'mean', 'std']);
    expectUnknownKey(() => nb.randint(0, 5, [2], { low: 1 } as never), 'randint', 'low', [...creation, 'generator']);
  });

  it('check dtype with checkDType, naming the function', () => {
    for (const [name, fn] of [
      ['zeros', () => nb.zeros([2], { dtype: 'int64' as nb.DType })],
      ['tensor', () => nb.tensor([1], { dtype: 'int64' as nb.DType })],
      ['randn', () => nb.randn([2], { dtype: 'int64' as nb.DType })],
      ['arange', () => nb.arange(3, undefined, 1, { dtype: 'int64' as nb.DType })],
    ] as const) {
      const error = thrown(fn);
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(new RegExp(`^${name}: unsupported dtype 'int64': nabla has float32, float64, int32`));
    }
  });
});

describe('nb.init', () => {
  const t = () => nb.zeros([4, 6]);

  it('rejects unknown keys', () => {
    expectUnknownKey(() => nb.init.kaimingUniform_(t(), { fan: 'fan_in' } as never), 'kaimingUniform_', 'fan', ['generator', 'a', 'mode', 'nonlinearity']);
    expectUnknownKey(() => nb.init.uniform_(t(), 0, 1, { seed: 3 } as never), 'uniform_', 'seed', ['generator']);
    expectUnknownKey(() => nb.init.xavierNormal_(t(), 1, { gain: 2 } as never), 'xavierNormal_', 'gain', ['generator']);
    expectUnknownKey(() => nb.init.initializeLinear(t(), null, 'kaiming-normal', { slope: 0.1 } as never), 'initializeLinear', 'slope', ['generator', 'nonlinearity', 'negativeSlope', 'mode', 'value', 'bound', 'std']);
  });

  it('lists the modes and the nonlinearities when given a bad one', () => {
    expectBadChoice(() => nb.init.kaimingNormal_(t(), { mode: 'fan_avg' as never }), 'kaimingNormal_', 'mode', ['fan_in', 'fan_out'], "'fan_avg'");
    // initializeLinear checks mode whatever the scheme, not only when a kaiming scheme reads it.
    expectBadChoice(() => nb.init.initializeLinear(t(), null, 'xavier-uniform', { mode: 'in' as never }), 'initializeLinear', 'mode', ['fan_in', 'fan_out'], "'in'");
    for (const [owner, fn] of [
      ['calculateGain', () => nb.init.calculateGain('swish' as never)],
      ['kaimingUniform_', () => nb.init.kaimingUniform_(t(), { nonlinearity: 'swish' as never })],
      ['initializeLinear', () => nb.init.initializeLinear(t(), null, 'xavier-normal', { nonlinearity: 'swish' as never })],
    ] as const) {
      const message = thrown(fn).message;
      expect(message).toMatch(new RegExp(`^${owner}: unsupported nonlinearity 'swish'; expected one of linear, .*leakyRelu`));
      expect(message).toContain("'leaky_relu' for 'leakyRelu'");
    }
  });

  it("'leaky_relu' (PyTorch's name) is an alias of 'leakyRelu'", () => {
    expect(nb.init.calculateGain('leaky_relu', 0.2)).toBe(nb.init.calculateGain('leakyRelu', 0.2));
    expect(nb.init.calculateGain('leakyRelu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 15);
    expect(nb.init.calculateGain('leakyRelu')).toBe(nb.init.calculateGain('leaky_relu'));
    const fill = (options: nb.init.KaimingOptions) => nb.init.kaimingUniform_(nb.zeros([20, 30]), { generator: new nb.Generator(7), ...options }).toTypedArray();
    expect(fill({ nonlinearity: 'leaky_relu', a: 0.5 })).toEqual(fill({ nonlinearity: 'leakyRelu', a: 0.5 }));
    // The default nonlinearity is 'leakyRelu' (with a = 0, the relu gain), as PyTorch's default 'leaky_relu'.
    expect(fill({})).toEqual(fill({ nonlinearity: 'leakyRelu' }));
    expect(fill({})).toEqual(fill({ nonlinearity: 'relu' }));
    expect(fill({ nonlinearity: 'leakyRelu', a: 0.5 })).not.toEqual(fill({ nonlinearity: 'relu' }));
  });
});

describe('mlp', () => {
  const config: Omit<nb.MlpConfig, 'activation'> = { inputSize: 6, hiddenSizes: [5, 4], outputSize: 3 };

  it('rejects an unknown config key with the known ones, instead of "config.hiddenSizes is not iterable"', () => {
    const error = expectUnknownKey(() => nb.mlp({ inputSize: 784, hidden: [40], outputSize: 10, activation: 'relu' } as never), 'mlp', 'hidden', ['inputSize', 'hiddenSizes', 'outputSize', 'activation', 'dropout'], 'config');
    expect(error.message).toContain('did you mean "hiddenSizes"?');
    expect(error.message).not.toMatch(/iterable/);
    expect(() => nb.mlp({ inputSize: 784, outputSize: 10, activation: 'relu' } as never)).toThrow(/^mlp: config.hiddenSizes must be an array of positive integers/);
    expect(() => nb.mlp({ ...config, activation: 'relu', dropout: 'half' as never })).toThrow("mlp: config.dropout must be a probability in [0, 1], got 'half'");
  });

  it('rejects unknown options and a bad init, listing the initializers', () => {
    expectUnknownKey(() => nb.mlp({ ...config, activation: 'relu' }, { seed: 1 } as never), 'mlp', 'seed', ['init', 'generator']);
    expectBadChoice(() => nb.mlp({ ...config, activation: 'relu' }, { init: 'he' as nb.InitName }), 'mlp', 'init', nb.INIT_NAMES, "'he'");
  });

  it('lists the activations (and the old spelling) when given a bad one', () => {
    const error = thrown(() => nb.mlp({ ...config, activation: 'gelu' as never }));
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toBe("mlp: unknown activation 'gelu'; expected one of sigmoid, relu, leakyRelu, tanh (or 'leaky-relu' for 'leakyRelu')");
    // PyTorch's spelling belongs to nb.init; an mlp config does not take it.
    expect(() => nb.mlp({ ...config, activation: 'leaky_relu' as never })).toThrow(/unknown activation 'leaky_relu'/);
  });

  it("'leakyRelu' is the canonical name; 'leaky-relu' builds exactly the same network", () => {
    expect(nb.MLP_ACTIVATIONS).toEqual(['sigmoid', 'relu', 'leakyRelu', 'tanh']);
    const build = (activation: nb.MlpConfig['activation']) => nb.mlp({ ...config, activation }, { init: 'kaiming-uniform', generator: new nb.Generator(11) });
    const canonical = build('leakyRelu');
    const old = build('leaky-relu');
    expect(old.layers.map((l) => l.toString())).toEqual(canonical.layers.map((l) => l.toString()));
    expect(canonical.layers.map((l) => l.constructor.name)).toEqual(['Linear', 'LeakyReLU', 'Linear', 'LeakyReLU', 'Linear']);
    expect((canonical.at(1) as nb.LeakyReLU).negativeSlope).toBe(0.01);
    const a = canonical.stateDict();
    const c = old.stateDict();
    for (const name of Object.keys(a)) expect(c[name]!.toTypedArray(), name).toEqual(a[name]!.toTypedArray());
    const input = nb.randn([4, 6], { generator: new nb.Generator(12) });
    expect(old.forward(input).toTypedArray()).toEqual(canonical.forward(input).toTypedArray());
    // The hidden layers get the leaky-ReLU gain: relu's weights are drawn with a different bound.
    const relu = nb.mlp({ ...config, activation: 'relu' }, { init: 'kaiming-uniform', generator: new nb.Generator(11) }).stateDict();
    expect(relu['0.weight']!.toTypedArray()).not.toEqual(a['0.weight']!.toTypedArray());
  });
});

describe('layers', () => {
  it('Linear rejects unknown options and a dtype that is not a float dtype', () => {
    expectUnknownKey(() => new nb.Linear(3, 2, { biases: false } as never), 'Linear', 'biases', ['bias', 'dtype', 'generator']);
    expectBadChoice(() => new nb.Linear(3, 2, { dtype: 'int32' as never }), 'Linear', 'dtype', ['float32', 'float64'], "'int32'");
    expect(() => new nb.Linear(3, 2, { bias: 'no' as never })).toThrow("Linear: bias must be a boolean, got 'no'");
    expect(new nb.Linear(3, 2, { dtype: 'float64', bias: false }).weight.dtype).toBe('float64');
  });

  it('Dropout rejects unknown options; LeakyReLU a slope that is not a number', () => {
    expectUnknownKey(() => new nb.Dropout(0.5, { inplace: true } as never), 'Dropout', 'inplace', ['generator']);
    expect(() => new nb.LeakyReLU('0.2' as never)).toThrow("LeakyReLU: negativeSlope must be a finite number, got '0.2'");
  });
});

describe('training: DataLoader, fit, evaluate, schedulers, gradcheck, clipping', () => {
  const dataset = () => new nb.TensorDataset(nb.randn([8, 3], { generator: new nb.Generator(1) }), nb.tensor([0, 1, 0, 1, 0, 1, 0, 1], { dtype: 'int32' }));
  const model = () => new nb.Sequential(new nb.Linear(3, 2, { generator: new nb.Generator(2) }));

  it('DataLoader rejects unknown options', () => {
    const error = expectUnknownKey(() => new nb.DataLoader(dataset(), { batch_size: 4 } as never), 'DataLoader', 'batch_size', ['batchSize', 'shuffle', 'dropLast', 'seed', 'generator', 'collate']);
    expect(error.message).toContain('did you mean "batchSize"?');
  });

  it('fit rejects unknown options and a loss that is not a function', () => {
    const m = model();
    const optimizer = new nb.SGD(m.parameters(), { lr: 0.1 });
    const base = { loss: nb.objective('cross-entropy'), optimizer, train: dataset(), epochs: 1, batchSize: 4 };
    expectUnknownKey(() => nb.fit(m, { ...base, shuffle: false } as never), 'fit', 'shuffle', ['loss', 'optimizer', 'train', 'validation', 'test', 'epochs', 'batchSize', 'seed', 'generator', 'initialEpoch', 'signal', 'clipGradNorm', 'scheduler', 'onBatch', 'onEpoch']);
    expect(() => nb.fit(m, { ...base, loss: 'cross-entropy' as never })).toThrow(/^fit: options.loss must be a function .*objective\('cross-entropy'\), got 'cross-entropy'/);
    expect(() => nb.fit(m, { ...base, optimizer: 'sgd' as never })).toThrow(/^fit: options.optimizer must be an optimizer/);
    expect(nb.fit(m, base)).toHaveLength(1);
  });

  it('evaluate rejects a loss that is not a function and a bad batch size', () => {
    expect(() => nb.evaluate(model(), dataset(), 'mse' as never)).toThrow(/^evaluate: loss must be a function/);
    expect(() => nb.evaluate(model(), dataset(), nb.objective('mse'), 0)).toThrow('evaluate: batchSize must be a positive integer, got 0');
  });

  it('schedulers reject unknown options', () => {
    const optimizer = new nb.SGD(model().parameters(), { lr: 0.1 });
    expectUnknownKey(() => new nb.StepLR(optimizer, { step_size: 2 } as never), 'StepLR', 'step_size', ['stepSize', 'gamma']);
    const error = expectUnknownKey(() => new nb.CosineAnnealingLR(optimizer, { tMax: 5, T_max: 5 } as never), 'CosineAnnealingLR', 'T_max', ['tMax', 'etaMin']);
    expect(error.message).toContain('did you mean "tMax"?');
    expectUnknownKey(() => new nb.LinearWarmup(optimizer, { warmupSteps: 2, endFactor: 1 } as never), 'LinearWarmup', 'endFactor', ['warmupSteps', 'startFactor']);
    const warm = new nb.LinearWarmup(optimizer, { warmupSteps: 2 });
    expectUnknownKey(() => new nb.SequentialLR(optimizer, { schedulers: [warm], milestones: [], lastEpoch: 0 } as never), 'SequentialLR', 'lastEpoch', ['schedulers', 'milestones']);
  });

  it('gradcheck, clipGradNorm and var reject unknown options', () => {
    const t = nb.randn([3], { generator: new nb.Generator(3) });
    expectUnknownKey(() => nb.gradcheck((v) => v.square().sum(), [t], { tol: 1e-4 } as never), 'gradcheck', 'tol', ['eps', 'atol', 'rtol', 'raiseException', 'seed']);
    const p = nb.ones([2], { requiresGrad: true });
    p.square().sum().backward();
    const error = expectUnknownKey(() => nb.clipGradNorm([p], 1, 2, { errorIfNonFinite: true } as never), 'clipGradNorm', 'errorIfNonFinite', ['errorIfNonfinite']);
    expect(error.message).toContain('did you mean "errorIfNonfinite"?');
    expectUnknownKey(() => nb.var(t, 0, { ddof: 0 } as never), 'var', 'ddof', ['unbiased', 'correction', 'keepDims']);
    expectUnknownKey(() => t.std(0, { keepdim: true } as never), 'std', 'keepdim', ['unbiased', 'correction', 'keepDims']);
  });
});

describe('datasets', () => {
  const images = { shape: [2, 2, 2], data: new Uint8Array([0, 255, 0, 255, 1, 2, 3, 4]) };
  const labels = { shape: [2], data: new Uint8Array([3, 7]) };

  it('imageDataset and readSplit reject unknown options and non-boolean flags', () => {
    expectUnknownKey(() => nb.imageDataset(images, labels, { images: 'i', labels: 'l' }, { normalize: true } as never), 'imageDataset', 'normalize', ['flatten', 'oneHot']);
    expect(() => nb.imageDataset(images, labels, { images: 'i', labels: 'l' }, { oneHot: 'yes' as never })).toThrow("imageDataset: oneHot must be a boolean, got 'yes'");
    expectUnknownKey(() => nb.readSplit('images', 'labels', { one_hot: true } as never), 'readSplit', 'one_hot', ['flatten', 'oneHot']);
    expect(nb.imageDataset(images, labels, { images: 'i', labels: 'l' }, { oneHot: true }).tensors[1]!.shape).toEqual([2, 10]);
  });

  it('loadMnist and locateDataset reject unknown options before looking for files', async () => {
    const known = ['dataDir', 'download', 'onProgress', 'log', 'fetch', 'cacheDir', 'systemDirs', 'env'];
    // (The promise's value is never printed: a loaded dataset is far too big for an assertion message.)
    const rejection = (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: Error) => error.message);
    expect(await rejection(nb.loadMnist({ dir: DATASETS } as never))).toBe(`loadMnist: options has an unknown option "dir" (known: ${[...known, 'flatten', 'oneHot'].join(', ')})`);
    expect(await rejection(nb.locateDataset('mnist', { data_dir: DATASETS } as never))).toMatch(/^locateDataset: options has an unknown option "data_dir" \(known: dataDir, .*\); did you mean "dataDir"\?/);
    const data = await nb.loadFashionMnist({ dataDir: DATASETS, download: false, flatten: false });
    expect(data.test.tensors[0]!.shape).toEqual([10000, 1, 28, 28]);
  });
});

describe("the CLI keeps --activation leaky-relu and stores 'leakyRelu'; old 'leaky-relu' checkpoints still evaluate", () => {
  let tmp: string;
  beforeAll(() => {
    assertBuilt();
    tmp = mkdtempSync(join(tmpdir(), 'nabla-options-test-'));
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    removeSandboxCache();
  });

  it('train --activation leaky-relu saves a config with leakyRelu, and eval of it matches eval of the same weights saved with the old name', async () => {
    const saved = join(tmp, 'new.safetensors');
    const train = await cli(['train', '--json', '--dataset', 'mnist', '--data-dir', DATASETS, '--no-download', '--activation', 'leaky-relu', '--hidden', '8',
      '--train-samples', '300', '--epochs', '1', '--val-split', '0', '--save', saved]);
    expectSuccess(train);
    const summary = jsonLines(train).at(-1)!;
    expect((summary.model as Record<string, unknown>).activation).toBe('leakyRelu');
    // The default SGD rate for leaky ReLU is still relu's 0.05.
    expect(jsonLines(train)[0]!.lr).toBe(0.05);
    const metadata = readSafetensorsHeader(saved).header.__metadata__ as Record<string, string>;
    expect(JSON.parse(metadata.config!)).toEqual({ inputSize: 784, hiddenSizes: [8], outputSize: 10, activation: 'leakyRelu', dropout: 0 });

    // A checkpoint as earlier versions wrote it: the same weights, config activation 'leaky-relu'.
    const checkpoint = nb.loadCheckpoint<nb.MlpConfig>(saved);
    const oldConfig = { ...checkpoint.config, activation: 'leaky-relu' as const };
    const model = nb.mlp(oldConfig);
    model.loadStateDict(checkpoint.stateDict);
    const old = join(tmp, 'old.safetensors');
    nb.saveModel(old, model, oldConfig, { dataset: 'mnist', loss: 'cross-entropy' });
    expect(JSON.parse((readSafetensorsHeader(old).header.__metadata__ as Record<string, string>).config!).activation).toBe('leaky-relu');

    const [evalNew, evalOld] = await Promise.all([saved, old].map((file) => cli(['eval', '--json', '--load', file, '--data-dir', DATASETS, '--no-download'])));
    expectSuccess(evalNew!);
    expectSuccess(evalOld!);
    const a = jsonLines(evalNew!)[0]!;
    const c = jsonLines(evalOld!)[0]!;
    expect(typeof a.test_loss, describeRun(evalNew!)).toBe('number');
    expect(c.test_loss, describeRun(evalOld!)).toBe(a.test_loss);
    expect(c.test_acc).toBe(a.test_acc);
    expect(a.test_loss).toBeCloseTo(summary.test_loss as number, 5);
  });
});
