import type { FloatDType } from '../../base/dtype.js';
import { checkChoice, checkOptions, describeValue } from '../../base/options.js';
import { formatShape, shapesEqual, ShapeError } from '../../base/shape.js';
import { linear } from '../../ops/nn.js';
import { gruStep, lstmStep, rnnStep, type RNNNonlinearity } from '../../ops/recurrent.js';
import { defaultGenerator, type Generator } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { uniform_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

export interface RNNCellOptions {
  /** Learn the biases bias_ih and bias_hh (default true). */
  bias?: boolean;
  /** 'tanh' (default) or 'relu'. */
  nonlinearity?: RNNNonlinearity;
  /** 'float32' (default) or 'float64'. */
  dtype?: FloatDType;
  generator?: Generator;
}

export type GRUCellOptions = Omit<RNNCellOptions, 'nonlinearity'>;
export type LSTMCellOptions = GRUCellOptions;

/** An LSTM's state: the hidden state h and the cell state c, of the same shape. */
export type LSTMState = [h: Tensor, c: Tensor];

const FLOAT_DTYPES: readonly FloatDType[] = ['float32', 'float64'];
const NONLINEARITIES: readonly RNNNonlinearity[] = ['tanh', 'relu'];
const GATED_CELL_OPTIONS = ['bias', 'dtype', 'generator'];
const RNN_CELL_OPTIONS = [...GATED_CELL_OPTIONS, 'nonlinearity'];

/** The arguments every recurrent module takes, checked against `known` (its option names); the options with their defaults. */
export function recurrentArguments(name: string, inputSize: number, hiddenSize: number, options: RNNCellOptions, known: readonly string[]) {
  checkOptions(options, known, name);
  for (const [what, value] of [['inputSize', inputSize], ['hiddenSize', hiddenSize]] as const) {
    if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name}: ${what} must be a positive integer, got ${describeValue(value)}`);
  }
  const { bias = true, nonlinearity = 'tanh', dtype = 'float32', generator = defaultGenerator } = options;
  if (typeof bias !== 'boolean') throw new TypeError(`${name}: bias must be a boolean, got ${describeValue(bias)}`);
  checkChoice(nonlinearity, NONLINEARITIES, name, 'nonlinearity');
  checkChoice(dtype, FLOAT_DTYPES, name, 'dtype');
  return { bias, nonlinearity, dtype, generator };
}

/** A parameter drawn from U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)): PyTorch's default for every recurrent weight and bias. */
export function recurrentParameter(shape: readonly number[], hiddenSize: number, dtype: FloatDType, generator: Generator): Parameter {
  const bound = 1 / Math.sqrt(hiddenSize);
  return new Parameter(uniform_(Tensor.empty(shape, dtype), -bound, bound, { generator }));
}

/** Throws unless `value` is a tensor of `shape` (`layout` spells the rule) and `dtype`. */
export function checkTensor(name: string, what: string, value: unknown, shape: readonly number[], layout: string, dtype: FloatDType): Tensor {
  if (!(value instanceof Tensor) || !shapesEqual(value.shape, shape)) {
    const got = value instanceof Tensor ? formatShape(value.shape) : describeValue(value);
    throw new ShapeError(`${name}: ${what} must have shape ${formatShape(shape)} (${layout}), got ${got}`);
  }
  if (value.dtype !== dtype) throw new TypeError(`${name}: ${what} is ${value.dtype} but the parameters are ${dtype}`);
  return value;
}

/**
 * What the cells share, as PyTorch's RNNCellBase: weight_ih [gates * hiddenSize, inputSize],
 * weight_hh [gates * hiddenSize, hiddenSize] and the biases bias_ih and bias_hh [gates * hiddenSize]
 * (null without bias). A cell computes one step for a batch [N, inputSize], or an unbatched [inputSize].
 */
abstract class RNNCellBase<Inputs extends unknown[], Output> extends Module<Inputs, Output> {
  readonly inputSize: number;
  readonly hiddenSize: number;
  weight_ih: Parameter;
  weight_hh: Parameter;
  bias_ih: Parameter | null;
  bias_hh: Parameter | null;

  protected constructor(private readonly cellName: string, gates: number, inputSize: number, hiddenSize: number, options: RNNCellOptions, known: readonly string[]) {
    super();
    const { bias, dtype, generator } = recurrentArguments(cellName, inputSize, hiddenSize, options, known);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.weight_ih = recurrentParameter([gates * hiddenSize, inputSize], hiddenSize, dtype, generator);
    this.weight_hh = recurrentParameter([gates * hiddenSize, hiddenSize], hiddenSize, dtype, generator);
    this.bias_ih = bias ? recurrentParameter([gates * hiddenSize], hiddenSize, dtype, generator) : null;
    this.bias_hh = bias ? recurrentParameter([gates * hiddenSize], hiddenSize, dtype, generator) : null;
  }

  /**
   * The step: input [N, inputSize] and states [N, hiddenSize] (zeros for null; an unbatched input and
   * its states get N = 1) to the next states, which return in the input's layout.
   */
  protected step(input: Tensor, states: readonly (Tensor | null)[], names: readonly string[], next: (gi: Tensor, states: Tensor[]) => Tensor[]): Tensor[] {
    const name = this.cellName;
    const dtype = this.weight_ih.dtype as FloatDType;
    if (!(input instanceof Tensor) || (input.ndim !== 1 && input.ndim !== 2)) {
      throw new ShapeError(`${name}: expected input [N, inputSize] or unbatched [inputSize], got ${input instanceof Tensor ? formatShape(input.shape) : describeValue(input)}`);
    }
    const batched = input.ndim === 2;
    const N = batched ? input.shape[0] : 1;
    checkTensor(name, 'input', input, batched ? [N, this.inputSize] : [this.inputSize], `inputSize = ${this.inputSize}`, dtype);
    const stateShape = batched ? [N, this.hiddenSize] : [this.hiddenSize];
    const layout = batched ? 'N, hiddenSize' : 'hiddenSize, for an unbatched input';
    const given = states.map((s, k) => (s === null ? Tensor.empty([N, this.hiddenSize], dtype, input.backend) : checkTensor(name, names[k], s, stateShape, layout, dtype).reshape([N, this.hiddenSize])));
    const result = next(linear(input.reshape([N, this.inputSize]), this.weight_ih, this.bias_ih), given);
    return batched ? result : result.map((s) => s.reshape([this.hiddenSize]));
  }

  protected describe(extra = ''): string {
    return `inputSize=${this.inputSize}, hiddenSize=${this.hiddenSize}, bias=${this.bias_ih !== null}${extra}`;
  }

  override extraRepr(): string {
    return this.describe();
  }
}

/** One step of an Elman RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu); h defaults to zeros. */
export class RNNCell extends RNNCellBase<[input: Tensor, hx?: Tensor | null], Tensor> {
  readonly nonlinearity: RNNNonlinearity;

  constructor(inputSize: number, hiddenSize: number, options: RNNCellOptions = {}) {
    super('RNNCell', 1, inputSize, hiddenSize, options, RNN_CELL_OPTIONS);
    this.nonlinearity = options.nonlinearity ?? 'tanh';
  }

  forward(input: Tensor, hx: Tensor | null = null): Tensor {
    return this.step(input, [hx], ['hx'], (gi, [h]) => [rnnStep(gi, h, this.weight_hh, this.bias_hh, this.nonlinearity)])[0];
  }

  override extraRepr(): string {
    return this.describe(`, nonlinearity='${this.nonlinearity}'`);
  }
}

/** One step of a GRU (gates r, z, n; see gruStep); h defaults to zeros. */
export class GRUCell extends RNNCellBase<[input: Tensor, hx?: Tensor | null], Tensor> {
  constructor(inputSize: number, hiddenSize: number, options: GRUCellOptions = {}) {
    super('GRUCell', 3, inputSize, hiddenSize, options, GATED_CELL_OPTIONS);
  }

  forward(input: Tensor, hx: Tensor | null = null): Tensor {
    return this.step(input, [hx], ['hx'], (gi, [h]) => [gruStep(gi, h, this.weight_hh, this.bias_hh)])[0];
  }
}

/** One step of an LSTM (gates i, f, g, o; see lstmStep): [h, c] to [h', c'], zeros by default. */
export class LSTMCell extends RNNCellBase<[input: Tensor, state?: LSTMState | null], LSTMState> {
  constructor(inputSize: number, hiddenSize: number, options: LSTMCellOptions = {}) {
    super('LSTMCell', 4, inputSize, hiddenSize, options, GATED_CELL_OPTIONS);
  }

  forward(input: Tensor, state: LSTMState | null = null): LSTMState {
    if (state !== null && (!Array.isArray(state) || state.length !== 2)) throw new TypeError(`LSTMCell: the state must be a pair [h, c] of tensors, got ${describeValue(state)}`);
    const [h, c] = this.step(input, state ?? [null, null], ['h', 'c'], (gi, [h, c]) => lstmStep(gi, h, c, this.weight_hh, this.bias_hh));
    return [h, c];
  }
}
