// One contender of bench/suite.mjs in its own process (forked by the suite; not meant to be run by
// hand). argv[2] names the contender: nabla-js, nabla-wasm-1, nabla-wasm-all, jax, tfjs or tfjs-wasm.
// The suite sets NABLA_BACKEND and NABLA_THREADS in the environment, so nabla picks its backend and
// thread count before anything is created (and TFJS_BACKEND=wasm for tfjs-wasm). The peers use nabla
// only to read Fashion-MNIST and cut the same batches (js backend), and to read the shared weights of
// W3, W4 and W6 (safetensors); the training, the forward passes and the products are theirs.
//
// Protocol (IPC messages, one request at a time; each answered with { ok: true, ... } or
// { ok: false, error }):
//   { type: 'init', workload, config, dataDir }  W1/W2/W3/W4/W6: load the data, build the model, run
//        the warm-up batches; W5: set up the products. Answers the library, version, backend and
//        parameter count, or { skipped } when the library is not installed. config.model 'lenet'
//        (W3, W6) keeps the images [N, 1, 28, 28]; config.model 'rnn' (W4) is the RNN classifier on
//        [N, 784] (each library reads it as [N, 28, 28]); config.mode 'infer' (W6) loads the weights of
//        config.weightsFile and runs forward passes over the test set instead of training (W3, W4
//        start training from config.weightsFile's weights when it is given).
//   { type: 'run', batches }                     W1/W2/W3/W4: train on the next `batches` batches, timed
//        (answers the mean loss and each batch's, `losses`);
//        W6: the logits of the next `batches` test batches (cycling through the 10,000 images),
//        timed from the batch to the logits read back as a Float32Array; the logits are then
//        scored (mean cross-entropy, accuracy) outside the timing, the same way for everyone.
//   { type: 'run', n, minSeconds, seed }         W5: as many timed products as take minSeconds (the
//        first request for a size makes the matrices and runs one untimed product first).
//   { type: 'accuracy' }                         W1/W2 (W3, W4 too, but the suite does not ask): a fresh
//        model, one full epoch, test accuracy.
//   { type: 'finish' }                           dispose of everything; answers the peak RSS since the
//        data were loaded (W5: since start-up), see resetPeak.
import { readFileSync, writeFileSync } from 'node:fs';
import { DataLoader, getThreads, loadFashionMnist } from '../../dist/index.js';
import { scoreLogits } from './init.mjs';
import { setupJax, setupJaxLenet, setupJaxMatmul, setupJaxRnn } from './jax.mjs';
import { setupNabla, setupNablaLenet, setupNablaMatmul, setupNablaRnn } from './nabla.mjs';
import { setupTfjs, setupTfjsLenet, setupTfjsMatmul, setupTfjsRnn } from './tfjs.mjs';

const contender = process.argv[2];
const nablaSetups = { train: setupNabla, lenet: setupNablaLenet, rnn: setupNablaRnn, matmul: setupNablaMatmul };
const tfjsSetups = { train: setupTfjs, lenet: setupTfjsLenet, rnn: setupTfjsRnn, matmul: setupTfjsMatmul }; // the backend: TFJS_BACKEND
const SETUPS = {
  'nabla-js': nablaSetups,
  'nabla-wasm-1': nablaSetups,
  'nabla-wasm-all': nablaSetups,
  jax: { train: setupJax, lenet: setupJaxLenet, rnn: setupJaxRnn, matmul: setupJaxMatmul },
  tfjs: tfjsSetups,
  'tfjs-wasm': tfjsSetups,
};
/** The set-up of a workload's model: the MLP trainer (W1, W2), LeNet-5 (W3, W6) or the RNN classifier (W4). */
const setupOf = (config) => SETUPS[contender][config.model ?? 'train'];
if (!Object.hasOwn(SETUPS, contender)) throw new Error(`suite-worker: unknown contender '${contender}'`);
if (typeof process.send !== 'function') throw new Error('suite-worker: run by bench/suite.mjs, not by hand');

const MB = 1024 * 1024;
/** Resident set after a full collection, in MiB (run with --expose-gc, as the suite does). */
const rssMB = () => {
  globalThis.gc?.();
  return process.memoryUsage().rss / MB;
};
/**
 * Linux keeps a high-water mark of the resident set (VmHWM); writing 5 to /proc/self/clear_refs
 * resets it to the current RSS. The suite resets it once the data are loaded, so that the peak it
 * reports is that of the workload, not of decompressing the dataset. Elsewhere: the process's maxRSS.
 */
function resetPeak() {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}
function peakMB() {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
  } catch {
    return process.resourceUsage().maxRSS / 1024;
  }
}
let peakReset = false;
const notes = [];
const log = (line) => notes.push(line.trim());

/** Endless batches: epoch after epoch of one shuffling DataLoader, as the suite's other contenders get them. */
function* batchStream(dataset, batchSize, seed) {
  const loader = new DataLoader(dataset, { batchSize, shuffle: true, seed });
  for (;;) yield* loader;
}

/** Endless test batches in order (no shuffling), pass after pass over the test set: W6's batches. */
function* testStream(dataset, batchSize) {
  const loader = new DataLoader(dataset, { batchSize });
  for (;;) yield* loader;
}

let state = null;

const handlers = {
  async init({ workload, config, dataDir }) {
    const base = rssMB();
    if (workload === 'W5') {
      peakReset = resetPeak();
      const mm = await SETUPS[contender].matmul({ log });
      if (!mm) return { skipped: notes.join('; ') };
      state = { workload, mm, current: null };
      return { library: mm.library, version: mm.version, backend: mm.backend, baseRSSMB: base, rssMB: rssMB(), notes };
    }
    const start = performance.now();
    // LeNet takes images [N, 1, 28, 28], the MLPs [N, 784].
    const { train, test } = await loadFashionMnist({ dataDir, download: false, ...(config.model === 'lenet' ? { flatten: false } : {}) });
    const loadSeconds = (performance.now() - start) / 1000;
    const dataRSSMB = rssMB();
    peakReset = resetPeak();
    const lib = await setupOf(config)({ ...config, log });
    if (!lib) return { skipped: notes.join('; ') };
    const infer = config.mode === 'infer';
    const batches = infer ? testStream(test, config.batch) : batchStream(train, config.batch, config.seed);
    for (let i = 0; i < config.warmup; i++) {
      const [x, y] = batches.next().value;
      if (infer) lib.infer(x);
      else lib.step(x, y);
    }
    state = { workload, config, lib, train, test, batches };
    return {
      library: lib.library, version: lib.version, backend: lib.backend, loadSeconds, numParameters: lib.numParameters,
      baseRSSMB: base, dataRSSMB, rssMB: rssMB(), notes, ...lib.extra?.(),
    };
  },

  async run(msg) {
    if (state.workload === 'W5') return runMatmul(msg);
    if (state.config.mode === 'infer') return runInfer(msg);
    const { lib, batches } = state;
    let samples = 0;
    let lossSum = 0;
    const losses = new Array(msg.batches);
    const start = performance.now();
    for (let i = 0; i < msg.batches; i++) {
      const [x, y] = batches.next().value;
      losses[i] = lib.step(x, y);
      lossSum += losses[i] * x.shape[0];
      samples += x.shape[0];
    }
    const seconds = (performance.now() - start) / 1000;
    return { batches: msg.batches, samples, seconds, value: samples / seconds, loss: lossSum / samples, losses, rssMB: rssMB(), ...lib.extra?.() };
  },

  async accuracy() {
    const { config, train, test } = state;
    const lib = await setupOf(config)({ ...config, log });
    let samples = 0;
    let lossSum = 0;
    const start = performance.now();
    for (const [x, y] of new DataLoader(train, { batchSize: config.batch, shuffle: true, seed: config.seed })) {
      lossSum += lib.step(x, y) * x.shape[0];
      samples += x.shape[0];
    }
    const seconds = (performance.now() - start) / 1000;
    let correct = 0;
    for (const [x, y] of new DataLoader(test, { batchSize: 1000 })) correct += lib.countCorrect(x, y);
    lib.finish?.();
    return { samples, seconds, value: samples / seconds, loss: lossSum / samples, accuracy: correct / test.length, rssMB: rssMB() };
  },

  async finish() {
    state?.lib?.finish?.();
    state?.current?.finish();
    state = null;
    const rss = rssMB();
    return { rssMB: rss, peakRSSMB: peakMB(), peakReset, threads: contender.startsWith('nabla-wasm') ? getThreads() : undefined };
  },
};

/** W6: timed forward passes (batch in, logits read back), each batch's logits scored after its timing. */
async function runInfer({ batches: count }) {
  const { lib, batches } = state;
  let samples = 0;
  let seconds = 0;
  let lossSum = 0;
  let correct = 0;
  for (let i = 0; i < count; i++) {
    const [x, y] = batches.next().value;
    const start = performance.now();
    const logits = lib.infer(x);
    seconds += (performance.now() - start) / 1000;
    const score = scoreLogits(logits, y.dataSync());
    lossSum += score.lossSum;
    correct += score.correct;
    samples += x.shape[0];
  }
  return { batches: count, samples, seconds, value: samples / seconds, loss: lossSum / samples, accuracy: correct / samples, rssMB: rssMB(), ...lib.extra?.() };
}

/** W5: the products of one size, a and b made once per size (kept for the later rounds of that size). */
async function runMatmul({ n, minSeconds, seed }) {
  if (state.current?.n !== n) {
    state.current?.finish();
    state.current = { n, ...state.mm.prepare(n, seed) };
    await state.current.run(); // untimed, once per size: first-call costs (jax-js traces and compiles here)
  }
  const { run } = state.current;
  let reps = 0;
  const start = performance.now();
  let seconds;
  do {
    await run();
    reps++;
    seconds = (performance.now() - start) / 1000;
  } while (seconds < minSeconds);
  return { n, reps, seconds, value: (2 * n ** 3 * reps) / seconds / 1e9, rssMB: rssMB(), ...state.current.extra?.() };
}

process.on('message', async (msg) => {
  try {
    const answer = await handlers[msg.type](msg);
    process.send({ ok: true, ...answer });
  } catch (err) {
    process.send({ ok: false, error: err?.stack ?? String(err) });
  }
});
process.on('disconnect', () => process.exit(0));
