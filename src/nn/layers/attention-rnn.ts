import type { FloatDType } from '../../base/dtype.js';
import { checkChoice, checkOptions, describeValue } from '../../base/options.js';
import { linear, softmax } from '../../ops/nn.js';
import { concat, stack } from '../../ops/shape.js';
import { defaultGenerator, type Generator } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { checkSequence, sequenceSteps } from './gated-rnn.js';
import { recurrentParameter } from './rnn-cells.js';

export interface AttentionRNNOptions {
  /** How many past states each step attends to: a non-negative integer, or Infinity for all of them. */
  k: number;
  /** Input and output as [N, T, size] instead of [T, N, size] (default false). */
  batchFirst?: boolean;
  /** 'float32' (default) or 'float64'. */
  dtype?: FloatDType;
  generator?: Generator;
}

const ATTENTION_RNN_OPTIONS = ['k', 'batchFirst', 'dtype', 'generator'];
const FLOAT_DTYPES: readonly FloatDType[] = ['float32', 'float64'];
const PROJECTIONS = ['Q', 'K', 'V'] as const;

type Projection = (typeof PROJECTIONS)[number];

/** What one source s contributes to a step: its score w = (Q s) . (K s) and its value V s. */
interface Scored {
  w: Tensor;
  v: Tensor;
}

/**
 * A recurrent layer whose state is an attention-weighted sum of projections of the input and the
 * last k states: with s_0 = x[t] and s_i = h[t-i] for i = 1..k (zero at h[0] and before it),
 *
 *     w_i = (Q_i s_i) . (K_i s_i),   a[t] = softmax(w_0, ..., w_k),   h[t] = sum_i a_i (V_i s_i)
 *
 * A zero state scores 0 and adds nothing, yet keeps its share exp(0) of the softmax; k = 0 is
 * h[t] = V_0 x[t]. With k = Infinity (AttentionRNN(inf)) step t attends to x[t] and every state
 * h[t-1], ..., h[0], so its attention has t + 1 entries, and the weights are tied: Q.0, K.0, V.0
 * project the input and Q.1, K.1, V.1 every past state. The parameters Q.i, K.i, V.i ([size, size];
 * i = 0..k, or 0..1 for k = Infinity) are named like PyTorch's ParameterList entries and initialized
 * U(-1/sqrt(size), 1/sqrt(size)). forward(x) gives the states h[1..T] as `output`, in the input's
 * layout, and the attention a[1..T] beside them as `attention`, whose last axis has k + 1 entries,
 * or T + 1 for k = Infinity: step t's t + 1 weights followed by zeros.
 */
export class AttentionRNN extends Module<[Tensor], { output: Tensor; attention: Tensor }> {
  // Fields named 'Q.0', 'Q.1', ...: Module names a parameter by its field, which gives ParameterList's keys.
  [name: `${Projection}.${number}`]: Parameter;
  readonly size: number;
  readonly k: number;
  readonly batchFirst: boolean;

  constructor(size: number, options: AttentionRNNOptions) {
    super();
    if (!Number.isInteger(size) || size <= 0) throw new RangeError(`AttentionRNN: size must be a positive integer, got ${describeValue(size)}`);
    const { k, batchFirst = false, dtype = 'float32', generator = defaultGenerator } = checkOptions(options, ATTENTION_RNN_OPTIONS, 'AttentionRNN');
    if (!((Number.isInteger(k) && k >= 0) || k === Infinity)) {
      throw new RangeError(`AttentionRNN: k must be a non-negative integer or Infinity, got ${describeValue(k)}`);
    }
    if (typeof batchFirst !== 'boolean') throw new TypeError(`AttentionRNN: batchFirst must be a boolean, got ${describeValue(batchFirst)}`);
    checkChoice(dtype, FLOAT_DTYPES, 'AttentionRNN', 'dtype');
    this.size = size;
    this.k = k;
    this.batchFirst = batchFirst;
    const count = k === Infinity ? 2 : k + 1;
    for (const p of PROJECTIONS) {
      for (let i = 0; i < count; i++) this[`${p}.${i}`] = recurrentParameter([size, size], size, dtype, generator);
    }
  }

  forward(input: Tensor): { output: Tensor; attention: Tensor } {
    const timeAxis = checkSequence('AttentionRNN', input, this.size, this['Q.0'].dtype, this.batchFirst);
    const xs = sequenceSteps(input, timeAxis);
    const steps = xs.length;
    const batch = input.ndim === 3 ? [input.shape[1 - timeAxis]] : [];
    const zero = Tensor.full([...batch, this.size], 0, input.dtype, input.backend);
    const states: Tensor[] = [];
    const attention: Tensor[] = [];
    if (this.k === Infinity) {
      // Tied weights score each past state once, whatever step looks back at it.
      const past = [this.project(zero, 1)];
      for (let t = 0; t < steps; t++) {
        if (t > 0) past.unshift(this.project(states[t - 1], 1));
        const { h, a } = mix([this.project(xs[t], 0), ...past]);
        states.push(h);
        const padding = steps - 1 - t;
        attention.push(padding === 0 ? a : concat([a, Tensor.full([...batch, padding], 0, a.dtype, a.backend)], -1));
      }
    } else {
      let past: Tensor[] = Array.from({ length: this.k }, () => zero);
      for (let t = 0; t < steps; t++) {
        const sources = [xs[t], ...past];
        const { h, a } = mix(sources.map((s, i) => this.project(s, i)));
        states.push(h);
        attention.push(a);
        past = [h, ...past].slice(0, this.k);
      }
    }
    return { output: stack(states, timeAxis), attention: stack(attention, timeAxis) };
  }

  private project(s: Tensor, i: number): Scored {
    const q = linear(s, this[`Q.${i}`]);
    const key = linear(s, this[`K.${i}`]);
    return { w: q.mul(key).sum(-1), v: linear(s, this[`V.${i}`]) };
  }

  override extraRepr(): string {
    return `size=${this.size}, k=${this.k}, batchFirst=${this.batchFirst}`;
  }
}

/** a = softmax over the sources' scores, h = the values weighted by a. */
function mix(sources: readonly Scored[]): { h: Tensor; a: Tensor } {
  const a = softmax(stack(sources.map((s) => s.w), -1), -1);
  const h = a.unsqueeze(-1).mul(stack(sources.map((s) => s.v), -2)).sum(-2);
  return { h, a };
}
