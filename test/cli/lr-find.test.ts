/**
 * `nabla lr-find`: the learning-rate range test on a few hundred real MNIST samples, as a table and
 * as JSON, run as a user would (build first: `npm run build`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cli, describeRun, expectSuccess, expectUsageError, jsonLines, makeSandbox, removeSandbox } from './helpers.js';

let tmp: string;
/** 300 train and 200 test samples of MNIST, raw IDX. */
let tiny: string;

beforeAll(() => {
  assertBuilt();
  ({ tmp, tiny } = makeSandbox('nabla-cli-lr-find-', ['mnist']));
});

afterAll(() => removeSandbox(tmp));

interface Point { iteration: number; lr: number; loss: number; smoothed_loss: number }
interface Report { event: string; points: Point[]; suggested_lr: number | null; min_loss_lr: number; diverged: boolean; [key: string]: unknown }

/** A quick run: 200 of the samples in batches of 20. */
const small = () => ['--data-dir', tiny, '--train-samples', '200', '--batch-size', '20'];
const RELU = ['--activation', 'relu', '--init', 'kaiming-uniform'];

async function lrFindJson(args: string[]): Promise<Report> {
  const r = await cli(['lr-find', '--json', ...small(), ...args]);
  expectSuccess(r);
  const records = jsonLines(r);
  expect(records, describeRun(r)).toHaveLength(1);
  return records[0] as Report;
}

/** The table's rows as cells, without the header. */
function tableRows(stdout: string): string[][] {
  return stdout.split('\n').filter((line) => line.startsWith('│')).slice(1).map((line) => line.split('│').slice(1, -1).map((cell) => cell.trim()));
}

describe('nabla lr-find', () => {
  it("is listed by --help, with train's model and optimizer flags and its own", async () => {
    const top = await cli(['--help']);
    expect(top.stdout).toMatch(/^\s+lr-find\b/m);
    const r = await cli(['lr-find', '--help']);
    expectSuccess(r);
    for (const flag of ['--model', '--hidden', '--optimizer', '--momentum', '--beta1', '--train-samples', '--batch-size', '--start-lr', '--end-lr', '--num-iter', '--smoothing', '--diverge-threshold', '--json']) {
      expect(r.stdout, flag).toContain(flag);
    }
    for (const flag of ['--epochs', '--schedule', '--save', '--val-split']) expect(r.stdout, flag).not.toContain(flag);
  });

  it('--json: the exponential sweep, the smoothed curve and the steepest descent of it', async () => {
    const report = await lrFindJson([...RELU, '--start-lr', '1e-4', '--end-lr', '1', '--num-iter', '30', '--diverge-threshold', '1e9']);
    expect(report).toMatchObject({ event: 'lr-find', dataset: 'mnist', optimizer: 'sgd', loss: 'cross-entropy', batch_size: 20, start_lr: 1e-4, end_lr: 1, num_iter: 30, diverged: false });
    const { points } = report;
    expect(points.map((p) => p.iteration)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    points.forEach((p, i) => expect(p.lr).toBeCloseTo(1e-4 * 1e4 ** (i / 29), 12));
    let average = 0;
    points.forEach((p, i) => {
      expect(Number.isFinite(p.loss)).toBe(true);
      average = 0.98 * average + 0.02 * p.loss;
      expect(p.smoothed_loss).toBeCloseTo(average / (1 - 0.98 ** (i + 1)), 10);
    });
    // Steepest descent of the smoothed loss against log(lr), skipping the first 3 (num-iter / 10) and the last 5 points.
    let steepest = 3;
    const slope = (i: number) => (points[i + 1].smoothed_loss - points[i].smoothed_loss) / Math.log(points[i + 1].lr / points[i].lr);
    for (let i = 3; i + 1 < 25; i++) if (slope(i) < slope(steepest)) steepest = i;
    expect(report.suggested_lr).toBe(points[steepest].lr);
    const lowest = Math.min(...points.map((p) => p.smoothed_loss));
    expect(report.min_loss_lr).toBe(points.find((p) => p.smoothed_loss === lowest)!.lr);
  });

  it('stops when the loss diverges, and says so in the table', async () => {
    const r = await cli(['lr-find', ...small(), ...RELU, '--start-lr', '1e-3', '--end-lr', '1e4', '--num-iter', '80']);
    expectSuccess(r);
    expect(r.stderr).toMatch(/^data: mnist from --data-dir .*: 200 training samples$/m);
    const header = r.stdout.split('\n').find((line) => line.includes('batch'))!;
    for (const column of ['lr', 'loss', 'smoothed loss']) expect(header).toContain(column);
    const rows = tableRows(r.stdout);
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.length).toBeLessThan(80);
    expect(rows[0].slice(0, 2)).toEqual(['1', '1.000e-3']);
    expect(r.stdout).toContain(`stopped after ${rows.length} of 80 batches: the smoothed loss exceeded 4 x its best`);
    expect(r.stdout).toMatch(/^lowest smoothed loss \d+\.\d{4} at lr \S+$/m);
    expect(r.stdout).toMatch(/^suggested learning rate: \S+ \(where the smoothed loss falls fastest against log lr\)$/m);
  });

  it("takes train's --model and optimizer flags", async () => {
    const report = await lrFindJson(['--model', 'lenet', '--optimizer', 'adam', '--beta1', '0.8', '--num-iter', '6', '--batch-size', '10']);
    expect(report.points).toHaveLength(6);
    expect(report.optimizer).toBe('adam');
    expect((report.model as { layers: unknown[] }).layers.length).toBeGreaterThan(5);
  });

  it('refuses flags that cannot work, before loading data', async () => {
    expectUsageError(await cli(['lr-find', '--data-dir', tiny, '--start-lr', '1', '--end-lr', '0.1']), /--end-lr 0\.1 must be larger than --start-lr 1/);
    expectUsageError(await cli(['lr-find', '--data-dir', tiny, '--model', 'lenet', '--hidden', '10']), /--hidden shapes the default MLP and cannot be combined with --model lenet/);
    expectUsageError(await cli(['lr-find', '--data-dir', tiny, '--optimizer', 'adam', '--nesterov']), /--nesterov applies to --optimizer sgd only/);
    expectUsageError(await cli(['lr-find', '--data-dir', tiny, '--optimizer', 'adam', '--momentum', '0.5']), /--momentum applies to --optimizer sgd only, and --optimizer adam does not use it/);
    expectUsageError(await cli(['lr-find', '--data-dir', tiny, '--beta1', '0.8']), /--beta1 applies to --optimizer adam or --optimizer adamw only/);
    expectUsageError(await cli(['lr-find', '--data-dir', tiny, '--num-iter', '1']), /--num-iter.*expected an integer >= 2, got '1'/);
    expectUsageError(await cli(['lr-find', '--data-dir', tiny, '--epochs', '3']), /unknown option '--epochs'/);
  });
});
