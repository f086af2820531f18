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
import { mlp, mlpActivation, type ActivationName, type MlpActivation, type MlpConfig } from '../nn/mlp.js';
import { buildNetwork, type NetworkSpec } from '../nn/model-spec.js';
import type { Module } from '../nn/module.js';
import { Generator, manualSeed } from '../tensor/random.js';
import { type EpochRecord, fit, TrainingDivergedError } from '../train/fit.js';
import { objective } from '../train/objective.js';
import { downloadProgress } from './download-progress.js';
import { UsageError } from './errors.js';
import { leadingActivation, modelChoice, summarizeFor } from './models.js';
import { epochProgressBar } from './progress.js';
import { buildOptimizer, buildScheduler, checkOptimizerFlags, defaultLearningRate, type OptimizerFlags } from './optimizer-flags.js';
import { formatPercent, layerTable, metricsTable } from './report.js';
import { checkSequenceFlags, isSequenceModel, SEQUENCE_CLIP_NORM, SEQUENCE_SGD_LR, stateSize } from './sequence-models.js';

export interface TrainFlags extends OptimizerFlags {
  /** A built-in network or a JSON model file instead of the MLP of --hidden, --activation, --dropout and --init. */
  model?: string;
  dataset: DatasetName;
  dataDir?: string;
  download: boolean;
  /** The MLP's hidden sizes, or with a recurrent --model its one state size. */
  hidden: number[];
  /** The recurrent --model networks' flags (see sequence-models.ts). */
  layers: number;
  bidirectional: boolean;
  attentionK: number;
  truncate?: number;
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

/** The flags that shape the default MLP, which a --model network does not have (a recurrent one takes --hidden, as its state size). */
const MLP_FLAGS = ['--hidden', '--activation', '--dropout', '--init'];

/** `given`: the flags on the command line (not defaulted), to refuse MLP flags next to --model. */
export async function trainCommand(flags: TrainFlags, given: readonly string[] = []): Promise<void> {
  const say = (line: string) => process.stderr.write(line + '\n');
  const emit = (record: object) => process.stdout.write(JSON.stringify(record) + '\n');
  checkOptimizerFlags(flags, flags.epochs);
  checkSequenceFlags(flags.model, given);
  const recurrent = isSequenceModel(flags.model) ? flags.model : null;
  const mlpFlags = given.filter((flag) => MLP_FLAGS.includes(flag) && !(recurrent !== null && flag === '--hidden'));
  if (flags.model !== undefined && mlpFlags.length > 0) {
    throw new UsageError(`${mlpFlags.join(', ')} shape${mlpFlags.length === 1 ? 's' : ''} the default MLP and cannot be combined with --model ${flags.model}, which defines the whole network`);
  }
  const sequence = recurrent === null ? undefined : { ...flags, stateSize: stateSize(recurrent, flags.hidden, given) };
  const choice = flags.model === undefined ? null : modelChoice(flags.model, sequence);
  if (flags.dropout > 0 && flags.hidden.length === 0) throw new UsageError('--dropout applies after hidden layers, and --hidden is empty');
  if (flags.save !== undefined) await checkWritable(flags.save);
  manualSeed(flags.seed);

  const bar = downloadProgress();
  // The default MLP takes flat rows of pixels; a --model network takes [N, 1, rows, cols] (with a Flatten of its own where it needs one).
  const data = await loadMnistLike(flags.dataset, { dataDir: flags.dataDir, download: flags.download, onProgress: bar.update, log: bar.log, flatten: choice === null });
  bar.stop();
  const pool = flags.trainSamples === undefined ? data.train : data.train.subset(range(Math.min(flags.trainSamples, data.train.length)));
  const { train, validation } = trainValidationSplit(pool, flags.valSplit, flags.seed);
  if (train.length === 0) throw new UsageError(`no training samples left after holding out --val-split ${flags.valSplit} of ${pool.length}`);
  say(`data: ${flags.dataset} from ${data.files.source} (${data.files.dir}): ${train.length} train, ${validation.length} validation, ${data.test.length} test samples`);

  // The images' own size: 28x28 for the real datasets, but any size that train and test share works.
  const sampleShape = data.train.tensors[0].shape.slice(1);
  const testShape = data.test.tensors[0].shape.slice(1);
  if (testShape.join() !== sampleShape.join()) {
    const [test, training] = choice === null ? [`have ${testShape[0]} pixels`, `have ${sampleShape[0]}`] : [`are [${testShape.join(', ')}]`, `are [${sampleShape.join(', ')}]`];
    throw new DataError(`${data.files.testImages}: test images ${test} but the training images in ${data.files.trainImages} ${training}`);
  }
  let model: Module;
  // What checkpoints store to rebuild the model: the MLP's config, or the network's spec.
  let config: MlpConfig | NetworkSpec;
  let activation: MlpActivation;
  if (choice === null) {
    // The flag says 'leaky-relu'; the config (stored in checkpoints) uses the library's name, 'leakyRelu'.
    activation = mlpActivation(flags.activation, '--activation');
    config = { inputSize: sampleShape[0], hiddenSizes: flags.hidden, outputSize: 10, activation, dropout: flags.dropout };
    model = mlp(config, { init: flags.init, generator: new Generator(flags.seed) });
  } else {
    config = choice.spec(sampleShape);
    model = buildNetwork(config, { generator: new Generator(flags.seed) });
    activation = leadingActivation(model);
  }
  const summary = summarizeFor(model, sampleShape, choice === null ? 'the MLP' : `--model ${choice.label}`);
  const classes = data.classNames.length;
  if (choice !== null && (summary.outputShape.length !== 2 || summary.outputShape[1] !== classes)) {
    throw new UsageError(`--model ${choice.label} gives outputs of shape [${summary.outputShape.join(', ')}], but ${flags.dataset} has ${classes} classes: the last layer must give [N, ${classes}]`);
  }
  const clipNorm = flags.clipNorm ?? (recurrent === null ? undefined : SEQUENCE_CLIP_NORM);
  const lr = flags.lr ?? (recurrent !== null && flags.optimizer === 'sgd' ? SEQUENCE_SGD_LR[recurrent] : defaultLearningRate(flags.optimizer, activation));
  const optimizer = buildOptimizer(model.parameters(), { ...flags, lr });
  const scheduler = buildScheduler(optimizer, flags, flags.epochs);
  if (!flags.json) {
    say(layerTable(summary, process.stderr));
    const momentum = flags.optimizer === 'sgd' ? `, momentum ${flags.momentum}${flags.nesterov ? ' nesterov' : ''}` : '';
    const clip = clipNorm === undefined ? '' : `, clip-norm ${clipNorm}`;
    say(`${model.numParameters().toLocaleString('en-US')} parameters; ${flags.loss} loss, ${flags.optimizer} (lr ${optimizer.paramGroups[0].lr}${momentum}${clip}, ${flags.schedule} schedule${flags.warmup > 0 ? ` after ${flags.warmup} warm-up epochs` : ''}), batch ${flags.batchSize}, ${flags.epochs} epoch${flags.epochs === 1 ? '' : 's'}, seed ${flags.seed}; ${getBackend().name} backend`);
  }

  const progress = flags.json ? null : epochProgressBar(flags.epochs);
  let savedEpoch = 0;
  let history: EpochRecord[];
  try {
    history = fit(model, {
      loss: objective(flags.loss),
      optimizer,
      scheduler,
      clipGradNorm: clipNorm,
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
