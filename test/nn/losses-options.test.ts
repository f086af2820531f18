/**
 * The losses' options beyond the fixture's numbers (test/nn/losses-torch.test.ts): the fused fast
 * path against the composed one, float64 gradchecks, and the errors for bad arguments.
 */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

const f64 = (values: nb.NestedArray, requiresGrad = false) => nb.tensor(values, { dtype: 'float64', requiresGrad });
const i32 = (values: nb.NestedArray) => nb.tensor(values, { dtype: 'int32' });
const REDUCTIONS: nb.Reduction[] = ['mean', 'sum', 'none'];

describe('crossEntropy and nllLoss: weight, ignoreIndex, labelSmoothing and layouts', () => {
  const logits = nb.randn([4, 3], { dtype: 'float64', generator: new nb.Generator(1) });
  const labels = i32([2, 0, 1, 1]);

  it('keeps the fused kernel for the plain case: [N, C] logits, int32 labels, no weight, nothing ignored', () => {
    const x = logits.detach().requiresGrad_();
    for (const reduction of REDUCTIONS) {
      expect(nb.crossEntropy(x, labels, { reduction }).gradFn?.name).toBe('softmaxCrossEntropy');
      expect(nb.crossEntropy(x, labels, { reduction, labelSmoothing: 0.1 }).gradFn?.name).toBe('softmaxCrossEntropy');
    }
    expect(nb.crossEntropy(x, labels, { weight: nb.ones([3]) }).gradFn?.name).not.toBe('softmaxCrossEntropy');
    expect(nb.crossEntropy(x, i32([2, 0, -100, 1])).gradFn?.name).not.toBe('softmaxCrossEntropy');
  });

  it('gives the same loss and gradient on the composed path (unit weights) as on the fused one', () => {
    for (const reduction of REDUCTIONS) {
      for (const labelSmoothing of [0, 0.3]) {
        const fusedX = logits.detach().requiresGrad_();
        const composedX = logits.detach().requiresGrad_();
        const fused = nb.crossEntropy(fusedX, labels, { reduction, labelSmoothing });
        const composed = nb.crossEntropy(composedX, labels, { reduction, labelSmoothing, weight: nb.ones([3], { dtype: 'float64' }) });
        allclose(composed, fused, 1e-14, 1e-14);
        fused.sum().backward();
        composed.sum().backward();
        allclose(composedX.grad!, fusedX.grad!, 1e-14, 1e-14);
      }
    }
  });

  it('gives ignored targets, which may lie outside [0, C), a loss and a gradient of 0', () => {
    for (const ignoreIndex of [-100, 7]) {
      const x = logits.detach().requiresGrad_();
      const loss = nb.crossEntropy(x, i32([2, ignoreIndex, 1, ignoreIndex]), { reduction: 'none', ignoreIndex, labelSmoothing: 0.2 });
      expect(loss.dataSync()[1]).toBe(0);
      expect(loss.dataSync()[3]).toBe(0);
      loss.sum().backward();
      expect([...x.grad!.slice(1).dataSync().slice(0, 3)]).toEqual([0, 0, 0]);
    }
  });

  it("divides 'mean' by the summed weight of the targets kept, NaN (0 / 0) when all are ignored", () => {
    const weight = f64([0.5, 2, 4]);
    const target = i32([2, 0, -100, 1]);
    const sum = nb.crossEntropy(logits, target, { weight, reduction: 'sum' }).item();
    expect(nb.crossEntropy(logits, target, { weight }).item()).toBeCloseTo(sum / (4 + 0.5 + 2), 14);
    expect(nb.nllLoss(logits, target, { weight }).item()).toBeCloseTo(nb.nllLoss(logits, target, { weight, reduction: 'sum' }).item() / 6.5, 14);
    const x = logits.detach().requiresGrad_();
    const allIgnored = nb.crossEntropy(x, i32([-100, -100, -100, -100]), { weight });
    expect(allIgnored.item()).toBeNaN();
    allIgnored.backward();
    expect([...x.grad!.dataSync()].every((g) => g === 0)).toBe(true);
    expect(nb.crossEntropy(logits, i32([-100, -100, -100, -100]), { reduction: 'sum' }).item()).toBe(0);
    expect(nb.crossEntropy(nb.zeros([0, 3]), i32([]).reshape([0])).item()).toBeNaN();
  });

  it('takes [N, C, d1, ...] as the same rows with the classes moved last, and [C] as one row', () => {
    const x = nb.randn([2, 3, 2, 2], { dtype: 'float64' });
    const target = i32([[[0, 1], [2, -100]], [[1, 1], [0, 2]]]);
    const rows = nb.permute(x, [0, 2, 3, 1]).reshape([8, 3]);
    const options = { weight: f64([1, 2, 0.5]), labelSmoothing: 0.1 };
    const perPosition = nb.crossEntropy(x, target, { ...options, reduction: 'none' });
    expect(perPosition.shape).toEqual([2, 2, 2]);
    allclose(perPosition.reshape([8]), nb.crossEntropy(rows, target.reshape([8]), { ...options, reduction: 'none' }), 1e-14, 1e-14);
    allclose(nb.crossEntropy(x, target, options), nb.crossEntropy(rows, target.reshape([8]), options), 1e-14, 1e-14);
    const one = nb.crossEntropy(x.slice(0, ':', 0, 0).reshape([3]), nb.tensor(1, { dtype: 'int32' }), { reduction: 'none' });
    expect(one.shape).toEqual([]);
    expect(one.item()).toBeCloseTo(nb.crossEntropy(rows.slice([0, 1]), i32([1])).item(), 14);
  });

  it('passes float64 gradcheck with every option, for the logits (or log-probabilities) and the weight', () => {
    const x = nb.randn([2, 4, 3], { std: 2 });
    const target = i32([[3, -100, 1], [0, 2, 2]]);
    const weight = nb.rand([4], { low: 0.2, high: 2 });
    for (const reduction of REDUCTIONS) {
      expect(nb.gradcheck((z, w) => nb.crossEntropy(z, target, { reduction, weight: w, labelSmoothing: 0.25 }), [x, weight])).toBe(true);
      expect(nb.gradcheck((z, w) => nb.crossEntropy(z, target, { reduction, weight: w }), [x, weight])).toBe(true);
      expect(nb.gradcheck((z) => nb.crossEntropy(z, target, { reduction, labelSmoothing: 0.25 }), [x])).toBe(true);
      expect(nb.gradcheck((z, w) => nb.nllLoss(z, i32([[3, 5, 1], [0, 2, 5]]), { reduction, weight: w, ignoreIndex: 5 }), [x, weight])).toBe(true);
      expect(nb.gradcheck((z) => nb.crossEntropy(z, nb.tensor(2, { dtype: 'int32' }), { reduction, labelSmoothing: 0.1 }), [nb.randn([4])])).toBe(true);
    }
  });

  it('passes gradcheck with probability targets, weighted and smoothed, for logits, target and weight', () => {
    const x = nb.randn([2, 4, 3], { std: 2 });
    const probs = nb.softmax(nb.randn([2, 4, 3]), 1);
    for (const reduction of REDUCTIONS) {
      expect(nb.gradcheck((z, t, w) => nb.crossEntropy(z, t, { reduction, weight: w, labelSmoothing: 0.2 }), [x, probs, nb.rand([4], { low: 0.2, high: 2 })])).toBe(true);
      expect(nb.gradcheck((z, t) => nb.crossEntropy(z, t, { reduction, labelSmoothing: 0.2 }), [x, probs])).toBe(true);
    }
  });

  it('differentiates the fused kernel for soft targets whose rows do not sum to 1 (softmax * sum(Y) - Y)', () => {
    const scores = nb.rand([3, 4]);
    for (const reduction of REDUCTIONS) {
      expect(nb.gradcheck((z, t) => nb.softmaxCrossEntropy(z, t, reduction), [nb.randn([3, 4]), scores])).toBe(true);
    }
  });

  it('rejects a weight of the wrong length, dtype or rank, naming the shape expected', () => {
    expect(() => nb.crossEntropy(logits, labels, { weight: nb.ones([4]) })).toThrow('crossEntropy: weight must have shape [3], one per class of logits [4, 3], got [4]');
    expect(() => nb.nllLoss(nb.zeros([2, 5, 7]), i32([[0, 1, 2, 3, 4, 0, 1], [0, 1, 2, 3, 4, 0, 1]]), { weight: nb.ones([7]) })).toThrow('nllLoss: weight must have shape [5], one per class of input [2, 5, 7], got [7]');
    expect(() => nb.crossEntropy(logits, labels, { weight: nb.ones([1, 3]) })).toThrow(nb.ShapeError);
    expect(() => nb.crossEntropy(logits, labels, { weight: i32([1, 1, 1]) })).toThrow('crossEntropy: weight must be a float tensor, got int32');
    expect(() => nb.crossEntropy(logits, labels, { weight: [1, 1, 1] as never })).toThrow('crossEntropy: weight must be a Tensor, got an array');
  });

  it('rejects targets out of range unless they equal ignoreIndex', () => {
    expect(() => nb.crossEntropy(logits, i32([0, 3, 1, 1]))).toThrow('crossEntropy: target class 3 at position 1 is out of range [0, 3) and is not ignoreIndex (-100)');
    expect(() => nb.crossEntropy(logits, i32([0, -100, 1, 7]), { ignoreIndex: 7 })).toThrow('crossEntropy: target class -100 at position 1 is out of range [0, 3) and is not ignoreIndex (7)');
    expect(() => nb.nllLoss(nb.zeros([1, 3, 2]), i32([[0, -1]]))).toThrow(RangeError);
    expect(() => nb.nllLoss(nb.zeros([1, 3, 2]), i32([[0, -1]]))).toThrow('nllLoss: target class -1 at position 1 is out of range [0, 3) and is not ignoreIndex (-100)');
  });

  it('rejects labelSmoothing outside [0, 1], a bad reduction and a non-integer ignoreIndex', () => {
    for (const labelSmoothing of [1.5, -0.1, Number.NaN]) {
      expect(() => nb.crossEntropy(logits, labels, { labelSmoothing })).toThrow(`crossEntropy: labelSmoothing must be a number in [0, 1], got ${labelSmoothing}`);
    }
    expect(() => nb.crossEntropy(logits, labels, { labelSmoothing: '0.1' as never })).toThrow("labelSmoothing must be a number in [0, 1], got '0.1'");
    expect(() => nb.crossEntropy(logits, labels, { reduction: 'batchmean' as never })).toThrow("crossEntropy: reduction must be one of 'mean', 'sum', 'none', got 'batchmean'");
    expect(() => nb.nllLoss(logits, labels, { reduction: 'avg' as never })).toThrow("nllLoss: reduction must be one of 'mean', 'sum', 'none', got 'avg'");
    expect(() => nb.crossEntropy(logits, labels, { ignoreIndex: 1.5 })).toThrow('crossEntropy: ignoreIndex must be an integer, got 1.5');
    expect(() => nb.nllLoss(logits, labels, { ignoreIndex: null as never })).toThrow('nllLoss: ignoreIndex must be an integer, got null');
  });

  it('rejects targets of the wrong shape or kind for the layout, and ignoreIndex >= 0 with probability targets', () => {
    expect(() => nb.crossEntropy(nb.zeros([2, 3, 4]), i32([[0, 1, 2], [0, 1, 2]]))).toThrow('crossEntropy: class-index target must have shape [2, 4] for logits [2, 3, 4], got [2, 3]');
    expect(() => nb.crossEntropy(nb.zeros([3]), i32([1]))).toThrow('crossEntropy: class-index target must have shape [] (0-d: one sample takes a single class index) for logits [3], got [1]');
    expect(() => nb.crossEntropy(nb.zeros([]), i32(0))).toThrow('crossEntropy: logits must have shape [C], [N, C] or [N, C, d1, ...], got a 0-d tensor');
    expect(() => nb.crossEntropy(nb.zeros([2, 3, 4]), nb.zeros([2, 4]))).toThrow(/class-index targets must be int32, got float32 of shape \[2, 4\]/);
    expect(() => nb.crossEntropy(nb.zeros([2, 3, 4]), nb.zeros([2, 4, 3]))).toThrow("crossEntropy: probability target must have the logits' shape [2, 3, 4], got [2, 4, 3]");
    expect(() => nb.crossEntropy(nb.zeros([2, 3]), nb.full([2, 3], 1 / 3), { ignoreIndex: 0 })).toThrow('crossEntropy: ignoreIndex (0) applies to class-index targets only, not to probability targets');
    expect(nb.crossEntropy(nb.zeros([2, 3]), nb.full([2, 3], 1 / 3), { ignoreIndex: -1 }).item()).toBeCloseTo(Math.log(3), 6);
    expect(() => nb.nllLoss(nb.zeros([2, 3]), nb.full([2, 3], 1 / 3))).toThrow('nllLoss: target must be int32 class indices, got float32');
  });
});

describe('binaryCrossEntropyWithLogits: weight and posWeight broadcast to the input, as in PyTorch', () => {
  it('broadcasts posWeight from the trailing dims and refuses one that would grow the loss', () => {
    const x = nb.randn([2, 3, 2, 2], { dtype: 'float64' });
    const y = nb.rand([2, 3, 2, 2], { dtype: 'float64' });
    const perChannel = nb.binaryCrossEntropyWithLogits(x, y, { posWeight: f64([[[1]], [[2]], [[3]]]), reduction: 'none' });
    const dense = nb.binaryCrossEntropyWithLogits(x, y, { posWeight: nb.broadcastTo(f64([[[1]], [[2]], [[3]]]), [2, 3, 2, 2]).clone(), reduction: 'none' });
    allclose(perChannel, dense, 1e-15, 1e-15);
    expect(() => nb.binaryCrossEntropyWithLogits(nb.zeros([3]), nb.zeros([3]), { posWeight: nb.ones([2, 3]) })).toThrow('binaryCrossEntropyWithLogits: posWeight of shape [2, 3] cannot be broadcast to the input shape [3]');
    expect(() => nb.binaryCrossEntropyWithLogits(nb.zeros([3]), nb.zeros([3]), { weight: nb.ones([2, 3]) })).toThrow('binaryCrossEntropyWithLogits: weight of shape [2, 3] cannot be broadcast to the input shape [3]');
  });
});

describe('l1Loss, huberLoss and smoothL1Loss', () => {
  const input = nb.randn([3, 4], { dtype: 'float64', std: 2 });
  const target = nb.randn([3, 4], { dtype: 'float64' });

  it('are |d|, the Huber function and Huber / beta', () => {
    const d = [0, 0.25, -0.5, 1, -3];
    const x = f64(d);
    const zero = nb.zerosLike(x);
    expect([...nb.l1Loss(x, zero, { reduction: 'none' }).dataSync()]).toEqual([0, 0.25, 0.5, 1, 3]);
    expect([...nb.huberLoss(x, zero, { reduction: 'none' }).dataSync()]).toEqual([0, 0.03125, 0.125, 0.5, 2.5]);
    expect([...nb.huberLoss(x, zero, { reduction: 'none', delta: 0.5 }).dataSync()]).toEqual([0, 0.03125, 0.125, 0.375, 1.375]);
    expect([...nb.smoothL1Loss(x, zero, { reduction: 'none', beta: 0.5 }).dataSync()]).toEqual([0, 0.0625, 0.25, 0.75, 2.75]);
    allclose(nb.smoothL1Loss(input, target, { beta: 0 }), nb.l1Loss(input, target), 0, 0);
    allclose(nb.huberLoss(input, target, { delta: 1.7 }), nb.smoothL1Loss(input, target, { beta: 1.7 }).mul(1.7), 1e-15, 1e-14);
  });

  it('pass float64 gradcheck for input and target with every reduction', () => {
    for (const reduction of REDUCTIONS) {
      expect(nb.gradcheck((a, b) => nb.l1Loss(a, b, { reduction }), [input, target])).toBe(true);
      for (const delta of [1, 0.3]) expect(nb.gradcheck((a, b) => nb.huberLoss(a, b, { reduction, delta }), [input, target])).toBe(true);
      for (const beta of [1, 0.3, 0]) expect(nb.gradcheck((a, b) => nb.smoothL1Loss(a, b, { reduction, beta }), [input, target])).toBe(true);
    }
  });

  it('reject a bad delta or beta, a bad reduction and mismatched shapes', () => {
    for (const delta of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => nb.huberLoss(input, target, { delta })).toThrow(`huberLoss: delta must be a finite number > 0, got ${delta}`);
    }
    expect(() => nb.smoothL1Loss(input, target, { beta: -1 })).toThrow('smoothL1Loss: beta must be a finite number >= 0, got -1');
    expect(() => nb.smoothL1Loss(input, target, { beta: '1' as never })).toThrow("smoothL1Loss: beta must be a finite number >= 0, got '1'");
    expect(() => nb.l1Loss(input, target, { reduction: 'avg' as never })).toThrow("l1Loss: reduction must be one of 'mean', 'sum', 'none', got 'avg'");
    expect(() => nb.huberLoss(input, target, { reduction: 'batchmean' as never })).toThrow("huberLoss: reduction must be one of 'mean', 'sum', 'none', got 'batchmean'");
    expect(() => nb.l1Loss(nb.zeros([3]), nb.zeros([3, 1]))).toThrow('l1Loss: input shape [3] and target shape [3, 1] must be equal');
    expect(() => nb.huberLoss(input, target, { beta: 1 } as never)).toThrow('huberLoss: options has an unknown option "beta" (known: reduction, delta)');
    expect(() => nb.smoothL1Loss(input, target, { delta: 1 } as never)).toThrow('smoothL1Loss: options has an unknown option "delta" (known: reduction, beta)');
  });
});

describe('klDiv', () => {
  const input = nb.logSoftmax(nb.randn([3, 4], { dtype: 'float64' }), 1);
  const target = nb.softmax(nb.randn([3, 4], { dtype: 'float64' }), 1);

  it("sums over classes to KL(target || exp(input)); 'batchmean' averages that over the batch", () => {
    const t = target.dataSync();
    const x = input.dataSync();
    let kl = 0;
    for (let i = 0; i < t.length; i++) kl += t[i] * (Math.log(t[i]) - x[i]);
    expect(nb.klDiv(input, target, { reduction: 'sum' }).item()).toBeCloseTo(kl, 13);
    expect(nb.klDiv(input, target, { reduction: 'batchmean' }).item()).toBeCloseTo(kl / 3, 13);
    expect(nb.klDiv(input, target).item()).toBeCloseTo(kl / 12, 13);
    allclose(nb.klDiv(input, target.log(), { logTarget: true, reduction: 'none' }), nb.klDiv(input, target, { reduction: 'none' }), 1e-15, 1e-13);
    expect([...nb.klDiv(f64([-1, -2]), f64([0, -0.5]), { reduction: 'none' }).dataSync()].map(String)).toEqual(['0', 'NaN']);
  });

  it('passes float64 gradcheck for input and target with every reduction', () => {
    for (const reduction of ['mean', 'sum', 'none', 'batchmean'] as const) {
      expect(nb.gradcheck((a, b) => nb.klDiv(a, b, { reduction }), [input, target])).toBe(true);
      expect(nb.gradcheck((a, b) => nb.klDiv(a, b, { reduction, logTarget: true }), [input, target.log()])).toBe(true);
    }
  });

  it('rejects a bad reduction or logTarget and mismatched shapes', () => {
    expect(() => nb.klDiv(input, target, { reduction: 'avg' as never })).toThrow("klDiv: reduction must be one of 'mean', 'sum', 'none', 'batchmean', got 'avg'");
    expect(() => nb.klDiv(input, target, { logTarget: 1 as never })).toThrow('klDiv: logTarget must be a boolean, got 1');
    expect(() => nb.klDiv(input, target, { log_target: true } as never)).toThrow('klDiv: options has an unknown option "log_target" (known: reduction, logTarget); did you mean "logTarget"?');
    expect(() => nb.klDiv(input, target.reshape([12]))).toThrow('klDiv: input shape [3, 4] and target shape [12] must be equal');
    expect(() => nb.klDiv(i32([1]), f64([1]))).toThrow('klDiv: input must be a float tensor, got int32');
  });
});
