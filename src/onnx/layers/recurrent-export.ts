import { noGrad } from '../../autograd/graph.js';
import { describeValue } from '../../base/options.js';
import { AttentionRNN } from '../../nn/layers/attention-rnn.js';
import { GatedRNN } from '../../nn/layers/gated-rnn.js';
import { GRU, LSTM, RNN } from '../../nn/layers/rnn.js';
import { Tensor } from '../../tensor/tensor.js';
import { type OnnxDimension, OnnxGraphBuilder } from '../graph-builder.js';
import { addRecurrentLayers, finalStates, type RecurrentLayer, recurrentStates } from './recurrent.js';
import { type GraphScope, squeeze, stack, transpose, unsqueeze } from './recurrent-graph.js';
import { addAttentionRNNSteps, addGatedRNNSteps, attentionSequence } from './recurrent-unrolled.js';

/** The recurrent layers exportRecurrentOnnx writes on their own. */
export type StandaloneRecurrentLayer = RecurrentLayer | GatedRNN | AttentionRNN;

export interface ExportRecurrentOnnxOptions {
  /**
   * Make the initial states graph inputs, `h0` (and `c0` for LSTM), shaped as the final ones
   * (default false: zeros, as forward without them). RNN, GRU and LSTM only.
   */
  initialState?: boolean;
}

/** What a layer's graph computes from its time-major input: sequences [T, ...] (output first) and states. */
interface Written {
  sequences: string[];
  states: string[];
}

interface StandaloneWriter<Layer> {
  /** The graph outputs, as the layer's forward returns them: the sequences, then the states. */
  outputs(layer: Layer): { sequences: string[]; states: string[] };
  /** The initial states the layer can take as graph inputs (none for the unrolled layers). */
  initialStates(layer: Layer): string[];
  write(scope: GraphScope, layer: Layer, x: string, steps: number, batched: boolean, initial: readonly string[] | null): Written;
}

const stackedWriter: StandaloneWriter<RecurrentLayer> = {
  outputs: (layer) => ({ sequences: ['output'], states: recurrentStates(layer).map((s) => `${s}N`) }),
  initialStates: (layer) => recurrentStates(layer).map((s) => `${s}0`),
  write: (scope, layer, x, _steps, batched, initial) => {
    // The ONNX operators need a batch axis; an unbatched sequence is a batch of one.
    const withBatch = (value: string) => (batched ? value : unsqueeze(scope, value, [1]));
    const withoutBatch = (value: string) => (batched ? value : squeeze(scope, value, [1]));
    const values = addRecurrentLayers(scope, layer, '', withBatch(x), initial?.map(withBatch) ?? null);
    return { sequences: [withoutBatch(values.output)], states: finalStates(scope, values).map(withoutBatch) };
  },
};

const WRITERS = new Map<unknown, StandaloneWriter<never>>([
  [RNN, stackedWriter],
  [GRU, stackedWriter],
  [LSTM, stackedWriter],
  [GatedRNN, {
    outputs: () => ({ sequences: ['output', 'gates'], states: [] }),
    initialStates: () => [],
    write: (scope, layer, x, steps) => {
      const { states, beside } = addGatedRNNSteps(scope, layer, '', x, steps);
      return { sequences: [stack(scope, states), stack(scope, beside)], states: [] };
    },
  } satisfies StandaloneWriter<GatedRNN>],
  [AttentionRNN, {
    outputs: () => ({ sequences: ['output', 'attention'], states: [] }),
    initialStates: () => [],
    write: (scope, layer, x, steps, batched) => {
      const { states, beside } = addAttentionRNNSteps(scope, layer, '', x, steps);
      return { sequences: [stack(scope, states), attentionSequence(scope, layer, beside, batched)], states: [] };
    },
  } satisfies StandaloneWriter<AttentionRNN>],
]);

/**
 * A recurrent layer on its own as an ONNX model (opset 17), in evaluation: a graph input `input` of
 * `inputShape` (the whole input as the layer's forward takes it: [T, N, features], [N, T, features]
 * with batchFirst, or unbatched [T, features]; N is dynamic in the graph, T fixed), optionally `h0`
 * and `c0`, and the layer's results as outputs: `output` and `hN` (and `cN`) for RNN, GRU and LSTM,
 * `output` and `gates` for GatedRNN, `output` and `attention` for AttentionRNN, in the layouts
 * forward returns them. Parameters are initializers under their state-dict names. For a model
 * that maps one tensor to one (a SequenceClassifier), use exportOnnx.
 */
export function exportRecurrentOnnx(layer: StandaloneRecurrentLayer, inputShape: readonly number[], options: ExportRecurrentOnnxOptions = {}): Uint8Array {
  const writer = WRITERS.get(layer?.constructor) as StandaloneWriter<StandaloneRecurrentLayer> | undefined;
  if (writer === undefined) {
    throw new TypeError(`exportRecurrentOnnx: expected an RNN, GRU, LSTM, GatedRNN or AttentionRNN, got ${layer?.constructor?.name ?? describeValue(layer)}`);
  }
  const { initialState = false } = options;
  const stateNames = initialState ? writer.initialStates(layer) : [];
  if (initialState && stateNames.length === 0) throw new TypeError(`exportRecurrentOnnx: ${layer.constructor.name} starts from zeros and takes no initial state`);
  const dtype = layer.parameters()[0].dtype;
  const sample = Tensor.empty(inputShape, dtype);
  // The layer's own forward checks the shape (with its errors) and gives the shapes of its results.
  const resultShapes = evalResults(layer, sample).map((t) => t.shape);

  const batched = inputShape.length === 3;
  const batchFirst = layer.batchFirst;
  const sequenceBatchAxis = batched ? (batchFirst ? 0 : 1) : -1;
  const stateBatchAxis = batched ? 1 : -1;
  const dynamic = (shape: readonly number[], batchAxis: number): OnnxDimension[] => shape.map((d, i) => (i === batchAxis ? 'N' : d));

  const graph = new OnnxGraphBuilder();
  const scope: GraphScope = {
    graph,
    parameter: (field, tensor) => (graph.hasName(field) ? field : graph.addInitializer(field, tensor)),
    constant: (hint, values, shape, elementType) => graph.addConstant(hint, values, shape, elementType),
    op: (opType, inputs, attributes = {}) => graph.addOp(opType, inputs, attributes),
    ops: (opType, inputs, attributes, outputCount) => graph.addNode(opType, inputs, attributes, { outputCount }),
  };
  const input = graph.addInput('input', dynamic(inputShape, sequenceBatchAxis));
  const stateShape = resultShapes[resultShapes.length - 1];
  const initial = stateNames.length === 0 ? null : stateNames.map((name) => graph.addInput(name, dynamic(stateShape, stateBatchAxis)));
  const steps = inputShape[batched && batchFirst ? 1 : 0];
  const timeMajor = batched && batchFirst ? transpose(scope, input, [1, 0, 2]) : input;
  const written = writer.write(scope, layer, timeMajor, steps, batched, initial);

  const names = writer.outputs(layer);
  const outputs = [
    ...written.sequences.map((value, i) => ({ value: batched && batchFirst ? transpose(scope, value, [1, 0, 2]) : value, name: names.sequences[i], batchAxis: sequenceBatchAxis })),
    ...written.states.map((value, i) => ({ value, name: names.states[i], batchAxis: stateBatchAxis })),
  ];
  outputs.forEach(({ value, name, batchAxis }, i) => {
    graph.addOutput(graph.addOp('Identity', [value], {}, { outputHint: name, name: `${name}_Identity` }), dynamic(resultShapes[i], batchAxis));
  });
  return graph.encode();
}

/** The tensors of a forward's result, in order: [output, hN], [output, [hN, cN]], { output, gates }. */
function tensorsIn(value: unknown): Tensor[] {
  if (value instanceof Tensor) return [value];
  if (Array.isArray(value)) return value.flatMap(tensorsIn);
  return Object.values(value as object).flatMap(tensorsIn);
}

/** The tensors the layer's eval() forward returns for the input; the layer's mode is left as it was. */
function evalResults(layer: StandaloneRecurrentLayer, input: Tensor): Tensor[] {
  const training = layer.training;
  try {
    return tensorsIn(noGrad(() => (layer.forward as (x: Tensor) => unknown).call(layer.eval(), input)));
  } finally {
    layer.train(training);
  }
}
