import { attr, OnnxGraphBuilder } from '../../src/onnx/graph-builder.js';
import { positive, random } from './import-helpers.js';

/** Graphs in the shapes torch.onnx.export writes, with the initializer names it gives. */

const { int, ints, float } = attr;
const linearAttributes = { alpha: float(1), beta: float(1), transB: int(1) };

/** nn.Sequential(Linear(20, 16), ReLU(), Linear(16, 5)) as torch.onnx.export writes it. */
export function torchMlp(): Uint8Array {
  const g = new OnnxGraphBuilder('torch_jit');
  const x = g.addInput('input', ['batch_size', 20]);
  const h = g.addOp('Gemm', [x, g.addInitializer('0.weight', random([16, 20], 1, 0.3)), g.addInitializer('0.bias', random([16], 2))], linearAttributes, { name: '/0/Gemm' });
  const r = g.addOp('Relu', [h], {}, { name: '/1/Relu' });
  const y = g.addOp('Gemm', [r, g.addInitializer('2.weight', random([5, 16], 3, 0.3)), g.addInitializer('2.bias', random([5], 4))], linearAttributes, { name: '/2/Gemm', outputHint: 'output' });
  g.addOutput(y, ['batch_size', 5]);
  return g.encode();
}

/**
 * A small LeNet as torch.onnx.export writes it: Conv+Relu+MaxPool twice, then the features
 * flattened by Flatten or, for `x.view(x.size(0), -1)`, by Shape, Gather, Unsqueeze, Concat and Reshape.
 */
export function torchCnn(flatten: 'Flatten' | 'view'): Uint8Array {
  const g = new OnnxGraphBuilder('torch_jit');
  const x = g.addInput('input', ['batch_size', 1, 12, 12]);
  const conv = (input: string, name: string, outC: number, inC: number, k: number, pad: number, seed: number) => g.addOp('Conv', [input, g.addInitializer(`${name}.weight`, random([outC, inC, k, k], seed, 0.3)), g.addInitializer(`${name}.bias`, random([outC], seed + 1))], {
    dilations: ints([1, 1]), group: int(1), kernel_shape: ints([k, k]), pads: ints([pad, pad, pad, pad]), strides: ints([1, 1]),
  });
  const pool = (input: string) => g.addOp('MaxPool', [input], { ceil_mode: int(0), kernel_shape: ints([2, 2]), pads: ints([0, 0, 0, 0]), strides: ints([2, 2]) });
  const features = pool(g.addOp('Relu', [conv(pool(g.addOp('Relu', [conv(x, 'features.0', 4, 1, 5, 2, 1)])), 'features.3', 6, 4, 3, 0, 3)]));
  let flat: string;
  if (flatten === 'Flatten') flat = g.addOp('Flatten', [features], { axis: int(1) });
  else {
    const shape = g.addOp('Shape', [features]);
    const batch = g.addOp('Gather', [shape, g.addConstant('zero', [0], [], 'int64')], { axis: int(0) });
    const batchAxis = g.addOp('Unsqueeze', [batch, g.addConstant('axes', [0], [1], 'int64')]);
    const target = g.addOp('Concat', [batchAxis, g.addConstant('minus_one', [-1], [1], 'int64')], { axis: int(0) });
    flat = g.addOp('Reshape', [features, target]);
  }
  const y = g.addOp('Gemm', [flat, g.addInitializer('classifier.weight', random([10, 24], 5, 0.3)), g.addInitializer('classifier.bias', random([10], 6))], linearAttributes);
  g.addOutput(y, ['batch_size', 10]);
  return g.encode();
}

/** Conv, BatchNorm2d (eval), ReLU, global average pooling, Flatten, Linear. */
export function torchBatchNormCnn(): Uint8Array {
  const g = new OnnxGraphBuilder('torch_jit');
  const x = g.addInput('input', ['batch_size', 3, 6, 6]);
  const c = g.addOp('Conv', [x, g.addInitializer('conv.weight', random([4, 3, 3, 3], 1, 0.3))], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) });
  const bn = g.addOp('BatchNormalization', [c, ...['weight', 'bias', 'running_mean', 'running_var'].map((p, i) => g.addInitializer(`bn.${p}`, p === 'running_var' ? positive([4], 10 + i) : random([4], 10 + i)))], { epsilon: float(1e-5), momentum: float(0.9) });
  const pooled = g.addOp('GlobalAveragePool', [g.addOp('Relu', [bn])]);
  const y = g.addOp('Gemm', [g.addOp('Flatten', [pooled], { axis: int(1) }), g.addInitializer('fc.weight', random([3, 4], 20, 0.5)), g.addInitializer('fc.bias', random([3], 21))], linearAttributes);
  g.addOutput(y, ['batch_size', 3]);
  return g.encode();
}

/**
 * A classifier over the last step of nn.LSTM(4, 6, batch_first=True) as torch.onnx.export writes
 * it: the batch moved second, LSTM with its re-ordered weights under torch's generated names, the
 * direction axis squeezed, the last step gathered, then the Linear.
 */
export function torchLstmClassifier(): Uint8Array {
  const [I, H] = [4, 6];
  const g = new OnnxGraphBuilder('torch_jit');
  const x = g.addInput('input', ['batch_size', 7, I]);
  const timeMajor = g.addOp('Transpose', [x], { perm: ints([1, 0, 2]) });
  const weights = [['onnx::LSTM_W', [1, 4 * H, I]], ['onnx::LSTM_R', [1, 4 * H, H]], ['onnx::LSTM_B', [1, 8 * H]]] as const;
  const [y, yH, yC] = g.addNode('LSTM', [timeMajor, ...weights.map(([name, shape], i) => g.addInitializer(name, random([...shape], 30 + i, 0.4))), ''], { hidden_size: int(H) }, { outputCount: 3 });
  const sequence = g.addOp('Squeeze', [y, g.addConstant('direction_axis', [1], [1], 'int64')]);
  const last = g.addOp('Gather', [sequence, g.addConstant('last', [-1], [], 'int64')], { axis: int(0) });
  const logits = g.addOp('Gemm', [last, g.addInitializer('fc.weight', random([3, H], 40, 0.4)), g.addInitializer('fc.bias', random([3], 41))], linearAttributes);
  g.addOutput(logits, ['batch_size', 3]);
  g.addOutput(yH, [1, 'batch_size', H]);
  g.addOutput(yC, [1, 'batch_size', H]);
  return g.encode();
}

