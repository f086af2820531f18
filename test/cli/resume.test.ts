/**
 * `nabla train --resume FILE`: a run checkpointed after some epochs (--checkpoint) continues exactly
 * as if it had not stopped, down to the bytes of the checkpoint file; Ctrl-C (SIGINT) stops a run cleanly and says
 * which epoch its checkpoint holds. Runs `node dist/cli/main.js` (build first).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { assertBuilt, cleanEnv, cli, CLI, type CliResult, describeRun, expectSuccess, expectUsageError, jsonLines, makeSandbox, readSafetensorsHeader, REPO_ROOT, removeSandbox } from './helpers.js';

let tmp: string;
let tiny: string;

beforeAll(() => {
  assertBuilt();
  ({ tmp, tiny } = makeSandbox('nabla-cli-resume-', ['mnist']));
});
afterAll(() => removeSandbox(tmp));

const metrics = (row: Record<string, unknown>) => Object.fromEntries(Object.entries(row).filter(([key]) => key !== 'seconds' && key !== 'samples_per_s'));
const epochRows = (r: CliResult) => jsonLines(r).filter((row) => row.event === 'epoch');

describe('train --resume', () => {
  // Dropout (a generator in the layers), momentum buffers and a step schedule: every kind of state.
  const RUN = ['--hidden', '16', '--dropout', '0.2', '--schedule', 'step', '--step-size', '1', '--gamma', '0.7', '--batch-size', '50', '--seed', '3'];
  let straight: CliResult;
  let resumed: CliResult;
  let straightFile: string;
  let resumedFile: string;

  beforeAll(async () => {
    straightFile = join(tmp, 'straight.safetensors');
    resumedFile = join(tmp, 'resumed.safetensors');
    straight = await cli(['train', '--json', '--data-dir', tiny, ...RUN, '--epochs', '4', '--checkpoint', straightFile]);
    expectSuccess(await cli(['train', '--json', '--data-dir', tiny, ...RUN, '--epochs', '2', '--checkpoint', resumedFile]));
    resumed = await cli(['train', '--json', '--data-dir', tiny, '--resume', resumedFile, '--epochs', '4']);
  });

  it('2 epochs, then 2 more resumed, give the same file, bit for bit, as 4 epochs straight', () => {
    expectSuccess(straight);
    expectSuccess(resumed);
    expect(resumed.stderr).toContain(`resumed: ${resumedFile} holds epoch 2; training epochs 3 to 4, checkpoints to ${resumedFile}`);
    expect(Buffer.compare(readFileSync(resumedFile), readFileSync(straightFile))).toBe(0);
  });

  it('the resumed epochs report what the straight run reported for epochs 3 and 4', () => {
    const rows = epochRows(resumed);
    expect(rows.map((row) => row.epoch)).toEqual([3, 4]);
    expect(rows.map(metrics)).toEqual(epochRows(straight).slice(2).map(metrics));
  });

  it('the file holds the weights, the optimizer state under PyTorch-like names, the schedule, the generators and the epoch', () => {
    const { header } = readSafetensorsHeader(straightFile);
    expect(Object.keys(header).filter((k) => k !== '__metadata__').sort()).toEqual([
      '0.bias', '0.weight', '3.bias', '3.weight',
      'optimizer.state.0.momentum_buffer', 'optimizer.state.1.momentum_buffer', 'optimizer.state.2.momentum_buffer', 'optimizer.state.3.momentum_buffer',
    ]);
    const metadata = header.__metadata__ as Record<string, string>;
    expect(metadata.epoch).toBe('4');
    const optimizer = JSON.parse(metadata.optimizer!) as { param_groups: Record<string, unknown>[] };
    expect(optimizer.param_groups[0]).toMatchObject({ momentum: 0.9, weight_decay: 0, initial_lr: 0.1, params: [0, 1, 2, 3] });
    expect(optimizer.param_groups[0]!.lr).toBeCloseTo(0.1 * 0.7 ** 4, 12);
    expect(JSON.parse(metadata.lr_scheduler!)).toMatchObject({ last_epoch: 4, base_lrs: [0.1] });
    expect(Object.keys(JSON.parse(metadata.rng_state!) as object).sort()).toEqual(['default', 'layers.0', 'shuffle']);
    // The library reads the same file: the optimizer's state dict round-trips.
    const loaded = nb.loadCheckpoint<nb.MlpConfig>(straightFile);
    const model = nb.mlp(loaded.config);
    model.loadStateDict(loaded.stateDict);
    const sgd = new nb.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    sgd.loadStateDict(loaded.training!.optimizer);
    expect(sgd.stateDict()).toEqual(loaded.training!.optimizer);
  });

  it('--save beside it writes the weights alone, a PyTorch state dict, and eval reads either file', async () => {
    const weights = join(tmp, 'weights.safetensors');
    const checkpoint = join(tmp, 'checkpoint.safetensors');
    expectSuccess(await cli(['train', '--json', '--data-dir', tiny, ...RUN, '--epochs', '1', '--save', weights, '--checkpoint', checkpoint]));
    expect(Object.keys(readSafetensorsHeader(weights).header).sort()).toEqual(['0.bias', '0.weight', '3.bias', '3.weight', '__metadata__']);
    expect(Object.keys(readSafetensorsHeader(checkpoint).header)).toContain('optimizer.state.0.momentum_buffer');
    const [a, b] = [await cli(['eval', '--json', '--data-dir', tiny, '--load', weights]), await cli(['eval', '--json', '--data-dir', tiny, '--load', checkpoint])];
    expect(metrics(jsonLines(b)[0]!)).toEqual({ ...metrics(jsonLines(a)[0]!), checkpoint });
    expectUsageError(await cli(['train', '--data-dir', tiny, '--save', weights, '--checkpoint', weights]), /--save and --checkpoint name the same file/);
  });

  it('refuses flags that would change the run, an --epochs that adds nothing, and files without a training state', async () => {
    expectUsageError(await cli(['train', '--data-dir', tiny, '--resume', straightFile, '--lr', '0.5', '--epochs', '6']), /--lr cannot be combined with --resume: the run continues with the flags stored in .*straight\.safetensors; only --epochs, --save, --checkpoint, --json, --data-dir, --no-download, --log, --dashboard, --port, --host may be given/);
    expectUsageError(await cli(['train', '--data-dir', tiny, '--resume', straightFile]), /--resume .*straight\.safetensors: the run it holds is complete \(--epochs 4\); pass --epochs N, the new total, with N > 4/);
    expectUsageError(await cli(['train', '--data-dir', tiny, '--resume', straightFile, '--epochs', '3']), /--epochs 3 is not more than the 4 epochs it holds/);
    const weightsOnly = join(tmp, 'weights-only.safetensors');
    nb.saveModel(weightsOnly, nb.mlp({ inputSize: 784, hiddenSizes: [16], outputSize: 10, activation: 'sigmoid' }), {});
    expectUsageError(await cli(['train', '--data-dir', tiny, '--resume', weightsOnly]), /weights-only\.safetensors: holds no training state .*not written by nabla train --checkpoint/);
    expectUsageError(await cli(['train', '--data-dir', tiny, '--resume', join(tmp, 'missing.safetensors')]), /missing\.safetensors: no such file/);
  });
});

describe('Ctrl-C (SIGINT)', () => {
  // Adam, a cosine schedule over all epochs and dropout: the interrupted run must end where the straight one does.
  const RUN = ['--optimizer', 'adam', '--hidden', '16', '--dropout', '0.1', '--batch-size', '30', '--epochs', '60'];

  /** Starts a run and sends SIGINT once its first epoch record is out. */
  function interrupted(args: string[]): Promise<CliResult> {
    const start = performance.now();
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        if (stdout === '' && chunk.includes('\n')) child.kill('SIGINT');
        stdout += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (status, signal) => resolve({ args, status, signal, stdout, stderr, ms: performance.now() - start }));
    });
  }

  it('stops the run after the current batch, says which epoch the checkpoint holds, and --resume finishes it exactly', async () => {
    const file = join(tmp, 'interrupted.safetensors');
    const straightFile = join(tmp, 'uninterrupted.safetensors');
    const [stopped, straight] = [await interrupted(['train', '--json', '--data-dir', tiny, ...RUN, '--checkpoint', file]), await cli(['train', '--json', '--data-dir', tiny, ...RUN, '--checkpoint', straightFile])];
    expectSuccess(straight);
    const where = describeRun(stopped);
    expect(stopped.signal, where).toBeNull();
    expect(stopped.status, where).toBe(130);
    const rows = jsonLines(stopped);
    const last = rows.at(-1)!;
    const epoch = rows.filter((row) => row.event === 'epoch').length;
    expect(epoch, where).toBeGreaterThanOrEqual(1);
    expect(epoch, `the run should stop well before its 60 epochs\n${where}`).toBeLessThan(60);
    expect(last).toEqual({ event: 'interrupted', epoch, epochs: 60, checkpoint: file, checkpoint_epoch: epoch });
    expect(stopped.stderr).toContain('interrupted: stopping after this batch (Ctrl-C again to quit at once)');
    expect(stopped.stderr).toContain(`interrupted after epoch ${epoch} of 60: ${file} holds epoch ${epoch}; continue with: nabla train --resume ${file}`);
    expect(stopped.stderr).not.toMatch(/^\s+at /m);
    expect(readSafetensorsHeader(file).header.__metadata__).toMatchObject({ epoch: String(epoch) });

    const resumed = await cli(['train', '--json', '--data-dir', tiny, '--resume', file]);
    expectSuccess(resumed);
    expect(epochRows(resumed).map((row) => row.epoch)[0]).toBe(epoch + 1);
    expect(Buffer.compare(readFileSync(file), readFileSync(straightFile))).toBe(0);
  }, 60_000);

  it('without --checkpoint, says that nothing is saved', async () => {
    const stopped = await interrupted(['train', '--json', '--data-dir', tiny, ...RUN]);
    expect(stopped.status, describeRun(stopped)).toBe(130);
    expect(stopped.stderr).toMatch(/interrupted after epoch \d+ of 60: nothing is saved \(no --save or --checkpoint\)/);
  }, 60_000);
});
