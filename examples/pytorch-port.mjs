// examples/pytorch-port.py, ported to nabla line for line: a custom Module with a ModuleList of
// residual blocks (LayerNorm, Linear, GELU), AdamW with OneCycleLR stepped every batch, gradient
// clipping, and a checkpoint (optimizer, schedule and shuffling generator included) that a fresh
// model, optimizer and schedule resume from; the resumed run ends with the same weights, bit for
// bit, as the straight one. Run: node examples/pytorch-port.mjs (on 6,000 MNIST digits).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from 'nabla';

const [EPOCHS, HALF] = [4, 2];

class Net extends nb.Module {
  constructor(width = 64, depth = 3) {
    super();
    this.embed = new nb.Linear(784, width);
    this.blocks = new nb.ModuleList(Array.from({ length: depth }, () => new nb.Sequential(new nb.LayerNorm(width), new nb.Linear(width, width), new nb.GELU())));
    this.head = new nb.Linear(width, 10);
  }

  forward(x) {
    x = this.embed.forward(x);
    for (const block of this.blocks) x = x.add(block.forward(x));
    return this.head.forward(x);
  }
}

function train(data, epochs, { checkpoint, resume } = {}) {
  nb.manualSeed(0);
  const model = new Net();
  const generator = new nb.Generator(0);
  const loader = new nb.DataLoader(data, { batchSize: 100, shuffle: true, generator });
  const optimizer = new nb.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
  const scheduler = new nb.OneCycleLR(optimizer, { maxLr: 3e-3, epochs: EPOCHS, stepsPerEpoch: loader.length });
  let start = 0;
  if (resume !== undefined) {
    const state = nb.loadCheckpoint(resume);
    model.loadStateDict(state.stateDict);
    optimizer.loadStateDict(state.training.optimizer);
    scheduler.loadStateDict(state.training.scheduler);
    generator.setState(state.training.generators.shuffle);
    start = state.training.epoch;
  }
  for (let epoch = start; epoch < epochs; epoch++) {
    model.train();
    let loss;
    for (const [x, y] of loader) {
      optimizer.zeroGrad();
      loss = nb.crossEntropy(model.forward(x), y);
      loss.backward();
      nb.clipGradNorm(model.parameters(), 1.0);
      optimizer.step();
      scheduler.step();
    }
    console.log(`epoch ${epoch + 1}: loss ${loss.item().toFixed(4)}, lr ${scheduler.getLastLr()[0].toFixed(6)}`);
    if (checkpoint !== undefined) {
      nb.saveModel(checkpoint, model, { width: 64, depth: 3 }, {}, {
        optimizer: optimizer.stateDict(), scheduler: scheduler.stateDict(), generators: { shuffle: generator.getState() }, epoch: epoch + 1,
      });
    }
  }
  return model;
}

const mnist = await nb.loadMnist();
const data = mnist.train.subset(Int32Array.from({ length: 6000 }, (_, i) => i));
const dir = mkdtempSync(join(tmpdir(), 'nabla-port-'));
try {
  const straight = train(data, EPOCHS);
  train(data, HALF, { checkpoint: join(dir, 'checkpoint.safetensors') });
  const resumed = train(data, EPOCHS, { resume: join(dir, 'checkpoint.safetensors') });
  const [a, b] = [straight.stateDict(), resumed.stateDict()];
  const same = Object.keys(a).every((name) => a[name].toTypedArray().every((v, i) => Object.is(v, b[name].toTypedArray()[i])));
  console.log('resumed run equals the straight run bit for bit:', same);
  const test = nb.evaluate(resumed, mnist.test, nb.objective('cross-entropy'));
  console.log(`test accuracy ${(100 * test.accuracy).toFixed(2)}%`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
