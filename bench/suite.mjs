// The benchmark suite of issues 11, 12 and 13: nabla (js backend, wasm on one thread, wasm on all
// threads) against jax-js (wasm, jitted), TensorFlow.js (cpu backend; wasm backend where
// @tensorflow/tfjs-backend-wasm is installed) and PyTorch (CPU, when python3 can import torch), on six
// workloads:
//   W1  784-40-30-20-10 sigmoid MLP, batch 100, SGD lr 0.1 momentum 0.9, Fashion-MNIST, samples/s
//   W2  784-512-512-10 relu MLP, batch 128, SGD lr 0.05 momentum 0.9, Fashion-MNIST, samples/s
//   W3  LeNet-5 training (issue 12), batch 64, SGD lr 0.05 momentum 0.9, Fashion-MNIST, samples/s
//   W4  Elman RNN classifier training (issue 13): tanh, hidden 128, 28 steps of 28 pixels, the last
//       state -> Linear(128, 10), batch 100, SGD lr 0.05 momentum 0.9, gradient norm clipped to 1,
//       Fashion-MNIST, samples/s
//   W5  n x n float32 matmul, n = 256, 512, 1024, GFLOPS
//   W6  LeNet-5 forward (no grad) on the 10,000 test images, batch 1000, shared weights, images/s
// Each contender runs in its own process (bench/lib/suite-worker.mjs; bench/torch_suite.py for
// PyTorch), started afresh for each workload, so that its peak RSS is its own. The processes are
// driven one at a time, round after round, so the contenders are interleaved in time and never
// compete for the cores; every contender trains on the same batches (nabla's DataLoader, one seed).
// The figure reported is each contender's best round. Never part of `npm test`.
//
//   npm run bench:suite        # = npm run build && node --expose-gc bench/suite.mjs [options]
//   node --expose-gc bench/suite.mjs --help
import { fork, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { arange, BACKEND_NAMES, DataLoader, Generator, locateDataset, readIdxFile, saveSafetensors, TensorDataset } from '../dist/index.js';
import { LENET_PARAMETER_COUNT, RNN_PARAMETER_COUNT } from './lib/init.mjs';
import { lenet, RNNClassifier } from './lib/nabla.mjs';

const HELP = `node --expose-gc bench/suite.mjs [options]
  --only LIST           workloads and/or contenders, comma-separated: W1, W2, W3, W4, W5, W6; nabla-js,
                        nabla-wasm-1, nabla-wasm-all (nabla = all three, nabla-wasm = both wasm),
                        jax, tfjs, tfjs-wasm, torch, torch-1. Default: everything (e.g. --only
                        W5,nabla-wasm-all,jax); tfjs-wasm and torch-1 (PyTorch on 1 thread) join
                        W4 only, unless --only names them
  --rounds R            timed rounds per contender and workload (default 3); the best counts
  --w1-warmup B         untimed W1 batches before the first round (default 20)
  --w1-batches B        timed W1 batches per round (default 300)
  --w2-warmup B         untimed W2 batches before the first round (default 5)
  --w2-batches B        timed W2 batches per round (default 50)
  --tfjs-w2-batches B   cap on tfjs's timed W2 batches per round, and on its warm-up (default 10)
  --w3-warmup B         untimed W3 (LeNet-5 training, batch 64) batches before the first round (default 3)
  --w3-batches B        timed W3 batches per round (default 20)
  --tfjs-w3-batches B   cap on tfjs's timed W3 batches per round, and on its warm-up (default 2)
  --w3-init own|shared  W3's initial weights: each library's own draw of PyTorch's default
                        initialization (default), or W6's weights in every library, so that the
                        W3 losses must agree too (a check of the gradients and the updates)
  --w4-warmup B         untimed W4 (RNN classifier training, batch 100) batches before the first round (default 3)
  --w4-batches B        timed W4 batches per round (default 30)
  --tfjs-w4-batches B   cap on tfjs cpu's timed W4 batches per round, and on its warm-up (default 10)
  --w4-init own|shared  W4's initial weights: each library's own draw of PyTorch's default
                        initialization (default), or one draw (nabla's, seeded) in every library, so
                        that the W4 losses must agree batch by batch
  --w5-sizes LIST       matrix sizes (default 256,512,1024)
  --w5-seconds S        at least this long per W5 measurement (default 0.5)
  --w6-warmup B         untimed W6 (LeNet-5 forward, batch 1000) batches before the first round (default 1)
  --w6-batches B        timed W6 batches per round, cycling through the 10 test batches (default 5)
  --threads N           nabla-wasm-all's thread count, also PyTorch's (default: available cores; torch-1: 1)
  --accuracy            also train a fresh model for one full epoch (W1, W2; not W3, W4, too slow) and
                        report test accuracy (W6 reports the accuracy of its shared weights anyway)
  --json FILE           write the results as JSON to FILE
  --data-dir DIR        Fashion-MNIST directory (default ../shared/datasets/fashion-mnist if present)`;

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    'w1-warmup': { type: 'string', default: '20' },
    'w1-batches': { type: 'string', default: '300' },
    'w2-warmup': { type: 'string', default: '5' },
    'w2-batches': { type: 'string', default: '50' },
    'tfjs-w2-batches': { type: 'string', default: '10' },
    'w3-warmup': { type: 'string', default: '3' },
    'w3-batches': { type: 'string', default: '20' },
    'tfjs-w3-batches': { type: 'string', default: '2' },
    'w3-init': { type: 'string', default: 'own' },
    'w4-warmup': { type: 'string', default: '3' },
    'w4-batches': { type: 'string', default: '30' },
    'tfjs-w4-batches': { type: 'string', default: '10' },
    'w4-init': { type: 'string', default: 'own' },
    'w6-warmup': { type: 'string', default: '1' },
    'w6-batches': { type: 'string', default: '5' },
    'w5-sizes': { type: 'string', default: '256,512,1024' },
    'w5-seconds': { type: 'string', default: '0.5' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    accuracy: { type: 'boolean', default: false },
    json: { type: 'string' },
    'data-dir': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
function count(flag, min) {
  const n = Number(args[flag]);
  if (!(Number.isInteger(n) && n >= min)) throw new RangeError(`--${flag} must be an integer >= ${min}, got ${args[flag]}`);
  return n;
}
const ROUNDS = count('rounds', 1);
const THREADS = count('threads', 1);
const W5_SIZES = args['w5-sizes'].split(',').map((s) => {
  const n = Number(s);
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`--w5-sizes: not a size: ${s}`);
  return n;
});
const W5_SECONDS = Number(args['w5-seconds']);
if (!(W5_SECONDS > 0)) throw new RangeError(`--w5-seconds must be positive, got ${args['w5-seconds']}`);
const SEED = 1234;
for (const flag of ['w3-init', 'w4-init']) {
  if (!['own', 'shared'].includes(args[flag])) throw new RangeError(`--${flag} must be own or shared, got ${args[flag]}`);
}
const W3_SHARED = args['w3-init'] === 'shared';
const W4_SHARED = args['w4-init'] === 'shared';

const WORKLOADS = {
  W1: {
    title: 'W1: MLP 784-40-30-20-10 sigmoid, batch 100, SGD lr 0.1 momentum 0.9, Fashion-MNIST', unit: 'samples/s',
    warmup: count('w1-warmup', 0), batches: count('w1-batches', 1), caps: {},
    config: { sizes: [784, 40, 30, 20, 10], activation: 'sigmoid', init: 'xavier-uniform', lr: 0.1, momentum: 0.9, batch: 100 },
  },
  W2: {
    title: 'W2: MLP 784-512-512-10 relu, batch 128, SGD lr 0.05 momentum 0.9, Fashion-MNIST', unit: 'samples/s',
    warmup: count('w2-warmup', 0), batches: count('w2-batches', 1), caps: { tfjs: count('tfjs-w2-batches', 1) },
    config: { sizes: [784, 512, 512, 10], activation: 'relu', init: 'kaiming-uniform', lr: 0.05, momentum: 0.9, batch: 128 },
  },
  W3: {
    title: 'W3: LeNet-5 training, conv 1-6 5x5 pad 2, pool, conv 6-16 5x5, pool, 400-120-84-10 relu, batch 64, SGD lr 0.05 momentum 0.9, Fashion-MNIST',
    unit: 'samples/s', net: 'lenet', shared: W3_SHARED, accuracy: false,
    warmup: count('w3-warmup', 0), batches: count('w3-batches', 1), caps: { tfjs: count('tfjs-w3-batches', 1) },
    config: { model: 'lenet', lr: 0.05, momentum: 0.9, batch: 64 },
  },
  W4: {
    title: 'W4: Elman RNN classifier, tanh, hidden 128, each image as 28 steps of 28 pixels, last state -> Linear(128, 10), ' +
      'batch 100, SGD lr 0.05 momentum 0.9, gradient norm clipped to 1.0, Fashion-MNIST',
    unit: 'samples/s', net: 'rnn', shared: W4_SHARED, accuracy: false,
    warmup: count('w4-warmup', 0), batches: count('w4-batches', 1),
    caps: { tfjs: count('tfjs-w4-batches', 1) },
    config: { model: 'rnn', lr: 0.05, momentum: 0.9, clip: 1.0, batch: 100 },
  },
  W5: { title: `W5: n x n float32 matmul, n = ${W5_SIZES.join(', ')}, at least ${W5_SECONDS} s per measurement`, unit: 'GFLOPS' },
  W6: {
    title: 'W6: LeNet-5 forward, no grad, batch 1000, the 10,000 Fashion-MNIST test images, the same (untrained) weights in every library',
    unit: 'images/s', net: 'lenet', shared: true, infer: true, accuracy: false,
    warmup: count('w6-warmup', 0), batches: count('w6-batches', 1), caps: {},
    config: { model: 'lenet', mode: 'infer', lr: 0.05, momentum: 0.9, batch: 1000 },
  },
};
const CONTENDERS = {
  'nabla-js': { label: 'nabla js', env: { NABLA_BACKEND: 'js' } },
  'nabla-wasm-1': { label: 'nabla wasm 1t', env: { NABLA_BACKEND: 'wasm', NABLA_THREADS: '1' } },
  'nabla-wasm-all': { label: `nabla wasm ${THREADS}t`, env: { NABLA_BACKEND: 'wasm', NABLA_THREADS: String(THREADS) } },
  jax: { label: 'jax-js', env: { NABLA_BACKEND: 'js' } },
  tfjs: { label: 'tfjs cpu', env: { NABLA_BACKEND: 'js' } },
  // tfjs-wasm and torch-1 join only the workloads listed (unless --only names them): W4, as issue 13 asks.
  'tfjs-wasm': { label: 'tfjs wasm', env: { NABLA_BACKEND: 'js', TFJS_BACKEND: 'wasm' }, workloads: ['W4'] },
  torch: { label: `pytorch ${THREADS}t`, python: true, threads: THREADS },
  'torch-1': { label: 'pytorch 1t', python: true, threads: 1, workloads: ['W4'] },
};
const NABLA = ['nabla-js', 'nabla-wasm-1', 'nabla-wasm-all'];
const PEERS = ['jax', 'tfjs', 'tfjs-wasm', 'torch', 'torch-1'];
/** The networks of W3, W4 and W6, and their parameter counts (which every library must match). */
const NETWORKS = {
  lenet: { name: 'LeNet-5', title: 'LeNet-5', parameters: LENET_PARAMETER_COUNT },
  rnn: { name: 'RNN classifier', title: 'the RNN classifier', parameters: RNN_PARAMETER_COUNT },
};
const ALIASES = { nabla: NABLA, 'nabla-wasm': ['nabla-wasm-1', 'nabla-wasm-all'] };

// --only: any mix of workload and contender names; an empty side means all of that side.
const onlyWorkloads = new Set();
const onlyContenders = new Set();
for (const raw of (args.only ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
  const workload = Object.keys(WORKLOADS).find((w) => w.toLowerCase() === raw.toLowerCase());
  if (workload) onlyWorkloads.add(workload);
  else if (Object.hasOwn(CONTENDERS, raw)) onlyContenders.add(raw);
  else if (Object.hasOwn(ALIASES, raw)) ALIASES[raw].forEach((c) => onlyContenders.add(c));
  else throw new RangeError(`--only: unknown workload or contender '${raw}' (${[...Object.keys(WORKLOADS), ...Object.keys(CONTENDERS), ...Object.keys(ALIASES)].join(', ')})`);
}
const workloads = Object.keys(WORKLOADS).filter((w) => onlyWorkloads.size === 0 || onlyWorkloads.has(w));
let contenders = Object.keys(CONTENDERS).filter((c) => onlyContenders.size === 0 || onlyContenders.has(c));
/** Whether contender `key` runs workload `w`: every one does, but those limited to some workloads unless --only names them. */
const runsIn = (key, w) => !CONTENDERS[key].workloads || onlyContenders.has(key) || CONTENDERS[key].workloads.includes(w);
contenders = contenders.filter((key) => workloads.some((w) => runsIn(key, w)));

const notes = [];
const note = (line) => { notes.push(line); console.log(`note: ${line}`); };

// --- machine -----------------------------------------------------------------------------------------
const cpus = os.cpus();
const machine = {
  cpu: cpus[0]?.model?.trim() ?? 'unknown CPU', cores: cpus.length, availableParallelism: os.availableParallelism(),
  memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: `${os.platform()} ${os.release()}`, arch: os.arch(),
};
console.log(`nabla benchmark suite (issues 11, 12 and 13), ${new Date().toISOString()}`);
console.log(`machine: ${machine.cpu}, ${machine.cores} cores (available parallelism ${machine.availableParallelism}), ` +
  `${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform} ${machine.arch}`);
// Other work on the machine distorts everything, multi-threaded figures most (PyTorch's OpenMP
// threads slow down many times over when they have to share the cores: W3 at 2 threads on a busy
// 2-core machine ran 10 times slower than at 1 thread). Say so when the load says so.
machine.loadAverage = os.loadavg().map((v) => +v.toFixed(2));
if (machine.loadAverage[0] > 0.5 * machine.availableParallelism) {
  note(`load average ${machine.loadAverage.join(', ')} on ${machine.availableParallelism} cores: other work is running, so the figures (multi-threaded ones most) are unreliable`);
}

// --- which contenders can run --------------------------------------------------------------------------
if (!BACKEND_NAMES.includes('wasm') && contenders.some((c) => c.startsWith('nabla-wasm'))) {
  note('nabla wasm: skipped (WebAssembly SIMD does not validate on this runtime)');
  contenders = contenders.filter((c) => !c.startsWith('nabla-wasm'));
}
if (contenders.includes('nabla-wasm-all') && THREADS === 1) note('with --threads 1, nabla-wasm-1 and nabla-wasm-all are the same configuration');
if (contenders.includes('torch-1') && contenders.includes('torch') && THREADS === 1) {
  note('torch-1: skipped (with --threads 1 the torch contender already runs PyTorch on 1 thread)');
  contenders = contenders.filter((c) => c !== 'torch-1');
}
// TensorFlow.js's wasm backend is not a dependency of nabla: it runs only where it is installed.
if (contenders.includes('tfjs-wasm')) {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  } catch {
    note('tfjs wasm: skipped (@tensorflow/tfjs-backend-wasm is not installed: it is not among package.json\'s devDependencies;' +
      ' `npm install --no-save @tensorflow/tfjs-backend-wasm@4.22.0` adds it for a run)');
    contenders = contenders.filter((c) => c !== 'tfjs-wasm');
  }
}
let torchVersion = null;
/** The first Python that imports torch: $PYTHON, python3 on the PATH, then Debian's (python3-torch lives there, not in a pyenv). */
let python = null;
const pythonContenders = contenders.filter((c) => CONTENDERS[c].python);
if (pythonContenders.length) {
  let probe = null;
  for (const candidate of [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean)) {
    probe = spawnSync(candidate, ['-c', 'import numpy, torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (probe.status === 0) {
      python = candidate;
      break;
    }
  }
  if (python !== null) torchVersion = probe.stdout.trim();
  else {
    const why = probe.error ? probe.error.message : (probe.stderr.trim().split('\n').at(-1) || `exit status ${probe.status}`);
    note(`pytorch: skipped (python3 -c "import numpy, torch" failed: ${why})`);
    contenders = contenders.filter((c) => !CONTENDERS[c].python);
  }
}

// The repo's shared copy of Fashion-MNIST if present, else nabla's default lookup (NABLA_DATA_DIR, cache, ...).
const sharedDir = fileURLToPath(new URL('../../shared/datasets/fashion-mnist', import.meta.url));
let files = null;
if (workloads.some((w) => w !== 'W5')) {
  files = await locateDataset('fashion-mnist', { dataDir: args['data-dir'] ?? (existsSync(sharedDir) ? sharedDir : undefined), download: false });
  console.log(`data: Fashion-MNIST from ${files.dir}`);
}
console.log(`contenders: ${contenders.map((c) => CONTENDERS[c].label).join(', ')}; ${ROUNDS} round(s) each, interleaved, best round reported`);

// --- contender processes -------------------------------------------------------------------------------
const WORKER = fileURLToPath(new URL('./lib/suite-worker.mjs', import.meta.url));
const TORCH = fileURLToPath(new URL('./torch_suite.py', import.meta.url));

/** One contender's process, answering one request at a time. */
class Child {
  constructor(key) {
    this.key = key;
    this.queue = [];
    this.exited = new Promise((resolve) => { this.onExit = resolve; });
    if (CONTENDERS[key].python) {
      this.proc = spawn(python, [TORCH, '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
      createInterface({ input: this.proc.stdout }).on('line', (line) => this.answer(JSON.parse(line)));
      this.send = (msg) => this.proc.stdin.write(`${JSON.stringify(msg)}\n`);
      this.close = () => this.proc.stdin.end();
    } else {
      this.proc = fork(WORKER, [key], {
        env: { ...process.env, ...CONTENDERS[key].env }, execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      this.proc.on('message', (msg) => this.answer(msg));
      this.send = (msg) => this.proc.send(msg);
      this.close = () => { if (this.proc.connected) this.proc.disconnect(); };
    }
    this.proc.on('exit', (code, signal) => {
      this.onExit();
      for (const { reject } of this.queue.splice(0)) reject(new Error(`${key}: process exited (${signal ?? `code ${code}`})`));
    });
  }

  answer(msg) {
    const waiting = this.queue.shift();
    if (!waiting) return;
    if (msg.ok) waiting.resolve(msg);
    else waiting.reject(new Error(`${this.key}: ${msg.error}`));
  }

  request(msg) {
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.send(msg);
    });
  }

  async stop() {
    this.close();
    const timer = setTimeout(() => this.proc.kill(), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The batch orders of `epochs` epochs, as the DataLoader with this seed draws them: one int32 row per epoch. */
function batchOrders(samples, seed, epochs) {
  const ids = new TensorDataset(arange(samples, undefined, 1, { dtype: 'int32' }));
  const loader = new DataLoader(ids, { batchSize: samples, shuffle: true, seed });
  const out = new Int32Array(samples * epochs);
  for (let e = 0; e < epochs; e++) {
    for (const [batch] of loader) out.set(batch.dataSync(), e * samples); // each pass is an epoch, one batch
  }
  return out;
}

// --- running -------------------------------------------------------------------------------------------
const tmp = mkdtempSync(path.join(os.tmpdir(), 'nabla-suite-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const info = {}; // contender -> { library, version, backend }
const measurements = []; // { workload, item, contender, round, value, ... }
const accuracy = []; // { workload, contender, accuracy, seconds, value }
const memory = []; // { workload, contender, peakRSSMB, baseRSSMB, dataRSSMB, rounds: [rss after each round] }
// W3, W4, W6: { workload, contender, numParameters, batches (W3, W4: trained, warm-up included), loss,
// accuracy (W6), losses (W3, W4: the loss of each timed batch by its index in the batch stream) }
const network = [];

/**
 * W6's weights (and W3's initial ones with --w3-init shared; W4's with --w4-init shared): one
 * network drawn by nabla (PyTorch's default initialization, seeded), written once as safetensors
 * (PyTorch's names and layout), which every contender loads, so that all compute the same function
 * and their losses must agree (W6: to float32 rounding).
 */
const weightsFiles = {};
function sharedWeights(net) {
  if (weightsFiles[net]) return weightsFiles[net];
  const model = net === 'lenet' ? lenet(new Generator(SEED)) : new RNNClassifier(new Generator(SEED));
  weightsFiles[net] = path.join(tmp, `${net}.safetensors`);
  saveSafetensors(weightsFiles[net], Object.fromEntries(Object.entries(model.stateDict())
    .map(([name, t]) => [name, { dtype: 'F32', shape: [...t.shape], data: Float32Array.from(t.dataSync()) }])));
  return weightsFiles[net];
}
const fmt = (value, unit) => (unit === 'GFLOPS' ? value.toFixed(2) : value.toFixed(0));
const pad = (key) => CONTENDERS[key].label.padEnd(14);
const suiteStart = performance.now();

for (const workload of workloads) {
  const spec = WORKLOADS[workload];
  console.log(`\n${spec.title}`);
  const children = Object.fromEntries(contenders.filter((key) => runsIn(key, workload)).map((key) => [key, new Child(key)]));
  const withPython = Object.keys(children).some((key) => CONTENDERS[key].python);
  const init = { type: 'init', workload, dataDir: files?.dir };
  if (workload !== 'W5') {
    init.config = { ...spec.config, seed: SEED, warmup: spec.warmup };
    if (spec.shared) init.config.weightsFile = sharedWeights(spec.net);
    if (withPython) {
      // PyTorch reads the IDX files itself; these are the batch orders the DataLoader gives the others.
      init.files = { trainImages: files.trainImages, trainLabels: files.trainLabels, testImages: files.testImages, testLabels: files.testLabels };
    }
    if (withPython && !spec.infer) {
      const samples = readIdxFile(files.trainLabels).shape[0];
      const perEpoch = Math.ceil(samples / spec.config.batch);
      const epochs = Math.max(1, Math.ceil((spec.warmup + ROUNDS * spec.batches) / perEpoch));
      init.orderFile = path.join(tmp, `${workload}-order.i32`);
      const orders = batchOrders(samples, SEED, epochs);
      writeFileSync(init.orderFile, new Uint8Array(orders.buffer, orders.byteOffset, orders.byteLength));
    }
  }
  // Set-up (data, model, warm-up) in parallel: nothing is timed yet.
  // A contender capped at fewer timed batches (tfjs on W2, W3, W4) also warms up on no more than that.
  const warmupOf = (key) => Math.min(spec.warmup, spec.caps?.[key] ?? Infinity);
  const ready = await Promise.all(Object.entries(children).map(async ([key, child]) => {
    const threads = CONTENDERS[key].threads ?? THREADS; // PyTorch's (nabla's come from NABLA_THREADS)
    return [key, await child.request(init.config ? { ...init, threads, config: { ...init.config, warmup: warmupOf(key) } } : { ...init, threads })];
  }));
  const active = [];
  for (const [key, answer] of ready) {
    if (answer.skipped !== undefined) {
      note(`${CONTENDERS[key].label}: skipped (${answer.skipped})`);
      await children[key].stop();
      continue;
    }
    info[key] = { library: answer.library, version: answer.version, backend: answer.backend };
    for (const line of answer.notes ?? []) note(`${CONTENDERS[key].label}: ${line}`);
    if (spec.net) network.push({ workload, contender: key, numParameters: answer.numParameters, batches: spec.infer ? 0 : warmupOf(key), losses: {} });
    memory.push({ workload, contender: key, baseRSSMB: answer.baseRSSMB, dataRSSMB: answer.dataRSSMB, setupRSSMB: answer.rssMB, rounds: [] });
    active.push(key);
  }
  const mem = (key) => memory.find((m) => m.workload === workload && m.contender === key);
  const order = (round) => (round % 2 === 1 ? active : [...active].reverse()); // forwards, backwards, ...

  if (workload !== 'W5') {
    for (const [key, cap] of Object.entries(spec.caps)) {
      if (active.includes(key) && cap < spec.batches) {
        note(`${workload}: ${CONTENDERS[key].label} is capped at ${cap} timed batches per round (the others run ${spec.batches})` +
          `${cap < spec.warmup ? ` and ${cap} warm-up batches` : ''}, to keep the suite short`);
      }
    }
    console.log(`  ${spec.warmup} warm-up batches, then ${ROUNDS} round(s) of ${spec.batches} timed batches`);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const key of order(round)) {
        const batches = Math.min(spec.batches, spec.caps[key] ?? Infinity);
        const r = await children[key].request({ type: 'run', batches });
        measurements.push({ workload, item: workload, contender: key, round, unit: spec.unit, ...strip(r) });
        mem(key).rounds.push(r.rssMB);
        const net = network.find((n) => n.workload === workload && n.contender === key);
        if (net && !spec.infer) r.losses?.forEach((loss, i) => { net.losses[net.batches + i] = loss; }); // by index in the batch stream
        if (net) Object.assign(net, { batches: net.batches + (spec.infer ? 0 : r.batches), loss: r.loss, accuracy: r.accuracy });
        const scores = spec.infer ? `test loss ${r.loss.toFixed(6)}, accuracy ${(100 * r.accuracy).toFixed(2)} %` : `loss ${r.loss.toFixed(4)}`;
        console.log(`  round ${round} ${pad(key)} ${fmt(r.value, spec.unit).padStart(8)} ${spec.unit}  (${r.batches} batches, ${r.seconds.toFixed(2)} s, ` +
          `${scores}, rss ${r.rssMB.toFixed(0)} MiB${r.numTensors !== undefined ? `, ${r.numTensors} tensors` : ''})`);
      }
    }
    if (spec.net) checkNetwork(workload, active);
    if (args.accuracy && spec.accuracy === false && !spec.infer) {
      note(`${workload}: --accuracy skips it (` + (workload === 'W3'
        ? 'an epoch of LeNet-5 is 938 batches: minutes for nabla and jax-js, about an hour for tfjs\'s cpu backend)'
        : 'an epoch of the RNN classifier is 600 batches: under two minutes for nabla, jax-js and PyTorch, about 8 minutes for tfjs\'s cpu backend)'));
    }
    if (args.accuracy && spec.accuracy !== false) {
      console.log('  accuracy: a fresh model per contender, one full epoch (same batches), then the 10,000 test images');
      for (const key of active) {
        const r = await children[key].request({ type: 'accuracy' });
        accuracy.push({ workload, contender: key, ...strip(r) });
        console.log(`  epoch    ${pad(key)} ${(100 * r.accuracy).toFixed(2).padStart(7)} %  (${r.seconds.toFixed(1)} s, ${fmt(r.value, spec.unit)} samples/s, mean loss ${r.loss.toFixed(4)})`);
      }
    }
  } else {
    for (const n of W5_SIZES) {
      for (let round = 1; round <= ROUNDS; round++) {
        for (const key of order(round)) {
          const r = await children[key].request({ type: 'run', n, minSeconds: W5_SECONDS, seed: n });
          measurements.push({ workload, item: `W5 n=${n}`, contender: key, round, unit: spec.unit, ...strip(r) });
          mem(key).rounds.push(r.rssMB);
          console.log(`  n=${String(n).padEnd(4)} round ${round} ${pad(key)} ${fmt(r.value, spec.unit).padStart(7)} GFLOPS  (${r.reps} products, ${r.seconds.toFixed(2)} s, rss ${r.rssMB.toFixed(0)} MiB)`);
        }
      }
    }
  }
  await Promise.all(active.map(async (key) => {
    const r = await children[key].request({ type: 'finish' });
    Object.assign(mem(key), { peakRSSMB: r.peakRSSMB, peakReset: r.peakReset, finalRSSMB: r.rssMB });
    await children[key].stop();
  }));
}
const suiteSeconds = (performance.now() - suiteStart) / 1000;

/**
 * W3, W4, W6: every contender must build the same network (LeNet-5, 61,706 parameters; the RNN
 * classifier, 21,514). W6 (the same weights everywhere): every round's mean test loss must agree
 * with the first contender's to float32 rounding, else the libraries do not compute the same
 * network (a layout or a flatten order gone wrong). W3 with --w3-init shared, W4 with --w4-init
 * shared: the same initial weights and batches, so each batch's training loss must agree too, up to
 * the rounding that training amplifies (1 %). Batch i of the stream is the same batch for everyone
 * and comes after the same i batches of training, so the losses are compared by index wherever all
 * the contenders have one, the capped ones (fewer batches per round, so later in the stream) included.
 */
function checkNetwork(workload, active) {
  const spec = WORKLOADS[workload];
  const { name, parameters } = NETWORKS[spec.net];
  const rows = network.filter((n) => n.workload === workload && active.includes(n.contender));
  for (const n of rows) {
    if (n.numParameters !== parameters) note(`${CONTENDERS[n.contender].label} ${workload}: ${name} has ${n.numParameters} parameters, expected ${parameters.toLocaleString('en')}`);
  }
  if (!spec.shared || rows.length < 2) return;
  if (spec.infer) {
    let worst = 0;
    let accuracyGap = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const rs = measurements.filter((m) => m.workload === workload && m.round === round && active.includes(m.contender));
      for (const r of rs) {
        worst = Math.max(worst, Math.abs(r.loss - rs[0].loss) / rs[0].loss);
        accuracyGap = Math.max(accuracyGap, Math.abs(r.accuracy - rs[0].accuracy));
      }
    }
    if (worst > 1e-4) note(`${workload}: the contenders' test losses from the same weights differ by up to ${(100 * worst).toFixed(3)} %: they do not compute the same network`);
    else console.log(`  check: same weights, same test losses in every library: largest relative difference ${worst.toExponential(1)}, accuracy within ${(100 * accuracyGap).toFixed(2)} points`);
    return;
  }
  // Training: the batch indices every contender has a loss for.
  const common = Object.keys(rows[0].losses).map(Number).filter((i) => rows.every((n) => n.losses[i] !== undefined)).sort((a, b) => a - b);
  if (common.length === 0) {
    note(`${workload}: no batch was trained by every contender, so the shared-weights check compared nothing`);
    return;
  }
  let worst = 0;
  let where = null;
  for (const i of common) {
    const first = rows[0].losses[i];
    for (const n of rows) {
      const d = Math.abs(n.losses[i] - first) / Math.abs(first);
      if (!(d <= worst)) { worst = d; where = { i, key: n.contender }; }
    }
  }
  const span = common.length === common.at(-1) - common[0] + 1 ? `batches ${common[0] + 1}-${common.at(-1) + 1}` : `${common.length} batches`;
  const what = `the ${common.length} batches that ${rows.length === 2 ? 'both' : `all ${rows.length}`} trained (${span} of the stream, the warm-up counted)`;
  if (!(worst <= 1e-2)) {
    note(`${workload}: same initial weights, but the training losses of ${what} differ by up to ${(100 * worst).toFixed(3)} % ` +
      `(${CONTENDERS[where.key].label} at batch ${where.i + 1}): they do not compute the same training step`);
  } else {
    console.log(`  check: same initial weights, same training losses in every library over ${what}: largest relative difference ` +
      `${worst.toExponential(1)}${worst > 0 ? ` (${CONTENDERS[where.key].label} at batch ${where.i + 1})` : ''}`);
  }
}

/** A worker's answer without the protocol fields. */
function strip({ ok, type, ...rest }) {
  return rest;
}

// --- report --------------------------------------------------------------------------------------------
const items = [...new Set(measurements.map((m) => m.item))];
const shown = contenders.filter((key) => info[key]);
const rounds = (item, key) => measurements.filter((m) => m.item === item && m.contender === key);
const best = (item, key) => {
  const values = rounds(item, key).map((m) => m.value);
  return values.length ? Math.max(...values) : undefined;
};
const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const unitOf = (item) => WORKLOADS[item.slice(0, 2)].unit;
const capped = (item, key) => !item.startsWith('W5') && (WORKLOADS[item].caps[key] ?? Infinity) < WORKLOADS[item].batches;
const table = (head) => new Table({ head, style: { head: [], border: [] } });

console.log(`\nthroughput, best of ${ROUNDS} round(s) (higher is better)`);
const absolute = table(['workload', ...shown.map((key) => CONTENDERS[key].label)]);
for (const item of items) {
  absolute.push([`${item} ${unitOf(item)}`, ...shown.map((key) => {
    const v = best(item, key);
    return v === undefined ? '-' : fmt(v, unitOf(item)) + (capped(item, key) ? '*' : '');
  })]);
}
for (const w of [...new Set(accuracy.map((a) => a.workload))]) {
  absolute.push([`${w} test accuracy, 1 epoch`, ...shown.map((key) => {
    const a = accuracy.find((r) => r.workload === w && r.contender === key);
    return a ? `${(100 * a.accuracy).toFixed(2)} %` : '-';
  })]);
  absolute.push([`${w} that epoch, samples/s`, ...shown.map((key) => {
    const a = accuracy.find((r) => r.workload === w && r.contender === key);
    return a ? fmt(a.value, 'samples/s') : '-';
  })]);
}
console.log(absolute.toString());
if (shown.some((key) => items.some((item) => capped(item, key)))) console.log('* fewer timed batches per round (see the notes)');

// nabla over each peer: nabla's best configuration for the workload, and wasm on all threads.
const ratios = [];
const peersShown = PEERS.filter((p) => shown.includes(p));
const nablaShown = NABLA.filter((c) => shown.includes(c));
if (nablaShown.length && peersShown.length) {
  for (const item of items) {
    const nablaBest = nablaShown.map((key) => [key, best(item, key)]).filter(([, v]) => v !== undefined).sort((a, b) => b[1] - a[1])[0];
    const wasmAll = best(item, 'nabla-wasm-all');
    const row = { item, bestNabla: nablaBest?.[0], bestNablaValue: nablaBest?.[1], wasmAllValue: wasmAll };
    for (const peer of peersShown) {
      const p = best(item, peer);
      row[`bestNablaOver_${peer}`] = p && nablaBest ? nablaBest[1] / p : null;
      row[`wasmAllOver_${peer}`] = p && wasmAll ? wasmAll / p : null;
    }
    ratios.push(row);
  }
  console.log('\nnabla / peer (above 1: nabla is faster); "best" is the fastest nabla configuration for the row');
  const withWasmAll = nablaShown.includes('nabla-wasm-all');
  const head = ['workload', 'best nabla'];
  for (const peer of peersShown) {
    head.push(`best / ${CONTENDERS[peer].label}`);
    if (withWasmAll) head.push(`${CONTENDERS['nabla-wasm-all'].label} / ${CONTENDERS[peer].label}`);
  }
  const ratioTable = table(head);
  const x = (v) => (v === null || v === undefined ? '-' : `${v.toFixed(2)}x`);
  for (const r of ratios) {
    ratioTable.push([r.item, r.bestNabla ? CONTENDERS[r.bestNabla].label : '-',
      ...peersShown.flatMap((peer) => [x(r[`bestNablaOver_${peer}`]), ...(withWasmAll ? [x(r[`wasmAllOver_${peer}`])] : [])])]);
  }
  console.log(ratioTable.toString());
}

// The same network in every library, LeNet-5 (W3, W6) and the RNN classifier (W4): its parameter
// count, the training loss in the last round (W3, W4; each library's own initialization unless
// --w3-init / --w4-init shared; a capped contender has trained on fewer batches), W6's test loss and
// accuracy with the shared weights (they must agree).
const netRuns = workloads.filter((w) => WORKLOADS[w].net && network.some((n) => n.workload === w));
if (netRuns.length) {
  const initOf = (w) => (WORKLOADS[w].shared ? 'the same initial weights for all' : 'each library\'s own initialization');
  const what = [];
  if (netRuns.includes('W3')) what.push(`W3: ${initOf('W3')}`);
  if (netRuns.includes('W6')) what.push('W6: the same weights for all');
  if (netRuns.includes('W4')) what.push(`W4: ${initOf('W4')}`);
  const names = [...new Set(netRuns.map((w) => NETWORKS[WORKLOADS[w].net].title))].join(' and ');
  console.log(`\n${names[0].toUpperCase()}${names.slice(1)}, the same network in every library (${what.join('; ')})`);
  const netTable = table(['', ...shown.map((key) => CONTENDERS[key].label)]);
  const cell = (workload, key, f) => {
    const n = network.find((r) => r.workload === workload && r.contender === key);
    return n && n.loss !== undefined ? f(n) : '-';
  };
  for (const net of ['lenet', 'rnn']) {
    const runs = netRuns.filter((w) => WORKLOADS[w].net === net);
    if (!runs.length) continue;
    const counts = shown.map((key) => network.find((n) => runs.includes(n.workload) && n.contender === key)?.numParameters);
    netTable.push([`${NETWORKS[net].name} parameters`, ...counts.map((c) => (c === undefined ? '-' : c.toLocaleString('en')))]);
    for (const w of runs.filter((r) => !WORKLOADS[r].infer)) {
      netTable.push([`${w} mean loss, last round`, ...shown.map((key) => cell(w, key, (n) => n.loss.toFixed(4)))]);
      netTable.push([`${w} batches trained by then`, ...shown.map((key) => cell(w, key, (n) => String(n.batches)))]);
    }
    if (runs.includes('W6')) {
      netTable.push(['W6 mean test loss', ...shown.map((key) => cell('W6', key, (n) => n.loss.toFixed(6)))]);
      netTable.push(['W6 test accuracy', ...shown.map((key) => cell('W6', key, (n) => `${(100 * n.accuracy).toFixed(2)} %`))]);
    }
  }
  console.log(netTable.toString());
  // W3's and W4's losses: each library starts from its own draw of the same distribution, so they
  // differ somewhat; a contender far from the others (uncapped ones, same batches) has a different network.
  for (const w of ['W3', 'W4'].filter((r) => netRuns.includes(r))) {
    const runs = network.filter((n) => n.workload === w && n.loss !== undefined && !capped(w, n.contender));
    if (runs.length < 2) continue;
    const mid = median(runs.map((n) => n.loss));
    for (const n of runs) {
      if (Math.abs(n.loss - mid) > 0.25 * mid) {
        note(`${CONTENDERS[n.contender].label} ${w}: last-round loss ${n.loss.toFixed(4)} is more than 25 % from the median ${mid.toFixed(4)}` +
          (WORKLOADS[w].shared ? '' : ' (each library starts from its own draw of the initialization, and lr 0.05 with momentum 0.9 is not always stable that early;' +
            ` --${w.toLowerCase()}-init shared starts them all from the same weights)`));
      }
    }
  }
}

// Peak RSS: each contender's own process for that workload, its resident high-water mark from the end
// of data loading (W5: from start-up) to the end, library set-up, warm-up and rounds included. On
// Linux the mark is reset once the data are in (see resetPeak in suite-worker.mjs); elsewhere it is the
// process's maxRSS, which includes decompressing the dataset.
const anyUnreset = memory.some((m) => m.peakRSSMB !== undefined && !m.peakReset);
console.log('\npeak RSS in MiB, each contender in its own process per workload, from the end of data loading (W5: start-up) to the end;' +
  ' in brackets, above the RSS at that start' + (anyUnreset ? '\n(*: the high-water mark could not be reset: whole process, data loading included)' : ''));
const memTable = table(['workload', ...shown.map((key) => CONTENDERS[key].label)]);
for (const workload of workloads) {
  memTable.push([workload, ...shown.map((key) => {
    const m = memory.find((r) => r.workload === workload && r.contender === key);
    if (!m || m.peakRSSMB === undefined) return '-';
    const base = m.dataRSSMB ?? m.baseRSSMB;
    return `${m.peakRSSMB.toFixed(0)} (+${Math.max(0, m.peakRSSMB - base).toFixed(0)})${m.peakReset ? '' : '*'}`;
  })]);
}
console.log(memTable.toString());

// Leak check: the RSS after each round (after a forced GC) should stay flat for a workload (W5: per
// size). A leak of each step's or product's arrays (jax-js's must be disposed of by hand) grows it by
// tens of MiB in every round; nabla's wasm memory can rise once and fall again when it is collected.
for (const m of memory) {
  const perSize = m.workload === 'W5' ? W5_SIZES.length : 1;
  for (let s = 0; s < perSize; s++) {
    const series = m.rounds.slice(s * ROUNDS, (s + 1) * ROUNDS);
    const growth = series.at(-1) - series[0];
    const rising = series.every((v, i) => i === 0 || v > series[i - 1] + 4);
    if (series.length > 1 && rising && growth > 32) {
      note(`${CONTENDERS[m.contender].label} ${m.workload}${m.workload === 'W5' ? ` n=${W5_SIZES[s]}` : ''}: RSS grew by ${growth.toFixed(0)} MiB between its first and last round (${series.map((v) => v.toFixed(0)).join(' -> ')}); a leak?`);
    }
  }
  const tensors = measurements.filter((r) => r.workload === m.workload && r.contender === m.contender && r.numTensors !== undefined).map((r) => r.numTensors);
  if (m.workload !== 'W5' && new Set(tensors).size > 1) note(`${CONTENDERS[m.contender].label} ${m.workload}: tfjs tensor count changed between rounds (${tensors.join(' -> ')})`);
}

console.log('\nversions: ' + shown.map((key) => `${CONTENDERS[key].label} = ${info[key].library} ${info[key].version} (${info[key].backend})`).join('; '));
if (shown.includes('jax')) console.log('jax-js runs its kernels on the main thread in Node (no global Worker), i.e. on one thread');
if (netRuns.some((w) => WORKLOADS[w].net === 'lenet') && shown.includes('jax')) console.log('jax-js has no max-pool function: LeNet-5 pools with lax.reduceWindow(x, np.max, [2, 2], [2, 2]), its convs are lax.convGeneralDilated (NCHW, OIHW)');
if (netRuns.some((w) => WORKLOADS[w].net === 'lenet') && shown.includes('tfjs')) console.log('tfjs cpu runs LeNet-5 in NHWC (its conv2d/maxPool layout): [B, 28, 28, 1] batches (the same bytes as [B, 1, 28, 28]), HWIO filters');
if (netRuns.includes('W4') && shown.includes('jax')) console.log('jax-js has no lax.scan: W4\'s 28 steps are a JavaScript loop inside the jitted step, which the trace unrolls');
if (netRuns.includes('W4') && ['tfjs', 'tfjs-wasm'].some((key) => shown.includes(key))) {
  console.log('tfjs has no RNN in tfjs-core (tfjs-layers is not a dependency): W4\'s RNN is written out with tf.matMul and tf.tanh, the gradients clipped by hand between tf.variableGrads and applyGradients');
}
console.log(`suite: ${suiteSeconds.toFixed(0)} s`);

if (args.json) {
  const summary = items.flatMap((item) => shown.filter((key) => rounds(item, key).length).map((key) => ({
    item, contender: key, unit: unitOf(item), best: best(item, key), median: median(rounds(item, key).map((m) => m.value)),
    capped: capped(item, key),
  })));
  const options = {
    rounds: ROUNDS, threads: THREADS, seed: SEED, w5Sizes: W5_SIZES, w5Seconds: W5_SECONDS, w3Init: args['w3-init'], w4Init: args['w4-init'], accuracy: args.accuracy,
    workloads: Object.fromEntries(workloads.map((w) => [w, WORKLOADS[w]])),
  };
  const out = {
    date: new Date().toISOString(), machine, options, data: files?.dir ?? null, torch: torchVersion,
    contenders: Object.fromEntries(shown.map((key) => [key, { label: CONTENDERS[key].label, ...info[key] }])),
    summary, ratios, accuracy, network, memory, measurements, notes, seconds: suiteSeconds,
  };
  writeFileSync(args.json, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote ${args.json}`);
}
