import type { FloatDType } from '../../base/dtype.js';
import { checkOptions, describeValue } from '../../base/options.js';
import { formatShape, ShapeError } from '../../base/shape.js';
import { where } from '../../ops/compare.js';
import { dropout, linear } from '../../ops/nn.js';
import { gruStep, lstmStep, rnnStep, timeSteps, type RNNNonlinearity } from '../../ops/recurrent.js';
import { concat, stack } from '../../ops/shape.js';
import type { Generator } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { checkTensor, type LSTMState, recurrentArguments, recurrentParameter, type RNNCellOptions } from './rnn-cells.js';

export interface RNNOptions extends RNNCellOptions {
  /** Stacked layers, each running over the previous one's output (default 1). */
  numLayers?: number;
  /** Input and output as [N, T, features] rather than [T, N, features] (default false); the states keep their layout. */
  batchFirst?: boolean;
  /** Run each layer forward and backward in time and concatenate the two outputs (default false). */
  bidirectional?: boolean;
  /** Dropout probability on the output of every layer but the last, while training (default 0). */
  dropout?: number;
}

export type GRUOptions = Omit<RNNOptions, 'nonlinearity'>;
export type LSTMOptions = GRUOptions;

export interface RecurrentForwardOptions {
  /**
   * Per-sample sequence lengths, each in [1, T] (numbers or an int32 tensor [N]), for a batch of
   * sequences padded to T steps: what PyTorch computes from
   * pack_padded_sequence(x, lengths, enforce_sorted=False), with the output padded back by
   * pad_packed_sequence(output, total_length=T), in the batch's own order. Each sample runs
   * over its first `length` steps only (the reverse direction from step length-1 down to 0); its
   * outputs past its length are zero and its final state is the state after its last valid step.
   */
  lengths?: ArrayLike<number> | Tensor;
  /**
   * Truncated backpropagation through time: the state is detached after every `truncate` steps of
   * each direction, so gradients flow back through at most `truncate` steps of the recurrence (the
   * values are unchanged). Without it (the default) they flow through the whole sequence.
   */
  truncate?: number;
}

/** The parameters' names, PyTorch's: weight_ih_l0, bias_hh_l1_reverse, ... */
export type RecurrentParameterName = `${'weight' | 'bias'}_${'ih' | 'hh'}_l${number}${'' | '_reverse'}`;

const GATED_OPTIONS = ['numLayers', 'bias', 'batchFirst', 'bidirectional', 'dropout', 'dtype', 'generator'];
const RNN_OPTIONS = [...GATED_OPTIONS, 'nonlinearity'];
const FORWARD_OPTIONS = ['lengths', 'truncate'];

/**
 * What RNN, GRU and LSTM share, as PyTorch's RNNBase. For each layer l and direction (suffix
 * `_reverse` for the backward one) the parameters weight_ih_l{l} [gates * H, inputSize for layer 0,
 * else numDirections * H], weight_hh_l{l} [gates * H, H], bias_ih_l{l} and bias_hh_l{l} [gates * H],
 * in that order (the state-dict names are PyTorch's), all drawn from U(-1/sqrt(H), 1/sqrt(H)).
 * The input projection of all steps is one product per layer and direction; each step adds one
 * product with its state.
 */
abstract class RNNBase<Inputs extends unknown[], Output> extends Module<Inputs, Output> {
  [name: RecurrentParameterName]: Parameter | undefined;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly bidirectional: boolean;
  readonly dropout: number;
  protected readonly generator: Generator;

  protected constructor(private readonly layerName: string, gates: number, inputSize: number, hiddenSize: number, options: RNNOptions, known: readonly string[]) {
    super();
    const { bias, dtype, generator } = recurrentArguments(layerName, inputSize, hiddenSize, options, known);
    const { numLayers = 1, batchFirst = false, bidirectional = false, dropout = 0 } = options;
    if (!Number.isInteger(numLayers) || numLayers <= 0) throw new RangeError(`${layerName}: numLayers must be a positive integer, got ${describeValue(numLayers)}`);
    for (const [what, value] of [['batchFirst', batchFirst], ['bidirectional', bidirectional]] as const) {
      if (typeof value !== 'boolean') throw new TypeError(`${layerName}: ${what} must be a boolean, got ${describeValue(value)}`);
    }
    if (typeof dropout !== 'number' || !(dropout >= 0 && dropout <= 1)) throw new RangeError(`${layerName}: dropout must be a probability in [0, 1], got ${describeValue(dropout)}`);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.bias = bias;
    this.batchFirst = batchFirst;
    this.bidirectional = bidirectional;
    this.dropout = dropout;
    this.generator = generator;
    const directions = bidirectional ? 2 : 1;
    for (let layer = 0; layer < numLayers; layer++) {
      for (let d = 0; d < directions; d++) {
        const suffix = `_l${layer}${d === 1 ? '_reverse' : ''}` as const;
        this[`weight_ih${suffix}`] = recurrentParameter([gates * hiddenSize, layer === 0 ? inputSize : directions * hiddenSize], hiddenSize, dtype, generator);
        this[`weight_hh${suffix}`] = recurrentParameter([gates * hiddenSize, hiddenSize], hiddenSize, dtype, generator);
        if (!bias) continue;
        this[`bias_ih${suffix}`] = recurrentParameter([gates * hiddenSize], hiddenSize, dtype, generator);
        this[`bias_hh${suffix}`] = recurrentParameter([gates * hiddenSize], hiddenSize, dtype, generator);
      }
    }
  }

  /** PyTorch's all_weights: per layer and direction (layer * numDirections + direction), [weight_ih, weight_hh, bias_ih, bias_hh] (or the two weights). */
  get allWeights(): Parameter[][] {
    const names = this.bias ? ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'] : ['weight_ih', 'weight_hh'];
    return Array.from({ length: this.numLayers * (this.bidirectional ? 2 : 1) }, (_, k) => {
      const suffix = `_l${Math.floor(k / (this.bidirectional ? 2 : 1))}${this.bidirectional && k % 2 === 1 ? '_reverse' : ''}`;
      return names.map((n) => this[`${n}${suffix}` as RecurrentParameterName]!);
    });
  }

  /** One step from the input projection gi [N, gates * H] and the states [N, H]. */
  protected abstract step(gi: Tensor, states: Tensor[], wHh: Parameter, bHh: Parameter | null): Tensor[];

  /**
   * The output and the final states ([numLayers * numDirections, N, H] each) for the input and the
   * initial states (`names`: how errors call them; null for zeros).
   */
  protected run(input: Tensor, initial: readonly Tensor[] | null, names: readonly string[], options: RecurrentForwardOptions): [Tensor, Tensor[]] {
    const name = this.layerName;
    const { lengths: given, truncate } = recurrentForwardOptions(name, options);
    const layout = this.batchFirst ? '[N, T, inputSize]' : '[T, N, inputSize]';
    if (!(input instanceof Tensor) || (input.ndim !== 2 && input.ndim !== 3)) {
      throw new ShapeError(`${name}: expected input ${layout} or unbatched [T, inputSize], got ${input instanceof Tensor ? formatShape(input.shape) : describeValue(input)}`);
    }
    const batched = input.ndim === 3;
    const dtype = this.weight_ih_l0!.dtype as FloatDType;
    checkTensor(name, 'input', input, [...input.shape.slice(0, -1), this.inputSize], `${batched ? layout : '[T, inputSize]'} with inputSize = ${this.inputSize}`, dtype);
    const x = batched ? (this.batchFirst ? input.transpose(0, 1) : input) : input.unsqueeze(1);
    const [T, N] = x.shape;
    if (T === 0) throw new ShapeError(`${name}: the input ${formatShape(input.shape)} has no time steps`);
    const directions = this.bidirectional ? 2 : 1;
    const H = this.hiddenSize;
    const stateShape = batched ? [this.numLayers * directions, N, H] : [this.numLayers * directions, H];
    const stateLayout = `numLayers * numDirections, ${batched ? 'N, ' : ''}hiddenSize`;
    const h0 = initial?.map((s, k) => timeSteps(checkTensor(name, names[k], s, stateShape, stateLayout, dtype).reshape([this.numLayers * directions, N, H])));
    const masks = given === undefined ? [] : stepMasks(name, given, batched, N, T, x.backend);

    const weights = this.allWeights;
    // Each layer's input as one tensor per step: slicing a tensor that needs a gradient costs a
    // full-size gradient per slice in backward, so the layers hand each other their steps instead.
    let layerInput = timeSteps(x);
    const finals: Tensor[][] = names.map(() => []);
    for (let layer = 0; layer < this.numLayers; layer++) {
      if (layer > 0) layerInput = layerInput.map((v) => dropout(v, this.dropout, { training: this.training, generator: this.generator }));
      const outputs: Tensor[][] = [];
      for (let d = 0; d < directions; d++) {
        const k = layer * directions + d;
        const [wIh, wHh, bIh = null, bHh = null] = weights[k];
        let states = h0?.map((s) => s[k]) ?? names.map(() => Tensor.empty([N, H], dtype, x.backend));
        const steps = new Array<Tensor>(T);
        for (let s = 0; s < T; s++) {
          const t = d === 0 ? s : T - 1 - s;
          if (truncate !== undefined && s > 0 && s % truncate === 0) states = states.map((v) => v.detach());
          const next = this.step(linear(layerInput[t], wIh, bIh), states, wHh, bHh);
          const mask = masks[t];
          // Past a sample's length its state stays as it was and its output is zero.
          steps[t] = mask === undefined ? next[0] : where(mask, next[0], 0);
          states = mask === undefined ? next : next.map((v, i) => where(mask, v, states[i]));
        }
        outputs.push(steps);
        states.forEach((v, i) => finals[i].push(v));
      }
      layerInput = directions === 1 ? outputs[0] : outputs[0].map((forward, t) => concat([forward, outputs[1][t]], 1));
    }
    const stacked = stack(layerInput);
    const output = !batched ? stacked.reshape([T, directions * H]) : this.batchFirst ? stacked.transpose(0, 1) : stacked;
    return [output, finals.map((f) => stack(f).reshape(stateShape))];
  }

  override extraRepr(): string {
    return `inputSize=${this.inputSize}, hiddenSize=${this.hiddenSize}, numLayers=${this.numLayers}, bias=${this.bias}, ` +
      `batchFirst=${this.batchFirst}, dropout=${this.dropout}, bidirectional=${this.bidirectional}`;
  }
}

function recurrentForwardOptions(name: string, options: RecurrentForwardOptions): RecurrentForwardOptions {
  const { truncate } = checkOptions(options, FORWARD_OPTIONS, `${name}.forward`);
  if (truncate !== undefined && (!Number.isInteger(truncate) || truncate <= 0)) {
    throw new RangeError(`${name}: truncate must be a positive integer (the steps between detached states), got ${describeValue(truncate)}`);
  }
  return options;
}

/**
 * One int32 mask [N, 1] per step at which some sample has ended (1 where the step is within the
 * sample's length); the steps before the shortest length need none.
 */
function stepMasks(name: string, lengths: ArrayLike<number> | Tensor, batched: boolean, N: number, T: number, backend: Tensor['backend']): (Tensor | undefined)[] {
  if (!batched) throw new ShapeError(`${name}: lengths need a batched input (one length per sample)`);
  if (lengths instanceof Tensor && (lengths.dtype !== 'int32' || lengths.ndim !== 1)) {
    throw new TypeError(`${name}: lengths must be an array of numbers or a 1-D int32 tensor, got a ${lengths.dtype} tensor of shape ${formatShape(lengths.shape)}`);
  }
  if (!(lengths instanceof Tensor) && !Array.isArray(lengths) && !ArrayBuffer.isView(lengths)) {
    throw new TypeError(`${name}: lengths must be an array of numbers or a 1-D int32 tensor, got ${describeValue(lengths)}`);
  }
  const values = Array.from(lengths instanceof Tensor ? lengths.dataSync() : lengths);
  if (values.length !== N || values.some((n) => !Number.isInteger(n) || n < 1 || n > T)) {
    throw new RangeError(`${name}: lengths must be ${N} integers (one per sample) in [1, T = ${T}], got [${values.join(', ')}]`);
  }
  const shortest = Math.min(...values);
  return Array.from({ length: T }, (_, t) => (t < shortest ? undefined : Tensor.fromValues(values.map((n) => (t < n ? 1 : 0)), [N, 1], 'int32', backend)));
}

/**
 * Elman RNN over a sequence, as PyTorch's nn.RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
 * (or relu) per layer. forward(x, h0?) takes x [T, N, inputSize] ([N, T, inputSize] with batchFirst,
 * or unbatched [T, inputSize]) and h0 [numLayers * numDirections, N, hiddenSize] (zeros by default;
 * [numLayers * numDirections, hiddenSize] unbatched) and returns [output, hN]: the last layer's
 * states at every step [T, N, numDirections * hiddenSize] (laid out as x) and every layer's final state.
 */
export class RNN extends RNNBase<[input: Tensor, h0?: Tensor | null, options?: RecurrentForwardOptions], [output: Tensor, hN: Tensor]> {
  readonly nonlinearity: RNNNonlinearity;

  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super('RNN', 1, inputSize, hiddenSize, options, RNN_OPTIONS);
    this.nonlinearity = options.nonlinearity ?? 'tanh';
  }

  forward(input: Tensor, h0: Tensor | null = null, options: RecurrentForwardOptions = {}): [output: Tensor, hN: Tensor] {
    const [output, [hN]] = this.run(input, h0 === null ? null : [h0], ['h0'], options);
    return [output, hN];
  }

  protected step(gi: Tensor, [h]: Tensor[], wHh: Parameter, bHh: Parameter | null): Tensor[] {
    return [rnnStep(gi, h, wHh, bHh, this.nonlinearity)];
  }

  override extraRepr(): string {
    return `${super.extraRepr()}, nonlinearity='${this.nonlinearity}'`;
  }
}

/** Gated recurrent unit over a sequence, as PyTorch's nn.GRU (gates r, z, n; see gruStep); forward as RNN's. */
export class GRU extends RNNBase<[input: Tensor, h0?: Tensor | null, options?: RecurrentForwardOptions], [output: Tensor, hN: Tensor]> {
  constructor(inputSize: number, hiddenSize: number, options: GRUOptions = {}) {
    super('GRU', 3, inputSize, hiddenSize, options, GATED_OPTIONS);
  }

  forward(input: Tensor, h0: Tensor | null = null, options: RecurrentForwardOptions = {}): [output: Tensor, hN: Tensor] {
    const [output, [hN]] = this.run(input, h0 === null ? null : [h0], ['h0'], options);
    return [output, hN];
  }

  protected step(gi: Tensor, [h]: Tensor[], wHh: Parameter, bHh: Parameter | null): Tensor[] {
    return [gruStep(gi, h, wHh, bHh)];
  }
}

/**
 * Long short-term memory over a sequence, as PyTorch's nn.LSTM (gates i, f, g, o; see lstmStep):
 * forward(x, [h0, c0]?) returns [output, [hN, cN]], with shapes as RNN's.
 */
export class LSTM extends RNNBase<[input: Tensor, state?: LSTMState | null, options?: RecurrentForwardOptions], [output: Tensor, state: LSTMState]> {
  constructor(inputSize: number, hiddenSize: number, options: LSTMOptions = {}) {
    super('LSTM', 4, inputSize, hiddenSize, options, GATED_OPTIONS);
  }

  forward(input: Tensor, state: LSTMState | null = null, options: RecurrentForwardOptions = {}): [output: Tensor, state: LSTMState] {
    if (state !== null && (!Array.isArray(state) || state.length !== 2)) throw new TypeError(`LSTM: the initial state must be a pair [h0, c0] of tensors, got ${describeValue(state)}`);
    const [output, [hN, cN]] = this.run(input, state, ['h0', 'c0'], options);
    return [output, [hN, cN]];
  }

  protected step(gi: Tensor, [h, c]: Tensor[], wHh: Parameter, bHh: Parameter | null): Tensor[] {
    return lstmStep(gi, h, c, wHh, bHh);
  }
}
