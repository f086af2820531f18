import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

// Facts about convolution and pooling (issue 12), each shown as an assertion that fails if the
// fact does not hold for nabla's ops. All in float64.

let seed = 100;
const randn = (shape: number[]) => nb.randn(shape, { dtype: 'float64', generator: new nb.Generator(seed++) });
const f64 = (values: nb.NestedArray) => nb.tensor(values, { dtype: 'float64' });
const host = (t: nb.Tensor) => Array.from(t.toTypedArray());

describe('average pooling is a depthwise convolution with weights 1/k^2', () => {
  it.each([
    ['kernel 2', { kernelSize: 2 }, 2, { stride: 2 }],
    ['kernel 3, stride 1', { kernelSize: 3, stride: 1 }, 3, {}],
    ['kernel 3, stride 2, padding 1 (the padding counted)', { kernelSize: 3, stride: 2, padding: 1 }, 3, { stride: 2, padding: 1 }],
  ] as const)('%s', (_, poolOptions, k, convOptions) => {
    const c = 3;
    const x = randn([2, c, 7, 6]);
    const pooled = nb.avgPool2d(x, poolOptions);
    // Depthwise: groups = C, one [1, k, k] filter per channel.
    const depthwise = nb.conv2d(x, nb.full([c, 1, k, k], 1 / k ** 2, { dtype: 'float64' }), null, { ...convOptions, groups: c });
    allclose(depthwise, pooled, 1e-14, 1e-13);
    // The same as a dense convolution whose filter o is 1/k^2 on input channel o and 0 on the others.
    const dense = new Float64Array(c * c * k * k);
    for (let o = 0; o < c; o++) dense.fill(1 / k ** 2, (o * c + o) * k * k, (o * c + o + 1) * k * k);
    allclose(nb.conv2d(x, nb.tensor(dense, { dtype: 'float64', shape: [c, c, k, k] }), null, convOptions), pooled, 1e-14, 1e-13);
    // And its gradient, too.
    const g = randn([...pooled.shape]);
    const x1 = x.detach().requiresGrad_(true);
    nb.avgPool2d(x1, poolOptions).backward(g);
    const x2 = x.detach().requiresGrad_(true);
    nb.conv2d(x2, nb.full([c, 1, k, k], 1 / k ** 2, { dtype: 'float64' }), null, { ...convOptions, groups: c }).backward(g);
    allclose(x2.grad!, x1.grad!, 1e-14, 1e-13);
  });

  it('1-D: avgPool1d with kernel k is conv1d with weights 1/k', () => {
    const x = randn([2, 4, 9]);
    allclose(nb.conv1d(x, nb.full([4, 1, 3], 1 / 3, { dtype: 'float64' }), null, { stride: 3, groups: 4 }), nb.avgPool1d(x, 3), 1e-14, 1e-13);
  });

  it('but not once the padding is left out of the divisor (countIncludePad false): the border windows differ', () => {
    const x = nb.ones([1, 1, 4, 4], { dtype: 'float64' });
    const conv = nb.conv2d(x, nb.full([1, 1, 3, 3], 1 / 9, { dtype: 'float64' }), null, { padding: 1 });
    const pooled = nb.avgPool2d(x, { kernelSize: 3, stride: 1, padding: 1, countIncludePad: false });
    expect(host(pooled).every((v) => Math.abs(v - 1) < 1e-15)).toBe(true); // the mean of ones is one
    expect(host(conv)[0]).toBeCloseTo(4 / 9, 15); // a corner sees 4 ones and 5 zeros of padding
  });
});

describe('a 1x1 convolution with weights (0.299, 0.587, 0.114) turns RGB into grayscale', () => {
  it('equals the weighted sum of the channels, pixel by pixel', () => {
    const [n, h, w] = [2, 4, 5];
    const rgb = nb.rand([n, 3, h, w], { dtype: 'float64', generator: new nb.Generator(7) });
    const gray = nb.conv2d(rgb, f64([[[[0.299]], [[0.587]], [[0.114]]]]));
    expect(gray.shape).toEqual([n, 1, h, w]);
    const x = host(rgb);
    const expected: number[] = [];
    for (let b = 0; b < n; b++) {
      for (let p = 0; p < h * w; p++) {
        const at = (c: number) => x[(b * 3 + c) * h * w + p];
        expected.push(0.299 * at(0) + 0.587 * at(1) + 0.114 * at(2));
      }
    }
    allclose(gray, nb.tensor(Float64Array.from(expected), { dtype: 'float64', shape: [n, 1, h, w] }), 1e-15, 1e-14);
    // White stays white (the weights sum to 1) and pure red is 0.299.
    const white = nb.ones([1, 3, 1, 1], { dtype: 'float64' });
    expect(nb.conv2d(white, f64([[[[0.299]], [[0.587]], [[0.114]]]])).item()).toBeCloseTo(1, 15);
    expect(nb.conv2d(f64([[[[1]], [[0]], [[0]]]]), f64([[[[0.299]], [[0.587]], [[0.114]]]])).item()).toBeCloseTo(0.299, 15);
  });
});

describe('a 2-filter 3x3 convolution computes vertical and horizontal differences', () => {
  // Cross-correlation with padding 1: y[i, j] = sum_ab W[a, b] X[i + a - 1, j + b - 1]. Filter 0 has
  // -1 at the centre and +1 below it, filter 1 has -1 at the centre and +1 right of it.
  const weight = f64([
    [[[0, 0, 0], [0, -1, 0], [0, 1, 0]]],
    [[[0, 0, 0], [0, -1, 1], [0, 0, 0]]],
  ]);

  it('y0[i, j] = X[i+1, j] - X[i, j] and y1[i, j] = X[i, j+1] - X[i, j] (X zero outside)', () => {
    const [h, w] = [5, 6];
    const image = randn([1, 1, h, w]);
    const y = nb.conv2d(image, weight, null, { padding: 1 });
    expect(y.shape).toEqual([1, 2, h, w]);
    const x = host(image);
    const X = (i: number, j: number) => (i < h && j < w ? x[i * w + j] : 0);
    const vertical: number[] = [];
    const horizontal: number[] = [];
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        vertical.push(X(i + 1, j) - X(i, j));
        horizontal.push(X(i, j + 1) - X(i, j));
      }
    }
    allclose(y, nb.tensor(Float64Array.from([...vertical, ...horizontal]), { dtype: 'float64', shape: [1, 2, h, w] }), 0, 0);
  });

  it('on a vertical edge only the horizontal difference responds, and only at the edge', () => {
    // Columns 0..2 dark (0), 3..5 bright (1); the valid part of the output (away from the zero padding).
    const image = nb.tensor(Float64Array.from({ length: 36 }, (_, k) => (k % 6 >= 3 ? 1 : 0)), { dtype: 'float64', shape: [1, 1, 6, 6] });
    const y = nb.conv2d(image, weight, null, { padding: 1 });
    const interior = (c: number) => host(nb.slice(y, [0, c, { start: 0, end: 5 }, { start: 0, end: 5 }]));
    expect(interior(0).every((v) => v === 0)).toBe(true);
    expect(interior(1)).toEqual(Array.from({ length: 25 }, (_, k) => (k % 5 === 2 ? 1 : 0)));
  });
});

describe('max pooling commutes with any nondecreasing activation', () => {
  const x = randn([2, 3, 7, 6]);
  const options: nb.PoolOptions = { kernelSize: 3, stride: 2, padding: 1 };
  it.each([
    ['relu', nb.relu],
    ['sigmoid', nb.sigmoid],
    ['tanh', nb.tanh],
    ['leakyRelu', (t: nb.Tensor) => nb.leakyRelu(t, 0.1)],
  ] as const)('maxPool(%s(x)) = %s(maxPool(x))', (_, f) => {
    allclose(nb.maxPool2d(f(x), options), f(nb.maxPool2d(x, options)), 0, 0);
    allclose(nb.maxPool1d(f(x.reshape([2, 3, 42])), 4), f(nb.maxPool1d(x.reshape([2, 3, 42]), 4)), 0, 0);
  });

  it('but not with a decreasing one (maxPool(-x) is minus the min-pool) nor with average pooling and relu', () => {
    const a = host(nb.maxPool2d(x.neg(), options));
    const b = host(nb.maxPool2d(x, options).neg());
    expect(a.filter((v, i) => v !== b[i]).length).toBeGreaterThan(a.length / 2);
    const c = host(nb.avgPool2d(nb.relu(x), options));
    const d = host(nb.relu(nb.avgPool2d(x, options)));
    expect(c.filter((v, i) => Math.abs(v - d[i]) > 1e-12).length).toBeGreaterThan(0);
  });
});

describe('dropout commutes with ReLU and leaky ReLU but not with sigmoid (same mask)', () => {
  const x = randn([4, 50]);
  const p = 0.5;
  // The same generator seed gives the same mask: m_i in {0, 1/(1-p)}.
  const drop = (t: nb.Tensor) => nb.dropout(t, p, { training: true, generator: new nb.Generator(42) });

  it('the mask is the same for the same seed, and drops about half', () => {
    const ones = nb.ones([4, 50], { dtype: 'float64' });
    const mask = host(drop(ones));
    expect(host(drop(ones))).toEqual(mask);
    expect(mask.every((m) => m === 0 || m === 2)).toBe(true);
    const zeros = mask.filter((m) => m === 0).length;
    expect(zeros).toBeGreaterThan(60);
    expect(zeros).toBeLessThan(140);
  });

  it('dropout(relu(x)) = relu(dropout(x)): relu(m x) = m relu(x) for m >= 0', () => {
    allclose(drop(nb.relu(x)), nb.relu(drop(x)), 0, 0);
  });

  it('dropout(leakyRelu(x)) = leakyRelu(dropout(x)) (positively homogeneous)', () => {
    allclose(drop(nb.leakyRelu(x, 0.2)), nb.leakyRelu(drop(x), 0.2), 1e-16, 1e-15);
  });

  it('dropout(sigmoid(x)) != sigmoid(dropout(x)): a dropped unit gives 0 on one side and sigmoid(0) = 1/2 on the other', () => {
    const a = host(drop(nb.sigmoid(x)));
    const b = host(nb.sigmoid(drop(x)));
    const mask = host(drop(nb.ones([4, 50], { dtype: 'float64' })));
    mask.forEach((m, i) => {
      if (m === 0) {
        expect(a[i]).toBe(0);
        expect(b[i]).toBe(0.5);
      } else {
        expect(Math.abs(a[i] - b[i])).toBeGreaterThan(1e-6); // 2 sigmoid(x) vs sigmoid(2x)
      }
    });
  });
});

describe('the gradients of a strided convolution are convolutions', () => {
  // y = conv2d(x, W, stride s, padding p, dilation d); g = dL/dy.
  const cases = [
    { name: 'stride 2, padding 1, kernel 3 (outputPadding [1, 0])', x: [2, 3, 8, 7], w: [4, 3, 3, 3], stride: 2, padding: 1, dilation: 1, groups: 1 },
    { name: 'stride [3, 2], no padding, kernel [2, 3] (outputPadding [2, 1])', x: [1, 2, 10, 8], w: [3, 2, 2, 3], stride: [3, 2], padding: 0, dilation: 1, groups: 1 },
    { name: 'stride 2, padding 2, dilation 2', x: [1, 2, 9, 9], w: [2, 2, 3, 3], stride: 2, padding: 2, dilation: 2, groups: 1 },
    { name: 'stride 2, groups 2 (input gradient)', x: [1, 4, 7, 6], w: [6, 2, 3, 3], stride: 2, padding: 1, dilation: 1, groups: 2 },
  ];
  const pair = (v: number | number[]) => (typeof v === 'number' ? [v, v] : v);

  it.each(cases)('$name', ({ x: xs, w: ws, stride, padding, dilation, groups }) => {
    const x = randn(xs).requiresGrad_(true);
    const w = randn(ws).requiresGrad_(true);
    const b = randn([ws[0]]).requiresGrad_(true);
    const y = nb.conv2d(x, w, b, { stride, padding, dilation, groups });
    const g = randn([...y.shape]);
    y.backward(g);
    const [s, p, d, k] = [pair(stride), pair(padding), pair(dilation), ws.slice(2)];
    const spatial = xs.slice(2);
    const outSpatial = y.shape.slice(2);

    // dL/dx = convTranspose2d(g, W) with the same stride, padding and dilation; outputPadding
    // restores the input rows the strided windows skipped at the end: n - ((o - 1) s - 2p + d (k - 1) + 1).
    const outputPadding = spatial.map((n, i) => n - ((outSpatial[i] - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + 1));
    const dx = nb.convTranspose2d(g, w.detach(), null, { stride, padding, dilation, outputPadding, groups });
    allclose(x.grad!, dx, 1e-13, 1e-12);

    // dL/db = the sum of g over the batch and every position.
    allclose(b.grad!, g.sum([0, 2, 3]), 1e-13, 1e-12);

    if (groups !== 1) return;
    // dL/dW[o, c, a, b] = sum_{n,i,j} g[n, o, i, j] xpad[n, c, s i + d a, s j + d b]: a convolution
    // of the padded input (channels and batch swapped) with g as the filter, dilated by the stride,
    // stepping by the original dilation; the first k rows and columns are W's (the rest would pair
    // g with input rows that no window reached).
    const xpad = nb.pad(x.detach(), [p[1], p[1], p[0], p[0]]);
    const full = nb.conv2d(xpad.transpose(0, 1), g.transpose(0, 1), null, { dilation: s, stride: d });
    const dw = nb.slice(full, [':', ':', { start: 0, end: k[0] }, { start: 0, end: k[1] }]).transpose(0, 1);
    expect(dw.shape).toEqual(ws);
    allclose(w.grad!, dw, 1e-13, 1e-12);
    // The same sum written out, for one weight element.
    const [o, c, a, bb] = [ws[0] - 1, ws[1] - 1, k[0] - 1, k[1] - 1];
    const xp = host(xpad);
    const gv = host(g);
    const [hp, wp] = xpad.shape.slice(2);
    let direct = 0;
    for (let n = 0; n < xs[0]; n++) {
      for (let i = 0; i < outSpatial[0]; i++) {
        for (let j = 0; j < outSpatial[1]; j++) {
          direct += gv[((n * ws[0] + o) * outSpatial[0] + i) * outSpatial[1] + j] * xp[((n * ws[1] + c) * hp + s[0] * i + d[0] * a) * wp + s[1] * j + d[1] * bb];
        }
      }
    }
    expect(host(w.grad!)[((o * ws[1] + c) * k[0] + a) * k[1] + bb]).toBeCloseTo(direct, 12);
  });

  it('and the input gradient is exactly what convTranspose2d computes as a forward op: the adjoint identity <conv(x), g> = <x, convT(g)>', () => {
    const x = randn([2, 3, 8, 7]);
    const w = randn([4, 3, 3, 3]);
    const y = nb.conv2d(x, w, null, { stride: 2, padding: 1 });
    const g = randn([...y.shape]);
    const lhs = y.mul(g).sum().item();
    const rhs = x.mul(nb.convTranspose2d(g, w, null, { stride: 2, padding: 1, outputPadding: [1, 0] })).sum().item();
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-12 * Math.max(1, Math.abs(lhs)));
  });
});
