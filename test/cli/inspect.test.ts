/**
 * `nabla inspect`: per-layer statistics of the default network and of LeNet on a batch of real
 * MNIST, as a table and as JSON, run as a user would (build first: `npm run build`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { assertBuilt, cli, describeRun, expectSuccess, expectUsageError, FILES, jsonLines, makeSandbox, removeSandbox } from './helpers.js';

type Row = Record<string, unknown>;

let tmp: string;
/** 300 train and 200 test samples of MNIST and Fashion-MNIST, raw IDX. */
let tiny: string;

beforeAll(() => {
  assertBuilt();
  ({ tmp, tiny } = makeSandbox('nabla-cli-inspect-', ['mnist', 'fashion-mnist']));
});

afterAll(() => removeSandbox(tmp));

async function inspectJson(args: string[]): Promise<Row> {
  const r = await cli(['inspect', '--json', '--data-dir', tiny, ...args]);
  expectSuccess(r);
  const records = jsonLines(r);
  expect(records, describeRun(r)).toHaveLength(1);
  return records[0];
}

/** The table's rows as cells, without the header. */
function tableRows(stdout: string): string[][] {
  return stdout.split('\n').filter((line) => line.startsWith('│')).slice(1).map((line) => line.split('│').slice(1, -1).map((cell) => cell.trim()));
}

/** The first 300 training images of the sandbox: all of them, so the batch holds every one whatever the order. */
function trainImages(dataset: 'mnist' | 'fashion-mnist', flatten: boolean): nb.TensorDataset {
  return nb.readSplit(join(tiny, dataset, FILES.trainImages), join(tiny, dataset, FILES.trainLabels), { flatten });
}

describe('nabla inspect', () => {
  it('is listed by --help, with its flags', async () => {
    const top = await cli(['--help']);
    expect(top.stdout).toMatch(/^\s+inspect\b/m);
    const r = await cli(['inspect', '--help']);
    expectSuccess(r);
    for (const flag of ['--model', '--init', '--dataset', '--data-dir', '--batch-size', '--seed', '--json']) expect(r.stdout, flag).toContain(flag);
  });

  it('the default network: a row per layer with the statistics and the variance xavier-uniform predicts', async () => {
    const r = await cli(['inspect', '--data-dir', tiny]);
    expectSuccess(r);
    expect(r.stderr).toMatch(/^data: mnist from --data-dir .*: a batch of 300 random training samples$/m);
    const header = r.stdout.split('\n').find((line) => line.includes('name'))!;
    for (const column of ['layer', 'output shape', 'mean', 'variance', 'predicted variance', 'dead / saturated', 'weight norm', 'grad norm']) expect(header).toContain(column);
    const rows = tableRows(r.stdout);
    expect(rows.map((row) => row.slice(0, 3))).toEqual([
      ['0', 'Linear', '[300, 40]'], ['1', 'Sigmoid', '[300, 40]'], ['2', 'Linear', '[300, 30]'], ['3', 'Sigmoid', '[300, 30]'],
      ['4', 'Linear', '[300, 20]'], ['5', 'Sigmoid', '[300, 20]'], ['6', 'Linear', '[300, 10]'],
    ]);
    for (const row of rows) {
      expect(Number(row[5]), `predicted variance of ${row[0]}`).toBeGreaterThan(0);
      if (row[1] === 'Sigmoid') expect(row[6]).toMatch(/^saturated \d+\.\d\d%$/);
      else expect(Number(row[8]), `grad norm of ${row[0]}`).toBeGreaterThan(0);
    }
    expect(r.stdout).toContain('what xavier-uniform initialization predicts');
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });

  it('--json: the same statistics as data, those of nb.layerStats on the same network and batch', async () => {
    const json = await inspectJson([]);
    expect(json).toMatchObject({
      event: 'inspect', dataset: 'mnist', init: 'xavier-uniform', batch_size: 300, seed: 0, loss: 'cross-entropy',
      model: { inputSize: 784, hiddenSizes: [40, 30, 20], outputSize: 10, activation: 'sigmoid' },
    });
    const layers = json.layers as Row[];
    expect(layers.map((l) => [l.name, l.type])).toEqual([['0', 'Linear'], ['1', 'Sigmoid'], ['2', 'Linear'], ['3', 'Sigmoid'], ['4', 'Linear'], ['5', 'Sigmoid'], ['6', 'Linear']]);
    expect(layers[0]).toMatchObject({ output_shape: [300, 40], dead_fraction: null, zero_fraction: null, saturated_fraction: null });
    expect(layers[1].saturated_fraction).toBeTypeOf('number');

    // The table shows the same numbers.
    const table = tableRows((await cli(['inspect', '--data-dir', tiny])).stdout);
    layers.forEach((l, i) => expect(table[i][4]).toBe((l.variance as number).toPrecision(4)));

    const { tensors } = trainImages('mnist', true);
    const model = nb.mlp(json.model as nb.MlpConfig, { init: 'xavier-uniform', generator: new nb.Generator(0) });
    const expected = nb.layerStats(model, [tensors[0], tensors[1]], { init: 'xavier-uniform' });
    expected.forEach((e, i) => {
      for (const [key, value] of [['variance', e.variance], ['predicted_variance', e.predictedVariance], ['weight_norm', e.weightNorm], ['grad_norm', e.gradNorm]] as const) {
        if (value === null) expect(layers[i][key], `${key} of ${e.name}`).toBeNull();
        else expect((layers[i][key] as number) / value, `${key} of ${e.name}`).toBeCloseTo(1, 4);
      }
    });
  });

  it('--model lenet: dead ReLUs, and no prediction for pooling', async () => {
    const r = await cli(['inspect', '--model', 'lenet', '--data-dir', tiny, '--batch-size', '100']);
    expectSuccess(r);
    const rows = tableRows(r.stdout);
    expect(rows.map((row) => row[1])).toEqual(['Conv2d', 'ReLU', 'MaxPool2d', 'Conv2d', 'ReLU', 'MaxPool2d', 'Flatten', 'Linear', 'ReLU', 'Linear', 'ReLU', 'Linear']);
    expect(rows.map((row) => row[2])).toEqual(['[100, 6, 28, 28]', '[100, 6, 28, 28]', '[100, 6, 14, 14]', '[100, 16, 10, 10]', '[100, 16, 10, 10]', '[100, 16, 5, 5]', '[100, 400]', '[100, 120]', '[100, 120]', '[100, 84]', '[100, 84]', '[100, 10]']);
    for (const row of rows.filter((cells) => cells[1] === 'ReLU')) expect(row[6]).toMatch(/^dead \d+\.\d\d% \(zeros \d+\.\d\d%\)$/);
    expect(rows.filter((row) => row[1] === 'MaxPool2d').map((row) => row[5])).toEqual(['-', '-']);
    expect(r.stdout).toContain('what pytorch initialization predicts');

    const json = await inspectJson(['--model', 'lenet', '--batch-size', '100']);
    expect(json).toMatchObject({ init: 'pytorch', batch_size: 100, model: { layers: nb.LENET.layers } });
    const layers = json.layers as Row[];
    expect(layers.map((l) => l.name)).toEqual(Array.from({ length: 12 }, (_, i) => String(i)));
    for (const l of layers.filter((row) => row.type === 'ReLU')) {
      expect(l.dead_fraction).toBeGreaterThanOrEqual(0);
      expect(l.zero_fraction).toBeGreaterThanOrEqual(l.dead_fraction as number);
    }
    layers.forEach((l, i) => expect(rows[i][3]).toBe((l.mean as number).toPrecision(4)));
  });

  it('--init re-initializes a --model network: He on the first convolution predicts twice the second moment of the pixels', async () => {
    const json = await inspectJson(['--model', 'lenet', '--init', 'kaiming-normal', '--dataset', 'fashion-mnist', '--seed', '3']);
    expect(json).toMatchObject({ init: 'kaiming-normal', dataset: 'fashion-mnist', seed: 3, batch_size: 300 });
    const pixels = trainImages('fashion-mnist', false).tensors[0];
    const secondMoment = pixels.square().mean().item();
    // Var[W] = 2/fan_in, no bias: Var[y] = fan_in * 2/fan_in * E[x^2] (padding aside).
    expect(((json.layers as Row[])[0].predicted_variance as number) / (2 * secondMoment)).toBeCloseTo(1, 4);
  });

  it('a JSON model file', async () => {
    const file = join(tmp, 'softmax.json');
    writeFileSync(file, JSON.stringify({ layers: [{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 10 }] }));
    const json = await inspectJson(['--model', file]);
    expect((json.layers as Row[]).map((l) => [l.name, l.type, l.output_shape])).toEqual([['0', 'Flatten', [300, 784]], ['1', 'Linear', [300, 10]]]);
  });

  it('bad input: one error line naming the problem', async () => {
    const wide = join(tmp, 'wide.json');
    writeFileSync(wide, JSON.stringify({ layers: [{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 12 }] }));
    const small = join(tmp, 'small.json');
    writeFileSync(small, JSON.stringify({ layers: [{ type: 'Linear', in_features: 400, out_features: 10 }] }));
    const cases: [string[], RegExp][] = [
      [['inspect', '--init', 'glorot'], /--init <name>' argument 'glorot' is invalid/],
      [['inspect', '--batch-size', '0'], /--batch-size.*expected an integer >= 1, got '0'/],
      [['inspect', '--dataset', 'cifar'], /--dataset <name>' argument 'cifar' is invalid/],
      [['inspect', '--model', 'resnet'], /--model resnet: cannot read the model file/],
      [['inspect', '--model', wide, '--data-dir', tiny], /--model .*wide\.json gives outputs of shape \[N, 12\], but mnist has 10 classes/],
      [['inspect', '--model', small, '--data-dir', tiny], /--model .*small\.json cannot take inputs of shape \[1, 28, 28\]/],
      [['inspect', '--data-dir', join(tmp, 'nowhere')], /nowhere/],
    ];
    for (const [args, pattern] of cases) expectUsageError(await cli(args), pattern);
  });
});
