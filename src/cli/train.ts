import { getBackend } from '../backend/registry.js';
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DataError } from '../data/idx.js';
import { loadMnistLike } from '../data/mnist.js';
import type { DatasetName } from '../data/sources.js';
import { trainValidationSplit } from '../data/split.js';
import { saveModel } from '../io/checkpoint.js';
import type { InitName } from '../nn/init.js';
import type { LossName } from '../nn/losses.js';
import { mlp, mlpActivation, type ActivationName, type MlpConfig } from '../nn/mlp.js';
import { summarize } from '../nn/summary.js';
import { Generator, manualSeed } from '../tensor/random.js';
import { type EpochRecord, fit, TrainingDivergedError } from '../train/fit.js';
import { objective } from '../train/objective.js';
import { downloadProgress } from './download-progress.js';
import { UsageError } from './errors.js';
import { epochProgressBar } from './progress.js';
import { buildOptimizer, buildScheduler, checkOptimizerFlags, defaultLearningRate, type OptimizerFlags } from './optimizer-flags.js';
import { formatPercent, metricsTable, table } from './report.js';

export interface TrainFlags extends OptimizerFlags {
  dataset: DatasetName;
  dataDir?: string;
  download: boolean;
  hidden: number[];
  activation: ActivationName;
  dropout: number;
  init: InitName;
  loss: LossName;
  epochs: number;
  batchSize: number;
  valSplit: number;
  trainSamples?: number;
  clipNorm?: number;
  seed: number;
  json: boolean;
  save?: string;
}

export async function trainCommand(flags: TrainFlags): Promise<void> {
  const say = (line: string) => process.stderr.write(line + '\n');
  const emit = (record: object) => process.stdout.write(JSON.stringify(record) + '\n');
  checkOptimizerFlags(flags, flags.epochs);
  if (flags.dropout > 0 && flags.hidden.length === 0) throw new UsageError('--dropout applies after hidden layers, and --hidden is empty');
  if (flags.save !== undefined) await checkWritable(flags.save);
  manualSeed(flags.seed);

  const bar = downloadProgress();
  const data = await loadMnistLike(flags.dataset, { dataDir: flags.dataDir, download: flags.download, onProgress: bar.update, log: bar.log });
  bar.stop();
  const pool = flags.trainSamples === undefined ? data.train : data.train.subset(range(Math.min(flags.trainSamples, data.train.length)));
  const { train, validation } = trainValidationSplit(pool, flags.valSplit, flags.seed);
  if (train.length === 0) throw new UsageError(`no training samples left after holding out --val-split ${flags.valSplit} of ${pool.length}`);
  say(`data: ${flags.dataset} from ${data.files.source} (${data.files.dir}): ${train.length} train, ${validation.length} validation, ${data.test.length} test samples`);

  // The images' own size: 28x28 for the real datasets, but any size that train and test share works.
  const inputSize = data.train.tensors[0].shape[1];
  const testSize = data.test.tensors[0].shape[1];
  if (testSize !== inputSize) {
    throw new DataError(`${data.files.testImages}: test images have ${testSize} pixels but the training images in ${data.files.trainImages} have ${inputSize}`);
  }
  // The flag says 'leaky-relu'; the config (stored in checkpoints) uses the library's name, 'leakyRelu'.
  const activation = mlpActivation(flags.activation, '--activation');
  const config: MlpConfig = { inputSize, hiddenSizes: flags.hidden, outputSize: 10, activation, dropout: flags.dropout };
  const model = mlp(config, { init: flags.init, generator: new Generator(flags.seed) });
  const optimizer = buildOptimizer(model.parameters(), { ...flags, lr: flags.lr ?? defaultLearningRate(flags.optimizer, activation) });
  const scheduler = buildScheduler(optimizer, flags, flags.epochs);
  if (!flags.json) {
    const layers = table(['#', 'layer', 'output shape', 'parameters', 'formula'], process.stderr);
    for (const s of summarize(model, [inputSize])) layers.push([s.name, s.layer, `[${s.outputShape.join(', ')}]`, s.parameters.toLocaleString('en-US'), s.formula]);
    say(layers.toString());
    const momentum = flags.optimizer === 'sgd' ? `, momentum ${flags.momentum}${flags.nesterov ? ' nesterov' : ''}` : '';
    say(`${model.numParameters().toLocaleString('en-US')} parameters; ${flags.loss} loss, ${flags.optimizer} (lr ${optimizer.paramGroups[0].lr}${momentum}, ${flags.schedule} schedule${flags.warmup > 0 ? ` after ${flags.warmup} warm-up epochs` : ''}), batch ${flags.batchSize}, ${flags.epochs} epoch${flags.epochs === 1 ? '' : 's'}, seed ${flags.seed}; ${getBackend().name} backend`);
  }

  const progress = flags.json ? null : epochProgressBar(flags.epochs);
  let savedEpoch = 0;
  let history: EpochRecord[];
  try {
    history = fit(model, {
      loss: objective(flags.loss),
      optimizer,
      scheduler,
      clipGradNorm: flags.clipNorm,
      train,
      validation,
      test: data.test,
      epochs: flags.epochs,
      batchSize: flags.batchSize,
      seed: flags.seed,
      onBatch: progress ? (p) => progress.update(p) : undefined,
      onEpoch: (record) => {
        // Saved after every epoch, so an interrupted or diverging run keeps its last good weights.
        if (flags.save) {
          saveModel(flags.save, model, config, { dataset: flags.dataset, loss: flags.loss, epoch: String(record.epoch), test_acc: String(record.test_acc) });
          savedEpoch = record.epoch;
        }
        if (flags.json) emit({ event: 'epoch', ...record });
        else {
          progress?.stop();
          say(epochLine(record, flags.epochs));
        }
      },
    });
  } catch (error) {
    if (error instanceof TrainingDivergedError) {
      error.message += ' On the command line: a smaller --lr, or --clip-norm.';
      if (savedEpoch > 0) error.message += ` The weights after epoch ${savedEpoch} are saved in ${flags.save}.`;
    }
    throw error;
  } finally {
    progress?.stop();
  }

  const last = history[history.length - 1];
  const seconds = history.reduce((s, r) => s + r.seconds, 0);
  const trainingSeconds = history.reduce((s, r) => s + train.length / r.samples_per_s, 0);
  const samplesPerSecond = (train.length * history.length) / trainingSeconds;
  if (flags.save) say(`saved weights and config to ${flags.save}`);
  if (flags.json) {
    emit({
      event: 'summary',
      dataset: flags.dataset,
      data_source: data.files.source,
      backend: getBackend().name,
      model: config,
      parameters: model.numParameters(),
      epoch: last.epoch,
      train_loss: last.train_loss,
      train_acc: last.train_acc,
      val_loss: last.val_loss,
      val_acc: last.val_acc,
      test_loss: last.test_loss,
      test_acc: last.test_acc,
      samples_per_s: samplesPerSecond,
      seconds,
      saved: flags.save ?? null,
    });
  } else {
    process.stdout.write(metricsTable([
      ['train (running mean over the last epoch)', last.train_loss, last.train_acc],
      ['validation', last.val_loss, last.val_acc],
      ['test', last.test_loss, last.test_acc],
    ]) + '\n');
    process.stdout.write(`${flags.dataset}: test accuracy ${formatPercent(last.test_acc)} after ${history.length} epoch${history.length === 1 ? '' : 's'}, ${Math.round(samplesPerSecond)} samples/s, ${seconds.toFixed(1)} s\n`);
  }
}

function epochLine(r: EpochRecord, epochs: number): string {
  const parts = [`epoch ${r.epoch}/${epochs}`, `train loss ${r.train_loss.toFixed(4)} acc ${formatPercent(r.train_acc)}`];
  if (r.val_loss !== null && r.val_acc !== null) parts.push(`val loss ${r.val_loss.toFixed(4)} acc ${formatPercent(r.val_acc)}`);
  if (r.test_loss !== null && r.test_acc !== null) parts.push(`test loss ${r.test_loss.toFixed(4)} acc ${formatPercent(r.test_acc)}`);
  parts.push(`${Math.round(r.samples_per_s)} samples/s`, `${r.seconds.toFixed(1)} s`);
  return parts.join(' | ');
}

function range(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** Fails before training, not after, when the weights could not be saved there. */
async function checkWritable(path: string): Promise<void> {
  if (path.trim() === '') throw new UsageError('--save needs a file name');
  const target = resolve(path);
  const existing = await stat(target).catch(() => null);
  if (existing !== null && !existing.isFile()) {
    throw new UsageError(`--save ${path}: exists and is not a regular file (${existing.isDirectory() ? 'a directory' : 'a device, socket or pipe'}); choose a file name`);
  }
  try {
    await mkdir(dirname(target), { recursive: true });
    await access(dirname(target), constants.W_OK);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new UsageError(`--save ${path}: cannot write there (${code ?? message})`);
  }
}
