/**
 * RNN, GRU and LSTM as ONNX's RNN, GRU and LSTM operators, one per stacked layer. The parameters stay
 * initializers under their PyTorch names and shapes (weight_ih_l0 [gates * H, inputSize], ...); the
 * graph itself reorders their gates into ONNX's layout, which ONNX Runtime folds into constants once.
 * ONNX Runtime runs these operators time-major only (layout 0), so batch-first sequences are
 * transposed around them.
 */
import { GRU, LSTM, RNN, type RecurrentParameterName } from '../../nn/layers/rnn.js';
import { attr, type OnnxAttributes } from '../graph-builder.js';
import { concat, type GraphScope, int64s, slice, squeeze, transpose, unsqueeze } from './recurrent-graph.js';

export type RecurrentLayer = RNN | GRU | LSTM;

interface RecurrentOps {
  RNN: RNN;
  GRU: GRU;
  LSTM: LSTM;
}

interface OnnxRecurrence<Layer> {
  /** PyTorch's gate (a block of H rows of its weights) for each of ONNX's, in ONNX's order. */
  gateOrder: readonly number[];
  /** The states the layer carries: [h] or [h, c]. */
  states: readonly string[];
  attributes(layer: Layer, directions: number): OnnxAttributes;
}

const ACTIVATIONS = { tanh: 'Tanh', relu: 'Relu' } as const;

const RECURRENCES: { [Op in keyof RecurrentOps]: OnnxRecurrence<RecurrentOps[Op]> } = {
  RNN: {
    gateOrder: [0],
    states: ['h'],
    // ONNX Runtime wants one activation per direction.
    attributes: (layer, directions) => ({ activations: attr.strings(Array(directions).fill(ACTIVATIONS[layer.nonlinearity])) }),
  },
  // PyTorch's r, z, n as ONNX's z, r, h; PyTorch applies r after the hidden product, ONNX's linear_before_reset.
  GRU: { gateOrder: [1, 0, 2], states: ['h'], attributes: () => ({ linear_before_reset: attr.int(1) }) },
  // PyTorch's i, f, g, o as ONNX's i, o, f, c.
  LSTM: { gateOrder: [0, 3, 1, 2], states: ['h', 'c'], attributes: () => ({}) },
};

export function recurrentOp(layer: RecurrentLayer): keyof RecurrentOps {
  return layer instanceof LSTM ? 'LSTM' : layer instanceof GRU ? 'GRU' : 'RNN';
}

/** The layer's operator and its description (the rule is looked up once, by the layer's class). */
function recurrenceOf(layer: RecurrentLayer): OnnxRecurrence<RecurrentLayer> {
  return RECURRENCES[recurrentOp(layer)] as OnnxRecurrence<RecurrentLayer>;
}

/** What the stacked operators compute from a time-major input. */
export interface RecurrentValues {
  /** The last layer's states at every step, [T, N, numDirections * H]. */
  output: string;
  /** For each layer, its final states (h, or h and c), [numDirections, N, H] each. */
  layerStates: string[][];
}

/**
 * Adds one ONNX operator per stacked layer of `layer`, reading the time-major x [T, N, inputSize]
 * and, when given, the initial states [numLayers * numDirections, N, H] (h, or h and c). `prefix` is
 * the layer's place in the module the scope exports (`rnn.` in a SequenceClassifier, '' on its own),
 * which names its parameters. Dropout between the layers is left out: the graph is the layer in
 * evaluation.
 */
export function addRecurrentLayers(scope: GraphScope, layer: RecurrentLayer, prefix: string, x: string, initial: readonly string[] | null): RecurrentValues {
  const op = recurrentOp(layer);
  const recurrence = recurrenceOf(layer);
  const directions = layer.bidirectional ? 2 : 1;
  const layerStates: string[][] = [];
  let input = x;
  for (let l = 0; l < layer.numLayers; l++) {
    const suffixes = directions === 1 ? [`_l${l}`] : [`_l${l}`, `_l${l}_reverse`];
    // A parameter (weight_ih, bias_hh, ...) of this layer in each direction, its gates in ONNX's order.
    const reordered = (name: string) => suffixes.map((s) => reorderGates(scope, recurrence, layer.hiddenSize, parameterOf(scope, layer, `${prefix}${name}${s}`, `${name}${s}`)));
    const weights = (kind: 'ih' | 'hh') => stackDirections(scope, reordered(`weight_${kind}`));
    // ONNX's B is [Wb, Rb]: the input's biases, then the state's.
    const biases = () => {
      const hh = reordered('bias_hh');
      return stackDirections(scope, reordered('bias_ih').map((ih, d) => concat(scope, [ih, hh[d]], 0)));
    };
    const states = initial?.map((s) => (layer.numLayers === 1 ? s : slice(scope, s, l * directions, (l + 1) * directions, 0))) ?? [];
    const inputs = [input, weights('ih'), weights('hh'), layer.bias ? biases() : '', '', ...states];
    const [y, ...finals] = scope.ops(op, trimOptional(inputs), {
      hidden_size: attr.int(layer.hiddenSize),
      direction: attr.string(directions === 2 ? 'bidirectional' : 'forward'),
      ...recurrence.attributes(layer, directions),
    }, 1 + recurrence.states.length);
    layerStates.push(finals);
    // Y is [T, numDirections, N, H]; the next layer (and the output) reads [T, N, numDirections * H].
    input = scope.op('Reshape', [transpose(scope, y, [0, 2, 1, 3]), int64s(scope, [0, 0, -1])]);
  }
  return { output: input, layerStates };
}

/** The final states of every layer, as the layer returns them: [numLayers * numDirections, N, H] each. */
export function finalStates(scope: GraphScope, values: RecurrentValues): string[] {
  return values.layerStates[0].map((_, k) => concat(scope, values.layerStates.map((states) => states[k]), 0));
}

/** The last layer's final h as SequenceClassifier reads it: [N, H], or [N, 2H] (forward then backward) for both directions. */
export function lastHidden(scope: GraphScope, layer: RecurrentLayer, values: RecurrentValues): string {
  const h = values.layerStates[values.layerStates.length - 1][0];
  return layer.bidirectional ? scope.op('Reshape', [transpose(scope, h, [1, 0, 2]), int64s(scope, [0, -1])]) : squeeze(scope, h, [0]);
}

function parameterOf(scope: GraphScope, layer: RecurrentLayer, field: string, name: string): string {
  return scope.parameter(field, layer[name as RecurrentParameterName]!);
}

/** PyTorch's gate blocks (along axis 0) in ONNX's order. */
function reorderGates(scope: GraphScope, recurrence: OnnxRecurrence<RecurrentLayer>, hiddenSize: number, value: string): string {
  if (recurrence.gateOrder.length === 1) return value;
  return concat(scope, recurrence.gateOrder.map((g) => slice(scope, value, g * hiddenSize, (g + 1) * hiddenSize, 0)), 0);
}

/** One direction's tensor each, stacked on a new leading axis: ONNX's [numDirections, ...]. */
function stackDirections(scope: GraphScope, perDirection: readonly string[]): string {
  return concat(scope, perDirection.map((value) => unsqueeze(scope, value, [0])), 0);
}

/** ONNX leaves trailing omitted inputs out. */
function trimOptional(inputs: readonly string[]): string[] {
  let end = inputs.length;
  while (end > 0 && inputs[end - 1] === '') end--;
  return inputs.slice(0, end);
}

/** The states the layer carries, as its forward names them: ['h'] (hN), or ['h', 'c'] for LSTM (hN, cN). */
export function recurrentStates(layer: RecurrentLayer): readonly string[] {
  return recurrenceOf(layer).states;
}
