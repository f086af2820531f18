import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  LOSS_NAMES,
  mseLoss,
  nllLoss,
  type Reduction,
} from '../../src/nn/losses.js';

const f64 = (values: nb.NestedArray, requiresGrad = false) => nb.tensor(values, { dtype: 'float64', requiresGrad });
const i32 = (values: number[]) => nb.tensor(values, { dtype: 'int32' });
const values = (t: nb.Tensor) => [...t.data];
const REDUCTIONS: Reduction[] = ['mean', 'sum', 'none'];

/** Checks 'none' against expected per-element losses and 'sum'/'mean' against their total. */
function expectReductions(loss: (reduction: Reduction) => nb.Tensor, perElement: number[], shape: number[]): void {
  const none = loss('none');
  expect(none.shape).toEqual(shape);
  values(none).forEach((v, i) => expect(v).toBeCloseTo(perElement[i], 12));
  const total = perElement.reduce((a, b) => a + b, 0);
  const sum = loss('sum');
  expect(sum.shape).toEqual([]);
  expect(sum.item()).toBeCloseTo(total, 12);
  expect(loss('mean').item()).toBeCloseTo(total / perElement.length, 12);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const logSumExp = (row: number[]) => {
  const m = Math.max(...row);
  return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
};

describe('LOSS_NAMES', () => {
  it('lists the CLI names', () => {
    expect([...LOSS_NAMES]).toEqual(['mse', 'bce', 'cross-entropy']);
  });
});

describe('mseLoss', () => {
  it('computes mean squared error exactly', () => {
    expect(mseLoss(f64([1, 2, 3]), f64([1, 0, 0])).item()).toBe(13 / 3);
  });

  it('supports all three reductions', () => {
    expectReductions((reduction) => mseLoss(f64([[1, 2], [3, -1]]), f64([[0, 0], [1, 1]]), { reduction }), [1, 4, 4, 4], [2, 2]);
  });

  it('casts an int32 target to the input dtype', () => {
    const loss = mseLoss(f64([1, 2, 3]), i32([1, 0, 0]));
    expect(loss.dtype).toBe('float64');
    expect(loss.item()).toBe(13 / 3);
  });

  it('has gradient 2 (x - y) / n and passes gradcheck for input and target', () => {
    const x = f64([1, 2, 3], true);
    mseLoss(x, f64([1, 0, 0])).backward();
    values(x.grad!).forEach((g, i) => expect(g).toBeCloseTo([0, 4 / 3, 2][i], 14));
    for (const reduction of REDUCTIONS) {
      expect(nb.gradcheck((a, b) => mseLoss(a, b, { reduction }), [nb.randn([3, 4]), nb.randn([3, 4])])).toBe(true);
    }
  });

  it('rejects mismatched shapes, naming both', () => {
    expect(() => mseLoss(nb.zeros([3]), nb.zeros([3, 1]))).toThrow(nb.ShapeError);
    expect(() => mseLoss(nb.zeros([3]), nb.zeros([3, 1]))).toThrow(/input shape \[3\] and target shape \[3, 1\]/);
  });

  it('rejects unknown reductions and integer inputs', () => {
    expect(() => mseLoss(nb.zeros([3]), nb.zeros([3]), { reduction: 'avg' as Reduction })).toThrow(/reduction must be one of 'mean', 'sum', 'none', got 'avg'/);
    expect(() => mseLoss(i32([1, 2]), i32([1, 2]))).toThrow(TypeError);
  });
});

describe('binaryCrossEntropy', () => {
  it('equals -ln p for y = 1 and -ln(1 - p) for y = 0', () => {
    expect(binaryCrossEntropy(f64([0.8]), f64([1])).item()).toBeCloseTo(-Math.log(0.8), 15);
    expect(binaryCrossEntropy(f64([0.8]), f64([0])).item()).toBeCloseTo(-Math.log(0.2), 14);
    expect(binaryCrossEntropy(f64([0.3]), f64([0.25])).item()).toBeCloseTo(-(0.25 * Math.log(0.3) + 0.75 * Math.log(0.7)), 14);
  });

  it('clamps each log term at -100, so probabilities of exactly 0 and 1 stay finite', () => {
    const loss = binaryCrossEntropy(f64([0, 1, 0, 1]), f64([1, 0, 0, 1]), { reduction: 'none' });
    expect(values(loss)).toEqual([100, 100, 0, 0]);
    const float32 = binaryCrossEntropy(nb.tensor([0]), nb.tensor([1]));
    expect(float32.item()).toBe(100);
    expect(binaryCrossEntropy(f64([1e-50]), f64([1])).item()).toBe(100);
  });

  it('keeps gradients finite at p = 0 and p = 1', () => {
    const p = f64([0, 1, 0, 1, 0.5], true);
    binaryCrossEntropy(p, f64([1, 0, 0, 1, 1]), { reduction: 'sum' }).backward();
    for (const g of values(p.grad!)) expect(Number.isFinite(g)).toBe(true);
    expect(p.grad!.data[4]).toBeCloseTo(-2, 14); // d/dp of -ln p at 0.5
  });

  it('supports all three reductions and a per-element weight', () => {
    const p = [0.1, 0.6, 0.9];
    const y = [0, 1, 1];
    const expected = p.map((pi, i) => -(y[i] * Math.log(pi) + (1 - y[i]) * Math.log(1 - pi)));
    expectReductions((reduction) => binaryCrossEntropy(f64(p), f64(y), { reduction }), expected, [3]);
    const w = [2, 0.5, 1];
    expectReductions((reduction) => binaryCrossEntropy(f64(p), f64(y), { reduction, weight: f64(w) }), expected.map((e, i) => e * w[i]), [3]);
  });

  it('passes gradcheck for probabilities, target and weight', () => {
    const probs = nb.rand([3, 4], { low: 0.05, high: 0.95 });
    const target = nb.rand([3, 4]);
    for (const reduction of REDUCTIONS) {
      expect(nb.gradcheck((p, y) => binaryCrossEntropy(p, y, { reduction }), [probs, target])).toBe(true);
    }
    expect(nb.gradcheck((p, y, w) => binaryCrossEntropy(p, y, { weight: w }), [probs, target, nb.rand([4])])).toBe(true);
  });

  it('rejects mismatched shapes, bad weights and values outside [0, 1]', () => {
    expect(() => binaryCrossEntropy(nb.zeros([2, 3]), nb.zeros([3, 2]))).toThrow(/input shape \[2, 3\] and target shape \[3, 2\]/);
    expect(() => binaryCrossEntropy(nb.zeros([2, 3]), nb.zeros([2, 3]), { weight: nb.ones([2]) })).toThrow(/weight of shape \[2\] cannot be broadcast to the input shape \[2, 3\]/);
    expect(() => binaryCrossEntropy(nb.zeros([2]), nb.zeros([2]), { weight: nb.ones([3, 2]) })).toThrow(nb.ShapeError);
    expect(() => binaryCrossEntropy(nb.tensor([0.5, 1.5]), nb.tensor([1, 0]))).toThrow(/\[0, 1\], found 1.5 at position 1/);
    expect(() => binaryCrossEntropy(nb.tensor([Number.NaN]), nb.tensor([1]))).toThrow(RangeError);
  });
});

describe('binaryCrossEntropyWithLogits', () => {
  it('equals binaryCrossEntropy of sigmoid(x) for moderate logits', () => {
    const x = [-4, -1.5, -0.2, 0, 0.3, 2, 5];
    const y = [0, 1, 0.3, 1, 0, 0.7, 1];
    const withLogits = binaryCrossEntropyWithLogits(f64(x), f64(y), { reduction: 'none' });
    const onProbs = binaryCrossEntropy(f64(x.map(sigmoid)), f64(y), { reduction: 'none' });
    values(withLogits).forEach((v, i) => expect(v).toBeCloseTo(onProbs.data[i], 12));
  });

  it('stays finite and exact for x = ±1000', () => {
    const loss = binaryCrossEntropyWithLogits(f64([1000, 1000, -1000, -1000]), f64([1, 0, 1, 0]), { reduction: 'none' });
    expect(values(loss)).toEqual([0, 1000, 1000, 0]);
    const x = f64([1000, -1000], true);
    binaryCrossEntropyWithLogits(x, f64([0, 0]), { reduction: 'sum' }).backward();
    expect(values(x.grad!)).toEqual([1, 0]); // sigmoid(x) - y
    const float32 = binaryCrossEntropyWithLogits(nb.tensor([1000, -1000]), nb.tensor([0, 0]), { reduction: 'sum' });
    expect(float32.item()).toBe(1000);
  });

  it('has gradient sigmoid(x) - y, including at x = 0', () => {
    const xs = [0, 0, 0.5, -3];
    const ys = [1, 0, 0.25, 1];
    const x = f64(xs, true);
    binaryCrossEntropyWithLogits(x, f64(ys), { reduction: 'sum' }).backward();
    values(x.grad!).forEach((g, i) => expect(g).toBeCloseTo(sigmoid(xs[i]) - ys[i], 14));
  });

  it('supports reductions, weight and posWeight', () => {
    const x = [-1, 0.5, 2, -0.3];
    const y = [0, 1, 1, 0.5];
    const plain = x.map((xi, i) => -(y[i] * Math.log(sigmoid(xi)) + (1 - y[i]) * Math.log(1 - sigmoid(xi))));
    expectReductions((reduction) => binaryCrossEntropyWithLogits(f64(x), f64(y), { reduction }), plain, [4]);
    const w = [1, 2, 3, 4];
    expectReductions((reduction) => binaryCrossEntropyWithLogits(f64(x), f64(y), { reduction, weight: f64(w) }), plain.map((l, i) => l * w[i]), [4]);
    // posWeight per class, for [2, 2] logits: -(pw y log s + (1 - y) log(1 - s)).
    const pw = [3, 0.5];
    const weighted = x.map((xi, i) => -(pw[i % 2] * y[i] * Math.log(sigmoid(xi)) + (1 - y[i]) * Math.log(1 - sigmoid(xi))));
    expectReductions((reduction) => binaryCrossEntropyWithLogits(f64([x.slice(0, 2), x.slice(2)]), f64([y.slice(0, 2), y.slice(2)]), { reduction, posWeight: f64(pw) }), weighted, [2, 2]);
  });

  it('passes gradcheck for logits, target, weight and posWeight', () => {
    const logits = nb.randn([3, 4], { std: 2 });
    const target = nb.rand([3, 4]);
    for (const reduction of REDUCTIONS) {
      expect(nb.gradcheck((x, y) => binaryCrossEntropyWithLogits(x, y, { reduction }), [logits, target])).toBe(true);
    }
    expect(nb.gradcheck((x, y, w, pw) => binaryCrossEntropyWithLogits(x, y, { weight: w, posWeight: pw }), [logits, target, nb.rand([3, 1]), nb.rand([4], { low: 0.5, high: 3 })])).toBe(true);
  });

  it('rejects mismatched shapes, naming both', () => {
    expect(() => binaryCrossEntropyWithLogits(nb.zeros([4, 1]), nb.zeros([4]))).toThrow(/input shape \[4, 1\] and target shape \[4\]/);
    expect(() => binaryCrossEntropyWithLogits(nb.zeros([4, 2]), nb.zeros([4, 2]), { posWeight: nb.ones([3]) })).toThrow(/posWeight of shape \[3\].*\[4, 2\]/);
  });
});

describe('crossEntropy', () => {
  it('is exact and finite for very large logits', () => {
    const logits = f64([[1, 3.5, 757, -5]]);
    const loss = crossEntropy(logits, i32([2]));
    expect(Number.isFinite(loss.item())).toBe(true);
    expect(loss.item()).toBe(0); // log(1 + e^-753.5 + e^-756 + e^-762) underflows float64 to exactly 0
    const rows = f64([[1, 3.5, 757, -5], [1, 3.5, 757, -5], [1, 3.5, 757, -5]]);
    expect(values(crossEntropy(rows, i32([0, 1, 3]), { reduction: 'none' }))).toEqual([756, 753.5, 762]);
    expect(crossEntropy(nb.tensor([[1, 3.5, 757, -5]]), i32([3])).item()).toBe(762);
  });

  it('matches log-sum-exp minus the target logit, with all reductions', () => {
    const rows = [[1, 2, 3], [0.5, -1, 0], [2, 2, -2]];
    const labels = [0, 2, 1];
    const expected = rows.map((r, i) => logSumExp(r) - r[labels[i]]);
    expectReductions((reduction) => crossEntropy(f64(rows), i32(labels), { reduction }), expected, [3]);
  });

  it('accepts one-hot and soft float targets', () => {
    const rows = [[1, 2, 3], [0.5, -1, 0]];
    const fromIndex = crossEntropy(f64(rows), i32([0, 2]), { reduction: 'none' });
    const fromOneHot = crossEntropy(f64(rows), f64([[1, 0, 0], [0, 0, 1]]), { reduction: 'none' });
    values(fromOneHot).forEach((v, i) => expect(v).toBeCloseTo(fromIndex.data[i], 14));
    const soft = [[0.2, 0.3, 0.5], [0.6, 0.4, 0]];
    const expected = rows.map((r, i) => -soft[i].reduce((s, y, c) => s + y * (r[c] - logSumExp(r)), 0));
    expectReductions((reduction) => crossEntropy(f64(rows), f64(soft), { reduction }), expected, [2]);
  });

  it('equals nllLoss of logSoftmax', () => {
    const logits = nb.randn([5, 4], { dtype: 'float64' });
    const labels = i32([3, 0, 1, 1, 2]);
    for (const reduction of REDUCTIONS) {
      const ce = crossEntropy(logits, labels, { reduction });
      const nll = nllLoss(nb.logSoftmax(logits, 1), labels, { reduction });
      expect(nll.shape).toEqual(ce.shape);
      values(nll).forEach((v, i) => expect(v).toBeCloseTo(ce.data[i], 13));
    }
  });

  it('applies label smoothing as (1 - ε) y + ε / C', () => {
    const rows = [[1, 2, 3, 0], [0.5, -1, 0, 4]];
    const labels = [0, 3];
    const eps = 0.1;
    const C = 4;
    // (1 - ε) * nll + ε * mean over classes of -log p.
    const expected = rows.map((r, i) => {
      const lse = logSumExp(r);
      const nll = lse - r[labels[i]];
      const uniform = r.reduce((s, v) => s + (lse - v), 0) / C;
      return (1 - eps) * nll + eps * uniform;
    });
    expectReductions((reduction) => crossEntropy(f64(rows), i32(labels), { reduction, labelSmoothing: eps }), expected, [2]);
    const oneHot = f64([[1, 0, 0, 0], [0, 0, 0, 1]]);
    const smoothedOneHot = crossEntropy(f64(rows), oneHot, { reduction: 'none', labelSmoothing: eps });
    values(smoothedOneHot).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 13));
    expect(crossEntropy(f64(rows), i32(labels), { labelSmoothing: 0 }).item()).toBeCloseTo(crossEntropy(f64(rows), i32(labels)).item(), 15);
  });

  it('passes gradcheck for logits (index targets) and for logits and soft targets', () => {
    const logits = nb.randn([4, 5], { std: 2 });
    const labels = i32([4, 0, 2, 2]);
    for (const reduction of REDUCTIONS) {
      expect(nb.gradcheck((x, t) => crossEntropy(x, t, { reduction }), [logits, labels])).toBe(true);
      expect(nb.gradcheck((x, t) => crossEntropy(x, t, { reduction, labelSmoothing: 0.2 }), [logits, labels])).toBe(true);
    }
    const soft = nb.softmax(nb.randn([4, 5]), 1);
    expect(nb.gradcheck((x, y) => crossEntropy(x, y), [logits, soft])).toBe(true);
    expect(nb.gradcheck((x, y) => crossEntropy(x, y, { reduction: 'none', labelSmoothing: 0.3 }), [logits, soft])).toBe(true);
  });

  it('rejects labels out of range, mismatched shapes and bad options', () => {
    const logits = nb.zeros([2, 4]);
    expect(() => crossEntropy(logits, i32([1, 4]))).toThrow(RangeError);
    expect(() => crossEntropy(logits, i32([1, 4]))).toThrow(/target class 4 at position 1 is out of range \[0, 4\)/);
    expect(() => crossEntropy(logits, i32([-1, 0]))).toThrow(/target class -1/);
    expect(() => crossEntropy(logits, i32([1, 2, 3]))).toThrow(/shape \[2\] for logits \[2, 4\], got \[3\]/);
    expect(() => crossEntropy(logits, nb.zeros([2, 3]))).toThrow(/logits' shape \[2, 4\], got \[2, 3\]/);
    expect(() => crossEntropy(nb.zeros([4]), i32([1]))).toThrow(/target must have shape \[\] .*for logits \[4\], got \[1\]/);
    expect(() => crossEntropy(logits, i32([0, 0]), { labelSmoothing: 1.5 })).toThrow(/labelSmoothing must be a number in \[0, 1\]/);
    expect(() => crossEntropy(logits, i32([0, 0]), { reduction: 'max' as Reduction })).toThrow(/reduction/);
  });
});

describe('nllLoss', () => {
  it('is minus the gathered log-probability', () => {
    const logProbs = f64([[-0.1, -2, -3], [-1.5, -0.5, -4]]);
    expectReductions((reduction) => nllLoss(logProbs, i32([0, 2]), { reduction }), [0.1, 4], [2]);
  });

  it('passes gradcheck', () => {
    const logProbs = nb.logSoftmax(nb.randn([4, 3]), 1);
    for (const reduction of REDUCTIONS) {
      expect(nb.gradcheck((x, t) => nllLoss(x, t, { reduction }), [logProbs, i32([2, 0, 1, 2])])).toBe(true);
    }
  });

  it('rejects bad targets', () => {
    const logProbs = nb.zeros([2, 3]);
    expect(() => nllLoss(logProbs, i32([0, 3]))).toThrow(/target class 3 at position 1 is out of range \[0, 3\)/);
    expect(() => nllLoss(logProbs, i32([0]))).toThrow(/target must have shape \[2\] for input \[2, 3\], got \[1\]/);
    expect(() => nllLoss(logProbs, nb.tensor([0, 1]))).toThrow(/int32/);
    expect(() => nllLoss(nb.zeros([3]), i32([0, 1, 2]))).toThrow(nb.ShapeError);
  });
});

describe('a common mistake', () => {
  it('float class labels (nb.tensor defaults to float32) get an error that says to use int32', () => {
    expect(() => nb.crossEntropy(nb.zeros([2, 3]), nb.tensor([0, 1]))).toThrow(/class-index targets must be int32, got float32 of shape \[2\].*dtype: 'int32'/);
  });
});
