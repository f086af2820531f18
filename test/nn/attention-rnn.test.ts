import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';
import { throughParameters } from './through-parameters.js';

const { AttentionRNN, Generator } = nb;

type Matrix = number[][];

const matvec = (w: Matrix, v: readonly number[]) => w.map((row) => row.reduce((s, wij, j) => s + wij * v[j], 0));
const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, ai, i) => s + ai * b[i], 0);
const weight = (layer: nb.AttentionRNN, name: string) => (layer.stateDict()[name].toArray() as Matrix);

/**
 * The layer by hand in float64 for x as [T][N][size]: h[t] and a[t] (padded with zeros to T + 1
 * entries for k = Infinity), each source scored and projected with its own weights.
 */
function attentionByHand(x: number[][][], layer: nb.AttentionRNN): { h: number[][][]; a: number[][][] } {
  const T = x.length;
  const zero = new Array<number>(layer.size).fill(0);
  const hs: number[][][] = [];
  const as: number[][][] = [];
  for (let t = 0; t < T; t++) {
    const sources = layer.k === Infinity ? t + 2 : layer.k + 1;
    const stepH: Matrix = [];
    const stepA: Matrix = [];
    x[t].forEach((xn, n) => {
      const scored = Array.from({ length: sources }, (_, i) => {
        const s = i === 0 ? xn : t - i >= 0 ? hs[t - i][n] : zero;
        const p = layer.k === Infinity ? Math.min(i, 1) : i;
        return { w: dot(matvec(weight(layer, `Q.${p}`), s), matvec(weight(layer, `K.${p}`), s)), v: matvec(weight(layer, `V.${p}`), s) };
      });
      const e = scored.map(({ w }) => Math.exp(w));
      const a = e.map((ei) => ei / e.reduce((u, v) => u + v, 0));
      stepH.push(zero.map((_, j) => scored.reduce((acc, { v }, i) => acc + a[i] * v[j], 0)));
      stepA.push(layer.k === Infinity ? [...a, ...new Array<number>(T + 1 - a.length).fill(0)] : a);
    });
    hs.push(stepH);
    as.push(stepA);
  }
  return { h: hs, a: as };
}

/** A model holding an AttentionRNN as a child, for its parameters' dotted names. */
class Encoder extends nb.Module {
  rnn = new AttentionRNN(2, { k: 0 });
  forward(x: nb.Tensor): nb.Tensor {
    return this.rnn.forward(x).output;
  }
}

const names = (layer: nb.AttentionRNN) => [...layer.namedParameters()].map(([name, p]) => `${name} ${JSON.stringify(p.shape)}`);

describe('AttentionRNN: parameters', () => {
  it('has Q.i, K.i, V.i [size, size] for i = 0..k, named like PyTorch ParameterList entries', () => {
    const layer = new AttentionRNN(3, { k: 2 });
    expect(names(layer)).toEqual(['Q', 'K', 'V'].flatMap((p) => [0, 1, 2].map((i) => `${p}.${i} [3,3]`)));
    expect(Object.keys(layer.stateDict())).toEqual(['Q.0', 'Q.1', 'Q.2', 'K.0', 'K.1', 'K.2', 'V.0', 'V.1', 'V.2']);
    expect(Object.keys(new Encoder().stateDict())).toEqual(['rnn.Q.0', 'rnn.K.0', 'rnn.V.0']);
    expect(layer.toString()).toBe('AttentionRNN(size=3, k=2, batchFirst=false)');
  });

  it('with k = Infinity ties the weights: Q.0, K.0, V.0 for the input, Q.1, K.1, V.1 for every past state', () => {
    const layer = new AttentionRNN(2, { k: Infinity });
    expect(Object.keys(layer.stateDict())).toEqual(['Q.0', 'Q.1', 'K.0', 'K.1', 'V.0', 'V.1']);
    expect(layer.toString()).toBe('AttentionRNN(size=2, k=Infinity, batchFirst=false)');
  });

  it('initializes U(-1/sqrt(size), 1/sqrt(size)), reproducibly from a generator, and round-trips its state dict', () => {
    const layer = new AttentionRNN(9, { k: 1, dtype: 'float64', generator: new Generator(1) });
    const values = layer.parameters().flatMap((p) => Array.from(p.toTypedArray()));
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(1 / 3);
    expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0.3);
    const copy = new AttentionRNN(9, { k: 1, dtype: 'float64', generator: new Generator(2) });
    copy.loadStateDict(layer.stateDict());
    expect(copy.parameters().flatMap((p) => Array.from(p.toTypedArray()))).toEqual(values);
  });
});

describe('AttentionRNN: forward', () => {
  const x = nb.randn([5, 2, 3], { dtype: 'float64', generator: new Generator(3) });

  for (const k of [0, 1, 3, 7, Infinity]) {
    it(`k = ${k}: h[1..T] and a[1..T] equal the layer by hand; attention rows sum to 1`, () => {
      const layer = new AttentionRNN(3, { k, dtype: 'float64', generator: new Generator(4) });
      const { output, attention } = layer.forward(x);
      expect([...output.shape]).toEqual([5, 2, 3]);
      expect([...attention.shape]).toEqual([5, 2, k === Infinity ? 6 : k + 1]);
      const expected = attentionByHand(x.toArray() as number[][][], layer);
      allclose(output, expected.h, 1e-12, 0);
      allclose(attention, expected.a, 1e-12, 0);
      allclose(attention.sum(-1), nb.ones([5, 2], { dtype: 'float64' }), 1e-14, 0);
    });
  }

  it('k = 0 reduces to h[t] = V_0 x[t] with all the attention on the input', () => {
    const layer = new AttentionRNN(3, { k: 0, dtype: 'float64' });
    const { output, attention } = layer.forward(x);
    allclose(output, nb.linear(x, layer['V.0']), 1e-15, 0);
    allclose(attention, nb.ones([5, 2, 1], { dtype: 'float64' }), 0, 0);
  });

  it('k = Infinity: step t attends to t + 1 sources (x[t], h[t-1], ..., h[0]); the rest of the row is 0', () => {
    const T = 6;
    const layer = new AttentionRNN(3, { k: Infinity, dtype: 'float64', generator: new Generator(5) });
    const attention = layer.forward(nb.randn([T, 3], { dtype: 'float64', generator: new Generator(6) })).attention;
    expect([...attention.shape]).toEqual([T, T + 1]);
    (attention.toArray() as Matrix).forEach((row, index) => {
      const t = index + 1;
      expect(row.slice(0, t + 1).every((a) => a > 0), `step ${t}`).toBe(true);
      expect(row.slice(t + 1)).toEqual(new Array<number>(T - t).fill(0));
    });
  });

  it('size 2, k = 1, fixed weights: the values worked out by hand', () => {
    // K.0 turns x by 90 degrees, so w_0 = x . (K.0 x) = 0; Q.1 = K.1 = I score a past state by |h|^2; V.1 swaps.
    const layer = new AttentionRNN(2, { k: 1, dtype: 'float64' });
    const m = (rows: Matrix) => nb.tensor(rows, { dtype: 'float64' });
    const I = [[1, 0], [0, 1]];
    layer.loadStateDict({ 'Q.0': m(I), 'Q.1': m(I), 'K.0': m([[0, -1], [1, 0]]), 'K.1': m(I), 'V.0': m(I), 'V.1': m([[0, 1], [1, 0]]) });
    const { output, attention } = layer.forward(m([[2, 0], [0, 3]]));
    // t = 1: w = [0, 0] (h[0] = 0), a = [1/2, 1/2], h[1] = x[1] / 2 = [1, 0].
    // t = 2: w = [0, |h[1]|^2] = [0, 1], a = [1, e] / (1 + e), h[2] = a_0 [0, 3] + a_1 [0, 1].
    const e = Math.E;
    expect(output.toArray()).toEqual([[1, 0], [0, expect.closeTo((3 + e) / (1 + e), 15)]]);
    expect(attention.toArray()).toEqual([[0.5, 0.5], [expect.closeTo(1 / (1 + e), 15), expect.closeTo(e / (1 + e), 15)]]);
  });

  it('takes [N, T, size] with batchFirst, and an unbatched [T, size]', () => {
    for (const k of [2, Infinity]) {
      const layer = new AttentionRNN(3, { k, dtype: 'float64', generator: new Generator(7) });
      const first = new AttentionRNN(3, { k, dtype: 'float64', batchFirst: true });
      first.loadStateDict(layer.stateDict());
      const reference = layer.forward(x);
      const transposed = first.forward(x.transpose(0, 1));
      allclose(transposed.output, reference.output.transpose(0, 1), 0, 0);
      allclose(transposed.attention, reference.attention.transpose(0, 1), 0, 0);
      const single = layer.forward(x.slice(':', 1));
      allclose(single.output, reference.output.slice(':', 1), 0, 0);
      allclose(single.attention, reference.attention.slice(':', 1), 0, 0);
    }
  });

  it('runs in float32 by default', () => {
    const out = new AttentionRNN(4, { k: 2 }).forward(nb.randn([3, 2, 4])).output;
    expect(out.dtype).toBe('float32');
    expect([...out.shape]).toEqual([3, 2, 4]);
  });
});

describe('AttentionRNN: gradients', () => {
  for (const k of [0, 2, Infinity]) {
    it(`k = ${k}: passes gradcheck (float64) with respect to the input and every Q.i, K.i, V.i`, () => {
      const layer = new AttentionRNN(2, { k, dtype: 'float64', generator: new Generator(8) });
      const x = nb.randn([4, 2, 2], { dtype: 'float64', generator: new Generator(9) });
      expect(nb.gradcheck(...throughParameters(layer, (input) => layer.forward(input).output, x))).toBe(true);
      expect(nb.gradcheck(...throughParameters(layer, (input) => layer.forward(input).attention, x))).toBe(true);
    });
  }
});

describe('AttentionRNN: errors', () => {
  it('rejects a k that is not a non-negative integer or Infinity', () => {
    for (const k of [-1, 1.5, NaN, -Infinity, '2', undefined, null]) {
      expect(() => new AttentionRNN(2, { k } as never), String(k)).toThrow(/AttentionRNN: k must be a non-negative integer or Infinity, got/);
    }
    expect(() => new AttentionRNN(2, { k: -1 })).toThrow(RangeError);
  });

  it('rejects a bad size and bad options', () => {
    expect(() => new AttentionRNN(0, { k: 1 })).toThrow(/AttentionRNN: size must be a positive integer, got 0/);
    expect(() => new AttentionRNN(2, { k: 1, heads: 2 } as never)).toThrow(/AttentionRNN: options has an unknown option "heads" \(known: k, batchFirst, dtype, generator\)/);
    expect(() => new AttentionRNN(2, undefined as never)).toThrow(/AttentionRNN: options must be an object such as \{ k: \.\.\. \}/);
    expect(() => new AttentionRNN(2, { k: 1, batchFirst: 'yes' } as never)).toThrow(/AttentionRNN: batchFirst must be a boolean, got 'yes'/);
    expect(() => new AttentionRNN(2, { k: 1, dtype: 'float16' } as never)).toThrow(/AttentionRNN: dtype must be 'float32' or 'float64', got 'float16'/);
  });

  it('rejects an input of the wrong rank, feature size or dtype, or without time steps', () => {
    const layer = new AttentionRNN(3, { k: 1 });
    expect(() => layer.forward(nb.zeros([3]))).toThrow(/AttentionRNN: expected input \[T, N, 3\] or unbatched \[T, 3\], got \[3\]/);
    expect(() => layer.forward(nb.zeros([1, 1, 1, 3]))).toThrow(nb.ShapeError);
    expect(() => layer.forward(nb.zeros([4, 2]))).toThrow(/AttentionRNN: input of shape \[4, 2\] has 2 features \(last axis\), expected 3/);
    expect(() => layer.forward(nb.zeros([2, 0, 3]))).not.toThrow();
    expect(() => new AttentionRNN(3, { k: 1, batchFirst: true }).forward(nb.zeros([2, 0, 3]))).toThrow(/has no time steps \(axis 1\)/);
    expect(() => layer.forward(nb.zeros([4, 3], { dtype: 'int32' }))).toThrow(/AttentionRNN: input is int32 but the parameters are float32/);
  });
});
