// nabla's backends side by side on one machine, in one process: W2 (784-512-512-10 ReLU MLP,
// Fashion-MNIST, batch 128, SGD momentum; 100 timed batches after 10 warm-up ones, samples/s) and
// W5 (n x n float32 matmul, GFLOPS, n = 256, 512, 1024). Peers come in issue 11's benchmark suite;
// this compares the TypeScript reference kernels with the WebAssembly backend.
//
//   npm run build && node bench/backends.mjs [--data-dir DIR] [--json]
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as nb from '../dist/index.js';

const { values: args } = parseArgs({ options: { 'data-dir': { type: 'string' }, json: { type: 'boolean', default: false } } });
const sharedDir = fileURLToPath(new URL('../../shared/datasets/fashion-mnist', import.meta.url));
const dataDir = args['data-dir'] ?? (existsSync(sharedDir) ? sharedDir : undefined);
const BACKENDS = nb.BACKEND_NAMES.filter((name) => name !== 'checking');
const rows = [];
const report = (row) => {
  rows.push(row);
  if (args.json) console.log(JSON.stringify(row));
  else console.log(`${row.workload.padEnd(24)} ${row.backend.padEnd(5)} ${row.value.toFixed(1).padStart(9)} ${row.unit}`);
};

function w5(n) {
  const a = nb.randn([n, n], { generator: new nb.Generator(1) });
  const b = nb.randn([n, n], { generator: new nb.Generator(2) });
  a.matmul(b);
  const reps = Math.max(3, Math.round(1.2e10 / (2 * n ** 3) / (nb.getBackend().name === 'js' ? 10 : 1)));
  const start = performance.now();
  for (let r = 0; r < reps; r++) a.matmul(b);
  return (2 * n ** 3 * reps) / ((performance.now() - start) / 1000) / 1e9;
}

async function w2() {
  const { train } = await nb.loadFashionMnist({ dataDir, download: false });
  const model = nb.mlp({ inputSize: 784, hiddenSizes: [512, 512], outputSize: 10, activation: 'relu' }, { init: 'kaiming-uniform', generator: new nb.Generator(0) });
  const optimizer = new nb.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const batches = new nb.DataLoader(train, { batchSize: 128, shuffle: true, seed: 0 })[Symbol.iterator]();
  const step = () => {
    const [x, y] = batches.next().value;
    optimizer.zeroGrad();
    const loss = nb.crossEntropy(model.forward(x), y);
    loss.backward();
    optimizer.step();
    loss.item();
  };
  for (let i = 0; i < 10; i++) step();
  const start = performance.now();
  for (let i = 0; i < 100; i++) step();
  return (100 * 128) / ((performance.now() - start) / 1000);
}

for (const backend of BACKENDS) {
  nb.setBackend(backend);
  report({ workload: 'W2 784-512-512-10 relu', backend, value: await w2(), unit: 'samples/s' });
  for (const n of [256, 512, 1024]) report({ workload: `W5 matmul n=${n}`, backend, value: w5(n), unit: 'GFLOPS' });
}
if (!args.json) {
  const value = (workload, backend) => rows.find((r) => r.workload === workload && r.backend === backend)?.value;
  for (const workload of new Set(rows.map((r) => r.workload))) {
    const ratio = value(workload, 'wasm') / value(workload, 'js');
    if (Number.isFinite(ratio)) console.log(`${workload}: wasm/js ${ratio.toFixed(2)}x`);
  }
}
