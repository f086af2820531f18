import { noGrad } from '../autograd/graph.js';
import type { TensorDataset } from '../data/dataset.js';
import { CLASS_NAMES } from '../data/image-dataset.js';
import { readSplit } from '../data/mnist.js';
import { DATASET_NAMES, type DatasetName, locateDataset } from '../data/sources.js';
import { loadCheckpoint } from '../io/checkpoint.js';
import { LOSS_NAMES, type LossName } from '../nn/losses.js';
import type { Module } from '../nn/module.js';
import { mlp, type MlpConfig } from '../nn/mlp.js';
import { buildNetwork, isNetworkSpec, type NetworkSpec } from '../nn/model-spec.js';
import { softmax } from '../ops/nn.js';
import type { Tensor } from '../tensor/tensor.js';
import { evaluate } from '../train/evaluate.js';
import { classIndices } from '../train/labels.js';
import { objective } from '../train/objective.js';
import { downloadProgress } from './download-progress.js';
import { UsageError } from './errors.js';
import { summarizeFor } from './models.js';
import { formatPercent, metricsTable, perClassTable } from './report.js';

export interface EvalFlags {
  load: string;
  dataset?: DatasetName;
  dataDir?: string;
  download: boolean;
  /** Default: the loss the model was trained with (stored in the checkpoint). */
  loss?: LossName;
  /** Index of one test sample to classify instead of evaluating the whole test set. */
  sample?: number;
  json: boolean;
}

export async function evalCommand(flags: EvalFlags): Promise<void> {
  const checkpoint = loadCheckpoint<MlpConfig | NetworkSpec>(flags.load);
  const { config } = checkpoint;
  const model = rebuild(config, checkpoint.stateDict, flags.load);
  const stored = checkpoint.metadata.dataset;
  const dataset = flags.dataset ?? (DATASET_NAMES.includes(stored as DatasetName) ? (stored as DatasetName) : undefined);
  if (dataset === undefined) throw new UsageError(`${flags.load} does not say which dataset it was trained on; pass --dataset`);
  if (flags.dataset !== undefined && stored !== undefined && stored !== flags.dataset) {
    process.stderr.write(`nabla: warning: ${flags.load} was trained on ${stored}; evaluating it on ${flags.dataset}, whose classes mean something else\n`);
  }
  const bar = downloadProgress();
  const files = await locateDataset(dataset, { dataDir: flags.dataDir, download: flags.download, onProgress: bar.update, log: bar.log });
  bar.stop();
  // As in training: flat rows of pixels for the MLP, [N, 1, rows, cols] for a network spec.
  const testSet = readSplit(files.testImages, files.testLabels, { flatten: !isNetworkSpec(config) });
  const sampleShape = testSet.tensors[0].shape.slice(1);
  if (isNetworkSpec(config)) summarizeFor(model, sampleShape, `${flags.load}: the stored model`);
  else if (sampleShape[0] !== config.inputSize) {
    throw new UsageError(`${flags.load}: the model takes ${config.inputSize} inputs but the images in ${files.testImages} have ${sampleShape[0]} pixels`);
  }
  const classNames = CLASS_NAMES[dataset];
  if (flags.sample !== undefined) {
    printSample(classifySample(model, testSet, flags.sample, files.testImages), { checkpoint: flags.load, dataset, classNames, json: flags.json });
    return;
  }
  const storedLoss = checkpoint.metadata.loss;
  const lossName = flags.loss ?? (LOSS_NAMES.includes(storedLoss as LossName) ? (storedLoss as LossName) : 'cross-entropy');
  const start = performance.now();
  const test = evaluate(model, testSet, objective(lossName));
  const seconds = (performance.now() - start) / 1000;
  if (flags.json) {
    process.stdout.write(JSON.stringify({
      event: 'eval', checkpoint: flags.load, dataset, data_source: files.source, model: config, loss: lossName,
      test_loss: test.loss, test_acc: test.accuracy, samples: testSet.length, samples_per_s: testSet.length / seconds, seconds,
      class_names: classNames, confusion: test.confusion,
    }) + '\n');
  } else {
    process.stderr.write(`data: ${dataset} from ${files.source} (${files.dir})\nmodel: ${model.toString()}\nloss: ${lossName}\n`);
    process.stdout.write(metricsTable([['test', test.loss, test.accuracy]]) + '\n');
    process.stdout.write(perClassTable(test.confusion, classNames) + '\n');
    process.stdout.write(`${dataset}: test accuracy ${formatPercent(test.accuracy)} on ${testSet.length} samples\n`);
  }
}

interface SampleResult {
  sample: number;
  label: number;
  predicted: number;
  /** Softmax of the logits, in class order: the model's output as cross-entropy trained it. */
  probabilities: number[];
}

/** The model's class probabilities for test sample `index`, or a usage error giving the valid range. */
function classifySample(model: Module, testSet: TensorDataset, index: number, file: string): SampleResult {
  if (!Number.isInteger(index) || index < 0 || index >= testSet.length) {
    throw new UsageError(`--sample ${index}: ${file} holds ${testSet.length} test samples; give an index in 0..${testSet.length - 1}`);
  }
  const [images, labels] = testSet.tensors;
  model.eval();
  const probabilities = noGrad(() => softmax(model.forward(images.narrow(0, index, 1)), 1));
  const values = Array.from(probabilities.dataSync());
  const label = classIndices(labels.narrow(0, index, 1)).item();
  return { sample: index, label, predicted: values.indexOf(Math.max(...values)), probabilities: values };
}

function printSample(result: SampleResult, context: { checkpoint: string; dataset: DatasetName; classNames: readonly string[]; json: boolean }): void {
  const { checkpoint, dataset, classNames, json } = context;
  if (json) {
    process.stdout.write(JSON.stringify({ event: 'eval_sample', checkpoint, dataset, ...result, class_names: classNames }) + '\n');
    return;
  }
  const name = (k: number) => classNames[k] ?? String(k);
  const verdict = result.predicted === result.label ? 'right' : 'wrong';
  process.stdout.write(`${dataset} test sample ${result.sample}: label ${name(result.label)}, predicted ${name(result.predicted)} (${verdict})\n`);
  const width = Math.max(...classNames.map((c) => c.length));
  result.probabilities.forEach((p, k) => process.stdout.write(`  ${name(k).padEnd(width)}  ${formatPercent(p).padStart(7)}${k === result.predicted ? '  <' : ''}\n`));
}

/** The model a checkpoint describes, with its weights, or a one-line error naming the file and what is wrong with it (also for nabla export). */
export function rebuild(config: MlpConfig | NetworkSpec, stateDict: Record<string, Tensor>, file: string): Module {
  const model = isNetworkSpec(config) ? rebuildSpec(config, file) : rebuildMlp(config, file);
  // Buffers may be integers (BatchNorm's num_batches_tracked); parameters may not.
  const parameters = new Set([...model.namedParameters('', false)].map(([name]) => name));
  const wrongType = Object.entries(stateDict).find(([name, t]) => t.dtype === 'int32' && parameters.has(name));
  if (wrongType) throw new UsageError(`${file}: parameter ${wrongType[0]} is stored as integers (I32); weights must be F32 or F64`);
  try {
    model.loadStateDict(stateDict);
  } catch (error) {
    throw new UsageError(`${file}: weights do not fit the stored config: ${(error as Error).message}`);
  }
  return model;
}

function rebuildSpec(spec: NetworkSpec, file: string): Module {
  try {
    return buildNetwork(spec);
  } catch (error) {
    throw new UsageError(`${file}: the stored model spec is not valid: ${(error as Error).message}`);
  }
}

function rebuildMlp(config: MlpConfig, file: string): Module {
  const sane = config !== null && typeof config === 'object' && Array.isArray(config.hiddenSizes)
    && [config.inputSize, ...config.hiddenSizes, config.outputSize].every((n) => Number.isInteger(n) && n > 0 && n <= 1 << 20);
  if (!sane) throw new UsageError(`${file}: the stored model config is not a valid MLP config: ${JSON.stringify(config)}`);
  try {
    return mlp(config);
  } catch (error) {
    throw new UsageError(`${file}: the stored model config is not valid: ${(error as Error).message}`);
  }
}
