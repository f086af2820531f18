// TensorFlow.js: tfjs-core + its pure-JS CPU backend (or its wasm backend, @tensorflow/tfjs-backend-wasm,
// with TFJS_BACKEND=wasm when that package is installed; it is not a dependency).
//
// tfjs-core's Node bundle ships without gradient definitions (the @tensorflow/tfjs umbrella package
// adds them). Its own definitions are in dist/register_all_gradients.js, an ES module tree written for
// bundlers (extensionless relative imports), so a resolve hook adds '.js' / '/index.js' for those.
// They register into tfjs's global registry, shared with the Node bundle. tfjs-layers is not a
// dependency either, so the dense layers are written out: h = act(h W + b), b zeros, W glorot-uniform
// (or he-uniform, nabla's 'kaiming-uniform', for the relu network).
import { register } from 'node:module';
import { loadSafetensors } from '../../dist/index.js';
import { LENET_PARAMS, pytorchDefaultBound, RNN_HIDDEN, RNN_INPUT, RNN_PARAMS, RNN_STEPS, rnnBound, uniformBound, countMatches } from './init.mjs';

const TF_RESOLVE_HOOK = `export async function resolve(spec, ctx, next) {
  try { return await next(spec, ctx); } catch (err) {
    if (!/^\\.\\.?\\//.test(spec) || !ctx.parentURL?.includes('/@tensorflow/')) throw err;
    try { return await next(spec + '.js', ctx); } catch { return next(spec + '/index.js', ctx); }
  }
}`;

/**
 * Which tfjs backend this process uses: 'cpu' (pure JS, the default) or 'wasm'
 * (@tensorflow/tfjs-backend-wasm, when installed; the suite's tfjs-wasm contender sets TFJS_BACKEND).
 */
const BACKEND = process.env.TFJS_BACKEND ?? 'cpu';
const LIBRARY = `tfjs-${BACKEND}`;

let loaded = null;
async function loadTfjs() {
  loaded ??= importTfjs();
  return loaded;
}

/** The backend as the suite reports it: 'cpu', or 'wasm, SIMD, 1 thread' (what tfjs-backend-wasm found). */
let described = BACKEND;

async function importTfjs() {
  register('data:text/javascript,' + encodeURIComponent(TF_RESOLVE_HOOK));
  const tf = await import('@tensorflow/tfjs-core');
  let wasm = null;
  if (BACKEND === 'wasm') wasm = await import('@tensorflow/tfjs-backend-wasm'); // registers 'wasm'; in Node it reads its .wasm files from its dist/
  else if (BACKEND === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  else throw new Error(`TFJS_BACKEND must be cpu or wasm, got ${BACKEND}`);
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  if (!(await tf.setBackend(BACKEND))) throw new Error(`tf.setBackend('${BACKEND}') failed`);
  await tf.ready();
  if (wasm) {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = wasm.getThreadsCount();
    described = `wasm${simd ? ', SIMD' : ''}, ${threads} thread${threads === 1 ? '' : 's'}`;
  }
  const warn = console.warn;
  console.warn = () => {}; // the CPU backend's first write suggests installing tfjs-node
  try { tf.tensor([0]).dispose(); } finally { console.warn = warn; }
  return tf;
}

/** tfjs, or null after a note when it is not installed. */
async function tryLoad(log) {
  try {
    return await loadTfjs();
  } catch (err) {
    const needs = BACKEND === 'wasm' ? '@tensorflow/tfjs-backend-wasm' : '@tensorflow/tfjs-backend-cpu';
    log(`  ${LIBRARY}: skipped (${err.code ?? err.message}); install @tensorflow/tfjs-core and ${needs} to compare`);
    return null;
  }
}

/**
 * Returns `{ library, version, step(x, y) -> loss, extra(), countCorrect(x, y) }`, or null (after a
 * note) when tfjs is not installed. `extra()` reports `tf.memory().numTensors`, which must stay
 * constant between epochs. `activation`: 'sigmoid' or 'relu'; `init`: see uniformBound in init.mjs.
 */
export async function setupTfjs({ sizes, lr, momentum, seed, log, activation = 'sigmoid', init = 'xavier-uniform' }) {
  const tf = await tryLoad(log);
  if (!tf) return null;
  const act = { sigmoid: tf.sigmoid, relu: tf.relu }[activation];
  if (!act) throw new RangeError(`setupTfjs: unsupported activation '${activation}'`);
  const layers = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const [fanIn, fanOut] = [sizes[i], sizes[i + 1]];
    const limit = uniformBound(init, fanIn, fanOut, i, sizes.length - 1);
    layers.push({
      w: tf.variable(tf.randomUniform([fanIn, fanOut], -limit, limit, 'float32', seed + i)),
      b: tf.variable(tf.zeros([fanOut])),
    });
  }
  const forward = (x) => layers.reduce((h, { w, b }, i) => {
    const z = tf.add(tf.matMul(h, w), b);
    return i + 1 < layers.length ? act(z) : z;
  }, x);
  const optimizer = tf.train.momentum(lr, momentum);
  const step = (x, y) => tf.tidy(() => {
    const xs = tf.tensor2d(x.data, x.shape);
    const ys = tf.oneHot(tf.tensor1d(y.data, 'int32'), sizes.at(-1));
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(ys, forward(xs)), true);
    return loss.dataSync()[0];
  });
  /** How many rows of x the model classifies as y. */
  const countCorrect = (x, y) => {
    const predicted = tf.tidy(() => tf.argMax(forward(tf.tensor2d(x.data, x.shape)), 1).dataSync());
    return countMatches(predicted, y.data);
  };
  const finish = () => {
    for (const { w, b } of layers) { w.dispose(); b.dispose(); }
    optimizer.dispose();
  };
  return {
    library: LIBRARY, version: tf.version_core, backend: described, step, countCorrect, finish,
    extra: () => ({ numTensors: tf.memory().numTensors }),
  };
}

/**
 * LeNet-5 (W3, W6) in tfjs, NHWC: tfjs's CPU backend computes conv2d and maxPool in channels-last
 * layout only (maxPool has no NCHW at all), so the batches go in as [B, 28, 28, 1] (the same bytes
 * as nabla's [B, 1, 28, 28], one channel) and the filters are [k, k, C_in, C_out]. Flattening
 * [B, 5, 5, 16] takes the (h, w, c) order, a fixed permutation of PyTorch's (c, h, w) inputs to the
 * first dense layer: the same network. Weights and biases U(+-1/sqrt(fanIn)), PyTorch's default,
 * from tf.randomUniform; with `weightsFile`, read from that safetensors file (PyTorch's names and
 * layout) and permuted into tfjs's with tf.transpose once. Same loop as setupTfjs (tidy, minimize,
 * tf.train.momentum). Returns `{ step, infer, countCorrect, numParameters, extra, finish }`, or null.
 */
export async function setupTfjsLenet({ lr, momentum, seed, log, weightsFile }) {
  const tf = await tryLoad(log);
  if (!tf) return null;
  // PyTorch layout -> tfjs layout: OIHW -> HWIO for the convs; [out, in] -> [in, out] for the dense
  // layers, and for the first one (in = c*25 + h*5 + w) also (c, h, w) -> (h, w, c).
  const toTfjs = (name, t) => tf.tidy(() => {
    if (name === '0.weight' || name === '3.weight') return tf.transpose(t, [2, 3, 1, 0]);
    if (name === '7.weight') return tf.reshape(tf.transpose(tf.reshape(t, [120, 16, 5, 5]), [2, 3, 1, 0]), [400, 120]);
    if (t.rank === 2) return tf.transpose(t);
    return t.clone();
  });
  const tfShape = (shape) => (shape.length === 4 ? [shape[2], shape[3], shape[1], shape[0]] : shape.length === 2 ? [shape[1], shape[0]] : shape);
  const file = weightsFile ? loadSafetensors(weightsFile).tensors : null;
  const v = {};
  LENET_PARAMS.forEach(([name, shape], i) => {
    if (file) {
      const t = tf.tensor(file[name].data, file[name].shape);
      const value = toTfjs(name, t);
      v[name] = tf.variable(value);
      tf.dispose([t, value]);
    } else {
      const bound = pytorchDefaultBound(LENET_PARAMS[i - (i % 2)][1]);
      v[name] = tf.variable(tf.randomUniform(tfShape(shape), -bound, bound, 'float32', seed + i));
    }
  });
  const numParameters = Object.values(v).reduce((n, t) => n + t.size, 0);
  const conv = (x, w, b, pad) => tf.relu(tf.add(tf.conv2d(x, w, 1, pad), b));
  const dense = (x, w, b) => tf.add(tf.matMul(x, w), b);
  const forward = (x) => {
    let h = tf.maxPool(conv(x, v['0.weight'], v['0.bias'], [[0, 0], [2, 2], [2, 2], [0, 0]]), 2, 2, 'valid');
    h = tf.maxPool(conv(h, v['3.weight'], v['3.bias'], 'valid'), 2, 2, 'valid');
    h = tf.reshape(h, [h.shape[0], -1]);
    h = tf.relu(dense(h, v['7.weight'], v['7.bias']));
    h = tf.relu(dense(h, v['9.weight'], v['9.bias']));
    return dense(h, v['11.weight'], v['11.bias']);
  };
  const images = (x) => tf.tensor4d(x.dataSync(), [x.shape[0], 28, 28, 1]);
  const optimizer = tf.train.momentum(lr, momentum);
  const step = (x, y) => tf.tidy(() => {
    const xs = images(x);
    const ys = tf.oneHot(tf.tensor1d(y.dataSync(), 'int32'), 10);
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(ys, forward(xs)), true);
    return loss.dataSync()[0];
  });
  const infer = (x) => tf.tidy(() => forward(images(x)).dataSync());
  const countCorrect = (x, y) => {
    const predicted = tf.tidy(() => tf.argMax(forward(images(x)), 1).dataSync());
    const labels = y.dataSync();
    return countMatches(predicted, labels);
  };
  const finish = () => {
    for (const t of Object.values(v)) t.dispose();
    optimizer.dispose();
  };
  return {
    library: LIBRARY, version: tf.version_core, backend: described, step, infer, countCorrect, numParameters, finish,
    extra: () => ({ numTensors: tf.memory().numTensors }),
  };
}

/**
 * W4 in tfjs: the Elman RNN written out with tf ops (tfjs-core has no RNN layer; tfjs-layers'
 * simpleRNN is not a dependency). The input projection of all 28 steps is one tf.matMul,
 * [B * 28, 28] x W_ih + b_ih, split into steps with tf.unstack; each step is
 * h = tanh(p_t + h W_hh + b_hh) from h = 0, and the logits are h W_fc + b_fc (weights stored [in,
 * out], tfjs's convention: PyTorch's transposed). The step takes the gradients with
 * tf.variableGrads, scales them all by min(1, clip / (norm + 1e-6)), norm their global L2 norm
 * (torch.nn.utils.clip_grad_norm_'s rule), and applies them with tf.train.momentum's
 * applyGradients, all inside tf.tidy. Weights U(+-b) as PyTorch's defaults (rnnBound), or read from
 * `weightsFile` (PyTorch's names and layout) and transposed once. Returns `{ step, countCorrect,
 * numParameters, extra, finish }`, or null.
 */
export async function setupTfjsRnn({ lr, momentum, seed, clip, log, weightsFile }) {
  const tf = await tryLoad(log);
  if (!tf) return null;
  const file = weightsFile ? loadSafetensors(weightsFile).tensors : null;
  const v = {};
  RNN_PARAMS.forEach(([name, shape], i) => {
    const tfShape = shape.length === 2 ? [shape[1], shape[0]] : shape;
    v[name] = tf.variable(tf.tidy(() => {
      if (!file) return tf.randomUniform(tfShape, -rnnBound(name), rnnBound(name), 'float32', seed + i);
      const t = tf.tensor(file[name].data, file[name].shape);
      return t.rank === 2 ? tf.transpose(t) : t;
    }));
  });
  const numParameters = Object.values(v).reduce((n, t) => n + t.size, 0);
  /** The logits [B, 10] of x [B, 784]. */
  const forward = (x) => {
    const B = x.shape[0];
    const projected = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [B * RNN_STEPS, RNN_INPUT]), v['rnn.weight_ih_l0']), v['rnn.bias_ih_l0']), [B, RNN_STEPS, RNN_HIDDEN]);
    let h = tf.zeros([B, RNN_HIDDEN]);
    for (const p of tf.unstack(projected, 1)) h = tf.tanh(tf.add(tf.add(p, tf.matMul(h, v['rnn.weight_hh_l0'])), v['rnn.bias_hh_l0']));
    return tf.add(tf.matMul(h, v['fc.weight']), v['fc.bias']);
  };
  const optimizer = tf.train.momentum(lr, momentum);
  const step = (x, y) => tf.tidy(() => {
    const xs = tf.tensor2d(x.dataSync(), x.shape);
    const ys = tf.oneHot(tf.tensor1d(y.dataSync(), 'int32'), 10);
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(ys, forward(xs)));
    const names = Object.keys(grads);
    const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n])))));
    const scale = tf.minimum(tf.div(clip, tf.add(norm, 1e-6)), 1);
    optimizer.applyGradients(Object.fromEntries(names.map((n) => [n, tf.mul(grads[n], scale)])));
    return value.dataSync()[0];
  });
  const countCorrect = (x, y) => {
    const predicted = tf.tidy(() => tf.argMax(forward(tf.tensor2d(x.dataSync(), x.shape)), 1).dataSync());
    const labels = y.dataSync();
    return countMatches(predicted, labels);
  };
  const finish = () => {
    for (const t of Object.values(v)) t.dispose();
    optimizer.dispose();
  };
  return {
    library: LIBRARY, version: tf.version_core, backend: described, step, countCorrect, numParameters, finish,
    extra: () => ({ numTensors: tf.memory().numTensors }),
  };
}

/**
 * n x n float32 products with tf.matMul, or null when tfjs is missing: `prepare(n, seed)` makes two
 * N(0, 1) matrices and returns `{ run(), finish() }`; run() reads the product back with dataSync
 * (the CPU backend computes eagerly; this is what a caller would do with it) and disposes of it.
 */
export async function setupTfjsMatmul({ log }) {
  const tf = await tryLoad(log);
  if (!tf) return null;
  const prepare = (n, seed) => {
    const a = tf.randomNormal([n, n], 0, 1, 'float32', seed);
    const b = tf.randomNormal([n, n], 0, 1, 'float32', seed + 1);
    const run = () => {
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
    };
    return { run, finish: () => { a.dispose(); b.dispose(); }, extra: () => ({ numTensors: tf.memory().numTensors }) };
  };
  return { library: LIBRARY, version: tf.version_core, backend: described, prepare };
}
