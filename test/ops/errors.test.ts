import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

/** Bad input always gets an error that names the op and the problem. */
const int = (values: nb.NestedArray) => nb.tensor(values, { dtype: 'int32' });

describe('broadcasting mismatches name both shapes', () => {
  const a = nb.zeros([2, 3]);
  const b = nb.zeros([4]);

  it.each([
    ['add', () => nb.add(a, b)],
    ['sub', () => a.sub(b)],
    ['mul', () => nb.mul(a, b)],
    ['div', () => a.div(b)],
    ['pow', () => nb.pow(a, b)],
    ['maximum', () => nb.maximum(a, b)],
    ['minimum', () => a.minimum(b)],
    ['eq', () => a.eq(b)],
    ['lt', () => nb.lt(a, b)],
  ])('%s', (op, fn) => {
    expect(fn).toThrow(nb.ShapeError);
    expect(fn).toThrow(new RegExp(`^${op}: shapes \\[2, 3\\] and \\[4\\] cannot be broadcast \\(dimension -1 is 3 vs 4`));
  });

  it('names the mismatching dimension in higher ranks', () => {
    expect(() => nb.add(nb.zeros([2, 3, 4]), nb.zeros([5, 1]))).toThrow(/shapes \[2, 3, 4\] and \[5, 1\] cannot be broadcast \(dimension -2 is 3 vs 5/);
  });

  it('where checks the condition against both branches', () => {
    expect(() => nb.where(int([1, 0, 1]), nb.zeros([2]), 0)).toThrow(/where: shapes \[3\] and \[2\] cannot be broadcast/);
  });
});

describe('matmul misalignment', () => {
  it('names both shapes and the mismatching inner dimensions', () => {
    expect(() => nb.matmul(nb.zeros([2, 3]), nb.zeros([4, 5]))).toThrow(nb.ShapeError);
    expect(() => nb.matmul(nb.zeros([2, 3]), nb.zeros([4, 5]))).toThrow(/matmul: shapes \[2, 3\] and \[4, 5\] are not aligned: 3 .* != 4/);
    expect(() => nb.matmul(nb.zeros([3]), nb.zeros([4, 5]))).toThrow(/not aligned: 3 .* != 4/);
  });

  it('rejects incompatible batch dimensions and 0-d operands', () => {
    expect(() => nb.matmul(nb.zeros([2, 2, 3]), nb.zeros([3, 3, 4]))).toThrow(/matmul: shapes \[2\] and \[3\] cannot be broadcast/);
    expect(() => nb.matmul(nb.tensor(2), nb.zeros([2]))).toThrow(/matmul: both operands need at least 1 dimension, got \[\] and \[2\]/);
  });
});

describe('reshape with the wrong size', () => {
  it('names the source shape, its size and the requested shape', () => {
    const x = nb.zeros([2, 3]);
    expect(() => x.reshape(4)).toThrow(nb.ShapeError);
    expect(() => x.reshape(4)).toThrow(/reshape: cannot reshape a tensor of shape \[2, 3\] \(6 elements\) into \[4\]/);
    expect(() => x.reshape(4, -1)).toThrow(/cannot reshape a tensor of shape \[2, 3\] \(6 elements\) into \[4, -1\]/);
    expect(() => x.reshape(0, -1)).toThrow(/cannot reshape/);
    expect(() => x.reshape(-2, -3)).toThrow(/cannot reshape/);
  });
});

describe('axis out of range', () => {
  const x = nb.zeros([2, 3]);

  it.each([
    ['sum', () => x.sum(2)],
    ['mean', () => x.mean(-3)],
    ['amax', () => x.amax([0, 5])],
    ['argmax', () => x.argmax(2)],
    ['logsumexp', () => x.logsumexp(7)],
    ['var', () => x.var(2)],
    ['softmax', () => x.softmax(2)],
    ['logSoftmax', () => x.logSoftmax(-3)],
    ['concat', () => nb.concat([x, x], 2)],
    ['stack', () => nb.stack([x, x], 4)],
    ['transpose', () => x.transpose(0, 2)],
    ['permute', () => x.permute(0, 2)],
    ['squeeze', () => x.squeeze(2)],
    ['unsqueeze', () => x.unsqueeze(4)],
    ['flatten', () => x.flatten(3)],
    ['gather', () => x.gather(2, int([[0]]))],
  ])('%s names the axis and the number of dimensions', (op, fn) => {
    expect(fn).toThrow(nb.ShapeError);
    expect(fn).toThrow(new RegExp(`^${op}: axis -?\\d+ is out of range for a tensor with \\d dimension\\(s\\)`));
  });

  it('reports the exact axis and rank', () => {
    expect(() => x.sum(2)).toThrow('sum: axis 2 is out of range for a tensor with 2 dimension(s)');
    expect(() => x.unsqueeze(4)).toThrow('unsqueeze: axis 4 is out of range for a tensor with 3 dimension(s)');
    expect(() => x.sum(0.5)).toThrow(/axis 0.5 is out of range/);
  });
});

describe('slice index out of range', () => {
  it('names the index, the dimension and its size', () => {
    const x = nb.zeros([3, 4]);
    expect(() => x.slice(3)).toThrow(nb.ShapeError);
    expect(() => x.slice(3)).toThrow('slice: index 3 is out of range for dimension 0 of size 3');
    expect(() => x.slice(0, -5)).toThrow('slice: index -5 is out of range for dimension 1 of size 4');
    expect(() => x.slice(1.5)).toThrow(/index 1.5 is out of range for dimension 0/);
  });
});

describe('gather index out of range', () => {
  it('names the index value, its position and the valid range', () => {
    const x = nb.zeros([2, 3]);
    expect(() => x.gather(1, int([[0, 3], [1, 1]]))).toThrow(RangeError);
    expect(() => x.gather(1, int([[0, 3], [1, 1]]))).toThrow('gather: index 3 at position 1 is out of range [0, 3)');
    expect(() => x.gather(0, int([[0, 1, -1]]))).toThrow('gather: index -1 at position 2 is out of range [0, 2)');
  });
});

describe('softmaxCrossEntropy bad input', () => {
  const logits = nb.zeros([2, 4]);

  it('wrong class-index target shape', () => {
    expect(() => nb.softmaxCrossEntropy(logits, int([0, 1, 2]))).toThrow(nb.ShapeError);
    expect(() => nb.softmaxCrossEntropy(logits, int([0, 1, 2]))).toThrow('crossEntropy: class-index targets must have shape [2], got [3]');
    expect(() => nb.softmaxCrossEntropy(logits, int([[0], [1]]))).toThrow(/class-index targets must have shape \[2\], got \[2, 1\]/);
  });

  it('wrong probability target shape', () => {
    expect(() => nb.softmaxCrossEntropy(logits, nb.zeros([2, 3]))).toThrow(/probability targets must have the logits' shape \[2, 4\], got \[2, 3\]/);
    expect(() => nb.softmaxCrossEntropy(logits, nb.zeros([2]))).toThrow(/probability targets must have the logits' shape \[2, 4\], got \[2\]/);
  });

  it('label out of range', () => {
    expect(() => nb.softmaxCrossEntropy(logits, int([1, 4]))).toThrow(RangeError);
    expect(() => nb.softmaxCrossEntropy(logits, int([1, 4]))).toThrow('crossEntropy: target class 4 at position 1 is out of range [0, 4)');
    expect(() => nb.softmaxCrossEntropy(logits, int([-1, 0]))).toThrow(/target class -1 at position 0 is out of range \[0, 4\)/);
  });

  it('logits that are not [batch, classes] or not float', () => {
    expect(() => nb.softmaxCrossEntropy(nb.zeros([4]), int([0]))).toThrow('crossEntropy: logits must be [batch, classes], got [4]');
    expect(() => nb.softmaxCrossEntropy(int([[1, 2]]), int([0]))).toThrow(/crossEntropy: logits must be float, got int32/);
  });
});

describe('concat shape mismatch', () => {
  it('names the offending tensor, its shape, the first shape and the axis', () => {
    const a = nb.zeros([2, 3]);
    expect(() => nb.concat([a, nb.zeros([3, 4])], 1)).toThrow(nb.ShapeError);
    expect(() => nb.concat([a, nb.zeros([3, 4])], 1)).toThrow('concat: tensor 1 has shape [3, 4], which differs from [2, 3] outside axis 1');
    expect(() => nb.concat([a, a, nb.zeros([2, 3, 1])])).toThrow(/tensor 2 has shape \[2, 3, 1\], which differs from \[2, 3\] outside axis 0/);
  });
});

describe('linear bad input', () => {
  const w = nb.zeros([4, 3]);

  it('names the shapes involved', () => {
    expect(() => nb.linear(nb.zeros([2, 5]), w)).toThrow(/linear: input of shape \[2, 5\] does not end in inFeatures = 3 \(weight is \[4, 3\]\)/);
    expect(() => nb.linear(nb.zeros([2, 3]), nb.zeros([12]))).toThrow(/linear: weight must be 2-D \[outFeatures, inFeatures\], got \[12\]/);
    expect(() => nb.linear(nb.zeros([2, 3]), w, nb.zeros([3]))).toThrow(/linear: bias must have shape \[4\], got \[3\]/);
    expect(() => nb.linear(nb.zeros([2, 3], { dtype: 'float64' }), w)).toThrow(/share one float dtype, got float64, float32/);
  });
});

describe('other creation and autograd misuse', () => {
  it('a ragged array names the position', () => {
    expect(() => nb.tensor([[1, 2, 3], [4, 5]])).toThrow(/ragged nested array: \[1\] should have 3 elements/);
  });

  it('an op given something that is not a tensor or number says so', () => {
    expect(() => nb.add(nb.zeros([1]), 'x' as unknown as number)).toThrow(/expected a Tensor or a number, got string/);
  });
});
