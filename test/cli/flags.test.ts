/**
 * Strictness of the command line: flags that the chosen optimizer or schedule would ignore,
 * --version, --save into a missing directory, eval on another dataset than the trained one, and
 * the default learning rate of --loss mse. Runs `node dist/cli/main.js` (build first).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cli, DATASETS, expectSuccess, expectUsageError, jsonLines, makeSandbox, REPO_ROOT, removeSandbox } from './helpers.js';

let tmp: string;
let tiny: string;

beforeAll(() => {
  assertBuilt();
  ({ tmp, tiny } = makeSandbox('nabla-cli-flags-', ['mnist', 'fashion-mnist']));
});
afterAll(() => removeSandbox(tmp));

describe('flags that do not apply to the chosen optimizer or schedule are refused, with the reason, before any data is loaded', () => {
  // A data directory that does not exist: loading data would fail with another message.
  const NO_DATA = ['--data-dir', '/nonexistent/nabla-data'];
  const cases: [string, string[], RegExp][] = [
    ['--momentum with adam', ['--optimizer', 'adam', '--momentum', '0.5'], /--momentum applies to --optimizer sgd only, and --optimizer adam does not use it \(Adam's --beta1 is its momentum-like average of the gradients\)/],
    ['--dampening with adamw', ['--optimizer', 'adamw', '--dampening', '0.1'], /--dampening applies to --optimizer sgd only, and --optimizer adamw does not use it/],
    ['--beta1 with sgd (the default)', ['--beta1', '0.8'], /--beta1 applies to --optimizer adam or --optimizer adamw only, and --optimizer sgd does not use it \(for SGD, --momentum plays that part\)/],
    ['--eps with sgd', ['--optimizer', 'sgd', '--eps', '1e-6'], /--eps applies to --optimizer adam or --optimizer adamw only, and --optimizer sgd does not use it/],
    ['--gamma with the cosine schedule (the default)', ['--gamma', '0.5'], /--gamma applies to --schedule step only, and --schedule cosine does not use it/],
    ['--step-size with --schedule none', ['--schedule', 'none', '--step-size', '2'], /--step-size applies to --schedule step only, and --schedule none does not use it/],
  ];
  it.each(cases)('%s', async (_, flags, pattern) => {
    expectUsageError(await cli(['train', ...NO_DATA, ...flags]), pattern);
  });

  it('the same flags with their own optimizer or schedule are accepted', async () => {
    const r = await cli(['train', '--json', '--data-dir', tiny, '--epochs', '1', '--optimizer', 'adam', '--beta1', '0.8', '--eps', '1e-7', '--schedule', 'step', '--gamma', '0.5', '--step-size', '1']);
    expectSuccess(r);
  });
});

describe('--version', () => {
  it('prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await cli([flag]);
      expectSuccess(r);
      expect(r.stdout).toBe(`${version}\n`);
    }
    expect((await cli(['--help'])).stdout).toMatch(/-V, --version +print the version of nabla/);
  });
});

describe('--save', () => {
  it('refuses a directory that does not exist, instead of creating it, before training', async () => {
    const missing = join(tmp, 'no', 'such', 'dir');
    const r = await cli(['train', '--data-dir', tiny, '--epochs', '1', '--save', join(missing, 'model.safetensors')]);
    expectUsageError(r, new RegExp(`--save .*model\\.safetensors: the directory ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} does not exist; create it first`));
    expect(r.stderr).not.toContain('data: ');
    expect(existsSync(join(tmp, 'no'))).toBe(false);
  });
});

describe('eval on another dataset than the one the model was trained on', () => {
  it('warns on stderr, and evaluates all the same', async () => {
    const saved = join(tmp, 'mnist.safetensors');
    expectSuccess(await cli(['train', '--json', '--data-dir', tiny, '--epochs', '1', '--hidden', '8', '--save', saved]));
    const other = await cli(['eval', '--json', '--data-dir', tiny, '--load', saved, '--dataset', 'fashion-mnist']);
    expectSuccess(other);
    expect(other.stderr).toContain(`nabla: warning: ${saved} was trained on mnist; evaluating it on fashion-mnist, whose classes mean something else`);
    expect(jsonLines(other)[0]!.dataset).toBe('fashion-mnist');
    for (const args of [[], ['--dataset', 'mnist']]) {
      const same = await cli(['eval', '--json', '--data-dir', tiny, '--load', saved, ...args]);
      expectSuccess(same);
      expect(same.stderr).not.toContain('warning');
    }
  });
});

describe('--loss mse', () => {
  it('has its own default SGD learning rates, given in the help', async () => {
    expect((await cli(['train', '--help'])).stdout.replace(/\s+/g, ' ')).toContain('with --loss mse, sgd 5 with sigmoid/tanh and 1 with relu/leaky-relu');
    for (const [activation, lr] of [['sigmoid', 5], ['tanh', 5], ['relu', 1], ['leaky-relu', 1]] as const) {
      const r = await cli(['train', '--json', '--data-dir', tiny, '--epochs', '1', '--loss', 'mse', '--activation', activation, '--schedule', 'none']);
      expectSuccess(r);
      expect(jsonLines(r)[0]!.lr, activation).toBe(lr);
    }
  });

  it('learns with the default rate where the cross-entropy default does not move (1000 MNIST digits, 3 epochs, relu)', async () => {
    const run = async (extra: string[]) => {
      const r = await cli(['train', '--json', '--data-dir', DATASETS, '--train-samples', '1000', '--epochs', '3', '--loss', 'mse', '--activation', 'relu', ...extra], { timeoutMs: 120_000 });
      expectSuccess(r);
      return jsonLines(r).at(-1)!.test_acc as number;
    };
    const [learned, stuck] = [await run([]), await run(['--lr', '0.05'])];
    expect(learned).toBeGreaterThan(0.4);
    expect(stuck).toBeLessThan(0.2);
  }, 240_000);
});
