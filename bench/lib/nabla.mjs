// nabla, written the way a user would write it: zeroGrad, forward, crossEntropy, backward, step.
// The backend is whichever is active when setupNabla runs (nb.setBackend, or NABLA_BACKEND); the
// batches passed to step() must live on that backend too.
import { readFileSync } from 'node:fs';
import {
  clipGradNorm, Conv2d, countCorrect as nablaCountCorrect, crossEntropy, Flatten, Generator, getBackend, getThreads, Linear, loadSafetensors,
  MaxPool2d, mlp, Module, noGrad, randn, ReLU, RNN, Sequential, SGD, Tensor,
} from '../../dist/index.js';
import { RNN_HIDDEN, RNN_INPUT, RNN_STEPS } from './init.mjs';

const VERSION = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

/**
 * Returns `{ library, version, step(x, y) -> loss, countCorrect(x, y) }` (x, y: nabla tensors from
 * the DataLoader). `activation` is the hidden activation ('sigmoid' or 'relu'); `init` is one of
 * nabla's initializations ('xavier-uniform': U(+-sqrt(6 / (fanIn + fanOut))); 'kaiming-uniform':
 * U(+-sqrt(6 / fanIn)) before a relu, U(+-sqrt(3 / fanIn)) for the output layer), biases zero.
 */
export async function setupNabla({ sizes, lr, momentum, seed, activation = 'sigmoid', init = 'xavier-uniform' }) {
  const model = mlp({ inputSize: sizes[0], hiddenSizes: sizes.slice(1, -1), outputSize: sizes.at(-1), activation },
    { init, generator: new Generator(seed) });
  const optimizer = new SGD(model.parameters(), { lr, momentum });
  const step = (x, y) => {
    optimizer.zeroGrad();
    const loss = crossEntropy(model.forward(x), y);
    loss.backward();
    optimizer.step();
    return loss.item();
  };
  /** How many rows of x the model classifies as y (no graph recorded). */
  const countCorrect = (x, y) => noGrad(() => nablaCountCorrect(model.forward(x), y));
  return { library: 'nabla', version: VERSION, backend: describeBackend(), step, countCorrect };
}

/**
 * LeNet-5 with nabla's modules (PyTorch's default initialization, from `generator`): the parameter
 * names are PyTorch's ('0.weight', ..., '11.bias'; see LENET_PARAMS in init.mjs).
 */
export function lenet(generator) {
  return new Sequential(
    new Conv2d(1, 6, 5, { padding: 2, generator }), new ReLU(), new MaxPool2d(2),
    new Conv2d(6, 16, 5, { generator }), new ReLU(), new MaxPool2d(2),
    new Flatten(),
    new Linear(400, 120, { generator }), new ReLU(),
    new Linear(120, 84, { generator }), new ReLU(),
    new Linear(84, 10, { generator }),
  );
}

/**
 * LeNet-5 on [B, 1, 28, 28] images (W3, W6): `{ library, version, step(x, y) -> loss, infer(x) ->
 * Float32Array logits [B * 10], countCorrect, numParameters }`. The weights are nabla's own (seeded)
 * or, with `weightsFile`, those of that safetensors file (PyTorch's names and layout).
 */
export async function setupNablaLenet({ lr, momentum, seed, weightsFile }) {
  const model = lenet(new Generator(seed));
  if (weightsFile) {
    const { tensors } = loadSafetensors(weightsFile);
    model.loadStateDict(Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, new Tensor(t.data, t.shape)])));
  }
  const optimizer = new SGD(model.parameters(), { lr, momentum });
  const step = (x, y) => {
    optimizer.zeroGrad();
    const loss = crossEntropy(model.forward(x), y);
    loss.backward();
    optimizer.step();
    return loss.item();
  };
  /** The logits of a batch, read back (no graph recorded). */
  const infer = (x) => noGrad(() => model.forward(x).dataSync());
  const countCorrect = (x, y) => noGrad(() => nablaCountCorrect(model.forward(x), y));
  return { library: 'nabla', version: VERSION, backend: describeBackend(), step, infer, countCorrect, numParameters: model.numParameters() };
}

/**
 * W4's classifier: an Elman RNN (tanh) over the 28 rows of each image, then a Linear layer on its
 * last state. The fields are named as in the PyTorch module of torch_suite.py, so the state dict's
 * names are PyTorch's (rnn.weight_ih_l0, ..., fc.bias; see RNN_PARAMS in init.mjs), and both layers
 * draw PyTorch's default initialization from `generator`.
 */
export class RNNClassifier extends Module {
  constructor(generator) {
    super();
    this.rnn = new RNN(RNN_INPUT, RNN_HIDDEN, { batchFirst: true, generator });
    this.fc = new Linear(RNN_HIDDEN, 10, { generator });
  }

  /** The logits [B, 10] of images x [B, 784], read as [B, 28 steps, 28 pixels]. */
  forward(x) {
    const [, hN] = this.rnn.forward(x.reshape([x.shape[0], RNN_STEPS, RNN_INPUT]));
    return this.fc.forward(hN.squeeze(0)); // hN [1, B, 128]: one layer, one direction
  }
}

/**
 * W4: the RNN classifier, cross-entropy, the global L2 norm of all gradients clipped to `clip`
 * (clipGradNorm, as torch.nn.utils.clip_grad_norm_), SGD with momentum. The weights are nabla's own
 * draw (seeded) or those of `weightsFile` (PyTorch's names and layout). Returns `{ library,
 * version, backend, step(x, y) -> loss, countCorrect, numParameters }`.
 */
export async function setupNablaRnn({ lr, momentum, seed, clip, weightsFile }) {
  const model = new RNNClassifier(new Generator(seed));
  if (weightsFile) {
    const { tensors } = loadSafetensors(weightsFile);
    model.loadStateDict(Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, new Tensor(t.data, t.shape)])));
  }
  const parameters = model.parameters();
  const optimizer = new SGD(parameters, { lr, momentum });
  const step = (x, y) => {
    optimizer.zeroGrad();
    const loss = crossEntropy(model.forward(x), y);
    loss.backward();
    clipGradNorm(parameters, clip);
    optimizer.step();
    return loss.item();
  };
  const countCorrect = (x, y) => noGrad(() => nablaCountCorrect(model.forward(x), y));
  return { library: 'nabla', version: VERSION, backend: describeBackend(), step, countCorrect, numParameters: model.numParameters() };
}

/** The active backend, with its thread count where it has one ('wasm, 2 threads'). */
function describeBackend() {
  const name = getBackend().name;
  return name === 'wasm' ? `wasm, ${getThreads()} thread${getThreads() === 1 ? '' : 's'}` : name;
}

/**
 * n x n float32 products on the active backend: `prepare(n, seed)` makes two N(0, 1) matrices and
 * returns `{ run() }`, one product per call (nabla is eager: the product is complete when matmul
 * returns; the result is left to the garbage collector, as a user's code would).
 */
export async function setupNablaMatmul() {
  const prepare = (n, seed) => {
    const a = randn([n, n], { generator: new Generator(seed) });
    const b = randn([n, n], { generator: new Generator(seed + 1) });
    return { run: () => { a.matmul(b); }, finish: () => {} };
  };
  return { library: 'nabla', version: VERSION, backend: describeBackend(), prepare };
}
