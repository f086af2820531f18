import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

const randn = (shape: number[], seed: number) => nb.randn(shape, { dtype: 'float64', generator: new nb.Generator(seed) });
const int = (values: nb.NestedArray) => nb.tensor(values, { dtype: 'int32' });
const leaf = (t: nb.Tensor, requiresGrad = true) => t.detach().clone().requiresGrad_(requiresGrad);

type Act = nb.Activation;
const ACTIVATIONS: Act[] = ['none', 'sigmoid', 'tanh', 'relu', 'leakyRelu'];
const ALPHA = 0.2;
const applyComposed = (z: nb.Tensor, activation: Act): nb.Tensor => {
  switch (activation) {
    case 'none': return z;
    case 'sigmoid': return z.sigmoid();
    case 'tanh': return z.tanh();
    case 'relu': return z.relu();
    case 'leakyRelu': return z.leakyRelu(ALPHA);
  }
};

describe('linear (fused x W^T + b with activation)', () => {
  it('computes x W^T + b (hand-computed)', () => {
    const x = nb.tensor([[1, 2], [3, 4], [-1, 0]]);
    const w = nb.tensor([[1, 0], [0, 1], [1, -1]]); // [out=3, in=2]
    const b = nb.tensor([10, 20, 30]);
    expect(nb.linear(x, w, b).toArray()).toEqual([[11, 22, 29], [13, 24, 29], [9, 20, 29]]);
    expect(nb.linear(x, w).toArray()).toEqual([[1, 2, -1], [3, 4, -1], [-1, 0, -1]]);
    expect(nb.linear(x, w, null, { activation: 'relu' }).toArray()).toEqual([[1, 2, 0], [3, 4, 0], [0, 0, 0]]);
    allclose(nb.linear(x, w, null, { activation: 'leakyRelu', alpha: 0.5 }), [[1, 2, -0.5], [3, 4, -0.5], [-0.5, 0, -0.5]]);
  });

  for (const activation of ACTIVATIONS) {
    for (const withBias of [true, false]) {
      for (const xNeedsGrad of [true, false]) {
        const label = `${activation}, ${withBias ? 'with' : 'without'} bias, input ${xNeedsGrad ? 'needs' : 'does not need'} grad`;

        it(`matches x.matmul(W.T).add(b) in values and gradients (${label})`, () => {
          for (const xShape of [[5, 3], [2, 4, 3]]) {
            const x0 = randn(xShape, 1);
            const w0 = randn([4, 3], 2);
            const b0 = randn([4], 3);
            const upstream = randn([...xShape.slice(0, -1), 4], 4);

            const [x1, w1, b1] = [leaf(x0, xNeedsGrad), leaf(w0), leaf(b0)];
            const fused = nb.linear(x1, w1, withBias ? b1 : null, { activation, alpha: ALPHA });
            const [x2, w2, b2] = [leaf(x0, xNeedsGrad), leaf(w0), leaf(b0)];
            let z = x2.matmul(w2.T);
            if (withBias) z = z.add(b2);
            const composed = applyComposed(z, activation);

            expect(fused.shape).toEqual(composed.shape);
            allclose(fused, composed, 1e-12, 1e-12);
            fused.backward(upstream);
            composed.backward(upstream);
            allclose(w1.grad!, w2.grad!, 1e-12, 1e-12);
            if (withBias) allclose(b1.grad!, b2.grad!, 1e-12, 1e-12);
            else expect(b1.grad).toBeNull();
            if (xNeedsGrad) allclose(x1.grad!, x2.grad!, 1e-12, 1e-12);
            else expect(x1.grad).toBeNull();
          }
        });
      }
    }

    it(`passes gradcheck (${activation})`, () => {
      const x = randn([3, 5], 5);
      const w = randn([2, 5], 6);
      const b = randn([2], 7);
      const opts = { activation, alpha: ALPHA };
      expect(nb.gradcheck((xx, ww, bb) => nb.linear(xx, ww, bb, opts), [x, w, b])).toBe(true);
      expect(nb.gradcheck((xx, ww) => nb.linear(xx, ww, null, opts), [randn([2, 3, 5], 8), w])).toBe(true);
    });
  }

  it('leakyRelu defaults to alpha = 0.01', () => {
    const out = nb.linear(nb.tensor([[-2]]), nb.tensor([[1]]), null, { activation: 'leakyRelu' });
    allclose(out, [[-0.02]]);
  });
});

/** softmax along `axis` of x, written directly from the definition in float64. */
function softmaxRef(x: nb.Tensor, axis: number, log: boolean): number[] {
  const shape = x.shape;
  const a = axis < 0 ? axis + shape.length : axis;
  const inner = shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const len = shape[a];
  const v = x.toTypedArray();
  const out = new Array<number>(v.length);
  for (let base = 0; base < v.length; base++) {
    if (Math.floor(base / inner) % len !== 0) continue; // visit each line once, from its first element
    const idx = Array.from({ length: len }, (_, j) => base + j * inner);
    const m = Math.max(...idx.map((q) => v[q]));
    const lse = m + Math.log(idx.reduce((s, q) => s + Math.exp(v[q] - m), 0));
    for (const q of idx) out[q] = log ? v[q] - lse : Math.exp(v[q] - lse);
  }
  return out;
}

describe('softmax / logSoftmax', () => {
  const x = randn([2, 3, 4], 10);

  it('match the definition along each axis (softmax rows sum to 1)', () => {
    for (const axis of [0, 1, 2, -1, -2]) {
      const s = x.softmax(axis);
      allclose(s.toTypedArray(), softmaxRef(x, axis, false), 1e-14, 1e-12);
      allclose(s.sum(axis), nb.ones(x.shape.filter((_, i) => i !== (axis + 3) % 3)), 1e-14);
      allclose(x.logSoftmax(axis).toTypedArray(), softmaxRef(x, axis, true), 1e-14, 1e-12);
    }
    expect(nb.softmax(nb.tensor([1, 2, 3]), 0).shape).toEqual([3]);
  });

  it('default to the last axis and give hand-computable values', () => {
    const e = Math.exp(1);
    allclose(nb.tensor([[0, 1], [0, 0]], { dtype: 'float64' }).softmax(), [[1 / (1 + e), e / (1 + e)], [0.5, 0.5]], 1e-15);
    allclose(nb.tensor([0, Math.log(3)], { dtype: 'float64' }).logSoftmax(), [Math.log(0.25), Math.log(0.75)], 1e-15);
  });

  it('are stable for huge logits and invariant to shifting them', () => {
    allclose(nb.tensor([1000, 1000]).softmax(), [0.5, 0.5]);
    allclose(nb.tensor([-1000, 0]).softmax(), [0, 1]);
    allclose(nb.tensor([1000, 1000]).logSoftmax(), [-Math.LN2, -Math.LN2]);
    const shifted = x.add(500).softmax(1);
    allclose(shifted, x.softmax(1), 1e-12);
  });

  it('pass gradcheck along each axis', () => {
    for (const axis of [0, 1, 2, -1]) {
      expect(nb.gradcheck((t) => t.softmax(axis), [x])).toBe(true);
      expect(nb.gradcheck((t) => t.logSoftmax(axis), [x])).toBe(true);
    }
  });

  it('softmax backward is y * (g - sum(g * y)) (hand-computed for [0, 0])', () => {
    const t = nb.tensor([0, 0], { dtype: 'float64', requiresGrad: true });
    t.softmax().backward(nb.tensor([1, 0], { dtype: 'float64' }));
    allclose(t.grad!, [0.25, -0.25], 1e-15);
  });

  it('reject int32 input', () => {
    expect(() => nb.softmax(int([1, 2]))).toThrow(/softmax: expected a float tensor, got int32/);
    expect(() => nb.logSoftmax(int([1, 2]))).toThrow(/logSoftmax: expected a float tensor, got int32/);
  });
});

describe('softmaxCrossEntropy', () => {
  /** Exact float64 reference for one row: logZ - logit[y] with logZ = max + log(sum(exp(l - max))). */
  const logZ = (row: number[]) => {
    const m = Math.max(...row);
    return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  };
  const probs = (row: number[]) => row.map((v) => Math.exp(v - logZ(row)));

  it('logits [[1, 3.5, 757, -5]] give a finite loss equal to logZ - logit[y]', () => {
    const row = [1, 3.5, 757, -5];
    // every exp(l - 757) except the max underflows, so logZ = 757 exactly
    expect(logZ(row)).toBe(757);
    for (const dtype of ['float32', 'float64'] as const) {
      const logits = nb.tensor([row], { dtype });
      const expected = [756, 753.5, 0, 762];
      for (let y = 0; y < 4; y++) {
        const loss = nb.softmaxCrossEntropy(logits, int([y])).item();
        expect(Number.isFinite(loss)).toBe(true);
        expect(loss).toBe(expected[y]);
        expect(loss).toBe(logZ(row) - row[y]);
      }
    }
  });

  const rows = [[1, 3.5, 757, -5], [0.5, -1, 2, 0], [3, 3, 3, 3]];
  const labels = [0, 2, 1];
  const oneHotRows = labels.map((y) => [0, 1, 2, 3].map((c) => (c === y ? 1 : 0)));
  const N = rows.length;

  it("'mean' averages the row losses; its gradient is (softmax(logits) - onehot(y)) / N", () => {
    const logits = nb.tensor(rows, { dtype: 'float64', requiresGrad: true });
    const loss = nb.softmaxCrossEntropy(logits, int(labels));
    expect(loss.shape).toEqual([]);
    const rowLoss = rows.map((r, i) => logZ(r) - r[labels[i]]);
    expect(loss.item()).toBeCloseTo(rowLoss.reduce((s, v) => s + v, 0) / N, 12);
    loss.backward();
    const expected = rows.map((r, i) => probs(r).map((p, c) => (p - oneHotRows[i][c]) / N));
    allclose(logits.grad!, expected, 1e-15, 1e-13);
    // default reduction is 'mean'
    expect(nb.softmaxCrossEntropy(logits, int(labels), 'mean').item()).toBe(loss.item());
  });

  it("'sum' adds the row losses; its gradient is softmax(logits) - onehot(y)", () => {
    const logits = nb.tensor(rows, { dtype: 'float64', requiresGrad: true });
    const loss = nb.softmaxCrossEntropy(logits, int(labels), 'sum');
    expect(loss.item()).toBeCloseTo(rows.reduce((s, r, i) => s + logZ(r) - r[labels[i]], 0), 12);
    loss.backward();
    allclose(logits.grad!, rows.map((r, i) => probs(r).map((p, c) => p - oneHotRows[i][c])), 1e-15, 1e-13);
  });

  it("'none' returns one loss per row and scales each row's gradient by the upstream gradient", () => {
    const logits = nb.tensor(rows, { dtype: 'float64', requiresGrad: true });
    const loss = nb.softmaxCrossEntropy(logits, int(labels), 'none');
    expect(loss.shape).toEqual([N]);
    allclose(loss, rows.map((r, i) => logZ(r) - r[labels[i]]), 1e-12);
    const g = [2, -1, 0.5];
    loss.backward(nb.tensor(g, { dtype: 'float64' }));
    allclose(logits.grad!, rows.map((r, i) => probs(r).map((p, c) => (p - oneHotRows[i][c]) * g[i])), 1e-15, 1e-13);
  });

  it('float32 logits give the same gradient to float32 precision', () => {
    const logits = nb.tensor(rows, { requiresGrad: true });
    nb.softmaxCrossEntropy(logits, int(labels)).backward();
    expect(logits.grad!.dtype).toBe('float32');
    allclose(logits.grad!, rows.map((r, i) => probs(r).map((p, c) => (p - oneHotRows[i][c]) / N)), 1e-7, 1e-6);
  });

  it('index targets and one-hot float targets give identical losses and gradients', () => {
    for (const reduction of ['mean', 'sum', 'none'] as nb.Reduction[]) {
      const a = nb.tensor(rows, { dtype: 'float64', requiresGrad: true });
      const b = nb.tensor(rows, { dtype: 'float64', requiresGrad: true });
      const la = nb.softmaxCrossEntropy(a, int(labels), reduction);
      const lb = nb.softmaxCrossEntropy(b, nb.tensor(oneHotRows, { dtype: 'float64' }), reduction);
      expect(Array.from(lb.toTypedArray())).toEqual(Array.from(la.toTypedArray()));
      const g = reduction === 'none' ? nb.tensor([1, 2, 3], { dtype: 'float64' }) : undefined;
      la.backward(g);
      lb.backward(g);
      expect(Array.from(b.grad!.toTypedArray())).toEqual(Array.from(a.grad!.toTypedArray()));
    }
    // float32 one-hot targets against float64 logits are converted
    const c = nb.softmaxCrossEntropy(nb.tensor(rows, { dtype: 'float64' }), nb.oneHot(int(labels), 4), 'sum');
    expect(c.item()).toBe(nb.softmaxCrossEntropy(nb.tensor(rows, { dtype: 'float64' }), int(labels), 'sum').item());
  });

  it('soft targets: loss is -sum(y log softmax(logits)); gradient w.r.t. the targets is -log softmax', () => {
    const logitRows = [[0.2, -1, 0.7], [2, 0, -2]];
    const targetRows = [[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]];
    const logits = nb.tensor(logitRows, { dtype: 'float64', requiresGrad: true });
    const targets = nb.tensor(targetRows, { dtype: 'float64', requiresGrad: true });
    const loss = nb.softmaxCrossEntropy(logits, targets, 'sum');
    const logp = logitRows.map((r) => r.map((v) => v - logZ(r)));
    const expected = -targetRows.reduce((s, y, i) => s + y.reduce((t, yc, c) => t + yc * logp[i][c], 0), 0);
    expect(loss.item()).toBeCloseTo(expected, 12);
    loss.backward();
    allclose(targets.grad!, logp.map((r) => r.map((v) => -v)), 1e-14);
    allclose(logits.grad!, logitRows.map((r, i) => probs(r).map((p, c) => p - targetRows[i][c])), 1e-14);
  });

  it('soft targets pass gradcheck for logits and targets with every reduction', () => {
    const logits = randn([3, 5], 20);
    const targets = randn([3, 5], 21).softmax(1);
    for (const reduction of ['mean', 'sum', 'none'] as nb.Reduction[]) {
      expect(nb.gradcheck((l, t) => nb.softmaxCrossEntropy(l, t, reduction), [logits, targets])).toBe(true);
    }
  });

  it('index targets pass gradcheck with every reduction', () => {
    const logits = randn([4, 3], 22);
    const targets = int([2, 0, 1, 1]);
    for (const reduction of ['mean', 'sum', 'none'] as nb.Reduction[]) {
      expect(nb.gradcheck((l, t) => nb.softmaxCrossEntropy(l, t, reduction), [logits, targets])).toBe(true);
    }
  });
});
