/**
 * GatedRNN and AttentionRNN, which no ONNX operator computes, as unrolled graphs of elementary ops:
 * one copy of the step per time step, so the sequence length is fixed when the graph is written.
 * Both read a time-major sequence, [T, N, features] or unbatched [T, features], and give its states
 * step by step; their parameters stay initializers under their own names (`rnn.Wc`, `rnn.Q.0`).
 */
import type { AttentionRNN } from '../../nn/layers/attention-rnn.js';
import type { GatedRNN } from '../../nn/layers/gated-rnn.js';
import { attr } from '../graph-builder.js';
import { concat, type GraphScope, int64s, slice, squeeze, stack, timesTransposed, unsqueeze, unstack } from './recurrent-graph.js';

/** An unrolled layer's values at every step: its states h[1..T], and what it computes beside them (GatedRNN's gates c, AttentionRNN's attention a). */
export interface UnrolledSteps {
  states: string[];
  beside: string[];
}

/**
 * GatedRNN from h[0] = 0: c[t] = sigmoid(Wc x[t] + Wh h[t-1]), h[t] = c[t] h[t-1] + (1 - c[t]) Wx x[t],
 * written h[t] = u + c[t] (h[t-1] - u) with u = Wx x[t], which needs no constant 1. The input's
 * products for all steps are one MatMul each; the first step has no h[0] terms, which are zeros.
 */
export function addGatedRNNSteps(scope: GraphScope, layer: GatedRNN, prefix: string, x: string, steps: number): UnrolledSteps {
  const weight = (name: 'Wc' | 'Wh' | 'Wx') => scope.parameter(`${prefix}${name}`, layer[name]);
  const gateInputs = unstack(scope, timesTransposed(scope, x, weight('Wc')), steps);
  const candidates = unstack(scope, timesTransposed(scope, x, weight('Wx')), steps);
  const states: string[] = [];
  const gates: string[] = [];
  for (let t = 0; t < steps; t++) {
    const h = states[t - 1];
    const c = scope.op('Sigmoid', [h === undefined ? gateInputs[t] : scope.op('Add', [gateInputs[t], timesTransposed(scope, h, weight('Wh'))])]);
    const u = candidates[t];
    states.push(scope.op('Add', [u, scope.op('Mul', [c, h === undefined ? scope.op('Neg', [u]) : scope.op('Sub', [h, u])])]));
    gates.push(c);
  }
  return { states, beside: gates };
}

/** What a source s contributes to a step: its score w = (Q s) . (K s), [N, 1], and its value V s. */
interface Scored {
  w: string;
  v: string;
}

/** A zero state scores 0 and adds nothing. */
type Source = Scored | 'zero';

/**
 * AttentionRNN: h[t] = sum_i a_i V_i s_i with a = softmax over w_i = (Q_i s_i) . (K_i s_i), the sources
 * s_0 = x[t] and s_i = h[t-i] (zero at h[0] and before it); for k = Infinity every past state,
 * projected with the tied Q.1, K.1, V.1. `beside` holds each step's attention a: k + 1 entries, or
 * t + 1 at step t for k = Infinity (see attentionSequence).
 */
export function addAttentionRNNSteps(scope: GraphScope, layer: AttentionRNN, prefix: string, x: string, steps: number): UnrolledSteps {
  const project = (s: string, i: number): Scored => {
    const [q, key, v] = (['Q', 'K', 'V'] as const).map((p) => timesTransposed(scope, s, scope.parameter(`${prefix}${p}.${i}`, layer[`${p}.${i}`])));
    // The dot product as a [1, S] by [S, 1] MatMul, [..., 1, 1], less its last axis (nabla's importer has no ReduceSum).
    const w = scope.op('MatMul', [unsqueeze(scope, q, [-2]), unsqueeze(scope, key, [-1])]);
    return { w: squeeze(scope, w, [-1]), v };
  };
  const xs = unstack(scope, x, steps);
  const inputs = xs.map((s) => project(s, 0));
  // Zeros shaped as one score, for the zero states' scores.
  const zero = scope.op('ConstantOfShape', [scope.op('Shape', [inputs[0].w])]);
  const mix = (sources: readonly Source[]): { h: string; a: string } => {
    const a = scope.op('Softmax', [concat(scope, sources.map((s) => (s === 'zero' ? zero : s.w)), -1)], { axis: attr.int(-1) });
    const terms = sources.flatMap((s, i) => (s === 'zero' ? [] : [scope.op('Mul', [slice(scope, a, i, i + 1, -1), s.v])]));
    return { h: terms.length === 1 ? terms[0] : scope.op('Sum', terms), a };
  };
  const states: string[] = [];
  const attention: string[] = [];
  if (layer.k === Infinity) {
    const past: Source[] = ['zero'];
    for (let t = 0; t < steps; t++) {
      if (t > 0) past.unshift(project(states[t - 1], 1));
      const { h, a } = mix([inputs[t], ...past]);
      states.push(h);
      attention.push(a);
    }
  } else {
    for (let t = 0; t < steps; t++) {
      const past = Array.from({ length: layer.k }, (_, i): Source => (t - 1 - i >= 0 ? project(states[t - 1 - i], i + 1) : 'zero'));
      const { h, a } = mix([inputs[t], ...past]);
      states.push(h);
      attention.push(a);
    }
  }
  return { states, beside: attention };
}

/**
 * The attention of every step as AttentionRNN returns it, time-major: for k = Infinity each step's
 * weights padded with zeros to T + 1 entries. `batched` says whether the steps have a batch axis.
 */
export function attentionSequence(scope: GraphScope, layer: AttentionRNN, attention: readonly string[], batched: boolean): string {
  const padded = layer.k !== Infinity ? attention : attention.map((a, t) => {
    const padding = attention.length - 1 - t;
    return padding === 0 ? a : scope.op('Pad', [a, int64s(scope, batched ? [0, 0, 0, padding] : [0, padding])]);
  });
  return stack(scope, padded);
}
