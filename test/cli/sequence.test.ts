/**
 * The recurrent networks of `nabla train/summary --model rnn|gru|lstm|gated-rnn|attention-rnn` and
 * their checkpoints, run as a user would (build first: `npm run build`, which `npm test` does in pretest).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cli, type CliResult, expectSuccess, expectUsageError, jsonLines, makeSandbox, summaryJson, readSafetensorsHeader, removeSandbox } from './helpers.js';

type Row = Record<string, unknown>;

let tmp: string;
/** 300 train and 200 test samples of Fashion-MNIST, raw IDX. */
let tiny: string;

beforeAll(() => {
  assertBuilt();
  ({ tmp, tiny } = makeSandbox('nabla-cli-sequence-', ['fashion-mnist']));
});

afterAll(() => removeSandbox(tmp));

const MODELS = ['rnn', 'gru', 'lstm', 'gated-rnn', 'attention-rnn'] as const;

/** Parameters of the recurrent layers of PyTorch's RNN (gates 1), GRU (3) or LSTM (4) on 28 inputs, and the classifier. */
function stackedCount(gates: number, H: number, layers = 1, directions = 1): number {
  let n = 0;
  for (let l = 0; l < layers; l++) n += directions * gates * H * ((l === 0 ? 28 : directions * H) + H + 2);
  return n + directions * H * 10 + 10;
}

describe('help', () => {
  it('train and summary --help name the recurrent models and their flags', async () => {
    const train = await cli(['train', '--help']);
    expectSuccess(train);
    for (const flag of ['--layers', '--bidirectional', '--attention-k', '--truncate']) expect(train.stdout, flag).toContain(flag);
    expect(train.stdout.replace(/\s+/g, ' ')).toContain('lenet, mlp, rnn, gru, lstm, gated-rnn or attention-rnn');
    expect(train.stdout.replace(/\s+/g, ' ')).toMatch(/for a recurrent --model, the state size \(128\)/);
    const summary = await cli(['summary', '--help']);
    for (const flag of ['--hidden', '--layers', '--bidirectional', '--attention-k']) expect(summary.stdout, flag).toContain(flag);
  });
});

describe('nabla summary --model <recurrent>', () => {
  it('--model lstm: one SequenceClassifier row with the formula by parameter, 82,186 parameters', async () => {
    const r = await cli(['summary', '--model', 'lstm']);
    expectSuccess(r);
    expect(r.stdout).toMatch(/│\s+│ SequenceClassifier\s+│ \[N, 10\]\s+│ 82,186\s+│ rnn\.weight_ih_l0 512\*28 \+ rnn\.weight_hh_l0 512\*128 \+ rnn\.bias_ih_l0 512 \+ rnn\.bias_hh_l0 512 \+ fc\.weight 10\*128 \+ fc\.bias 10 = 82186/);
    expect(r.stdout).toMatch(/^total parameters: 82,186$/m);
  });

  it('counts every model as PyTorch would, with --hidden, --layers, --bidirectional and --attention-k', async () => {
    const H = 32;
    const cases: [string[], number][] = [
      [['--model', 'rnn'], stackedCount(1, 128)],
      [['--model', 'gru', '--hidden', `${H}`], stackedCount(3, H)],
      [['--model', 'lstm', '--hidden', `${H}`, '--layers', '2', '--bidirectional'], stackedCount(4, H, 2, 2)],
      [['--model', 'gated-rnn', '--hidden', `${H}`], H * (28 + H + 28) + H * 10 + 10],
      [['--model', 'attention-rnn', '--hidden', `${H}`], 28 * H + H + 3 * 3 * H * H + H * 10 + 10],
      [['--model', 'attention-rnn', '--hidden', `${H}`, '--attention-k', 'inf'], 28 * H + H + 3 * 2 * H * H + H * 10 + 10],
      [['--model', 'attention-rnn', '--hidden', `${H}`, '--attention-k', '0'], 28 * H + H + 3 * H * H + H * 10 + 10],
    ];
    for (const [args, params] of cases) {
      const json = await summaryJson(args);
      expect(json.total_params, args.join(' ')).toBe(params);
      expect(json.output_shape).toEqual(['N', 10]);
    }
  });

  it('refuses the recurrent flags for other models, and images of more than one channel', async () => {
    const cases: [string[], RegExp][] = [
      [['summary', '--model', 'lenet', '--layers', '2'], /--layers applies to --model rnn, gru and lstm, not --model lenet/],
      [['summary', '--model', 'mlp', '--hidden', '8'], /--hidden applies to --model rnn, gru, lstm, gated-rnn and attention-rnn, not --model mlp/],
      [['summary', '--model', 'lstm', '--attention-k', '3'], /--attention-k applies to --model attention-rnn, not --model lstm/],
      [['summary', '--model', 'gru', '--input-shape', '3,28,28'], /--model gru cannot take inputs of shape \[3, 28, 28\]: .*expected sequences \[N, T, 28\] or images \[N, 1, T, 28\] \(rows as time steps\), got \[1, 3, 28, 28\]/],
    ];
    for (const [args, pattern] of cases) expectUsageError(await cli(args), pattern);
  });
});

describe('nabla train --model <recurrent>, then eval --load', () => {
  const quick = () => ['--json', '--dataset', 'fashion-mnist', '--data-dir', tiny, '--train-samples', '200', '--epochs', '1', '--batch-size', '50', '--hidden', '16'];
  const runs = new Map<string, { trained: CliResult; file: string }>();
  const extra: Record<string, string[]> = { rnn: ['--truncate', '7'], gru: ['--bidirectional'], lstm: ['--layers', '2'], 'gated-rnn': [], 'attention-rnn': ['--attention-k', 'inf'] };
  const expectedSpec: Record<string, Row> = {
    rnn: { num_layers: 1, bidirectional: false, truncate: 7 },
    gru: { num_layers: 1, bidirectional: true },
    lstm: { num_layers: 2, bidirectional: false },
    'gated-rnn': {},
    'attention-rnn': { k: 'inf' },
  };
  const firstNames: Record<string, string[]> = {
    rnn: ['rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0', 'fc.weight', 'fc.bias'],
    gru: ['rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0', 'rnn.weight_ih_l0_reverse'],
    lstm: ['rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0', 'rnn.weight_ih_l1'],
    'gated-rnn': ['rnn.Wc', 'rnn.Wh', 'rnn.Wx', 'fc.weight', 'fc.bias'],
    'attention-rnn': ['proj.weight', 'proj.bias', 'rnn.Q.0', 'rnn.Q.1', 'rnn.K.0'],
  };

  beforeAll(async () => {
    await Promise.all(MODELS.map(async (model) => {
      const file = join(tmp, `${model}.safetensors`);
      runs.set(model, { trained: await cli(['train', '--model', model, ...quick(), ...extra[model], '--save', file]), file });
    }));
  });

  it.each(MODELS)('%s: trains, stores its SequenceClassifier spec and PyTorch names, and eval reproduces the test metrics', async (model) => {
    const { trained, file } = runs.get(model)!;
    expectSuccess(trained);
    const rows = jsonLines(trained);
    expect(rows.map((r) => r.event)).toEqual(['epoch', 'summary']);
    const summary = rows[1];
    const spec = { type: 'SequenceClassifier', cell: model, input_size: 28, hidden_size: 16, num_classes: 10, ...expectedSpec[model] };
    expect(summary.model).toEqual(spec);
    expect(Number.isFinite(summary.test_loss)).toBe(true);
    // The recurrent networks' default: SGD at 0.1, or 0.03 for attention-rnn.
    expect(rows[0].lr).toBe(model === 'attention-rnn' ? 0.03 : 0.1);

    const { header } = readSafetensorsHeader(file);
    expect(JSON.parse((header.__metadata__ as Record<string, string>).config)).toEqual(spec);
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    for (const name of firstNames[model]) expect(names, name).toContain(name);
    expect(names.every((n) => /^(rnn|fc|proj)\./.test(n)), names.join(', ')).toBe(true);

    const evaluated = await cli(['eval', '--json', '--load', file, '--data-dir', tiny]);
    expectSuccess(evaluated);
    const [result] = jsonLines(evaluated);
    expect(result.dataset).toBe('fashion-mnist');
    expect(result.samples).toBe(200);
    expect(Math.abs((result.test_loss as number) - (summary.test_loss as number))).toBeLessThanOrEqual(1e-6);
    expect(result.test_acc).toBe(summary.test_acc);
  });

  it('without --json: the header line says SGD at 0.1 with momentum 0.9 and clip-norm 1; flags given replace the defaults', async () => {
    const text = ['--dataset', 'fashion-mnist', '--data-dir', tiny, '--train-samples', '100', '--epochs', '1', '--hidden', '8'];
    const r = await cli(['train', '--model', 'gru', ...text]);
    expectSuccess(r);
    expect(r.stderr).toMatch(/^\d[\d,]* parameters; cross-entropy loss, sgd \(lr 0\.1, momentum 0\.9, clip-norm 1, cosine schedule\)/m);
    expect(r.stderr).toMatch(/│\s+│ SequenceClassifier\s+│ \[N, 10\]/);
    expect(r.stdout).toMatch(/fashion-mnist: test accuracy \d+\.\d+% after 1 epoch/);
    const adam = await cli(['train', '--model', 'gru', ...text, '--optimizer', 'adam', '--clip-norm', '5']);
    expectSuccess(adam);
    expect(adam.stderr).toMatch(/ parameters; cross-entropy loss, adam \(lr 0\.001, clip-norm 5, cosine schedule\)/);
  });
});

describe('bad flags for the recurrent models: one error line, before any data is loaded', () => {
  const cases: [string, string[], RegExp][] = [
    ['--layers without --model', ['--layers', '2'], /--layers applies to --model rnn, gru and lstm, not the default MLP$/],
    ['--bidirectional for gated-rnn', ['--model', 'gated-rnn', '--bidirectional'], /--bidirectional applies to --model rnn, gru and lstm, not --model gated-rnn$/],
    ['--attention-k for lstm', ['--model', 'lstm', '--attention-k', '4'], /--attention-k applies to --model attention-rnn, not --model lstm$/],
    ['--truncate for attention-rnn', ['--model', 'attention-rnn', '--truncate', '4'], /--truncate applies to --model rnn, gru and lstm, not --model attention-rnn, which always backpropagates through the whole sequence/],
    ['--truncate for lenet', ['--model', 'lenet', '--truncate', '4'], /--truncate applies to --model rnn, gru and lstm, not --model lenet$/],
    ['a list for --hidden', ['--model', 'lstm', '--hidden', '128,64'], /--hidden for --model lstm is the state size, one integer such as 128; got '128,64'/],
    ['an empty --hidden', ['--model', 'gru', '--hidden', ''], /--hidden for --model gru is the state size, one integer such as 128; got ''/],
    ['--hidden for lenet', ['--model', 'lenet', '--hidden', '8'], /--hidden shapes the default MLP and cannot be combined with --model lenet/],
    ['MLP flags for a recurrent model', ['--model', 'rnn', '--activation', 'relu'], /--activation shapes the default MLP and cannot be combined with --model rnn/],
    ['a bad --attention-k', ['--model', 'attention-rnn', '--attention-k', 'many'], /--attention-k.*expected an integer >= 0 or 'inf', got 'many'/],
    ['a bad --layers', ['--model', 'lstm', '--layers', '0'], /--layers.*'0'/],
    ['a bad --truncate', ['--model', 'lstm', '--truncate', '1.5'], /--truncate.*'1\.5'/],
  ];
  it.each(cases)('%s', async (_, args, pattern) => {
    // A data directory that does not exist: the flags must be refused before it is looked at.
    const r = await cli(['train', '--data-dir', join(tmp, 'nowhere'), ...args]);
    expectUsageError(r, pattern);
    expect(r.stderr).not.toMatch(/^data: /m);
  });
});
