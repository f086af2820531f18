import { readFileSync } from 'node:fs';
import { sizeOf } from '../base/shape.js';
import { LeakyReLU, ReLU, Sigmoid, Tanh } from '../nn/layers/activations.js';
import { SEQUENCE_CELLS } from '../nn/layers/sequence-classifier.js';
import { LENET } from '../nn/lenet.js';
import type { MlpActivation } from '../nn/mlp.js';
import { buildModel, type LayerSpec, type ModelSpec, type NetworkSpec } from '../nn/model-spec.js';
import type { Module } from '../nn/module.js';
import { type ModelSummary, summarize } from '../nn/summary.js';
import { UsageError } from './errors.js';
import { DEFAULT_STATE_SIZE, isSequenceModel, sequenceSpec, type SequenceOptions } from './sequence-models.js';

/** The networks --model knows by name; anything else is a JSON model file. */
export const MODEL_NAMES = ['lenet', 'mlp', ...SEQUENCE_CELLS] as const;

/** The recurrent networks' configuration without any of their flags. */
export const DEFAULT_SEQUENCE: Readonly<SequenceOptions> = { stateSize: DEFAULT_STATE_SIZE, layers: 1, bidirectional: false, attentionK: 2 };

/** The default network: the MLP that `nabla train` builds without --model, and --model mlp. */
export const DEFAULT_MLP = { hiddenSizes: [40, 30, 20], activation: 'sigmoid' } as const;

export interface ModelChoice {
  /** What --model said: a built-in name or a file. */
  label: string;
  /**
   * The spec for samples of `sampleShape` (the mlp's first Linear takes all of their values, a
   * recurrent network reads its rows as steps): a model spec, or for the recurrent networks the
   * spec of the one SequenceClassifier layer that is the whole model.
   */
  spec(sampleShape: readonly number[]): NetworkSpec;
}

/**
 * The network `--model value` names, the recurrent ones configured by `sequence`. A file is read and
 * checked (by building it) at once, so a bad spec is refused before any data is loaded.
 */
export function modelChoice(value: string, sequence: Readonly<SequenceOptions> = DEFAULT_SEQUENCE): ModelChoice {
  if (value === 'lenet') return { label: value, spec: () => LENET };
  if (value === 'mlp') return { label: value, spec: (shape) => defaultMlpSpec(sizeOf(shape)) };
  if (isSequenceModel(value)) return { label: value, spec: (shape) => sequenceSpec(value, sequence, shape) };
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const hint = value.endsWith('.json') ? '' : ` (not a built-in model either: ${MODEL_NAMES.join(', ')})`;
    throw new UsageError(`--model ${value}: cannot read the model file (${code ?? message})${hint}`);
  }
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--model ${value}: not valid JSON (${(error as Error).message})`);
  }
  try {
    buildModel(spec);
  } catch (error) {
    throw new UsageError(`--model ${value}: ${(error as Error).message}`);
  }
  return { label: value, spec: () => spec as ModelSpec };
}

/** Flatten, then the default MLP's Linear and activation layers. */
function defaultMlpSpec(inputSize: number): ModelSpec {
  const sizes = [inputSize, ...DEFAULT_MLP.hiddenSizes, 10];
  const layers: LayerSpec[] = [{ type: 'Flatten' }];
  for (let i = 0; i + 1 < sizes.length; i++) {
    layers.push({ type: 'Linear', in_features: sizes[i], out_features: sizes[i + 1] });
    if (i + 2 < sizes.length) layers.push({ type: 'Sigmoid' });
  }
  return { layers };
}

/** The summary of `model` on samples of `sampleShape`, or a usage error saying that `what` cannot take them. */
export function summarizeFor(model: Module, sampleShape: readonly number[], what: string): ModelSummary {
  try {
    return summarize(model, sampleShape);
  } catch (error) {
    throw new UsageError(`${what} cannot take inputs of shape [${sampleShape.join(', ')}]: ${(error as Error).message.replace(/^summarize: /, '')}`);
  }
}

/**
 * The activation that picks the default SGD learning rate of a network (see defaultLearningRate):
 * its first one, or sigmoid's rate when it has none.
 */
export function leadingActivation(model: Module): MlpActivation {
  for (const m of model.modules()) {
    if (m instanceof LeakyReLU) return 'leakyRelu';
    if (m instanceof ReLU) return 'relu';
    if (m instanceof Tanh) return 'tanh';
    if (m instanceof Sigmoid) return 'sigmoid';
  }
  return 'sigmoid';
}
