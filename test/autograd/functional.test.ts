import { describe, expect, it } from 'vitest';
import { record } from '../../src/autograd/graph.js';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

// Everything in float64, compared with the closed forms to 1e-12 (atol, no rtol) unless said otherwise.
const EXACT = 1e-12;
const f64 = (values: nb.NestedArray, shape?: number[]) => nb.tensor(values, { dtype: 'float64', shape });
const randn = (shape: number[], seed: number) => nb.randn(shape, { dtype: 'float64', generator: new nb.Generator(seed) });
const values = (t: nb.Tensor) => Array.from(t.toTypedArray());
const delta = (i: number, j: number) => (i === j ? 1 : 0);
/** An [m, n] nested array with entries entry(i, j). */
const matrix = (m: number, n: number, entry: (i: number, j: number) => number) =>
  Array.from({ length: m }, (_, i) => Array.from({ length: n }, (_, j) => entry(i, j)));

describe('jacobian: the known forms of a layer', () => {
  const A = randn([4, 3], 1);
  const yPrev = randn([3], 2);
  const b = randn([4], 3);
  const a = values(A);
  const y = values(yPrev);

  it('y = sigma(A y_prev + b): dy/db = diag(sigma\'), dy/dy_prev = diag(sigma\') A, dy/dA[i, j, k] = delta_ij sigma\'_i y_prev[k]', () => {
    const layers = {
      'matmul + sigmoid': (W: nb.Tensor, x: nb.Tensor, bias: nb.Tensor) => W.matmul(x).add(bias).sigmoid(),
      'fused nb.linear': (W: nb.Tensor, x: nb.Tensor, bias: nb.Tensor) => nb.linear(x, W, bias, { activation: 'sigmoid' }),
    };
    for (const f of Object.values(layers)) {
      const s = values(f(A, yPrev, b));
      const ds = s.map((v) => v * (1 - v));
      const [dA, dy, db] = nb.jacobian(f, [A, yPrev, b]);
      allclose(db, matrix(4, 4, (i, j) => delta(i, j) * ds[i]), EXACT, 0);
      allclose(dy, matrix(4, 3, (i, k) => ds[i] * a[i * 3 + k]), EXACT, 0);
      allclose(dA, Array.from({ length: 4 }, (_, i) => matrix(4, 3, (j, k) => delta(i, j) * ds[i] * y[k])), EXACT, 0);
    }
  });

  it('linear output layer y_L = A_L y_prev + b_L: dy_L/dA_L = I kron y_prev^T (A_L flattened row-major), dy_L/db_L = I', () => {
    const [dA, db] = nb.jacobian((W: nb.Tensor, bias: nb.Tensor) => W.matmul(yPrev).add(bias), [A, b]);
    // Block [4, 4, 3]: d y_i / d A[j, k] = delta_ij y_prev[k]; as [4, 12], the Kronecker product.
    expect(dA.shape).toEqual([4, 4, 3]);
    allclose(dA.reshape([4, 12]), matrix(4, 12, (i, jk) => delta(i, Math.floor(jk / 3)) * y[jk % 3]), EXACT, 0);
    allclose(db, matrix(4, 4, delta), EXACT, 0);
  });

  it('a residual layer y = sigma(A x + b) + x has Jacobian diag(sigma\') A + I', () => {
    const layer = new nb.Linear(3, 3, { dtype: 'float64', generator: new nb.Generator(4) });
    const model = new nb.Residual(new nb.Sequential(layer, new nb.Sigmoid()));
    const x = randn([1, 3], 5);
    const s = values(model.forward(x)).map((v, i) => v - values(x)[i]);
    const ds = s.map((v) => v * (1 - v));
    const w = values(layer.weight);
    const J = nb.jacobian((input) => model.forward(input), x);
    expect(J.shape).toEqual([1, 3, 1, 3]);
    allclose(J.reshape([3, 3]), matrix(3, 3, (i, k) => ds[i] * w[i * 3 + k] + delta(i, k)), EXACT, 0);
  });
});

describe('residual connections keep the gradient of a saturated 8-layer stack', () => {
  const width = 4;
  /** 8 sigmoid layers; layers 2..8 saturated (sigma' = 0 exactly in float64: sigma(40) = 1) or with zero weights. */
  function stack(residual: boolean, kill: 'saturated' | 'zero weights'): { model: nb.Sequential; first: nb.Linear } {
    const g = new nb.Generator(6);
    const layers = Array.from({ length: 8 }, (_, l) => {
      const linear = new nb.Linear(width, width, { dtype: 'float64', generator: g });
      if (l > 0 && kill === 'saturated') nb.init.constant_(linear.bias!, 40);
      if (l > 0 && kill === 'zero weights') nb.init.zeros_(linear.weight);
      return linear;
    });
    const blocks = layers.map((linear) => {
      const body = new nb.Sequential(linear, new nb.Sigmoid());
      return residual ? new nb.Residual(body) : body;
    });
    return { model: new nb.Sequential(...blocks), first: layers[0] };
  }

  for (const kill of ['saturated', 'zero weights'] as const) {
    it(`${kill}: the plain network's first-layer gradient is 0, the residual one's is sigma'_1 x^T`, () => {
      const x = randn([1, width], 7);
      const plain = stack(false, kill);
      plain.model.forward(x).sum().backward();
      expect(values(plain.first.weight.grad!).every((v) => Math.abs(v) < 1e-30)).toBe(true);
      expect(values(nb.grad((input: nb.Tensor) => plain.model.forward(input).sum())(x)).every((v) => Math.abs(v) < 1e-30)).toBe(true);

      const res = stack(true, kill);
      res.model.forward(x).sum().backward();
      // Each later layer's Jacobian is diag(0) A + I = I: dL/dy_1 is all ones, so dL/dW_1 = sigma'(z_1) x^T.
      const z1 = nb.noGrad(() => nb.linear(x, res.first.weight, res.first.bias, { activation: 'sigmoid' }));
      const ds = values(z1).map((v) => v * (1 - v));
      const xs = values(x);
      allclose(res.first.weight.grad!, matrix(width, width, (i, k) => ds[i] * xs[k]), EXACT, 0);
      expect(values(res.first.weight.grad!).some((v) => Math.abs(v) > 1e-3)).toBe(true);
      // And the input gradient is 1 + W_1^T sigma'_1.
      const w = values(res.first.weight);
      const dx = nb.grad((input: nb.Tensor) => res.model.forward(input).sum())(x);
      allclose(dx, [Array.from({ length: width }, (_, k) => 1 + ds.reduce((acc, d, i) => acc + d * w[i * width + k], 0))], EXACT, 0);
    });
  }
});

describe('softmax and cross-entropy', () => {
  it('softmax: dP_i/dz_k = P_i (delta_ik - P_k), per row of a batch', () => {
    const z = randn([2, 5], 8);
    const P = values(nb.softmax(z, -1));
    const J = nb.jacobian((t) => nb.softmax(t, -1), z);
    expect(J.shape).toEqual([2, 5, 2, 5]);
    const expected = Array.from({ length: 2 }, (_, n) => matrix(5, 2 * 5, (i, mk) => {
      const [m, k] = [Math.floor(mk / 5), mk % 5];
      return m !== n ? 0 : P[n * 5 + i] * (delta(i, k) - P[n * 5 + k]);
    }));
    allclose(J.reshape([2, 5, 10]), expected, EXACT, 0);
  });

  it('softmax + cross-entropy: dL/dz = P - Y, divided by N for mean; with class indices and with probabilities', () => {
    const z = randn([3, 4], 9);
    const labels = nb.tensor([2, 0, 3], { dtype: 'int32' });
    const Y = nb.oneHot(labels, 4).to('float64');
    const P = values(nb.softmax(z, 1));
    const Pminus = P.map((p, i) => p - values(Y)[i]);
    const losses = {
      crossEntropy: (t: nb.Tensor, target: nb.Tensor, reduction: nb.Reduction) => nb.crossEntropy(t, target, { reduction }),
      softmaxCrossEntropy: (t: nb.Tensor, target: nb.Tensor, reduction: nb.Reduction) => nb.softmaxCrossEntropy(t, target, reduction),
    };
    for (const loss of Object.values(losses)) {
      for (const target of [labels, Y]) {
        allclose(nb.grad((t: nb.Tensor) => loss(t, target, 'sum'))(z), f64(Pminus, [3, 4]), EXACT, 0);
        allclose(nb.grad((t: nb.Tensor) => loss(t, target, 'mean'))(z), f64(Pminus.map((v) => v / 3), [3, 4]), EXACT, 0);
      }
    }
  });

  it('the Hessian of the mean cross-entropy is (diag(P_n) - P_n P_n^T) / N per row (createGraph through softmaxCrossEntropy)', () => {
    const z = randn([2, 3], 10);
    const labels = nb.tensor([1, 2], { dtype: 'int32' });
    const P = values(nb.softmax(z, 1));
    const H = nb.jacobian(nb.grad((t: nb.Tensor) => nb.crossEntropy(t, labels), { createGraph: true }), z);
    const expected = Array.from({ length: 2 }, (_, n) => matrix(3, 6, (i, mk) => {
      const [m, k] = [Math.floor(mk / 3), mk % 3];
      return m !== n ? 0 : (P[n * 3 + i] * (delta(i, k) - P[n * 3 + k])) / 2;
    }));
    allclose(H.reshape([2, 3, 6]), expected, EXACT, 0);
  });
});

describe('jacobian of a 1-D convolution (kernel 3, stride 2, 5 channels in, length 7, 4 out, no bias)', () => {
  // PyTorch's layout: x [N = 1, C = 5, L = 7], W [O = 4, C = 5, k = 3], out [1, 4, 3].
  const x = randn([1, 5, 7], 11);
  const W = randn([4, 5, 3], 12);
  const conv = (input: nb.Tensor, weight: nb.Tensor) => nb.conv1d(input, weight, null, { stride: 2 });
  const xs = values(x);
  const ws = values(W);

  it('has output length 3, d out[o, r] / d W[o\', c, k] = delta_oo\' x[c, k + 2r] and d out[o, r] / d x[c, t] = W[o, c, t - 2r]', () => {
    expect(conv(x, W).shape).toEqual([1, 4, 3]);
    const [dx, dW] = nb.jacobian(conv, [x, W]);
    expect(dW.shape).toEqual([1, 4, 3, 4, 5, 3]);
    expect(dx.shape).toEqual([1, 4, 3, 1, 5, 7]);
    const expectedW: number[] = [];
    const expectedX: number[] = [];
    for (let o = 0; o < 4; o++) {
      for (let r = 0; r < 3; r++) {
        for (let p = 0; p < 4; p++) for (let c = 0; c < 5; c++) for (let k = 0; k < 3; k++) expectedW.push(o === p ? xs[c * 7 + k + 2 * r] : 0);
        for (let c = 0; c < 5; c++) {
          for (let t = 0; t < 7; t++) {
            const k = t - 2 * r;
            expectedX.push(k >= 0 && k < 3 ? ws[(o * 5 + c) * 3 + k] : 0);
          }
        }
      }
    }
    allclose(dW, f64(expectedW, dW.shape as number[]), EXACT, 0);
    allclose(dx, f64(expectedX, dx.shape as number[]), EXACT, 0);
  });

  it('jvp and vjp through the convolution agree with J v and v J', () => {
    const J = nb.jacobian((input) => conv(input, W), x).reshape([12, 35]);
    const u = randn([1, 5, 7], 13);
    const v = randn([1, 4, 3], 14);
    allclose(nb.jvp((input) => conv(input, W), x, u).jvp.reshape([12]), J.matmul(u.reshape([35])), EXACT, 0);
    allclose(nb.vjp((input) => conv(input, W), x, v).vjp.reshape([35]), v.reshape([12]).matmul(J), EXACT, 0);
  });
});

describe('grad, vjp and jvp', () => {
  const A = randn([3, 4], 15);
  // tanh, matmul, slices (PartialGradient), sigmoid and broadcasting: J is [3, 4].
  const f = (x: nb.Tensor) => nb.tanh(A.matmul(x)).mul(x.slice([0, 3])).add(x.slice([1, 4]).sigmoid().mul(x.sum()));
  const x = randn([4], 16);

  it('jvp equals J v and vjp equals v J, with the output of f', () => {
    const J = nb.jacobian(f, x);
    expect(J.shape).toEqual([3, 4]);
    const u = randn([4], 17);
    const v = randn([3], 18);
    const forward = nb.jvp(f, x, u);
    allclose(forward.output, f(x), 0, 0);
    allclose(forward.jvp, J.matmul(u), EXACT, 0);
    const reverse = nb.vjp(f, x, v);
    allclose(reverse.output, f(x), 0, 0);
    allclose(reverse.vjp, v.matmul(J), EXACT, 0);
    expect(reverse.output.requiresGrad).toBe(false);
    expect(reverse.vjp.requiresGrad).toBe(false);
  });

  it('several inputs: one Jacobian block per input, [...out, ...input]; jvp sums J_k v_k, vjp gives one product per input', () => {
    const a = randn([3, 1], 19);
    const b = randn([1, 2], 20);
    const g = (p: nb.Tensor, q: nb.Tensor) => p.mul(q).add(p.exp()); // [3, 2] by broadcasting
    const [Ja, Jb] = nb.jacobian(g, [a, b]);
    expect(Ja.shape).toEqual([3, 2, 3, 1]);
    expect(Jb.shape).toEqual([3, 2, 1, 2]);
    const [as, bs] = [values(a), values(b)];
    const expectedA: number[] = [];
    const expectedB: number[] = [];
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 2; j++) {
        for (let k = 0; k < 3; k++) expectedA.push(delta(i, k) * (bs[j] + Math.exp(as[i])));
        for (let k = 0; k < 2; k++) expectedB.push(delta(j, k) * as[i]);
      }
    }
    allclose(Ja, f64(expectedA, [3, 2, 3, 1]), EXACT, 0);
    allclose(Jb, f64(expectedB, [3, 2, 1, 2]), EXACT, 0);

    const [ua, ub] = [randn([3, 1], 21), randn([1, 2], 22)];
    const expectedJvp = Ja.reshape([6, 3]).matmul(ua.reshape([3])).add(Jb.reshape([6, 2]).matmul(ub.reshape([2])));
    allclose(nb.jvp(g, [a, b], [ua, ub]).jvp.reshape([6]), expectedJvp, EXACT, 0);
    const v = randn([3, 2], 23);
    const [va, vb] = nb.vjp(g, [a, b], v).vjp;
    allclose(va.reshape([3]), v.reshape([6]).matmul(Ja.reshape([6, 3])), EXACT, 0);
    allclose(vb.reshape([2]), v.reshape([6]).matmul(Jb.reshape([6, 2])), EXACT, 0);
  });

  it('jvp and vjp through a model (fused Linear + tanh, Linear, logSoftmax) agree with its Jacobian', () => {
    const g = new nb.Generator(24);
    const model = new nb.Sequential(new nb.Linear(4, 5, { dtype: 'float64', generator: g }), new nb.Tanh(), new nb.Linear(5, 3, { dtype: 'float64', generator: g }), new nb.LogSoftmax());
    const input = randn([2, 4], 25);
    const J = nb.jacobian((t) => model.forward(t), input).reshape([6, 8]);
    const u = randn([2, 4], 26);
    const v = randn([2, 3], 27);
    allclose(nb.jvp((t) => model.forward(t), input, u).jvp.reshape([6]), J.matmul(u.reshape([8])), EXACT, 0);
    allclose(nb.vjp((t) => model.forward(t), input, v).vjp.reshape([8]), v.reshape([6]).matmul(J), EXACT, 0);
  });

  it('grad of a scalar function equals the central finite difference', () => {
    const h = (t: nb.Tensor) => nb.logsumexp(t.mul(t.sin())).add(t.square().mean());
    const analytic = values(nb.grad(h)(x));
    const eps = 1e-6;
    const numeric = values(x).map((_, i) => {
      const shifted = (d: number) => h(x.add(f64(values(x).map((_, j) => (i === j ? d : 0))))).item();
      return (shifted(eps) - shifted(-eps)) / (2 * eps);
    });
    allclose(analytic, numeric, 1e-8, 0);
  });

  it('argnums picks the arguments: a number gives one gradient, an array one per index; the others pass through', () => {
    const p = randn([3], 28);
    const q = randn([3], 29);
    const dot = (s: nb.Tensor, t: nb.Tensor) => s.mul(t).sum();
    allclose(nb.grad(dot)(p, q), q, 0, 0);
    allclose(nb.grad(dot, { argnums: 1 })(p, q), p, 0, 0);
    const [dp, dq] = nb.grad(dot, { argnums: [0, 1] })(p, q);
    allclose(dp, q, 0, 0);
    allclose(dq, p, 0, 0);
    expect(() => nb.grad(dot, { argnums: 2 })(p, q)).toThrow(/grad: argnums must be distinct indices of f's 2 argument\(s\), got 2/);
  });
});

describe('second derivatives with createGraph', () => {
  const x = randn([5], 30);
  const xs = values(x);

  it('d2/dx2 x^3 = 6x, by grad of grad', () => {
    const cube = (t: nb.Tensor) => t.pow(3).sum();
    const d2 = nb.grad((t: nb.Tensor) => nb.grad(cube, { createGraph: true })(t).sum())(x);
    allclose(d2, xs.map((v) => 6 * v), EXACT, 1e-12);
    const viaMul = nb.grad((t: nb.Tensor) => nb.grad((s: nb.Tensor) => s.mul(s).mul(s).sum(), { createGraph: true })(t).sum())(x);
    allclose(viaMul, xs.map((v) => 6 * v), EXACT, 1e-12);
  });

  it('the Hessian of x^T A x is A + A^T', () => {
    const A = randn([5, 5], 31);
    const H = nb.jacobian(nb.grad((t: nb.Tensor) => t.matmul(A).matmul(t), { createGraph: true }), x);
    allclose(H, A.add(A.T), EXACT, 0);
  });

  it('the Hessian of logsumexp is diag(p) - p p^T with p = softmax(x)', () => {
    const p = values(nb.softmax(x, 0));
    const H = nb.jacobian(nb.grad((t: nb.Tensor) => nb.logsumexp(t), { createGraph: true }), x);
    allclose(H, matrix(5, 5, (i, k) => p[i] * delta(i, k) - p[i] * p[k]), EXACT, 0);
  });

  it('second derivatives of the activations: sigmoid, tanh, relu, exp, log, and the fused Linear + sigmoid', () => {
    const positive = x.abs().add(0.5);
    const second = (h: (t: nb.Tensor) => nb.Tensor, at: nb.Tensor) =>
      nb.grad((t: nb.Tensor) => nb.grad((s: nb.Tensor) => h(s).sum(), { createGraph: true })(t).sum())(at);
    const s = xs.map((v) => 1 / (1 + Math.exp(-v)));
    allclose(second(nb.sigmoid, x), s.map((v) => v * (1 - v) * (1 - 2 * v)), EXACT, 0);
    allclose(second(nb.tanh, x), xs.map((v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2)), EXACT, 0);
    allclose(second(nb.relu, x), xs.map(() => 0), 0, 0);
    allclose(second(nb.exp, x), xs.map(Math.exp), EXACT, 1e-12);
    allclose(second(nb.log, positive), values(positive).map((v) => -1 / (v * v)), EXACT, 1e-12);

    // f = sum sigma(W x + b): H = W^T diag(sigma''(z)) W.
    const W = randn([3, 5], 32);
    const b = randn([3], 33);
    const z = values(W.matmul(x).add(b)).map((v) => 1 / (1 + Math.exp(-v)));
    const dd = z.map((v) => v * (1 - v) * (1 - 2 * v));
    const ws = values(W);
    const H = nb.jacobian(nb.grad((t: nb.Tensor) => nb.linear(t, W, b, { activation: 'sigmoid' }).sum(), { createGraph: true }), x);
    allclose(H, matrix(5, 5, (i, k) => dd.reduce((acc, d, j) => acc + ws[j * 5 + i] * d * ws[j * 5 + k], 0)), EXACT, 0);
  });

  it('Hessians through slices, concat, reshape, conv1d, maxPool1d, softmax, gather and broadcasting match finite differences of the gradient', () => {
    const W = randn([2, 3, 2], 34);
    const labels = nb.tensor([1, 0], { dtype: 'int32' });
    const h = (t: nb.Tensor) => {
      const image = nb.concat([t.slice([0, 6]).reshape([1, 3, 2]), t.reshape([1, 3, 4])], 2).tanh(); // [1, 3, 6]
      const features = nb.maxPool1d(nb.conv1d(image, W, null, { padding: 1 }), 2).reshape([2, 3]); // [1, 2, 7] -> [1, 2, 3]
      const scale = t.slice([0, 3]).reshape([1, 3]).sigmoid(); // broadcast against [2, 3]
      return nb.nllLoss(nb.logSoftmax(features.mul(scale), 1), labels).add(nb.softmax(t, 0).square().sum());
    };
    const at = randn([12], 35);
    const H = nb.jacobian(nb.grad(h, { createGraph: true }), at);
    const g = nb.grad(h);
    const eps = 1e-5;
    const numeric = Array.from({ length: 12 }, (_, k) => {
      const shift = (d: number) => values(g(at.add(f64(Array.from({ length: 12 }, (_, j) => (j === k ? d : 0))))));
      const [plus, minus] = [shift(eps), shift(-eps)];
      return plus.map((p, i) => (p - minus[i]) / (2 * eps));
    });
    // numeric[k][i] = d g_i / d x_k; the Hessian is symmetric.
    allclose(H, matrix(12, 12, (i, k) => numeric[k][i]), 1e-7, 0);
    allclose(H, H.T, 1e-12, 0);
  });

  it('backward with createGraph leaves a differentiable .grad; gradients() returns instead of accumulating', () => {
    const t = x.detach().requiresGrad_(true);
    t.pow(3).sum().backward({ createGraph: true });
    expect(t.grad!.requiresGrad).toBe(true);
    allclose(t.grad!, xs.map((v) => 3 * v * v), EXACT, 1e-12);
    const first = t.grad!;
    const [d2] = nb.gradients(first.sum(), [t]);
    allclose(d2!, xs.map((v) => 6 * v), EXACT, 1e-12);
    expect(t.grad).toBe(first);

    const u = nb.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const unused = nb.tensor([3], { dtype: 'float64', requiresGrad: true });
    const hidden = u.mul(u);
    const grads = nb.gradients(hidden.sum(), [hidden, u, unused]);
    allclose(grads[0]!, [1, 1], 0, 0);
    allclose(grads[1]!, [2, 4], 0, 0);
    expect(grads[2]).toBeNull();
    expect(u.grad).toBeNull();
  });
});

describe('the caller\'s tensors are left alone', () => {
  it('jacobian, grad, vjp and jvp change neither the inputs nor any parameter\'s .grad', () => {
    const model = new nb.Sequential(new nb.Linear(3, 2, { dtype: 'float64', generator: new nb.Generator(36) }), new nb.Sigmoid());
    const x = randn([1, 3], 37);
    const before = values(x);
    const [weight, bias] = model.parameters();
    nb.jacobian((t) => model.forward(t), x);
    nb.grad((t: nb.Tensor) => model.forward(t).sum())(x);
    nb.vjp((t) => model.forward(t), x, randn([1, 2], 38));
    nb.jvp((t) => model.forward(t), x, randn([1, 3], 39));
    nb.jacobian(nb.grad((t: nb.Tensor) => model.forward(t).sum(), { createGraph: true }), x);
    expect(weight.grad).toBeNull();
    expect(bias.grad).toBeNull();
    expect(values(x)).toEqual(before);
    expect(x.requiresGrad).toBe(false);
    expect(x.grad).toBeNull();

    // A .grad that a training step left is neither replaced nor added to.
    model.forward(x).sum().backward();
    const kept = weight.grad!;
    const keptValues = values(kept);
    nb.jacobian((t) => model.forward(t), x);
    nb.jacobian((w: nb.Tensor) => nb.linear(x, w, bias), weight);
    expect(weight.grad).toBe(kept);
    expect(values(weight.grad!)).toEqual(keptValues);
  });

  it('inside noGrad the functions still differentiate', () => {
    const x = randn([3], 40);
    const J = nb.noGrad(() => nb.jacobian((t) => t.mul(2), x));
    allclose(J, matrix(3, 3, (i, k) => 2 * delta(i, k)), 0, 0);
    const leaf = x.detach().requiresGrad_(true);
    expect(nb.noGrad(() => nb.enableGrad(() => leaf.mul(2))).requiresGrad).toBe(true);
    expect(nb.isGradEnabled()).toBe(true);
  });
});

describe('errors and unused inputs', () => {
  const x = randn([4], 41);

  it('grad of a non-scalar function names its shape', () => {
    expect(() => nb.grad((t: nb.Tensor) => t.mul(2))(x)).toThrow(/grad: f must return a scalar \(one element\), got shape \[4\]/);
  });

  it('v of the wrong shape names both shapes', () => {
    const f = (t: nb.Tensor) => t.slice([0, 3]);
    expect(() => nb.vjp(f, x, randn([4], 42))).toThrow(/vjp: v has shape \[4\] but the output of f has shape \[3\]/);
    expect(() => nb.vjp(f, x)).toThrow(/vjp: v can be left out only for a one-element output, but f returned shape \[3\]/);
    expect(() => nb.jvp(f, x, randn([3], 43))).toThrow(/jvp: v has shape \[3\] but input 0 has shape \[4\]/);
    expect(() => nb.jvp((p: nb.Tensor, q: nb.Tensor) => p.add(q), [x, x], [x])).toThrow(/jvp: v must be an array of 2 tensors, one per input/);
  });

  it('an input that the output does not depend on gets zeros (PyTorch\'s strict=False)', () => {
    const y = randn([2], 44);
    const [Jx, Jy] = nb.jacobian((p: nb.Tensor, _q: nb.Tensor) => p.mul(3), [x, y]);
    allclose(Jx, matrix(4, 4, (i, k) => 3 * delta(i, k)), 0, 0);
    allclose(Jy, matrix(4, 2, () => 0), 0, 0);
    allclose(nb.grad((_p: nb.Tensor, q: nb.Tensor) => q.sum(), { argnums: 0 })(x, y), [0, 0, 0, 0], 0, 0);
    allclose(nb.vjp(() => y.sum(), x).vjp, [0, 0, 0, 0], 0, 0);
    allclose(nb.jvp(() => y.mul(2), x, x).jvp, [0, 0], 0, 0);
    allclose(nb.jacobian(() => y.argmax(), x), [0, 0, 0, 0], 0, 0);
  });

  it('createGraph through a backward rule that is not differentiable throws, naming the op', () => {
    // A custom op whose rule runs outside the recording: its gradient would silently be a constant.
    const opaque = (t: nb.Tensor) => record(t.detach().mul(2), 'opaque', [t], (g) => [nb.noGrad(() => g.mul(2))]);
    allclose(nb.jacobian(opaque, x), matrix(4, 4, (i, k) => 2 * delta(i, k)), 0, 0);
    expect(() => nb.jvp(opaque, x, x)).toThrow(/createGraph: the backward of 'opaque' is not differentiable/);
  });
});
