import type { DatasetName } from '../data/sources.js';
import type { InitName } from '../nn/init.js';
import type { SequenceCell } from '../nn/layers/sequence-classifier.js';
import { mlp, mlpActivation, type ActivationName, type MlpActivation, type MlpConfig } from '../nn/mlp.js';
import { buildNetwork, type NetworkSpec } from '../nn/model-spec.js';
import type { Module } from '../nn/module.js';
import type { ModelSummary } from '../nn/summary.js';
import { Generator } from '../tensor/random.js';
import { UsageError } from './errors.js';
import { leadingActivation, modelChoice, type ModelChoice, summarizeFor } from './models.js';
import { checkSequenceFlags, isSequenceModel, SEQUENCE_CLIP_NORM, stateSize } from './sequence-models.js';

/** The flags that choose and shape the network, which `train` and `lr-find` share. */
export interface NetworkFlags {
  /** A built-in network or a JSON model file instead of the MLP of --hidden, --activation, --dropout and --init. */
  model?: string;
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
  clipNorm?: number;
  seed: number;
}

/** What the flags chose: the --model network (null for the default MLP), and the recurrent one it is, if it is. */
export interface NetworkSelection {
  choice: ModelChoice | null;
  recurrent: SequenceCell | null;
}

/** The flags that shape the default MLP, which a --model network does not have (a recurrent one takes --hidden, as its state size). */
const MLP_FLAGS = ['--hidden', '--activation', '--dropout', '--init'];

/**
 * Checks the network flags before any data is loaded (a --model file is read and built at once);
 * `given` lists the flags on the command line (not defaulted), to refuse MLP flags next to --model.
 */
export function selectNetwork(flags: NetworkFlags, given: readonly string[]): NetworkSelection {
  checkSequenceFlags(flags.model, given);
  const recurrent = isSequenceModel(flags.model) ? flags.model : null;
  const mlpFlags = given.filter((flag) => MLP_FLAGS.includes(flag) && !(recurrent !== null && flag === '--hidden'));
  if (flags.model !== undefined && mlpFlags.length > 0) {
    throw new UsageError(`${mlpFlags.join(', ')} shape${mlpFlags.length === 1 ? 's' : ''} the default MLP and cannot be combined with --model ${flags.model}, which defines the whole network`);
  }
  const sequence = recurrent === null ? undefined : { ...flags, stateSize: stateSize(recurrent, flags.hidden, given) };
  const choice = flags.model === undefined ? null : modelChoice(flags.model, sequence);
  if (flags.dropout > 0 && flags.hidden.length === 0) throw new UsageError('--dropout applies after hidden layers, and --hidden is empty');
  return { choice, recurrent };
}

export interface FlagNetwork {
  model: Module;
  /** What checkpoints store to rebuild the model: the MLP's config, or the network's spec. */
  config: MlpConfig | NetworkSpec;
  /** The activation that picks the default SGD learning rate. */
  activation: MlpActivation;
  summary: ModelSummary;
  /** --clip-norm, or its default for the recurrent networks. */
  clipNorm?: number;
}

/** The selected network for samples of `sampleShape`, initialized from --seed; its output must give one logit per class. */
export function buildSelectedNetwork(selection: NetworkSelection, flags: NetworkFlags, sampleShape: readonly number[], dataset: DatasetName, classes: number): FlagNetwork {
  const { choice, recurrent } = selection;
  let model: Module;
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
  if (choice !== null && (summary.outputShape.length !== 2 || summary.outputShape[1] !== classes)) {
    throw new UsageError(`--model ${choice.label} gives outputs of shape [${summary.outputShape.join(', ')}], but ${dataset} has ${classes} classes: the last layer must give [N, ${classes}]`);
  }
  const clipNorm = flags.clipNorm ?? (recurrent === null ? undefined : SEQUENCE_CLIP_NORM);
  return { model, config, activation, summary, clipNorm };
}
