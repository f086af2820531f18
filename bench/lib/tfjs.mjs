// TensorFlow.js: tfjs-core + its pure-JS CPU backend.
//
// tfjs-core's Node bundle ships without gradient definitions (the @tensorflow/tfjs umbrella package
// adds them). Its own definitions are in dist/register_all_gradients.js, an ES module tree written for
// bundlers (extensionless relative imports), so a resolve hook adds '.js' / '/index.js' for those.
// They register into tfjs's global registry, shared with the Node bundle. tfjs-layers is not a
// dependency either, so the dense layers are written out: h = sigmoid(h W + b), W glorot-uniform, b zeros.
import { register } from 'node:module';

const TF_RESOLVE_HOOK = `export async function resolve(spec, ctx, next) {
  try { return await next(spec, ctx); } catch (err) {
    if (!/^\\.\\.?\\//.test(spec) || !ctx.parentURL?.includes('/@tensorflow/')) throw err;
    try { return await next(spec + '.js', ctx); } catch { return next(spec + '/index.js', ctx); }
  }
}`;

async function loadTfjs() {
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

/**
 * Returns `{ library, version, step(x, y) -> loss, extra() }`, or null (after a note) when tfjs is not
 * installed. `extra()` reports `tf.memory().numTensors`, which must stay constant between epochs.
 */
export async function setupTfjs({ sizes, lr, momentum, seed, log }) {
  let tf;
  try {
    tf = await loadTfjs();
  } catch (err) {
    log(`  tfjs: skipped (${err.code ?? err.message}); install @tensorflow/tfjs-core and @tensorflow/tfjs-backend-cpu to compare`);
    return null;
  }
  const layers = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const [fanIn, fanOut] = [sizes[i], sizes[i + 1]];
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    layers.push({
      w: tf.variable(tf.randomUniform([fanIn, fanOut], -limit, limit, 'float32', seed + i)),
      b: tf.variable(tf.zeros([fanOut])),
    });
  }
  const forward = (x) => layers.reduce((h, { w, b }, i) => {
    const z = tf.add(tf.matMul(h, w), b);
    return i + 1 < layers.length ? tf.sigmoid(z) : z;
  }, x);
  const optimizer = tf.train.momentum(lr, momentum);
  const step = (x, y) => tf.tidy(() => {
    const xs = tf.tensor2d(x.data, x.shape);
    const ys = tf.oneHot(tf.tensor1d(y.data, 'int32'), sizes.at(-1));
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(ys, forward(xs)), true);
    return loss.dataSync()[0];
  });
  return { library: 'tfjs-cpu', version: tf.version_core, step, extra: () => ({ numTensors: tf.memory().numTensors }) };
}
