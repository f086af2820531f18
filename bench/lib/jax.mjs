// jax-js (@jax-js/jax) on its WebAssembly backend, with the whole training step under `jit`.
//
// jax-js is functional, like JAX: the parameters are a tree of arrays ([{ w, b }, ...]), the loss is a
// function of them, `valueAndGrad(loss)` gives the loss and the gradient tree, and the update returns new
// parameter and velocity trees. `jit` traces that step once per input shape and compiles it into fused
// WebAssembly (SIMD) kernels. SGD with momentum is written out as PyTorch defines it: v = m v + g,
// p = p - lr v (jax-js itself has no optimizers; @jax-js/optax is a separate package).
//
// Memory model: every array is reference-counted and every jax-js function, jitted ones included,
// takes ownership of (consumes) its array arguments. `a.ref` adds a reference for a second use,
// `tree.ref` / `tree.dispose` do it for a whole tree, and `item()` reads a scalar and consumes it.
// So each step consumes the old parameters, velocities and the batch, and returns new ones.
import { readFileSync } from 'node:fs';
import { loadSafetensors } from '../../dist/index.js';
import { LENET_PARAMS, pytorchDefaultBound, RNN_HIDDEN, RNN_INPUT, RNN_PARAMS, RNN_STEPS, rnnBound, uniformBound, countMatches } from './init.mjs';

/** jax-js on its wasm backend and its version, or null after a note (not installed, no wasm backend). */
async function loadJax(log) {
  let jax;
  try {
    jax = await import('@jax-js/jax');
  } catch (err) {
    log(`  jax-js: skipped (${err.code ?? err.message}); install @jax-js/jax to compare`);
    return null;
  }
  // Plain init() also probes WebGPU, which reads `navigator` (no such global before Node 21) and throws.
  if (!(await jax.init('wasm')).includes('wasm')) {
    log('  jax-js: skipped (no WebAssembly backend)');
    return null;
  }
  jax.defaultDevice('wasm');
  // jax-js runs wasm kernels on a pool of Web Workers only when both SharedArrayBuffer and a global
  // Worker exist. Node has no global Worker, so here its kernels run on the main thread.
  if (typeof Worker !== 'undefined') log('  note: a global Worker exists, so jax-js may run its kernels on several threads');
  const version = JSON.parse(readFileSync(new URL('../package.json', import.meta.resolve('@jax-js/jax')), 'utf8')).version;
  return { jax, version, backend: typeof Worker === 'undefined' ? 'wasm, main thread' : 'wasm, Web Workers' };
}

/**
 * Returns `{ library, version, step(x, y) -> loss, countCorrect(x, y), finish() }`, or null (after a
 * note) when jax-js is not installed or has no wasm backend. x, y: nabla tensors (float32 [B, 784],
 * int32 [B]). `activation`: 'sigmoid' or 'relu'; `init`: 'xavier-uniform' or 'kaiming-uniform', the
 * bounds of nabla's initializations of those names (see uniformBound in init.mjs).
 */
export async function setupJax({ sizes, lr, momentum, seed, log, activation = 'sigmoid', init = 'xavier-uniform' }) {
  const loaded = await loadJax(log);
  if (!loaded) return null;
  const { jax, version, backend } = loaded;
  const { jit, nn, numpy: np, random, tree, valueAndGrad } = jax;
  const act = { sigmoid: nn.sigmoid, relu: nn.relu }[activation];
  if (!act) throw new RangeError(`setupJax: unsupported activation '${activation}'`);

  // Glorot-uniform (or he-uniform) weights from jax-js's own PRNG, zero biases.
  const keys = random.split(random.key(seed), sizes.length - 1);
  let params = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const [fanIn, fanOut] = [sizes[i], sizes[i + 1]];
    const limit = uniformBound(init, fanIn, fanOut, i, sizes.length - 1);
    params.push({ w: random.uniform(keys.ref.slice(i), [fanIn, fanOut], { minval: -limit, maxval: limit }), b: np.zeros([fanOut]) });
  }
  keys.dispose();
  let velocity = tree.map((p) => np.zerosLike(p.ref), params);

  /** The logits; consumes params and x. */
  const forward = (params, x) => params.reduce((h, { w, b }, i) => {
    const z = np.matmul(h, w).add(b);
    return i + 1 < params.length ? act(z) : z;
  }, x);
  /** Mean softmax cross-entropy of the logits; consumes params, x and y (each array is used once). */
  const loss = (params, x, y) => nn.logSoftmax(forward(params, x)).mul(nn.oneHot(y, sizes.at(-1))).sum(-1).mean().neg();
  const trainStep = jit((params, velocity, x, y) => {
    const [lossValue, grads] = valueAndGrad(loss)(tree.ref(params), x, y);
    const newVelocity = tree.map((v, g) => v.mul(momentum).add(g), velocity, grads);
    const newParams = tree.map((p, v) => p.sub(v.mul(lr)), params, tree.ref(newVelocity));
    return [newParams, newVelocity, lossValue];
  });

  const step = (x, y) => {
    let lossValue;
    [params, velocity, lossValue] = trainStep(params, velocity,
      np.array(x.data, { shape: x.shape }), np.array(y.data, { dtype: np.int32 }));
    return lossValue.item();
  };
  /** Predicted classes, jitted like the step; keeps params (passed with tree.ref), consumes x. */
  const predict = jit((params, x) => np.argmax(forward(params, x), -1));
  const countCorrect = (x, y) => {
    const predicted = predict(tree.ref(params), np.array(x.data, { shape: x.shape })).dataSync(); // dataSync consumes
    return countMatches(predicted, y.data);
  };
  const finish = () => {
    trainStep.dispose();
    predict.dispose();
    tree.dispose([params, velocity]);
  };
  return { library: 'jax-js-wasm', version, backend, step, countCorrect, finish };
}

/**
 * LeNet-5 (W3, W6) in jax-js, NCHW like PyTorch: `lax.convGeneralDilated` with [C_out, C_in, k, k]
 * kernels (jax's OIHW), 2 x 2 max pooling with `lax.reduceWindow(x, np.max, [2, 2], [2, 2])` (jax-js
 * has no max-pool function; this is how flax's max_pool is built on JAX's lax.reduce_window), dense
 * layers as `x @ w + b` with w [in, out] (jax's convention). Weights and biases are drawn like
 * PyTorch's defaults, U(+-1/sqrt(fanIn)), with jax-js's PRNG; with `weightsFile` they are read from
 * that safetensors file (PyTorch's names and layout; dense weights transposed once). The training
 * step and the forward of `infer` are jitted as in setupJax. Returns `{ step, infer, countCorrect,
 * numParameters, finish }`, or null when jax-js is missing.
 */
export async function setupJaxLenet({ lr, momentum, seed, log, weightsFile }) {
  const loaded = await loadJax(log);
  if (!loaded) return null;
  const { jax, version, backend } = loaded;
  const { jit, lax, nn, numpy: np, random, tree, valueAndGrad } = jax;

  // Layers in order, each { w, b }: two convs (OIHW), three dense layers ([in, out]).
  const pairs = [];
  for (let i = 0; i < LENET_PARAMS.length; i += 2) pairs.push([LENET_PARAMS[i], LENET_PARAMS[i + 1]]);
  let params;
  if (weightsFile) {
    const { tensors } = loadSafetensors(weightsFile);
    params = pairs.map(([[wName, wShape], [bName]]) => {
      const w = np.array(tensors[wName].data, { shape: wShape });
      return { w: wShape.length === 2 ? w.transpose() : w, b: np.array(tensors[bName].data) };
    });
  } else {
    const keys = random.split(random.key(seed), LENET_PARAMS.length);
    params = pairs.map(([[, wShape], [, bShape]], i) => {
      const bound = pytorchDefaultBound(wShape);
      const shape = wShape.length === 2 ? [wShape[1], wShape[0]] : wShape;
      return {
        w: random.uniform(keys.ref.slice(2 * i), shape, { minval: -bound, maxval: bound }),
        b: random.uniform(keys.ref.slice(2 * i + 1), bShape, { minval: -bound, maxval: bound }),
      };
    });
    keys.dispose();
  }
  let numParameters = 0;
  for (const { w, b } of params) numParameters += w.size + b.size;
  let velocity = tree.map((p) => np.zerosLike(p.ref), params);

  const conv = (x, { w, b }, padding) => lax.convGeneralDilated(x, w, [1, 1], padding).add(b.reshape([-1, 1, 1]));
  const maxPool2 = (x) => lax.reduceWindow(x, (window) => np.max(window), [2, 2], [2, 2]);
  const dense = (x, { w, b }) => np.matmul(x, w).add(b);
  /** The logits [B, 10] of x [B, 1, 28, 28]; consumes params and x. */
  const forward = ([c1, c2, f1, f2, f3], x) => {
    let h = maxPool2(nn.relu(conv(x, c1, [[2, 2], [2, 2]])));
    h = maxPool2(nn.relu(conv(h, c2, 'VALID')));
    h = h.reshape([h.shape[0], -1]); // [B, 16 * 5 * 5], (c, h, w) order as PyTorch's Flatten
    h = nn.relu(dense(h, f1));
    h = nn.relu(dense(h, f2));
    return dense(h, f3);
  };
  const loss = (params, x, y) => nn.logSoftmax(forward(params, x)).mul(nn.oneHot(y, 10)).sum(-1).mean().neg();
  const trainStep = jit((params, velocity, x, y) => {
    const [lossValue, grads] = valueAndGrad(loss)(tree.ref(params), x, y);
    const newVelocity = tree.map((v, g) => v.mul(momentum).add(g), velocity, grads);
    const newParams = tree.map((p, v) => p.sub(v.mul(lr)), params, tree.ref(newVelocity));
    return [newParams, newVelocity, lossValue];
  });
  const batch = (x) => np.array(x.dataSync(), { shape: x.shape });
  const step = (x, y) => {
    let lossValue;
    [params, velocity, lossValue] = trainStep(params, velocity, batch(x), np.array(y.dataSync(), { dtype: np.int32 }));
    return lossValue.item();
  };
  const logits = jit((params, x) => forward(params, x));
  /** The logits of a batch, read back; keeps params, consumes the batch's array. */
  const infer = (x) => logits(tree.ref(params), batch(x)).dataSync();
  const predict = jit((params, x) => np.argmax(forward(params, x), -1));
  const countCorrect = (x, y) => {
    const predicted = predict(tree.ref(params), batch(x)).dataSync();
    const labels = y.dataSync();
    return countMatches(predicted, labels);
  };
  const finish = () => {
    trainStep.dispose();
    logits.dispose();
    predict.dispose();
    tree.dispose([params, velocity]);
  };
  return { library: 'jax-js-wasm', version, backend, step, infer, countCorrect, numParameters, finish };
}

/**
 * W4 in jax-js: the Elman RNN written out, the whole training step under one `jit`. jax-js has no
 * lax.scan (nor fori_loop), so the 28 steps are a JavaScript loop inside the traced function, which
 * jit unrolls (as a Python loop under jax.jit). The input projection of all steps is one matmul,
 * [B * 28, 28] @ W_ih + b_ih, sliced per step; each step is h = tanh(p_t + h @ W_hh + b_hh) from
 * h = 0; the logits are h @ W_fc + b_fc (weights [in, out], jax's convention: PyTorch's
 * transposed). After valueAndGrad the gradients are scaled by min(1, clip / (norm + 1e-6)), norm
 * their global L2 norm (torch.nn.utils.clip_grad_norm_'s rule, as optax.clip_by_global_norm), then
 * the momentum update of setupJax. Weights U(+-b) as PyTorch's defaults (rnnBound) with jax-js's
 * PRNG, or read from `weightsFile` (PyTorch's names and layout) and transposed once. Returns
 * `{ step, countCorrect, numParameters, finish }`, or null when jax-js is missing.
 */
export async function setupJaxRnn({ lr, momentum, seed, clip, log, weightsFile }) {
  const loaded = await loadJax(log);
  if (!loaded) return null;
  const { jax, version, backend } = loaded;
  const { jit, nn, numpy: np, random, tree, valueAndGrad } = jax;

  const file = weightsFile ? loadSafetensors(weightsFile).tensors : null;
  const keys = file ? null : random.split(random.key(seed), RNN_PARAMS.length);
  const params = {};
  RNN_PARAMS.forEach(([name, shape], i) => {
    let p;
    if (file) p = np.array(file[name].data, { shape });
    else p = random.uniform(keys.ref.slice(i), shape, { minval: -rnnBound(name), maxval: rnnBound(name) });
    params[name] = shape.length === 2 ? p.transpose() : p;
  });
  keys?.dispose();
  let numParameters = 0;
  for (const p of Object.values(params)) numParameters += p.size;
  let state = params;
  let velocity = tree.map((p) => np.zerosLike(p.ref), state);

  /** The logits [B, 10] of x [B, 784]; consumes p and x (each array passed on once, or with .ref). */
  const forward = (p, x) => {
    const B = x.shape[0];
    const projected = np.matmul(x.reshape([B * RNN_STEPS, RNN_INPUT]), p['rnn.weight_ih_l0']).add(p['rnn.bias_ih_l0']).reshape([B, RNN_STEPS, RNN_HIDDEN]);
    const wHh = p['rnn.weight_hh_l0'];
    const bHh = p['rnn.bias_hh_l0'];
    let h = np.zeros([B, RNN_HIDDEN]);
    for (let t = 0; t < RNN_STEPS; t++) {
      const last = t + 1 === RNN_STEPS; // the last use of each array consumes it
      h = np.tanh((last ? projected : projected.ref).slice([], t).add(np.matmul(h, last ? wHh : wHh.ref)).add(last ? bHh : bHh.ref));
    }
    return np.matmul(h, p['fc.weight']).add(p['fc.bias']);
  };
  const loss = (p, x, y) => nn.logSoftmax(forward(p, x)).mul(nn.oneHot(y, 10)).sum(-1).mean().neg();
  const trainStep = jit((params, velocity, x, y) => {
    const [lossValue, grads] = valueAndGrad(loss)(tree.ref(params), x, y);
    const norm = np.sqrt(tree.leaves(grads).reduce((sum, g) => sum.add(np.square(g.ref).sum()), np.zeros([])));
    const scale = np.minimum(np.reciprocal(norm.add(1e-6)).mul(clip), 1);
    const clipped = tree.map((g) => g.mul(scale.ref), grads);
    scale.dispose();
    const newVelocity = tree.map((v, g) => v.mul(momentum).add(g), velocity, clipped);
    const newParams = tree.map((p, v) => p.sub(v.mul(lr)), params, tree.ref(newVelocity));
    return [newParams, newVelocity, lossValue];
  });
  const step = (x, y) => {
    let lossValue;
    [state, velocity, lossValue] = trainStep(state, velocity, np.array(x.dataSync(), { shape: x.shape }), np.array(y.dataSync(), { dtype: np.int32 }));
    return lossValue.item();
  };
  const predict = jit((p, x) => np.argmax(forward(p, x), -1));
  const countCorrect = (x, y) => {
    const predicted = predict(tree.ref(state), np.array(x.dataSync(), { shape: x.shape })).dataSync();
    const labels = y.dataSync();
    return countMatches(predicted, labels);
  };
  const finish = () => {
    trainStep.dispose();
    predict.dispose();
    tree.dispose([state, velocity]);
  };
  return { library: 'jax-js-wasm', version, backend, step, countCorrect, numParameters, finish };
}

/**
 * n x n float32 products with a jitted np.matmul, or null when jax-js is missing: `prepare(n, seed)`
 * makes two N(0, 1) matrices with jax-js's PRNG and returns `{ run(), finish() }`. jax-js is lazy, so
 * run() waits for each product with blockUntilReady (which reads nothing back) and then disposes of
 * it; a and b are passed with .ref because every jax-js call consumes its arguments.
 */
export async function setupJaxMatmul({ log }) {
  const loaded = await loadJax(log);
  if (!loaded) return null;
  const { jax, version, backend } = loaded;
  const { jit, numpy: np, random } = jax;
  const prepare = (n, seed) => {
    const keys = random.split(random.key(seed), 2);
    const a = random.normal(keys.ref.slice(0), [n, n]);
    const b = random.normal(keys.slice(1), [n, n]);
    const product = jit((a, b) => np.matmul(a, b));
    const run = async () => {
      const c = await product(a.ref, b.ref).blockUntilReady();
      c.dispose();
    };
    const finish = () => { product.dispose(); a.dispose(); b.dispose(); };
    return { run, finish };
  };
  return { library: 'jax-js-wasm', version, backend, prepare };
}
