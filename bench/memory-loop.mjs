// Memory of a user's own training loop, written as in the README and keeping every batch's loss
// tensor in an array (losses.push(loss)), with no dispose or tidy anywhere. --workload W1 (default):
// the default network (784-40-30-20-10 sigmoid, SGD lr 0.1 momentum 0.9, batch 100) on MNIST;
// --workload W2: 784-512-512-10 ReLU (kaiming-uniform, SGD lr 0.05 momentum 0.9, batch 128) on
// Fashion-MNIST, as in bench/suite.mjs. After each epoch it prints heap and RSS (after a forced GC)
// and nb.memory(); they should stay flat from epoch 2 on (the kept losses add 4 bytes of storage
// each), and the last line gives the largest RSS from epoch 2 on relative to epoch 2's.
//
//   npm run build && node --expose-gc bench/memory-loop.mjs [--workload W1|W2] [--epochs N] [--data-dir DIR] [--json]
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as nb from '../dist/index.js';

const { values: args } = parseArgs({
  options: {
    workload: { type: 'string', default: 'W1' }, epochs: { type: 'string', default: '5' }, 'data-dir': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const WORKLOADS = {
  W1: { dataset: 'mnist', sizes: [784, 40, 30, 20, 10], activation: 'sigmoid', init: 'xavier-uniform', lr: 0.1, batchSize: 100 },
  W2: { dataset: 'fashion-mnist', sizes: [784, 512, 512, 10], activation: 'relu', init: 'kaiming-uniform', lr: 0.05, batchSize: 128 },
};
const workload = WORKLOADS[args.workload];
if (!workload) throw new RangeError(`--workload must be W1 or W2, got ${args.workload}`);
const EPOCHS = Number(args.epochs);
if (!(Number.isInteger(EPOCHS) && EPOCHS >= 2)) throw new RangeError(`--epochs must be an integer >= 2, got ${args.epochs}`);
if (!globalThis.gc) throw new Error('run with node --expose-gc, so that the readings come after a full collection');

const sharedDir = fileURLToPath(new URL(`../../shared/datasets/${workload.dataset}`, import.meta.url));
const dataDir = args['data-dir'] ?? (existsSync(sharedDir) ? sharedDir : undefined);
const { train } = await nb.loadMnistLike(workload.dataset, { dataDir, download: false });

const { sizes, activation, init, lr, batchSize } = workload;
const model = nb.mlp({ inputSize: sizes[0], hiddenSizes: sizes.slice(1, -1), outputSize: sizes.at(-1), activation }, { init, generator: new nb.Generator(0) });
const optimizer = new nb.SGD(model.parameters(), { lr, momentum: 0.9 });
const loader = new nb.DataLoader(train, { batchSize, shuffle: true, seed: 0 });
console.log(`${args.workload}: ${sizes.join('-')} ${activation}, batch ${batchSize}, ${workload.dataset}, ${nb.getBackend().name} backend`);

const MB = 1024 * 1024;
/** A full collection and a turn of the event loop (finalizers run between tasks), twice. */
async function settle() {
  for (let i = 0; i < 2; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const losses = [];
const rows = [];
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  const start = performance.now();
  for (const [images, labels] of loader) {
    optimizer.zeroGrad();
    const loss = nb.crossEntropy(model.forward(images), labels);
    loss.backward();
    optimizer.step();
    losses.push(loss);
  }
  const seconds = (performance.now() - start) / 1000;
  await settle();
  const m = process.memoryUsage();
  const live = nb.memory();
  const row = {
    epoch, seconds, loss: losses.at(-1).item(), kept_losses: losses.length,
    heap_mb: m.heapUsed / MB, rss_mb: m.rss / MB, array_buffers_mb: m.arrayBuffers / MB,
    live_storages: live.storages, live_mb: live.bytes / MB,
  };
  rows.push(row);
  if (args.json) console.log(JSON.stringify(row));
  else {
    console.log(`epoch ${epoch}: ${seconds.toFixed(2)} s  loss ${row.loss.toFixed(4)}  heap ${row.heap_mb.toFixed(1)} MB  rss ${row.rss_mb.toFixed(1)} MB  ` +
      `arrayBuffers ${row.array_buffers_mb.toFixed(1)} MB  live storages ${row.live_storages} (${row.live_mb.toFixed(1)} MB, ${row.kept_losses} of them kept losses)`);
  }
}
const growth = (key) => rows.at(-1)[key] - rows[1][key];
if (!args.json) {
  console.log(`from epoch 2 to epoch ${EPOCHS}: heap ${growth('heap_mb').toFixed(1)} MB, rss ${growth('rss_mb').toFixed(1)} MB, ` +
    `live storages ${growth('live_storages')} (the ${growth('kept_losses')} losses kept since); ` +
    `largest RSS from epoch 2 on: ${((100 * Math.max(...rows.slice(1).map((r) => r.rss_mb))) / rows[1].rss_mb - 100).toFixed(1)}% above epoch 2's`);
}
