import { loadMnistLike } from '../data/mnist.js';
import { DATASET_NAMES, type DatasetName } from '../data/sources.js';
import { loadCheckpoint } from '../io/checkpoint.js';
import type { LossName } from '../nn/losses.js';
import { mlp, type MlpConfig } from '../nn/mlp.js';
import { evaluate } from '../train/evaluate.js';
import { objective } from '../train/objective.js';
import { downloadProgress } from './download-progress.js';
import { UsageError } from './errors.js';
import { formatPercent, metricsTable, perClassTable } from './report.js';

export interface EvalFlags {
  load: string;
  dataset?: DatasetName;
  dataDir?: string;
  download: boolean;
  loss: LossName;
  json: boolean;
}

export async function evalCommand(flags: EvalFlags): Promise<void> {
  const checkpoint = loadCheckpoint<MlpConfig>(flags.load);
  const model = mlp(checkpoint.config);
  try {
    model.loadStateDict(checkpoint.stateDict);
  } catch (error) {
    throw new UsageError(`${flags.load}: weights do not fit the stored config: ${(error as Error).message}`);
  }
  const stored = checkpoint.metadata.dataset;
  const dataset = flags.dataset ?? (DATASET_NAMES.includes(stored as DatasetName) ? (stored as DatasetName) : undefined);
  if (dataset === undefined) throw new UsageError(`${flags.load} does not say which dataset it was trained on; pass --dataset`);
  const bar = downloadProgress();
  const data = await loadMnistLike(dataset, { dataDir: flags.dataDir, download: flags.download, onProgress: bar.update });
  bar.stop();
  const loss = objective(flags.loss);
  const start = performance.now();
  const test = evaluate(model, data.test, loss);
  const seconds = (performance.now() - start) / 1000;
  if (flags.json) {
    process.stdout.write(JSON.stringify({
      event: 'eval', checkpoint: flags.load, dataset, data_source: data.files.source, model: checkpoint.config,
      test_loss: test.loss, test_acc: test.accuracy, samples: data.test.length, samples_per_s: data.test.length / seconds, seconds,
      class_names: data.classNames, confusion: test.confusion,
    }) + '\n');
  } else {
    process.stderr.write(`data: ${dataset} from ${data.files.source} (${data.files.dir})\nmodel: ${model.toString()}\n`);
    process.stdout.write(metricsTable([['test', test.loss, test.accuracy]]) + '\n');
    process.stdout.write(perClassTable(test.confusion, data.classNames) + '\n');
    process.stdout.write(`${dataset}: test accuracy ${formatPercent(test.accuracy)} on ${data.test.length} samples\n`);
  }
}
