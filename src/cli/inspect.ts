import { loadMnistLike } from '../data/mnist.js';
import type { DatasetName } from '../data/sources.js';
import type { InitName } from '../nn/init.js';
import { initializeModel, layerStats, type LayerStats } from '../nn/layer-stats.js';
import { mlp, type MlpConfig } from '../nn/mlp.js';
import { buildNetwork, type NetworkSpec } from '../nn/model-spec.js';
import type { Module } from '../nn/module.js';
import { Generator } from '../tensor/random.js';
import { downloadProgress } from './download-progress.js';
import { UsageError } from './errors.js';
import { DEFAULT_MLP, modelChoice, summarizeFor } from './models.js';
import { formatPercent, table } from './report.js';

export interface InspectFlags {
  /** A built-in network or a JSON model file instead of the default MLP. */
  model?: string;
  /** The default MLP's initializer (xavier-uniform, as in `nabla train`), or one that re-initializes the --model network. */
  init?: InitName;
  dataset: DatasetName;
  dataDir?: string;
  download: boolean;
  batchSize: number;
  seed: number;
  json: boolean;
}

/** The default MLP's initializer in `nabla train`. */
const DEFAULT_INIT: InitName = 'xavier-uniform';

export async function inspectCommand(flags: InspectFlags): Promise<void> {
  const choice = flags.model === undefined ? null : modelChoice(flags.model);
  const bar = downloadProgress();
  // As in training: flat rows of pixels for the default MLP, [N, 1, rows, cols] for a --model network.
  const data = await loadMnistLike(flags.dataset, { dataDir: flags.dataDir, download: flags.download, onProgress: bar.update, log: bar.log, flatten: choice === null });
  bar.stop();
  const sampleShape = data.train.tensors[0].shape.slice(1);
  const classes = data.classNames.length;
  const generator = new Generator(flags.seed);
  // A --model network is built with PyTorch's initialization, and keeps it unless --init says otherwise.
  const init = flags.init ?? (choice === null ? DEFAULT_INIT : 'pytorch');
  let model: Module;
  let config: MlpConfig | NetworkSpec;
  if (choice === null) {
    config = { inputSize: sampleShape[0], hiddenSizes: [...DEFAULT_MLP.hiddenSizes], outputSize: classes, activation: DEFAULT_MLP.activation };
    model = mlp(config, { init, generator });
  } else {
    config = choice.spec(sampleShape);
    model = buildNetwork(config, { generator });
    if (flags.init !== undefined) initializeModel(model, flags.init, { generator });
  }
  const summary = summarizeFor(model, sampleShape, choice === null ? 'the MLP' : `--model ${choice.label}`);
  if (choice !== null && (summary.outputShape.length !== 2 || summary.outputShape[1] !== classes)) {
    throw new UsageError(`--model ${choice.label} gives outputs of shape [${summary.outputShape.join(', ')}], but ${flags.dataset} has ${classes} classes: the last layer must give [N, ${classes}]`);
  }

  const order = Int32Array.from({ length: data.train.length }, (_, i) => i);
  generator.shuffle(order);
  const size = Math.min(flags.batchSize, order.length);
  const batch = data.train.take(order.subarray(0, size));
  process.stderr.write(`data: ${flags.dataset} from ${data.files.source} (${data.files.dir}): a batch of ${size} random training samples\n`);
  const rows = layerStats(model, batch, { init });

  if (flags.json) {
    process.stdout.write(JSON.stringify({
      event: 'inspect', dataset: flags.dataset, data_source: data.files.source, model: config, init, batch_size: size, seed: flags.seed, loss: 'cross-entropy',
      layers: rows.map(rowJson),
    }) + '\n');
    return;
  }
  const t = table(['name', 'layer', 'output shape', 'mean', 'variance', 'predicted variance', 'dead / saturated', 'weight norm', 'grad norm'], process.stdout, { compact: true });
  for (const r of rows) {
    t.push([r.name, r.type, `[${r.outputShape.join(', ')}]`, number(r.mean), number(r.variance), number(r.predictedVariance), deadOrSaturated(r), number(r.weightNorm), number(r.gradNorm)]);
  }
  process.stdout.write(`${t.toString()}\n`);
  process.stdout.write([
    `${flags.dataset}: ${size} training samples, seed ${flags.seed}; gradients of the cross-entropy on them`,
    `predicted variance: what ${init} initialization predicts from the input's mean and variance (mean-field; '-' for layers without a rule)`,
    'dead: ReLU features or channels that are 0 on every sample (zeros: the fraction of zero outputs); saturated: sigmoid below 0.01 or above 0.99, |tanh| above 0.99',
  ].join('\n') + '\n');
}

function rowJson(r: LayerStats): Record<string, unknown> {
  return {
    name: r.name, type: r.type, output_shape: r.outputShape, mean: r.mean, variance: r.variance, predicted_variance: r.predictedVariance,
    dead_fraction: r.deadFraction, zero_fraction: r.zeroFraction, saturated_fraction: r.saturatedFraction, weight_norm: r.weightNorm, grad_norm: r.gradNorm,
  };
}

function number(value: number | null): string {
  return value === null ? '-' : value.toPrecision(4);
}

function deadOrSaturated(r: LayerStats): string {
  if (r.deadFraction !== null) return `dead ${formatPercent(r.deadFraction)} (zeros ${formatPercent(r.zeroFraction)})`;
  if (r.saturatedFraction !== null) return `saturated ${formatPercent(r.saturatedFraction)}`;
  return '';
}
