// Why residual connections let deep networks train: a plain MLP of 20 tanh layers against the same
// layers with residual connections, h = h + tanh(W h + b), on real MNIST digits (nb.loadMnist finds
// the copy that `npm ci` installs). Both start from the same weights, PyTorch's default
// initialization, which shrinks the signal through every plain layer; nb.layerStats measures the
// norm of each Linear layer's gradient on a fixed batch, at initialization and after 100 SGD steps.
// Run with `npm run build && node examples/residual-vs-plain.mjs`.
import * as nb from 'nabla';

const DEPTH = 20;
const WIDTH = 64;
const STEPS = 100;
const SHOWN = [1, 2, 3, 4, 5, 10, 20, 21];

const data = await nb.loadMnist();
const [images, labels] = data.train.take(Int32Array.from({ length: 1000 }, (_, i) => i));

function network(residual) {
  const generator = new nb.Generator(0);
  const layers = [new nb.Linear(784, WIDTH, { generator }), new nb.Tanh()];
  for (let i = 1; i < DEPTH; i++) {
    const block = new nb.Sequential(new nb.Linear(WIDTH, WIDTH, { generator }), new nb.Tanh());
    layers.push(residual ? new nb.Residual(block) : block);
  }
  layers.push(new nb.Linear(WIDTH, 10, { generator }));
  return new nb.Sequential(...layers);
}

/** The gradient norm of every Linear layer (weight and bias), first to last, on the fixed batch. */
const gradientNorms = (model) => nb.layerStats(model, [images, labels]).filter((row) => row.type === 'Linear').map((row) => row.gradNorm);

const loss = (model) => nb.noGrad(() => nb.crossEntropy(model.forward(images), labels).item());

const runs = [false, true].map((residual) => {
  const model = network(residual);
  const before = { norms: gradientNorms(model), loss: loss(model) };
  const optimizer = new nb.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const loader = new nb.DataLoader(data.train, { batchSize: 64, shuffle: true, seed: 1 });
  let step = 0;
  for (const [x, y] of loader) {
    if (step++ === STEPS) break;
    optimizer.zeroGrad();
    nb.crossEntropy(model.forward(x), y).backward();
    optimizer.step();
  }
  return { before, after: { norms: gradientNorms(model), loss: loss(model) } };
});

console.log(`||dloss/dW|| of Linear layer l (l = 1 first, ${DEPTH + 1} the output) on 1000 MNIST digits; ${DEPTH} tanh layers of ${WIDTH} units\n`);
const head = ['layer', 'plain, init', 'residual, init', `plain, ${STEPS} steps`, `residual, ${STEPS} steps`];
console.log(head.map((s) => s.padStart(20)).join(''));
for (const l of SHOWN) {
  const norms = [runs[0].before, runs[1].before, runs[0].after, runs[1].after].map((r) => r.norms[l - 1].toExponential(2));
  console.log([String(l), ...norms].map((s) => s.padStart(20)).join(''));
}
const losses = [runs[0].before, runs[1].before, runs[0].after, runs[1].after].map((r) => r.loss.toFixed(4));
console.log(['loss on the batch', ...losses].map((s) => s.padStart(20)).join(''));
