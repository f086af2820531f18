import { SEQUENCE_CELLS, STACKED_CELLS, type SequenceCell } from '../nn/layers/sequence-classifier.js';
import type { LayerSpec } from '../nn/model-spec.js';
import { UsageError } from './errors.js';

/** How the recurrent --model networks are configured: --hidden (one size), --layers, --bidirectional, --attention-k, --truncate. */
export interface SequenceOptions {
  stateSize: number;
  layers: number;
  bidirectional: boolean;
  /** Infinity for --attention-k inf. */
  attentionK: number;
  truncate?: number;
}

export const DEFAULT_STATE_SIZE = 128;

/** The flags of the recurrent networks, with the models each applies to. */
const SEQUENCE_FLAGS: Readonly<Record<string, readonly SequenceCell[]>> = {
  '--layers': STACKED_CELLS,
  '--bidirectional': STACKED_CELLS,
  '--truncate': STACKED_CELLS,
  '--attention-k': ['attention-rnn'],
};

export function isSequenceModel(model: string | undefined): model is SequenceCell {
  return (SEQUENCE_CELLS as readonly (string | undefined)[]).includes(model);
}

/** 'rnn, gru and lstm'. */
export function spell(models: readonly string[]): string {
  return models.length === 1 ? models[0] : `${models.slice(0, -1).join(', ')} and ${models[models.length - 1]}`;
}

/**
 * Refuses a recurrent flag given (on the command line, in `given`) for a model it does not apply to;
 * `model` is --model's value, undefined for the default MLP.
 */
export function checkSequenceFlags(model: string | undefined, given: readonly string[]): void {
  for (const [flag, models] of Object.entries(SEQUENCE_FLAGS)) {
    if (!given.includes(flag) || (models as readonly string[]).includes(model ?? '')) continue;
    const target = model === undefined ? 'the default MLP' : `--model ${model}`;
    // GatedRNN and AttentionRNN run their own loops over the steps, which have no truncation.
    const why = flag === '--truncate' && isSequenceModel(model) ? ', which always backpropagates through the whole sequence' : '';
    throw new UsageError(`${flag} applies to --model ${spell(models)}, not ${target}${why}`);
  }
}

/** --hidden for a recurrent network: one state size (the flag parses as the MLP's list). */
export function stateSize(model: SequenceCell, hidden: readonly number[], given: readonly string[]): number {
  if (!given.includes('--hidden')) return DEFAULT_STATE_SIZE;
  if (hidden.length !== 1) throw new UsageError(`--hidden for --model ${model} is the state size, one integer such as ${DEFAULT_STATE_SIZE}; got '${hidden.join(',')}'`);
  return hidden[0];
}

/**
 * SGD's default rate for each recurrent network (with the usual momentum 0.9), measured over one
 * epoch of Fashion-MNIST: LSTM(128) reached 81% at 0.1 (80% with Adam at 0.001, less at 0.05).
 * attention-rnn's scores are products of two projections of the state, and rates above 0.03 throw
 * them off (35% at 0.1, 47% at 0.05, 60% at 0.03, 52% at 0.01).
 */
export const SEQUENCE_SGD_LR: Readonly<Record<SequenceCell, number>> = { rnn: 0.1, gru: 0.1, lstm: 0.1, 'gated-rnn': 0.1, 'attention-rnn': 0.03 };

/** Gradient clipping by default for the recurrent networks: it bounds the step when a recurrence's gradient explodes. */
export const SEQUENCE_CLIP_NORM = 1;

/**
 * The SequenceClassifier that reads samples of `sampleShape` ([1, rows, cols] images, or [rows, cols])
 * row by row, as rows steps of cols values, and gives 10 logits.
 */
export function sequenceSpec(cell: SequenceCell, options: SequenceOptions, sampleShape: readonly number[]): LayerSpec {
  const spec: LayerSpec = { type: 'SequenceClassifier', cell, input_size: sampleShape[sampleShape.length - 1], hidden_size: options.stateSize, num_classes: 10 };
  if (STACKED_CELLS.includes(cell)) {
    spec.num_layers = options.layers;
    spec.bidirectional = options.bidirectional;
    if (options.truncate !== undefined) spec.truncate = options.truncate;
  }
  if (cell === 'attention-rnn') spec.k = options.attentionK === Infinity ? 'inf' : options.attentionK;
  return spec;
}
