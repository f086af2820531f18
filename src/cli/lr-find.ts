import type { Command } from 'commander';
import { getBackend } from '../backend/registry.js';
import { DataLoader } from '../data/dataloader.js';
import { loadMnistLike } from '../data/mnist.js';
import type { DatasetName } from '../data/sources.js';
import type { LossName } from '../nn/losses.js';
import { manualSeed } from '../tensor/random.js';
import { lrFinder } from '../train/lr-finder.js';
import { objective } from '../train/objective.js';
import { downloadProgress } from './download-progress.js';
import { UsageError } from './errors.js';
import { buildSelectedNetwork, type NetworkFlags, selectNetwork } from './network-flags.js';
import { buildOptimizer, checkOptimizerChoiceFlags, type OptimizerChoiceFlags } from './optimizer-flags.js';
import { integer, number } from './parse.js';
import { table } from './report.js';

export interface LrFindFlags extends OptimizerChoiceFlags, NetworkFlags {
  dataset: DatasetName;
  dataDir?: string;
  download: boolean;
  loss: LossName;
  batchSize: number;
  trainSamples?: number;
  startLr: number;
  endLr: number;
  numIter: number;
  smoothing: number;
  divergeThreshold: number;
  json: boolean;
}

/** The flags of `nabla train` that lr-find takes too, with the same meanings and defaults. */
const TRAIN_FLAGS = [
  '--dataset', '--data-dir', '--no-download', '--model', '--hidden', '--layers', '--bidirectional', '--attention-k', '--truncate',
  '--activation', '--dropout', '--init', '--loss', '--optimizer', '--momentum', '--dampening', '--nesterov', '--weight-decay',
  '--beta1', '--beta2', '--eps', '--clip-norm', '--train-samples', '--batch-size', '--seed',
];

/** lr-find's flags on `command`: those it shares with the `train` command (the same options) and its own. */
export function lrFindOptions(command: Command, train: Command): Command {
  for (const flag of TRAIN_FLAGS) {
    const option = train.options.find((o) => o.long === flag);
    if (option === undefined) throw new Error(`lr-find: the train command has no ${flag} option to share`);
    command.addOption(option);
  }
  return command
    .option('--start-lr <rate>', 'learning rate of the first batch', number(0, Infinity, { inclusiveMin: false }), 1e-7)
    .option('--end-lr <rate>', 'learning rate of the last batch', number(0, Infinity, { inclusiveMin: false }), 10)
    .option('--num-iter <n>', 'batches in the sweep (the data is reused when it runs out)', integer(2), 100)
    .option('--smoothing <beta>', 'weight of the past in the smoothed loss', number(0, 1, { inclusiveMax: false }), 0.98)
    .option('--diverge-threshold <x>', 'stop once the smoothed loss exceeds this multiple of the best', number(1, Infinity, { inclusiveMin: false }), 4)
    .option('--json', 'print one JSON object on stdout instead of the table', false);
}

/** `given`: the flags on the command line (not defaulted), to refuse MLP flags next to --model. */
export async function lrFindCommand(flags: LrFindFlags, given: readonly string[] = []): Promise<void> {
  const say = (line: string) => process.stderr.write(line + '\n');
  checkOptimizerChoiceFlags(flags, given);
  if (!(flags.endLr > flags.startLr)) throw new UsageError(`--end-lr ${flags.endLr} must be larger than --start-lr ${flags.startLr}`);
  const selection = selectNetwork(flags, given);
  manualSeed(flags.seed);

  const bar = downloadProgress();
  // As in training: flat rows of pixels for the default MLP, [N, 1, rows, cols] for a --model network.
  const data = await loadMnistLike(flags.dataset, { dataDir: flags.dataDir, download: flags.download, onProgress: bar.update, log: bar.log, flatten: selection.choice === null });
  bar.stop();
  const samples = flags.trainSamples === undefined ? data.train : data.train.subset(Int32Array.from({ length: Math.min(flags.trainSamples, data.train.length) }, (_, i) => i));
  say(`data: ${flags.dataset} from ${data.files.source} (${data.files.dir}): ${samples.length} training samples`);
  const sampleShape = data.train.tensors[0].shape.slice(1);
  const { model, config, clipNorm } = buildSelectedNetwork(selection, flags, sampleShape, flags.dataset, data.classNames.length);
  const optimizer = buildOptimizer(model.parameters(), { ...flags, lr: flags.startLr });
  const loader = new DataLoader(samples, { batchSize: flags.batchSize, shuffle: true, seed: flags.seed });
  if (!flags.json) {
    say(`sweeping the ${flags.optimizer} learning rate from ${flags.startLr} to ${flags.endLr} over ${flags.numIter} batches of ${flags.batchSize}; ${flags.loss} loss, seed ${flags.seed}; ${getBackend().name} backend`);
  }
  const result = lrFinder(model, optimizer, loader, objective(flags.loss), {
    startLr: flags.startLr, endLr: flags.endLr, numIter: flags.numIter, smoothing: flags.smoothing, divergeThreshold: flags.divergeThreshold, clipGradNorm: clipNorm,
  });
  const points = result.lrs.map((lr, i) => ({ iteration: i + 1, lr, loss: result.losses[i], smoothed_loss: result.smoothedLosses[i] }));

  if (flags.json) {
    process.stdout.write(JSON.stringify({
      event: 'lr-find', dataset: flags.dataset, data_source: data.files.source, model: config, optimizer: flags.optimizer, loss: flags.loss,
      batch_size: flags.batchSize, seed: flags.seed, start_lr: flags.startLr, end_lr: flags.endLr, num_iter: flags.numIter,
      smoothing: flags.smoothing, diverge_threshold: flags.divergeThreshold, points, suggested_lr: result.suggestedLr, min_loss_lr: result.minLossLr, diverged: result.diverged,
    }) + '\n');
    return;
  }
  const t = table(['batch', 'lr', 'loss', 'smoothed loss'], process.stdout, { compact: true });
  for (const p of points) t.push([p.iteration, p.lr.toExponential(3), p.loss.toFixed(4), p.smoothed_loss.toFixed(4)]);
  process.stdout.write(`${t.toString()}\n`);
  const stopped = result.diverged
    ? `stopped after ${points.length} of ${flags.numIter} batches: the smoothed loss exceeded ${flags.divergeThreshold} x its best`
    : `all ${flags.numIter} batches ran without the loss diverging`;
  const suggested = result.suggestedLr === null
    ? 'suggested learning rate: none (too few points on the curve; give more --num-iter)'
    : `suggested learning rate: ${result.suggestedLr.toPrecision(3)} (where the smoothed loss falls fastest against log lr)`;
  process.stdout.write([
    stopped,
    `lowest smoothed loss ${Math.min(...result.smoothedLosses).toFixed(4)} at lr ${result.minLossLr.toPrecision(3)}`,
    suggested,
  ].join('\n') + '\n');
}
