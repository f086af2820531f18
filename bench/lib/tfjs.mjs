// TensorFlow.js: tfjs-core + its pure-JS CPU backend.
//
// tfjs-core's Node bundle ships without gradient definitions (the @tensorflow/tfjs umbrella package
// adds them). Its own definitions are in dist/register_all_gradients.js, an ES module tree written for
// bundlers (extensionless relative imports), so a resolve hook adds '.js' / '/index.js' for those.
// They register into tfjs's global registry, shared with the Node bundle. tfjs-layers is not a
// dependency either, so the dense layers are written out: h = act(h W + b), b zeros, W glorot-uniform
// (or he-uniform, nabla's 'kaiming-uniform', for the relu network).
import { register } from 'node:module';
import { uniformBound } from './init.mjs';

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
