/**
 * The doctor on real runs of `nabla train --log`: the default network trained well, at a learning
 * rate of 50, at 1e-7, a ReLU network at a rate of 2 and one with 2 hidden units. Each run is a few
 * seconds on a subset of MNIST.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchLogRecord } from '../../src/train/run-log.js';
import { assertBuilt, cli, DATASETS, expectSuccess } from '../cli/helpers.js';

interface Report {
  healthy: boolean;
  status: string;
  diagnoses: { id: string; severity: string; title: string; evidence: string[]; measurements: Record<string, number | string> }[];
}

let dir: string;
beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'nabla-doctor-runs-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Trains with `flags` on the first 6,000 MNIST digits, logging to NAME.jsonl; returns the log's path. */
async function train(name: string, flags: string[], epochs = 3): Promise<string> {
  const log = join(dir, `${name}.jsonl`);
  const r = await cli(['train', '--data-dir', DATASETS, '--train-samples', '6000', '--epochs', String(epochs), '--log', log, ...flags], { timeoutMs: 120_000 });
  expectSuccess(r);
  return log;
}

async function doctor(log: string): Promise<{ text: string; report: Report }> {
  const text = await cli(['doctor', log]);
  expectSuccess(text);
  const json = await cli(['doctor', '--json', log]);
  expectSuccess(json);
  return { text: text.stdout, report: JSON.parse(json.stdout) as Report };
}

const batches = (log: string) =>
  readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"event":"batch"'))
    .map((line) => JSON.parse(line) as BatchLogRecord);

describe('nabla doctor on real training runs', { timeout: 180_000 }, () => {
  it('stays silent on the default network trained well (batches of 20), and gives the final numbers', async () => {
    const log = await train('healthy', ['--batch-size', '20']);
    const { text, report } = await doctor(log);
    expect(report.diagnoses, text).toEqual([]);
    expect(report.healthy).toBe(true);
    expect(text).toContain('The run looks healthy');
    expect(text).toMatch(/final: epoch 3: train loss 0\.\d{4}, accuracy 8\d\.\d\d%/);
  });

  it('says a learning rate of 50 is too high, at the step where the loss first rose above 1.5 times its start', async () => {
    const log = await train('lr-50', ['--lr', '50']);
    const { text, report } = await doctor(log);
    const [first] = report.diagnoses;
    expect(first, text).toMatchObject({ id: 'learning-rate-too-high', severity: 'error' });
    expect(text).toMatch(/^error \[learning-rate-too-high\] The learning rate is too high/m);
    expect(text).toContain('try 5)');

    const step = first.measurements['spike_step'] as number;
    const losses = batches(log).map((b) => b.loss);
    expect(losses[step - 1]).toBeGreaterThan(1.5 * losses[0]);
    expect(losses.slice(1, step - 1).every((loss) => loss <= 1.5 * losses[0])).toBe(true);
    expect(first.evidence[0]).toContain(`at step ${step} (epoch 1, batch ${step})`);
  });

  it('names the untrained plateau of a learning rate of 1e-7, with ln 10 and chance accuracy', async () => {
    const log = await train('lr-1e-7', ['--lr', '1e-7']);
    const { text, report } = await doctor(log);
    const ids = report.diagnoses.map((d) => d.id);
    expect(ids[0], text).toBe('untrained-plateau');
    expect(ids).not.toContain('learning-rate-too-low');
    expect(text).toContain('from ln(10) = 2.303');
    expect(text).toContain('chance is 1/10 = 10.0%');
    const { loss, accuracy } = report.diagnoses[0].measurements as Record<string, number>;
    expect(Math.abs(loss - Math.log(10)) / Math.log(10)).toBeLessThan(0.05);
    expect(accuracy).toBeLessThan(0.2);
    expect(text).toContain('(now 1.00e-7)');
  });

  it('sees the dead ReLUs a learning rate of 2 leaves behind', async () => {
    const log = await train('relu-lr-2', ['--activation', 'relu', '--lr', '2']);
    const { text, report } = await doctor(log);
    const ids = report.diagnoses.map((d) => d.id);
    expect(ids[0], text).toBe('learning-rate-too-high');
    expect(ids).toContain('dead-relus');
    expect(text).toMatch(/Layer 0 \(Linear\): \d+\.\d% of the ReLU units dead at epoch 3/);
  });

  it('calls a network of 2 hidden units that levels off below 50% accuracy underfitting', async () => {
    const log = await train('hidden-2', ['--hidden', '2', '--activation', 'relu'], 5);
    const { text, report } = await doctor(log);
    expect(report.diagnoses.map((d) => d.id), text).toEqual(['underfitting']);
    expect(text).toMatch(/^warning \[underfitting\] Underfitting: training has levelled off at \d\d\.\d% training accuracy/m);
  });
});
