import type { AttentionRNN } from '../../nn/layers/attention-rnn.js';
import type { GatedRNN } from '../../nn/layers/gated-rnn.js';
import type { GRU, LSTM, RNN } from '../../nn/layers/rnn.js';
import { SequenceClassifier, type SequenceCell } from '../../nn/layers/sequence-classifier.js';
import { exporterFor, type LayerExportContext } from '../layer-exporter.js';
import { addRecurrentLayers, lastHidden } from './recurrent.js';
import { squeeze, transpose } from './recurrent-graph.js';
import { addAttentionRNNSteps, addGatedRNNSteps } from './recurrent-unrolled.js';

/** The classifier's recurrent layer is its field `rnn`, which prefixes the layer's parameter names. */
const RNN_FIELD = 'rnn.';

/** The state the classifier reads, [N, H] (or [N, 2H] for both directions), from its sequences [N, T, inputSize], by cell. */
type LastState = (model: SequenceClassifier, rows: string, steps: number, context: LayerExportContext) => string;

const stacked: LastState = (model, rows, _steps, context) => {
  const layer = model.rnn as RNN | GRU | LSTM;
  return lastHidden(context, layer, addRecurrentLayers(context, layer, RNN_FIELD, transpose(context, rows, [1, 0, 2]), null));
};

const LAST_STATE: Record<SequenceCell, LastState> = {
  rnn: stacked,
  gru: stacked,
  lstm: stacked,
  'gated-rnn': (model, rows, steps, context) => addGatedRNNSteps(context, model.rnn as GatedRNN, RNN_FIELD, transpose(context, rows, [1, 0, 2]), steps).states[steps - 1],
  'attention-rnn': (model, rows, steps, context) => {
    const projected = context.child('proj', model.proj!, rows);
    return addAttentionRNNSteps(context, model.rnn as AttentionRNN, RNN_FIELD, transpose(context, projected, [1, 0, 2]), steps).states[steps - 1];
  },
};

/**
 * SequenceClassifier: its sequences [N, T, inputSize] (images [N, 1, T, inputSize] lose their
 * channel axis), the recurrent layer's last state, and `fc`. RNN, GRU and LSTM are ONNX operators;
 * gated-rnn and attention-rnn are unrolled over the T steps of the sample shape.
 */
export const SEQUENCE_CLASSIFIER_EXPORTERS = [
  exporterFor(SequenceClassifier, (model, input, context) => {
    const shape = context.inputShape;
    const rows = shape.length === 4 ? squeeze(context, input, [1]) : input;
    const last = LAST_STATE[model.cell](model, rows, shape[shape.length - 2], context);
    return context.child('fc', model.fc, last);
  }),
];
