/**
 * `nabla summary` and `nabla train/eval --model`: built-in networks (lenet, mlp) and JSON model
 * files, run as a user would (build first: `npm run build`, which `npm test` does in pretest).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LENET } from '../../src/index.js';
import { assertBuilt, cli, type CliResult, describeRun, expectSuccess, expectUsageError, jsonLines, makeSandbox, summaryJson, readSafetensorsHeader, removeSandbox, REPO_ROOT } from './helpers.js';

type Row = Record<string, unknown>;

let tmp: string;
/** 300 train and 200 test samples of MNIST, raw IDX. */
let tiny: string;

/** A model file in the temp directory. */
function modelFile(name: string, spec: unknown): string {
  const path = join(tmp, name);
  writeFileSync(path, typeof spec === 'string' ? spec : JSON.stringify(spec));
  return path;
}

const example = (name: string) => join(REPO_ROOT, 'examples', name);

/** The value of a "label: 12,345" line of the text summary. */
function total(r: CliResult, label: string): number {
  const match = new RegExp(`^${label}: ([\\d,]+)`, 'm').exec(r.stdout);
  expect(match, `${label} in\n${describeRun(r)}`).not.toBeNull();
  return Number(match![1].replace(/,/g, ''));
}

beforeAll(() => {
  assertBuilt();
  ({ tmp, tiny } = makeSandbox('nabla-cli-model-', ['mnist']));
});

afterAll(() => removeSandbox(tmp));

describe('nabla summary', () => {
  it('is listed by --help, with its flags', async () => {
    const top = await cli(['--help']);
    expect(top.stdout).toMatch(/^\s+summary\b/m);
    const r = await cli(['summary', '--help']);
    expectSuccess(r);
    for (const flag of ['--model', '--input-shape', '--json']) expect(r.stdout, flag).toContain(flag);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('lenet, mlp, rnn, gru, lstm, gated-rnn or attention-rnn');
  });

  it('--model lenet: every layer with its formula, then the totals (61,706 parameters)', async () => {
    const r = await cli(['summary', '--model', 'lenet']);
    expectSuccess(r);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/│ 0\s+│ Conv2d\s+│ \[N, 6, 28, 28\]\s+│ 156\s+│ \(C_in\*k_h\*k_w\/groups \+ 1\)\*C_out = \(1\*5\*5\/1 \+ 1\)\*6 = 156\s+│ 117,600\s+│/);
    expect(r.stdout).toMatch(/│ 7\s+│ Linear\s+│ \[N, 120\]\s+│ 48,120\s+│ \(in \+ 1\)\*out = \(400 \+ 1\)\*120 = 48120\s+│ 48,000\s+│/);
    expect(r.stdout).toMatch(/│ 6\s+│ Flatten\s+│ \[N, 400\]\s+│ 0\s+│\s+│ 0\s+│/);
    expect(total(r, 'total parameters')).toBe(61706);
    expect(total(r, 'trainable parameters')).toBe(61706);
    expect(total(r, 'non-trainable parameters')).toBe(0);
    expect(total(r, 'multiply-adds per sample')).toBe(416520);
    expect(total(r, 'activation memory per sample')).toBe(60008);
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });

  it('--json: one object with total_params and a row per layer', async () => {
    const json = await summaryJson(['--model', 'lenet']);
    expect(json).toMatchObject({ model: 'lenet', input_shape: ['N', 1, 28, 28], output_shape: ['N', 10], total_params: 61706, trainable_params: 61706, non_trainable_params: 0, mult_adds: 416520, activation_bytes: 60008 });
    const layers = json.layers as Row[];
    expect(layers.map((l) => l.name)).toEqual(Array.from({ length: 12 }, (_, i) => String(i)));
    expect(layers.map((l) => l.params)).toEqual([156, 0, 0, 2416, 0, 0, 0, 48120, 0, 10164, 0, 850]);
    expect(layers[3]).toMatchObject({ type: 'Conv2d', output_shape: ['N', 16, 10, 10], formula: '(C_in*k_h*k_w/groups + 1)*C_out = (6*5*5/1 + 1)*16 = 2416' });
  });

  it('the default model is the default MLP, which takes all the input values (Flatten first)', async () => {
    const json = await summaryJson([]);
    expect(json.model).toBe('mlp');
    expect(json.total_params).toBe(33460);
    expect((json.layers as Row[]).map((l) => l.type)).toEqual(['Flatten', 'Linear', 'Sigmoid', 'Linear', 'Sigmoid', 'Linear', 'Sigmoid', 'Linear']);
    const colour = await summaryJson(['--model', 'mlp', '--input-shape', '3,32,32']);
    expect(colour.total_params).toBe((3 * 32 * 32 + 1) * 40 + 41 * 30 + 31 * 20 + 21 * 10);
  });

  it('examples/lenet.json is the built-in LeNet', async () => {
    const file = await summaryJson(['--model', example('lenet.json')]);
    const builtin = await summaryJson(['--model', 'lenet']);
    expect({ ...file, model: 'lenet' }).toEqual(builtin);
  });

  it('the bottleneck has 213,504 parameters, its 32 summed paths 78,592, the grouped form 70,656 (text and --json)', async () => {
    const cases: [string, number][] = [['bottleneck.json', 213504], ['resnext-paths.json', 78592], ['resnext-grouped.json', 70656]];
    for (const [name, params] of cases) {
      const r = await cli(['summary', '--model', example(name), '--input-shape', '256,8,8']);
      expectSuccess(r);
      expect(total(r, 'total parameters'), name).toBe(params);
      const json = await summaryJson(['--model', example(name), '--input-shape', '256,8,8']);
      expect(json.total_params, name).toBe(params);
      expect(json.output_shape).toEqual(['N', 256, 8, 8]);
    }
    const paths = await summaryJson(['--model', example('resnext-paths.json'), '--input-shape', '256,8,8']);
    const names = (paths.layers as Row[]).map((l) => l.name);
    expect(names.slice(0, 4)).toEqual(['0', '0.body.0', '0.body.0.branches.0.0', '0.body.0.branches.0.1']);
    expect(names).toContain('0.body.0.branches.31.4');
    const grouped = await summaryJson(['--model', example('resnext-grouped.json'), '--input-shape', '256,8,8']);
    expect((grouped.layers as Row[]).find((l) => l.name === '0.body.2')!.formula).toBe('(C_in*k_h*k_w/groups + 1)*C_out = (128*3*3/32 + 1)*128 = 4736');
    expect(paths.mult_adds).toBe(grouped.mult_adds);
  });

  it('an MLP on a 3xNxN image with L layers of h units and n outputs has (3N^2+1)h + (L-2)(h^2+h) + (hn+n)', async () => {
    for (const [N, L, h, n] of [[32, 3, 100, 10], [8, 5, 16, 4], [4, 2, 3, 7]]) {
      const sizes = [3 * N * N, ...Array<number>(L - 1).fill(h), n];
      const layers: Row[] = [{ type: 'Flatten' }];
      for (let i = 0; i < L; i++) layers.push({ type: 'Linear', in_features: sizes[i], out_features: sizes[i + 1] }, ...(i < L - 1 ? [{ type: 'ReLU' }] : []));
      const file = modelFile(`mlp-${N}-${L}-${h}-${n}.json`, { layers });
      const expected = (3 * N * N + 1) * h + (L - 2) * (h * h + h) + (h * n + n);
      expect((await summaryJson(['--model', file, '--input-shape', `3,${N},${N}`])).total_params).toBe(expected);
      const r = await cli(['summary', '--model', file, '--input-shape', `3,${N},${N}`]);
      expect(total(r, 'total parameters')).toBe(expected);
    }
  });

  it('bad input: one error line naming the problem', async () => {
    const misspelt = modelFile('misspelt.json', { layers: [{ type: 'Residual', body: [{ type: 'Conv2d', in_channels: 1, out_channels: 2, kernal_size: 3 }] }] });
    const cases: [string[], RegExp][] = [
      [['summary', '--model', 'resnet'], /--model resnet: cannot read the model file \(ENOENT\) \(not a built-in model either: lenet, mlp, rnn, gru, lstm, gated-rnn, attention-rnn\)/],
      [['summary', '--model', join(tmp, 'missing.json')], /missing\.json: cannot read the model file \(ENOENT\)$/],
      [['summary', '--model', modelFile('broken.json', '{ "layers": [')], /broken\.json: not valid JSON/],
      [['summary', '--model', misspelt], /misspelt\.json: layers\[0\]\.body\[0\]: unknown argument "kernal_size" .*did you mean "kernel_size"\?/],
      [['summary', '--model', modelFile('type.json', { layers: [{ type: 'Conv3d' }] })], /type\.json: layers\[0\]: unknown layer type "Conv3d"/],
      [['summary', '--model', 'lenet', '--input-shape', '1,32,32'], /--model lenet cannot take inputs of shape \[1, 32, 32\]: layer 7 \(Linear\) cannot take an input of shape \[N, 576\]/],
      [['summary', '--input-shape', '1,x,28'], /--input-shape.*'1,x,28'/],
      [['summary', '--input-shape', '0,28'], /--input-shape.*'0,28'/],
      [['summary', '--input-shape', ''], /--input-shape.*''/],
    ];
    for (const [args, pattern] of cases) expectUsageError(await cli(args), pattern);
  });
});

describe('nabla train --model and eval', () => {
  const tinyFlags = () => ['--data-dir', tiny, '--train-samples', '200', '--epochs', '2', '--batch-size', '50'];
  let saved: string;
  let trained: CliResult;

  beforeAll(async () => {
    saved = join(tmp, 'lenet.safetensors');
    trained = await cli(['train', '--json', '--model', 'lenet', ...tinyFlags(), '--seed', '3', '--save', saved]);
  });

  it('trains LeNet on [N, 1, 28, 28] images and reports its 61,706 parameters', () => {
    expectSuccess(trained);
    const rows = jsonLines(trained);
    expect(rows.map((r) => r.event)).toEqual(['epoch', 'epoch', 'summary']);
    const summary = rows[2];
    expect(summary.parameters).toBe(61706);
    expect(summary.model).toEqual(JSON.parse(JSON.stringify(LENET)));
    expect(Number.isFinite(summary.test_loss)).toBe(true);
    // The SGD default follows the network's first activation: ReLU's 0.05, halved by the cosine schedule.
    expect(rows.slice(0, 2).map((r) => r.lr)).toEqual([0.05, 0.025].map((v) => expect.closeTo(v, 12)));
  });

  it('stores the model spec in the checkpoint, with PyTorch state-dict names', () => {
    const { header } = readSafetensorsHeader(saved);
    const metadata = header.__metadata__ as Record<string, string>;
    expect(JSON.parse(metadata.config)).toEqual(JSON.parse(JSON.stringify(LENET)));
    const names = Object.keys(header).filter((k) => k !== '__metadata__').sort();
    expect(names).toEqual(['0.bias', '0.weight', '11.bias', '11.weight', '3.bias', '3.weight', '7.bias', '7.weight', '9.bias', '9.weight']);
    expect((header['0.weight'] as { shape: number[] }).shape).toEqual([6, 1, 5, 5]);
  });

  it('eval rebuilds the network from the stored spec and reproduces the test metrics', async () => {
    const r = await cli(['eval', '--json', '--load', saved, '--data-dir', tiny]);
    expectSuccess(r);
    const [result] = jsonLines(r);
    const summary = jsonLines(trained)[2];
    expect(result.samples).toBe(200);
    expect(Math.abs((result.test_loss as number) - (summary.test_loss as number))).toBeLessThanOrEqual(1e-6);
    expect(result.test_acc).toBe(summary.test_acc);
    expect(result.model).toEqual(summary.model);
    const text = await cli(['eval', '--load', saved, '--data-dir', tiny]);
    expectSuccess(text);
    expect(text.stdout).toMatch(/mnist: test accuracy \d+\.\d+% on 200 samples/);
    expect(text.stderr).toMatch(/model: Sequential\(\n\s+\(0\): Conv2d\(/);
  });

  it('without --json: the layer table and the parameter line on stderr', async () => {
    const r = await cli(['train', '--model', 'lenet', ...tinyFlags(), '--epochs', '1']);
    expectSuccess(r);
    expect(r.stderr).toMatch(/│ 0\s+│ Conv2d\s+│ \[N, 6, 28, 28\]\s+│ 156\s+│/);
    expect(r.stderr).toMatch(/^61,706 parameters; cross-entropy loss, sgd \(lr 0\.05/m);
    expect(r.stdout).toMatch(/mnist: test accuracy \d+\.\d+% after 1 epoch/);
  });

  it('a model file trains like the built-in network it spells out (same seed, same metrics)', async () => {
    const r = await cli(['train', '--json', '--model', example('lenet.json'), ...tinyFlags(), '--seed', '3']);
    expectSuccess(r);
    const strip = (row: Row) => Object.fromEntries(Object.entries(row).filter(([k]) => !['samples_per_s', 'seconds', 'saved'].includes(k)));
    expect(jsonLines(r).map(strip)).toEqual(jsonLines(trained).map(strip));
  });

  it('--model mlp trains the default MLP on images (Flatten first), named from 1', async () => {
    const file = join(tmp, 'mlp.safetensors');
    const r = await cli(['train', '--json', '--model', 'mlp', ...tinyFlags(), '--save', file]);
    expectSuccess(r);
    const summary = jsonLines(r).at(-1)!;
    expect(summary.parameters).toBe(33460);
    expect(((summary.model as { layers: Row[] }).layers)[0]).toEqual({ type: 'Flatten' });
    // Sigmoid's default SGD rate, as for the default network.
    expect(jsonLines(r)[0].lr).toBe(0.1);
    expect(Object.keys(readSafetensorsHeader(file).header)).toContain('1.weight');
    expectSuccess(await cli(['eval', '--json', '--load', file, '--data-dir', tiny]));
  });

  it('a network with BatchNorm keeps its running statistics (an integer counter among them) through save and eval', async () => {
    const spec = modelFile('bn.json', {
      layers: [
        { type: 'Conv2d', in_channels: 1, out_channels: 4, kernel_size: 3, stride: 2 },
        { type: 'BatchNorm2d', num_features: 4 },
        { type: 'ReLU' },
        { type: 'Dropout2d', p: 0.1 },
        { type: 'Flatten' },
        { type: 'Linear', in_features: 4 * 13 * 13, out_features: 10 },
      ],
    });
    const file = join(tmp, 'bn.safetensors');
    const r = await cli(['train', '--json', '--model', spec, ...tinyFlags(), '--save', file]);
    expectSuccess(r);
    const { header } = readSafetensorsHeader(file);
    expect(header['1.num_batches_tracked']).toMatchObject({ dtype: 'I32', shape: [] });
    expect(header['1.running_mean']).toMatchObject({ dtype: 'F32', shape: [4] });
    const evaluated = await cli(['eval', '--json', '--load', file, '--data-dir', tiny]);
    expectSuccess(evaluated);
    const summary = jsonLines(r).at(-1)!;
    expect(Math.abs((jsonLines(evaluated)[0].test_loss as number) - (summary.test_loss as number))).toBeLessThanOrEqual(1e-6);
  });

  it('refuses MLP flags with --model, a bad spec, and a network of the wrong output size', async () => {
    const wide = modelFile('wide.json', { layers: [{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 12 }] });
    const small = modelFile('small.json', { layers: [{ type: 'Flatten' }, { type: 'Linear', in_features: 400, out_features: 10 }] });
    const cases: [string[], RegExp][] = [
      [['train', '--model', 'lenet', '--hidden', '8'], /--hidden shapes the default MLP and cannot be combined with --model lenet/],
      [['train', '--model', 'lenet', '--activation', 'relu', '--init', 'pytorch', '--dropout', '0'], /--activation, --dropout, --init shape the default MLP and cannot be combined with --model lenet/],
      [['train', '--model', 'alexnet'], /--model alexnet: cannot read the model file/],
      [['train', '--model', modelFile('bad.json', { layers: [{ type: 'Linear', in_features: 3, out_features: 2, biass: true }] })], /bad\.json: layers\[0\]: unknown argument "biass" .*did you mean "bias"\?/],
      [['train', '--model', wide, '--data-dir', tiny], /--model .*wide\.json gives outputs of shape \[N, 12\], but mnist has 10 classes: the last layer must give \[N, 10\]/],
      [['train', '--model', small, '--data-dir', tiny], /--model .*small\.json cannot take inputs of shape \[1, 28, 28\]: layer 1 \(Linear\) cannot take an input of shape \[N, 784\]/],
    ];
    for (const [args, pattern] of cases) expectUsageError(await cli(args), pattern);
  });

  it('eval of a checkpoint whose stored spec is broken', async () => {
    const { headerLength, header } = readSafetensorsHeader(saved);
    const metadata = header.__metadata__ as Record<string, string>;
    const broken = structuredClone(header);
    (broken.__metadata__ as Record<string, string>).config = metadata.config.replace('"kernel_size"', '"kernel"');
    let json = JSON.stringify(broken);
    json += ' '.repeat((8 - (json.length % 8)) % 8);
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(BigInt(json.length));
    const file = join(tmp, 'broken-spec.safetensors');
    writeFileSync(file, Buffer.concat([prefix, Buffer.from(json), readFileSync(saved).subarray(8 + headerLength)]));
    expectUsageError(await cli(['eval', '--load', file, '--data-dir', tiny]), /broken-spec\.safetensors: the stored model spec is not valid: layers\[0\]: unknown argument "kernel" .*did you mean "kernel_size"\?/);
  });
});
