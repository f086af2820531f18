import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunLogRecord } from '../../src/train/run-log.js';
import { assertBuilt, cli, describeRun, expectSuccess, expectUsageError } from '../cli/helpers.js';
import { HEALTHY_LOSS, syntheticRun } from './synthetic-run.js';

let dir: string;
const asLines = (records: RunLogRecord[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';
function logFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'nabla-doctor-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const diverged = () =>
  syntheticRun({ batchLoss: (step) => (step < 130 ? HEALTHY_LOSS(step) : NaN), lastStep: 130, end: 'diverged', endMessage: 'the loss is NaN at epoch 2, batch 30' });

describe('nabla doctor on constructed logs', () => {
  it('says a healthy run looks healthy, with its final numbers', async () => {
    const r = await cli(['doctor', logFile('healthy.jsonl', asLines(syntheticRun()))]);
    expectSuccess(r);
    expect(r.stdout).toContain('The run looks healthy');
    expect(r.stdout).toMatch(/final: epoch 5: train loss 0\.\d{4}, accuracy 9\d\.\d\d%; validation loss 0\.\d{4}/);
    expect(r.stderr).toBe('');
  });

  it('names the problem with its evidence and suggestion, and plots the curve', async () => {
    const r = await cli(['doctor', logFile('diverged.jsonl', asLines(diverged()))]);
    expectSuccess(r);
    expect(r.stdout).toContain('error [learning-rate-too-high] The learning rate is too high: the loss diverged');
    expect(r.stdout).toContain('  - The training loss is NaN at step 130 (epoch 2, batch 30).');
    expect(r.stdout).toContain('  suggestion: Train with a lower learning rate than 0.1 (try 0.01), or clip the gradients (--clip-norm 1).');
    expect(r.stdout).toMatch(/└─{60}\n\s+1\s+step\s+130\n/);
    expect(r.stdout).toContain('loss: 1 of 130 points are NaN (the first at step 130)');
    expect(r.stdout).not.toContain('looks healthy');
  });

  it('--json prints one document with the diagnoses, keeping NaN as a string', async () => {
    const r = await cli(['doctor', '--json', logFile('diverged-json.jsonl', asLines(diverged()))]);
    expectSuccess(r);
    const report = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ dataset: 'mnist', status: 'diverged', epochs: 5, healthy: false, warnings: [] });
    const [d] = report['diagnoses'] as Record<string, unknown>[];
    expect(d).toMatchObject({ id: 'learning-rate-too-high', severity: 'error', measurements: { step_not_finite: 130 } });
    expect(Object.keys(d).sort()).toEqual(['evidence', 'id', 'measurements', 'plot', 'severity', 'suggestion', 'title']);
    const plot = d['plot'] as { x: unknown; series: { name: string; values: unknown[] }[] };
    expect(plot.x).toEqual({ label: 'step', from: 1, to: 130 });
    expect(plot.series[0].values).toHaveLength(130);
    expect(plot.series[0].values.at(-1)).toBe('NaN');
  });

  it('warns about a cut-short last line and diagnoses the rest', async () => {
    const text = asLines(syntheticRun());
    const r = await cli(['doctor', logFile('cut.jsonl', text.slice(0, text.length - 30))]);
    expectSuccess(r);
    expect(r.stderr).toMatch(/^nabla: warning: .*cut\.jsonl: line \d+, the last, is cut short/);
    expect(r.stdout).toContain('(unfinished)');
    expect(r.stdout).toContain('The run looks healthy');
  });

  it('refuses a missing file, an empty one, and one that is not a run log, naming the file', async () => {
    expectUsageError(await cli(['doctor', join(dir, 'none.jsonl')]), /none\.jsonl: cannot read the run log \(no such file or directory\)/);
    expectUsageError(await cli(['doctor', logFile('empty.jsonl', '')]), /empty\.jsonl: holds no records/);
    expectUsageError(await cli(['doctor', logFile('history.jsonl', '{"event":"epoch","epoch":1}\n')]), /history\.jsonl: line 1 is a "epoch" record, but a run log starts with the "run" record/);
    expectUsageError(await cli(['doctor', logFile('text.jsonl', 'hello\n')]), /text\.jsonl: line 1 is not valid JSON/);
    const r = await cli(['doctor']);
    expect(r.status, describeRun(r)).toBe(1);
    expect(r.stderr).toContain("missing required argument 'run.jsonl'");
  });
});
