// Memory of a user's own training loop, written as in the README and keeping every batch's loss
// tensor in an array (losses.push(loss)), with no dispose or tidy anywhere: the default network
// (784-40-30-20-10 sigmoid, SGD lr 0.1 momentum 0.9, batch 100) for 5 epochs of MNIST. After each
// epoch it prints heap and RSS (after a forced GC) and nb.memory(); they should stay flat from
// epoch 2 on (the kept losses add 4 bytes of storage each).
//
//   npm run build && node --expose-gc bench/memory-loop.mjs [--epochs N] [--data-dir DIR] [--json]
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as nb from '../dist/index.js';

const { values: args } = parseArgs({
  options: { epochs: { type: 'string', default: '5' }, 'data-dir': { type: 'string' }, json: { type: 'boolean', default: false } },
});
const EPOCHS = Number(args.epochs);
if (!(Number.isInteger(EPOCHS) && EPOCHS >= 2)) throw new RangeError(`--epochs must be an integer >= 2, got ${args.epochs}`);
if (!globalThis.gc) throw new Error('run with node --expose-gc, so that the readings come after a full collection');

const sharedDir = fileURLToPath(new URL('../../shared/datasets/mnist', import.meta.url));
const dataDir = args['data-dir'] ?? (existsSync(sharedDir) ? sharedDir : undefined);
const { train } = await nb.loadMnist({ dataDir, download: false });

const model = nb.mlp({ inputSize: 784, hiddenSizes: [40, 30, 20], outputSize: 10, activation: 'sigmoid' }, { generator: new nb.Generator(0) });
const optimizer = new nb.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
const loader = new nb.DataLoader(train, { batchSize: 100, shuffle: true, seed: 0 });

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
    `live storages ${growth('live_storages')} (the ${growth('kept_losses')} losses kept since)`);
}
