import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';
import { throughParameters } from './through-parameters.js';

const { GatedRNN, Generator } = nb;

type Matrix = number[][];

const matvec = (w: Matrix, v: readonly number[]) => w.map((row) => row.reduce((s, wij, j) => s + wij * v[j], 0));
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const matrix = (t: nb.Tensor) => t.toArray() as Matrix;

/** The cell by hand in float64, for x as [T][N][input]: the states and gates, each [T][N][hidden]. */
function gatedByHand(x: number[][][], layer: nb.GatedRNN): { h: number[][][]; c: number[][][] } {
  const [Wc, Wh, Wx] = [layer.Wc, layer.Wh, layer.Wx].map(matrix);
  let h: Matrix = x[0].map(() => new Array<number>(layer.hiddenSize).fill(0));
  const hs: number[][][] = [];
  const cs: number[][][] = [];
  for (const xt of x) {
    const c = xt.map((xn, n) => matvec(Wc, xn).map((z, i) => sigmoid(z + matvec(Wh, h[n])[i])));
    h = xt.map((xn, n) => matvec(Wx, xn).map((u, i) => c[n][i] * h[n][i] + (1 - c[n][i]) * u));
    hs.push(h);
    cs.push(c);
  }
  return { h: hs, c: cs };
}

describe('GatedRNN: parameters', () => {
  it('has Wc [hidden, input], Wh [hidden, hidden] and Wx [hidden, input], named so in the state dict', () => {
    const layer = new GatedRNN(3, 4);
    expect([...layer.namedParameters()].map(([name, p]) => [name, [...p.shape]])).toEqual([['Wc', [4, 3]], ['Wh', [4, 4]], ['Wx', [4, 3]]]);
    expect(Object.keys(layer.stateDict())).toEqual(['Wc', 'Wh', 'Wx']);
    expect(layer.numParameters()).toBe(4 * 3 + 4 * 4 + 4 * 3);
    expect(layer.Wc.dtype).toBe('float32');
    expect(new GatedRNN(3, 4, { dtype: 'float64' }).Wh.dtype).toBe('float64');
    expect(layer.toString()).toBe('GatedRNN(inputSize=3, hiddenSize=4, batchFirst=false)');
  });

  it('initializes U(-1/sqrt(hidden), 1/sqrt(hidden)) like PyTorch RNNs, reproducibly from a generator', () => {
    const layer = new GatedRNN(5, 16, { generator: new Generator(3) });
    const values = layer.parameters().flatMap((p) => Array.from(p.toTypedArray()));
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(1 / 4);
    expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0.2);
    const again = new GatedRNN(5, 16, { generator: new Generator(3) });
    expect(again.parameters().flatMap((p) => Array.from(p.toTypedArray()))).toEqual(values);
  });
});

describe('GatedRNN: forward', () => {
  const layer = new GatedRNN(3, 4, { dtype: 'float64', generator: new Generator(1) });
  const x = nb.randn([5, 2, 3], { dtype: 'float64', generator: new Generator(2) });

  it('gives { output: h[1..T], gates: c[1..T] }, each [T, N, hidden] (m = hidden gates per step), equal to the cell by hand', () => {
    const { output, gates } = layer.forward(x);
    expect([...output.shape]).toEqual([5, 2, 4]);
    expect([...gates.shape]).toEqual([5, 2, 4]);
    const expected = gatedByHand(x.toArray() as number[][][], layer);
    allclose(output, expected.h, 1e-12, 0);
    allclose(gates, expected.c, 1e-12, 0);
  });

  it('starts from h[0] = 0: h[1] = (1 - c[1]) * (Wx x[1]) with c[1] = sigmoid(Wc x[1])', () => {
    const x1 = x.slice(0);
    const c1 = nb.linear(x1, layer.Wc).sigmoid();
    allclose(layer.forward(x).output.slice(0), nb.sub(1, c1).mul(nb.linear(x1, layer.Wx)), 1e-15, 0);
  });

  it('takes [N, T, input] with batchFirst, and an unbatched [T, input]', () => {
    const first = new GatedRNN(3, 4, { dtype: 'float64', batchFirst: true });
    first.loadStateDict(layer.stateDict());
    const { output, gates } = first.forward(x.transpose(0, 1));
    allclose(output, layer.forward(x).output.transpose(0, 1), 0, 0);
    allclose(gates, layer.forward(x).gates.transpose(0, 1), 0, 0);
    const single = x.slice(':', 1);
    allclose(layer.forward(single).output, layer.forward(x).output.slice(':', 1), 0, 0);
    allclose(first.forward(single).output, layer.forward(single).output, 0, 0);
  });

  it('runs in float32 by default', () => {
    const out = new GatedRNN(3, 2).forward(nb.randn([4, 1, 3])).output;
    expect(out.dtype).toBe('float32');
    expect([...out.shape]).toEqual([4, 1, 2]);
  });
});

describe('GatedRNN: gradients', () => {
  it('passes gradcheck (float64) with respect to the input and Wc, Wh, Wx', () => {
    const layer = new GatedRNN(2, 3, { dtype: 'float64', generator: new Generator(4) });
    const x = nb.randn([3, 2, 2], { dtype: 'float64', generator: new Generator(5) });
    expect(nb.gradcheck(...throughParameters(layer, (input) => layer.forward(input).output, x))).toBe(true);
    expect(nb.gradcheck(...throughParameters(layer, (input) => layer.forward(input).gates, x))).toBe(true);
  });

  it('one step has dh[t]/dh[t-1] = diag(c[t]) + diag(h[t-1] - Wx x[t]) diag(c[t](1 - c[t])) Wh', () => {
    const m = 4;
    // Weights of scale 1 make both terms of the Jacobian sizeable.
    const layer = new GatedRNN(3, m, { dtype: 'float64', generator: new Generator(6) });
    const generator = new Generator(7);
    for (const p of layer.parameters()) nb.init.uniform_(p, -1, 1, { generator });
    const xs = nb.randn([4, 3], { dtype: 'float64', generator: new Generator(8) });
    const states = layer.forward(xs).output;
    const t = 3;
    const x = xs.slice(t);
    const hPrev = states.slice(t - 1).detach();
    const { c } = layer.step(x, hPrev);

    const [cs, hs, us] = [c, hPrev, nb.linear(x, layer.Wx)].map((v) => Array.from(v.toTypedArray()));
    const Wh = matrix(layer.Wh);
    const closedForm = Wh.map((row, i) => row.map((w, j) => (i === j ? cs[i] : 0) + (hs[i] - us[i]) * cs[i] * (1 - cs[i]) * w));

    const eps = 1e-6;
    const nudged = (j: number, delta: number) => {
      const values = Array.from(hs);
      values[j] += delta;
      return Array.from(layer.step(x, nb.tensor(values, { dtype: 'float64' })).h.toTypedArray());
    };
    const numeric = Array.from({ length: m }, (_, i) => Array.from({ length: m }, (_, j) => (nudged(j, eps)[i] - nudged(j, -eps)[i]) / (2 * eps)));

    const byBackward = Array.from({ length: m }, (_, i) => {
      const h = hPrev.clone().detach().requiresGrad_(true);
      layer.step(x, h).h.slice(i).backward();
      return Array.from(h.grad!.toTypedArray());
    });

    expect(closedForm.flat().some((v, n) => n % (m + 1) !== 0 && Math.abs(v) > 0.01)).toBe(true); // off-diagonal terms take part
    allclose(numeric, closedForm, 1e-8, 0);
    allclose(byBackward, closedForm, 1e-14, 0);
  });
});

describe('GatedRNN: errors', () => {
  const layer = new GatedRNN(3, 4);

  it('rejects sizes that are not positive integers', () => {
    expect(() => new GatedRNN(0, 4)).toThrow(/GatedRNN: inputSize must be a positive integer, got 0/);
    expect(() => new GatedRNN(3, 2.5)).toThrow(/GatedRNN: hiddenSize must be a positive integer, got 2.5/);
  });

  it('rejects unknown and ill-typed options', () => {
    expect(() => new GatedRNN(3, 4, { batch_first: true } as never)).toThrow(/GatedRNN: options has an unknown option "batch_first".*did you mean "batchFirst"/);
    expect(() => new GatedRNN(3, 4, { batchFirst: 1 } as never)).toThrow(/GatedRNN: batchFirst must be a boolean, got 1/);
    expect(() => new GatedRNN(3, 4, { dtype: 'int32' } as never)).toThrow(/GatedRNN: dtype must be 'float32' or 'float64', got 'int32'/);
    expect(() => new GatedRNN(3, 4, null as never)).toThrow(TypeError);
  });

  it('names the expected input shapes for a wrong rank, and the feature size for a wrong last axis', () => {
    expect(() => layer.forward(nb.zeros([3]))).toThrow(nb.ShapeError);
    expect(() => layer.forward(nb.zeros([2, 1, 1, 3]))).toThrow(/GatedRNN: expected input \[T, N, 3\] or unbatched \[T, 3\], got \[2, 1, 1, 3\]/);
    expect(() => new GatedRNN(3, 4, { batchFirst: true }).forward(nb.zeros([3]))).toThrow(/expected input \[N, T, 3\]/);
    expect(() => layer.forward(nb.zeros([2, 1, 5]))).toThrow(/GatedRNN: input of shape \[2, 1, 5\] has 5 features \(last axis\), expected 3/);
    expect(() => layer.forward(nb.zeros([0, 1, 3]))).toThrow(/GatedRNN: input of shape \[0, 1, 3\] has no time steps/);
    expect(() => layer.forward(nb.zeros([2, 3], { dtype: 'float64' }))).toThrow(/GatedRNN: input is float64 but the parameters are float32/);
  });

  it('step checks x against inputSize and h against hiddenSize', () => {
    expect(() => layer.step(nb.zeros([2, 3]), nb.zeros([2, 3]))).toThrow(/GatedRNN.step: expected x \[\.\.\., 3\] and h \[2, 4\], got x \[2, 3\] and h \[2, 3\]/);
    expect(() => layer.step(nb.zeros([2, 2]), nb.zeros([2, 4]))).toThrow(nb.ShapeError);
  });
});
