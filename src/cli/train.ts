import { resolve } from 'node:path';
import { getBackend } from '../backend/registry.js';
import { DataError } from '../data/idx.js';
import { loadMnistLike } from '../data/mnist.js';
import type { DatasetName } from '../data/sources.js';
import { trainValidationSplit } from '../data/split.js';
import { type LoadedCheckpoint, loadCheckpoint, saveModel } from '../io/checkpoint.js';
import type { TrainingState } from '../io/training-state.js';
import type { LossName } from '../nn/losses.js';
import type { MlpConfig } from '../nn/mlp.js';
import type { NetworkSpec } from '../nn/model-spec.js';
import type { Module } from '../nn/module.js';
import { defaultGenerator, Generator, manualSeed } from '../tensor/random.js';
import { type EpochRecord, fitAsync, TrainingDivergedError } from '../train/fit.js';
import { objective } from '../train/objective.js';
import { checkWritable } from './check-writable.js';
import { downloadProgress } from './download-progress.js';
import { UsageError } from './errors.js';
import { buildSelectedNetwork, type NetworkFlags, selectNetwork } from './network-flags.js';
import { epochProgressBar } from './progress.js';
import { buildOptimizer, buildScheduler, checkOptimizerFlags, defaultLearningRate, type OptimizerFlags } from './optimizer-flags.js';
import { formatPercent, layerTable, metricsTable } from './report.js';
import { SEQUENCE_SGD_LR } from './sequence-models.js';
import { checkHistoryFile, historyFile, openHistory, serveUntilInterrupted } from './train-history.js';
import { trainingPlots } from './training-plots.js';

export interface TrainFlags extends OptimizerFlags, NetworkFlags {
  dataset: DatasetName;
  dataDir?: string;
  download: boolean;
  loss: LossName;
  epochs: number;
  batchSize: number;
  valSplit: number;
  trainSamples?: number;
  json: boolean;
  save?: string;
  /** Where to write, after every epoch, the weights with what resuming needs (optimizer, schedule, generators, epoch, flags). */
  checkpoint?: string;
  /** A file of --checkpoint to continue from, with the flags stored in it. */
  resume?: string;
  /** Where the run's history goes as JSON lines (default: beside --save, else beside --checkpoint). */
  log?: string;
  /** Serve the live dashboard on --host (127.0.0.1) and --port (a free one) while training, and after it until Ctrl-C. */
  dashboard: boolean;
  port?: number;
  host?: string;
}

/** The flags --resume takes: where the data is, where the output goes, and the new total of epochs; the others come from the checkpoint. */
const RESUME_FLAGS = ['--resume', '--epochs', '--save', '--checkpoint', '--json', '--data-dir', '--no-download', '--log', '--dashboard', '--port', '--host'];

/** Flags that say where the output goes, not what the run is: not stored in a checkpoint. */
type OutputFlag = 'dataDir' | 'download' | 'json' | 'save' | 'checkpoint' | 'resume' | 'log' | 'dashboard' | 'port' | 'host';

/** What a checkpoint stores of the command line, to resume the same run. */
interface StoredRun {
  flags: Omit<TrainFlags, OutputFlag>;
  given: string[];
}

/** The dashboard's name for the run that this command trains. */

interface Resumed {
  file: string;
  checkpoint: LoadedCheckpoint<MlpConfig | NetworkSpec>;
  training: TrainingState;
}

/** `given`: the flags on the command line (not defaulted), to refuse MLP flags next to --model. */
export async function trainCommand(commandLine: TrainFlags, givenOnCommandLine: readonly string[] = []): Promise<void> {
  const say = (line: string) => process.stderr.write(line + '\n');
  const emit = (record: object) => process.stdout.write(JSON.stringify(record) + '\n');
  const { flags, given, resumed } = commandLine.resume === undefined
    ? { flags: commandLine, given: givenOnCommandLine, resumed: null }
    : resumeRun(commandLine, givenOnCommandLine);
  checkOptimizerFlags(flags, flags.epochs, given);
  for (const [flag, value] of [['--port', flags.port], ['--host', flags.host]] as const) {
    if (value !== undefined && !flags.dashboard) throw new UsageError(`${flag} is the address of the dashboard, which only --dashboard starts; add --dashboard, or leave ${flag} out`);
  }
  const selection = selectNetwork(flags, given);
  // A resumed --model network is rebuilt from the spec in the checkpoint, whatever its file says now.
  if (resumed !== null && selection.choice !== null) selection.choice = { label: selection.choice.label, spec: () => resumed.checkpoint.config as NetworkSpec };
  const { choice, recurrent } = selection;
  if (flags.save !== undefined) await checkWritable(flags.save, '--save');
  if (flags.checkpoint !== undefined) await checkWritable(flags.checkpoint, '--checkpoint');
  if (flags.save !== undefined && flags.checkpoint !== undefined && resolve(flags.save) === resolve(flags.checkpoint)) {
    throw new UsageError(`--save and --checkpoint name the same file, ${flags.save}; a checkpoint holds the weights too, so --checkpoint alone will do`);
  }
  const logPath = historyFile(flags);
  if (logPath !== undefined) await checkHistoryFile(logPath, flags);
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
  const { model, config, activation, summary, clipNorm } = buildSelectedNetwork(selection, flags, sampleShape, flags.dataset, data.classNames.length);
  const lr = flags.lr ?? (recurrent !== null && flags.optimizer === 'sgd' ? SEQUENCE_SGD_LR[recurrent] : defaultLearningRate(flags.optimizer, activation, flags.loss));
  const optimizer = buildOptimizer(model.parameters(), { ...flags, lr });
  const scheduler = buildScheduler(optimizer, flags, flags.epochs);
  const shuffleGenerator = new Generator(flags.seed);
  const generators = { default: defaultGenerator, shuffle: shuffleGenerator, ...layerGenerators(model) };
  if (resumed !== null) restore(resumed, { model, optimizer, scheduler, generators });
  const startEpoch = resumed?.training.epoch ?? 0;
  const run: StoredRun = { flags: storedFlags(flags), given: given.filter((flag) => !RESUME_FLAGS.includes(flag)) };
  const loss = objective(flags.loss);

  const history = await openHistory(flags, logPath, resumed !== null, model, config, say, {
    train,
    validation,
    test: data.test,
    loss,
    batchSize: flags.batchSize,
    epochs: flags.epochs,
    initialEpoch: startEpoch,
    config: { ...run.flags },
    modelConfig: config,
    dataset: flags.dataset,
    classNames: data.classNames,
  });
  const { recorder, dashboard } = history;
  const batchLosses: number[] = [];
  const batchAccuracies: number[] = [];
  if (!flags.json) {
    say(layerTable(summary, process.stderr));
    const momentum = flags.optimizer === 'sgd' ? `, momentum ${flags.momentum}${flags.nesterov ? ' nesterov' : ''}` : '';
    const clip = clipNorm === undefined ? '' : `, clip-norm ${clipNorm}`;
    say(`${model.numParameters().toLocaleString('en-US')} parameters; ${flags.loss} loss, ${flags.optimizer} (lr ${optimizer.paramGroups[0].lr}${momentum}${clip}, ${flags.schedule} schedule${flags.warmup > 0 ? ` after ${flags.warmup} warm-up epochs` : ''}), batch ${flags.batchSize}, ${flags.epochs} epoch${flags.epochs === 1 ? '' : 's'}, seed ${flags.seed}; ${getBackend().name} backend`);
  }

  if (resumed !== null) say(`resumed: ${resumed.file} holds epoch ${startEpoch}; training epochs ${startEpoch + 1} to ${flags.epochs}${flags.checkpoint === undefined ? '' : `, checkpoints to ${flags.checkpoint}`}`);

  const progress = flags.json ? null : epochProgressBar(flags.epochs);
  // The epochs that the --save and --checkpoint files hold.
  let savedEpoch = 0;
  let checkpointEpoch = resumed !== null && flags.checkpoint !== undefined && resolve(flags.checkpoint) === resolve(resumed.file) ? startEpoch : 0;
  const interruption = new AbortController();
  const interrupt = () => {
    if (interruption.signal.aborted) process.exit(130);
    interruption.abort();
    progress?.stop();
    say('interrupted: stopping after this batch (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', interrupt);
  let epochs: EpochRecord[];
  try {
    epochs = await fitAsync(model, {
      loss,
      optimizer,
      scheduler,
      clipGradNorm: clipNorm,
      train,
      validation,
      test: data.test,
      epochs: flags.epochs,
      batchSize: flags.batchSize,
      generator: shuffleGenerator,
      initialEpoch: startEpoch,
      signal: interruption.signal,
      // Without a progress bar (--json) and a history, nothing needs each batch: fit then skips the gradient norms.
      onBatch: progress === null && recorder === null ? undefined : (p) => {
        recorder?.onBatch(p);
        if (progress === null) return;
        progress.update(p);
        batchLosses.push(p.batchLoss);
        if (p.batchCorrect !== null) batchAccuracies.push(p.batchCorrect / p.batchSamples);
      },
      onEpoch: (record, evaluation) => {
        // Logged before the checkpoint is saved: a run killed in between redoes this epoch on resuming, and logs it again after a new run record.
        recorder?.onEpoch(record, evaluation);
        // Saved after every epoch, so an interrupted or diverging run keeps its last good weights.
        if (flags.save) {
          saveModel(flags.save, model, config, { dataset: flags.dataset, loss: flags.loss, epoch: String(record.epoch), test_acc: String(record.test_acc) });
          savedEpoch = record.epoch;
        }
        if (flags.checkpoint) {
          const training: TrainingState = {
            epoch: record.epoch,
            optimizer: optimizer.stateDict(),
            scheduler: scheduler?.stateDict(),
            generators: Object.fromEntries(Object.entries(generators).map(([name, g]) => [name, g.getState()])),
          };
          saveModel(flags.checkpoint, model, config, { dataset: flags.dataset, loss: flags.loss, test_acc: String(record.test_acc), train_flags: stringifyRun(run) }, training);
          checkpointEpoch = record.epoch;
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
      history.end('diverged', error.message);
      error.message += ' On the command line: a smaller --lr, or --clip-norm.';
      if (savedEpoch > 0) error.message += ` The weights after epoch ${savedEpoch} are saved in ${flags.save}.`;
      if (checkpointEpoch > 0) error.message += ` ${flags.checkpoint} holds epoch ${checkpointEpoch}.`;
    }
    await history.abandon();
    throw error;
  } finally {
    process.off('SIGINT', interrupt);
    progress?.stop();
  }
  const logged = logPath === undefined ? [] : [`saved the run's history to ${logPath}`];
  if (interruption.signal.aborted) {
    history.end('interrupted');
    const done = startEpoch + epochs.length;
    const kept = flags.checkpoint !== undefined
      ? checkpointEpoch === 0 ? `no epoch was completed, so there is no checkpoint in ${flags.checkpoint}` : `${flags.checkpoint} holds epoch ${checkpointEpoch}; continue with: nabla train --resume ${flags.checkpoint}`
      : savedEpoch > 0 ? `${flags.save} holds the weights after epoch ${savedEpoch} (with --checkpoint FILE, the run could be resumed)`
      : 'nothing is saved (no --save or --checkpoint)';
    say(`interrupted after epoch ${done} of ${flags.epochs}: ${kept}`);
    logged.forEach(say);
    if (flags.json) emit({ event: 'interrupted', epoch: done, epochs: flags.epochs, checkpoint: checkpointEpoch === 0 ? null : flags.checkpoint, checkpoint_epoch: checkpointEpoch === 0 ? null : checkpointEpoch });
    process.exitCode = 130;
    if (dashboard !== null) await serveUntilInterrupted(dashboard, say);
    return;
  }

  history.end('completed');
  const last = epochs[epochs.length - 1];
  const seconds = epochs.reduce((s, r) => s + r.seconds, 0);
  const trainingSeconds = epochs.reduce((s, r) => s + train.length / r.samples_per_s, 0);
  const samplesPerSecond = (train.length * epochs.length) / trainingSeconds;
  if (flags.save) say(`saved weights and config to ${flags.save}`);
  if (flags.checkpoint) say(`saved the checkpoint of epoch ${last.epoch} to ${flags.checkpoint}`);
  logged.forEach(say);
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
    process.stdout.write(trainingPlots(epochs, batchLosses, batchAccuracies, process.stdout.isTTY === true) + '\n');
    process.stdout.write(`${flags.dataset}: test accuracy ${formatPercent(last.test_acc)} after ${last.epoch} epoch${last.epoch === 1 ? '' : 's'}, ${Math.round(samplesPerSecond)} samples/s, ${seconds.toFixed(1)} s\n`);
  }
  if (dashboard !== null) await serveUntilInterrupted(dashboard, say);
}

/** Where the run's history goes: the --log file and the --dashboard. */
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

/** The flags and the checkpoint of `--resume FILE`: the run's stored flags, with the few the command line may change. */
function resumeRun(commandLine: TrainFlags, given: readonly string[]): { flags: TrainFlags; given: readonly string[]; resumed: Resumed } {
  const file = commandLine.resume!;
  const extra = given.filter((flag) => !RESUME_FLAGS.includes(flag));
  if (extra.length > 0) {
    throw new UsageError(`${extra.join(', ')} cannot be combined with --resume: the run continues with the flags stored in ${file}; only ${RESUME_FLAGS.slice(1).join(', ')} may be given`);
  }
  const checkpoint = loadCheckpoint<MlpConfig | NetworkSpec>(file);
  const { training } = checkpoint;
  const text = checkpoint.metadata.train_flags;
  if (training === null || text === undefined) {
    throw new UsageError(`${file}: holds no training state (optimizer, schedule, random generators and the flags of the run) to resume from; it was not written by nabla train --checkpoint`);
  }
  let run: StoredRun;
  try {
    run = parseRun(text);
  } catch {
    throw new UsageError(`${file}: the train_flags entry of the metadata is not the JSON { "flags": {...}, "given": [...] } that nabla train --checkpoint writes`);
  }
  const epochs = given.includes('--epochs') ? commandLine.epochs : run.flags.epochs;
  if (epochs <= training.epoch) {
    const problem = given.includes('--epochs') ? `--epochs ${epochs} is not more than the ${training.epoch} epochs it holds` : `the run it holds is complete (--epochs ${epochs})`;
    throw new UsageError(`--resume ${file}: ${problem}; pass --epochs N, the new total, with N > ${training.epoch}`);
  }
  const flags: TrainFlags = {
    ...run.flags,
    epochs,
    dataDir: commandLine.dataDir,
    download: commandLine.download,
    json: commandLine.json,
    save: commandLine.save,
    checkpoint: commandLine.checkpoint ?? file,
    resume: file,
    log: commandLine.log,
    dashboard: commandLine.dashboard,
    port: commandLine.port,
    host: commandLine.host,
  };
  return { flags, given: run.given, resumed: { file, checkpoint, training } };
}

/** The generators that layers keep (dropout masks), by where they are first found; a network built the same way finds them in the same order. */
function layerGenerators(model: Module): Record<string, Generator> {
  const found = new Set<Generator>();
  for (const module of model.modules()) {
    for (const value of Object.values(module)) if (value instanceof Generator) found.add(value);
  }
  found.delete(defaultGenerator);
  return Object.fromEntries([...found].map((generator, i) => [`layers.${i}`, generator]));
}

/** Loads the checkpoint's weights, optimizer and schedule state and generator states into a freshly built run. */
function restore(resumed: Resumed, run: { model: Module; optimizer: ReturnType<typeof buildOptimizer>; scheduler: ReturnType<typeof buildScheduler>; generators: Record<string, Generator> }): void {
  const { file, checkpoint, training } = resumed;
  const attempt = (what: string, load: () => void) => {
    try {
      load();
    } catch (error) {
      throw new UsageError(`${file}: the stored ${what} does not fit the run: ${(error as Error).message}`);
    }
  };
  attempt('weights', () => run.model.loadStateDict(checkpoint.stateDict));
  attempt('optimizer state', () => run.optimizer.loadStateDict(training.optimizer));
  attempt('schedule state', () => {
    if (run.scheduler === undefined) return;
    if (training.scheduler === undefined) throw new Error('the checkpoint has none');
    run.scheduler.loadStateDict(training.scheduler);
  });
  attempt('random generator states', () => {
    for (const [name, generator] of Object.entries(run.generators)) {
      const state = training.generators?.[name];
      if (state === undefined) throw new Error(`the checkpoint has no state for the ${name} generator`);
      generator.setState(state);
    }
  });
}

/** The flags that describe the run (not where its data and output are). */
function storedFlags(flags: TrainFlags): StoredRun['flags'] {
  const { dataDir: _dataDir, download: _download, json: _json, save: _save, checkpoint: _checkpoint, resume: _resume, log: _log, dashboard: _dashboard, port: _port, host: _host, ...run } = flags;
  return run;
}

// --attention-k may be Infinity, which JSON has no number for.
const stringifyRun = (run: StoredRun) => JSON.stringify(run, (key, value: unknown) => (key === 'attentionK' && value === Infinity ? 'inf' : value));

function parseRun(text: string): StoredRun {
  const run = JSON.parse(text, (key, value: unknown) => (key === 'attentionK' && value === 'inf' ? Infinity : value)) as StoredRun;
  if (run === null || typeof run !== 'object' || run.flags === null || typeof run.flags !== 'object' || !Array.isArray(run.given)) throw new Error('not a stored run');
  return run;
}
