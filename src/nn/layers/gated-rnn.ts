import type { DType, FloatDType } from '../../base/dtype.js';
import { checkChoice, checkOptions, describeValue } from '../../base/options.js';
import { formatShape, shapesEqual, ShapeError } from '../../base/shape.js';
import { sub } from '../../ops/arithmetic.js';
import { linear } from '../../ops/nn.js';
import { timeSteps } from '../../ops/recurrent.js';
import { stack } from '../../ops/shape.js';
import { defaultGenerator, type Generator } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { recurrentParameter } from './rnn-cells.js';

export interface GatedRNNOptions {
  /** Input and output as [N, T, features] instead of [T, N, features] (default false). */
  batchFirst?: boolean;
  /** 'float32' (default) or 'float64'. */
  dtype?: FloatDType;
  generator?: Generator;
}

const GATED_RNN_OPTIONS = ['batchFirst', 'dtype', 'generator'];
const FLOAT_DTYPES: readonly FloatDType[] = ['float32', 'float64'];

/**
 * Checks a recurrent layer's input, [T, N, features] ([N, T, features] with batchFirst) or unbatched
 * [T, features], against its feature size and dtype; returns the time axis.
 */
export function checkSequence(layer: string, input: Tensor, features: number, dtype: DType, batchFirst: boolean): number {
  if (!(input instanceof Tensor) || (input.ndim !== 2 && input.ndim !== 3)) {
    const batched = batchFirst ? `[N, T, ${features}]` : `[T, N, ${features}]`;
    throw new ShapeError(`${layer}: expected input ${batched} or unbatched [T, ${features}], got ${input instanceof Tensor ? formatShape(input.shape) : describeValue(input)}`);
  }
  if (input.shape[input.ndim - 1] !== features) {
    throw new ShapeError(`${layer}: input of shape ${formatShape(input.shape)} has ${input.shape[input.ndim - 1]} features (last axis), expected ${features}`);
  }
  if (input.dtype !== dtype) throw new TypeError(`${layer}: input is ${input.dtype} but the parameters are ${dtype}; convert it with .to('${dtype}')`);
  const timeAxis = input.ndim === 3 && batchFirst ? 1 : 0;
  if (input.shape[timeAxis] === 0) throw new ShapeError(`${layer}: input of shape ${formatShape(input.shape)} has no time steps (axis ${timeAxis})`);
  return timeAxis;
}

/** The steps x[t] of a checked sequence: [N, features] each, or [features] unbatched. */
export function sequenceSteps(input: Tensor, timeAxis: number): Tensor[] {
  return timeSteps(timeAxis === 0 ? input : input.transpose(0, 1));
}

/**
 * The leaky gated recurrent cell over a sequence, from h[0] = 0:
 *
 *     c[t] = sigmoid(Wc x[t] + Wh h[t-1]),   h[t] = c[t] * h[t-1] + (1 - c[t]) * (Wx x[t])
 *
 * Each unit keeps the fraction c of its state and takes the rest from the input, so one step's
 * Jacobian dh[t]/dh[t-1] = diag(c[t]) + diag(h[t-1] - Wx x[t]) diag(c[t] (1 - c[t])) Wh passes
 * gradients back almost unchanged while the gates stay near 1. Wc and Wx are [hidden, input], Wh
 * [hidden, hidden], without biases. forward(x) gives the states h[1..T] as `output`, in the input's
 * layout, and the gates c[1..T] beside them as `gates` (the same shape); step(x, h) is one step.
 */
export class GatedRNN extends Module<[Tensor], { output: Tensor; gates: Tensor }> {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly batchFirst: boolean;
  Wc: Parameter;
  Wh: Parameter;
  Wx: Parameter;

  constructor(inputSize: number, hiddenSize: number, options: GatedRNNOptions = {}) {
    super();
    for (const [name, value] of [['inputSize', inputSize], ['hiddenSize', hiddenSize]] as const) {
      if (!Number.isInteger(value) || value <= 0) throw new RangeError(`GatedRNN: ${name} must be a positive integer, got ${describeValue(value)}`);
    }
    const { batchFirst = false, dtype = 'float32', generator = defaultGenerator } = checkOptions(options, GATED_RNN_OPTIONS, 'GatedRNN');
    if (typeof batchFirst !== 'boolean') throw new TypeError(`GatedRNN: batchFirst must be a boolean, got ${describeValue(batchFirst)}`);
    checkChoice(dtype, FLOAT_DTYPES, 'GatedRNN', 'dtype');
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.batchFirst = batchFirst;
    this.Wc = recurrentParameter([hiddenSize, inputSize], hiddenSize, dtype, generator);
    this.Wh = recurrentParameter([hiddenSize, hiddenSize], hiddenSize, dtype, generator);
    this.Wx = recurrentParameter([hiddenSize, inputSize], hiddenSize, dtype, generator);
  }

  /** One step: from x[t] [..., inputSize] and h[t-1] [..., hiddenSize], the state h[t] and the gates c[t]. */
  step(x: Tensor, h: Tensor): { h: Tensor; c: Tensor } {
    const expected = [...x.shape.slice(0, -1), this.hiddenSize];
    if (x.shape[x.ndim - 1] !== this.inputSize || !shapesEqual(h.shape, expected)) {
      throw new ShapeError(`GatedRNN.step: expected x [..., ${this.inputSize}] and h ${formatShape(expected)}, got x ${formatShape(x.shape)} and h ${formatShape(h.shape)}`);
    }
    const c = linear(x, this.Wc).add(linear(h, this.Wh)).sigmoid();
    return { h: c.mul(h).add(sub(1, c).mul(linear(x, this.Wx))), c };
  }

  forward(input: Tensor): { output: Tensor; gates: Tensor } {
    const timeAxis = checkSequence('GatedRNN', input, this.inputSize, this.Wc.dtype, this.batchFirst);
    const batch = input.ndim === 3 ? [input.shape[1 - timeAxis]] : [];
    let h = Tensor.full([...batch, this.hiddenSize], 0, input.dtype, input.backend);
    const states: Tensor[] = [];
    const gates: Tensor[] = [];
    for (const x of sequenceSteps(input, timeAxis)) {
      const next = this.step(x, h);
      h = next.h;
      states.push(h);
      gates.push(next.c);
    }
    return { output: stack(states, timeAxis), gates: stack(gates, timeAxis) };
  }

  override extraRepr(): string {
    return `inputSize=${this.inputSize}, hiddenSize=${this.hiddenSize}, batchFirst=${this.batchFirst}`;
  }
}
