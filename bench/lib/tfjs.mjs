// TensorFlow.js: tfjs-core + its pure-JS CPU backend.
//
// tfjs-core's Node bundle ships without gradient definitions (the @tensorflow/tfjs umbrella package
// adds them). Its own definitions are in dist/register_all_gradients.js, an ES module tree written for
// bundlers (extensionless relative imports), so a resolve hook adds '.js' / '/index.js' for those.
// They register into tfjs's global registry, shared with the Node bundle. tfjs-layers is not a
// dependency either, so the dense layers are written out: h = act(h W + b), b zeros, W glorot-uniform
// (or he-uniform, nabla's 'kaiming-uniform', for the relu network).
import { register } from 'node:module';
import { loadSafetensors } from '../../dist/index.js';
import { LENET_PARAMS, pytorchDefaultBound, uniformBound } from './init.mjs';

const TF_RESOLVE_HOOK = `export async function resolve(spec, ctx, next) {
  try { return await next(spec, ctx); } catch (err) {
    if (!/^\\.\\.?\\//.test(spec) || !ctx.parentURL?.includes('/@tensorflow/')) throw err;
    try { return await next(spec + '.js', ctx); } catch { return next(spec + '/index.js', ctx); }
  }
}`;

let loaded = null;
async function loadTfjs() {
  loaded ??= importTfjs();
  return loaded;
}

async function importTfjs() {
  register('data:text/javascript,' + encodeURIComponent(TF_RESOLVE_HOOK));
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  await tf.setBackend('cpu');
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
    log(`  tfjs: skipped (${err.code ?? err.message}); install @tensorflow/tfjs-core and @tensorflow/tfjs-backend-cpu to compare`);
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
    let correct = 0;
    for (let i = 0; i < predicted.length; i++) if (predicted[i] === y.data[i]) correct++;
    return correct;
  };
  const finish = () => {
    for (const { w, b } of layers) { w.dispose(); b.dispose(); }
    optimizer.dispose();
  };
  return {
    library: 'tfjs-cpu', version: tf.version_core, backend: 'cpu', step, countCorrect, finish,
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
    let correct = 0;
    for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels[i]) correct++;
    return correct;
  };
  const finish = () => {
    for (const t of Object.values(v)) t.dispose();
    optimizer.dispose();
  };
  return {
    library: 'tfjs-cpu', version: tf.version_core, backend: 'cpu', step, infer, countCorrect, numParameters, finish,
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
  return { library: 'tfjs-cpu', version: tf.version_core, backend: 'cpu', prepare };
}
