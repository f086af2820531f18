import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import onnxProto from 'onnx-proto';
import { attr, OnnxGraphBuilder, type OnnxAttributes } from '../../src/onnx/graph-builder.js';
import { importOnnx, ONNX_IMPORT_OPS, OnnxImportError } from '../../src/onnx/import/index.js';
import { expectMatchesOrt, random } from './import-helpers.js';
import { torchBatchNormCnn, torchCnn, torchLstmClassifier, torchMlp } from './import-models.js';

const { ints } = attr;
describe('importOnnx: graphs shaped like torch.onnx.export output', () => {
  it('an MLP of Gemm (transB = 1) and Relu matches ONNX Runtime, its parameters named by the initializers', async () => {
    const model = await expectMatchesOrt(torchMlp(), [random([7, 20], 100)]);
    expect(Object.keys(model.stateDict()).sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight']);
    expect(model.numParameters()).toBe(16 * 20 + 16 + 5 * 16 + 5);
    expect(model.inputNames).toEqual(['input']);
  });

  it('Conv+Relu+MaxPool with Flatten, and with the Shape/Gather/Unsqueeze/Concat/Reshape of x.view(N, -1), match ONNX Runtime', async () => {
    const input = random([3, 1, 12, 12], 101);
    const flat = await expectMatchesOrt(torchCnn('Flatten'), [input]);
    const viewed = await expectMatchesOrt(torchCnn('view'), [input]);
    expect(Object.keys(flat.stateDict()).sort()).toEqual(['classifier.bias', 'classifier.weight', 'features.0.bias', 'features.0.weight', 'features.3.bias', 'features.3.weight']);
    // The int64 shape constants stay constants, out of the parameters and the state dict.
    expect(Object.keys(viewed.stateDict()).sort()).toEqual(Object.keys(flat.stateDict()).sort());
  });

  it('BatchNormalization in inference form matches ONNX Runtime; its running statistics are buffers', async () => {
    const model = await expectMatchesOrt(torchBatchNormCnn(), [random([2, 3, 6, 6], 102)]);
    expect([...model.namedParameters()].map(([name]) => name).sort()).toEqual(['bn.bias', 'bn.weight', 'conv.weight', 'fc.bias', 'fc.weight']);
    expect([...model.namedBuffers()].map(([name]) => name).sort()).toEqual(['bn.running_mean', 'bn.running_var']);
  });

  it('an LSTM classifier matches ONNX Runtime in every output (logits, Y_h, Y_c)', async () => {
    const model = await expectMatchesOrt(torchLstmClassifier(), [random([2, 7, 4], 103)]);
    expect(Object.keys(model.stateDict()).sort()).toEqual(['fc.bias', 'fc.weight', 'onnx::LSTM_B', 'onnx::LSTM_R', 'onnx::LSTM_W']);
    expect(model.outputNames).toHaveLength(3);
  });

  it('loads a state dict by the ONNX names, and runs on the loaded weights', () => {
    const model = importOnnx(torchMlp());
    const other = importOnnx(torchMlp());
    const state = Object.fromEntries(Object.entries(model.stateDict()).map(([name, t]) => [name, t.mul(2)]));
    other.loadStateDict(state);
    const x = random([2, 20], 5);
    const direct = nb.linear(nb.linear(x, state['0.weight'], state['0.bias']).relu(), state['2.weight'], state['2.bias']);
    expect(Array.from(other.forward(x).dataSync())).toEqual(Array.from(direct.dataSync()));
  });
});

/** A graph with the given nodes over one input x of shape [2, 3]; the last node's output is the graph's. */
function graphOf(nodes: [string, string[], OnnxAttributes?][]): Uint8Array {
  const g = new OnnxGraphBuilder('test');
  let last = g.addInput('x', [2, 3]);
  for (const [op, inputs, attributes] of nodes) last = g.addOp(op, inputs.map((i) => (i === '$' ? last : i)), attributes ?? {});
  g.addOutput(last, [2, 3]);
  return g.encode();
}

describe('importOnnx: errors', () => {
  it('lists every op type it cannot run by name, with its nodes, before anything runs', () => {
    const bytes = graphOf([['Relu', ['$']], ['NonMaxSuppression', ['$']], ['Einsum', ['$']], ['Einsum', ['$']], ['Tanh', ['$']]]);
    const error = (() => { try { importOnnx(bytes, { source: 'model.onnx' }); } catch (e) { return e as Error; } })();
    expect(error).toBeInstanceOf(OnnxImportError);
    expect(error!.message).toMatch(/^model\.onnx: cannot import: no implementation of the ONNX ops NonMaxSuppression \(1 node: node 1 'NonMaxSuppression' \(NonMaxSuppression\)\); Einsum \(2 nodes: node 2 'Einsum' \(Einsum\), node 3 'Einsum_1' \(Einsum\)\)/);
    expect(error!.message).not.toMatch(/Relu|Tanh/);
  });

  it('names ops of other domains with their domain, and lists what it runs', () => {
    const g = new OnnxGraphBuilder('test');
    g.addOutput(g.addOp('Relu', [g.addInput('x', [2])]), [2]);
    const model = onnxProto.onnx.ModelProto.decode(g.encode());
    model.graph!.node![0].domain = 'com.microsoft';
    const bytes = onnxProto.onnx.ModelProto.encode(model).finish();
    expect(() => importOnnx(bytes)).toThrow("ONNX model: cannot import: no implementation of the ONNX op com.microsoft.Relu (1 node: node 0 'Relu' (Relu))");
    expect(ONNX_IMPORT_OPS).toEqual(expect.arrayContaining(['Conv', 'Gemm', 'LSTM', 'GRU', 'RNN', 'BatchNormalization', 'MaxPool', 'Flatten', 'Reshape']));
  });

  it('refuses bytes that are not an ONNX model, naming the source', () => {
    expect(() => importOnnx(new Uint8Array([1, 2, 3, 4, 5]), { source: 'weights.bin' })).toThrow(/^weights\.bin: not an ONNX model/);
    expect(() => importOnnx(new Uint8Array(0), { source: 'empty.onnx' })).toThrow(/^empty\.onnx: not an ONNX model \(it has no graph nodes\)/);
  });

  it('refuses inputs of the wrong count, shape or dtype, naming the input and the shapes', () => {
    const model = importOnnx(torchMlp(), { source: 'mlp.onnx' });
    expect(() => model.forward(random([2, 21], 1))).toThrow("mlp.onnx: input 'input' must have shape [?, 20], got [2, 21]");
    expect(() => model.forward()).toThrow('mlp.onnx: the graph takes 1 input(s) (input), got 0');
    expect(() => model.forward(nb.zeros([2, 20], { dtype: 'int32' }))).toThrow("mlp.onnx: input 'input' is FLOAT in the graph, got a int32 tensor");
  });

  it('names the node and op when a node cannot run', () => {
    const g = new OnnxGraphBuilder('test');
    const [values] = g.addNode('MaxPool', [g.addInput('x', [1, 1, 4, 4])], { kernel_shape: ints([2, 2]) }, { outputCount: 2 });
    g.addOutput(values, [1, 1, 3, 3]);
    expect(() => importOnnx(g.encode(), { source: 'pool.onnx' }).forward(random([1, 1, 4, 4], 1))).toThrow("pool.onnx: node 0 'MaxPool' (MaxPool): output 1 (Indices) is not supported");
    const conv3d = new OnnxGraphBuilder('test');
    conv3d.addOutput(conv3d.addOp('Conv', [conv3d.addInput('x', [1, 1, 3, 3, 3]), conv3d.addInitializer('w', random([1, 1, 2, 2, 2], 1))]), [1, 1, 2, 2, 2]);
    expect(() => importOnnx(conv3d.encode()).forward(random([1, 1, 3, 3, 3], 1))).toThrow(/node 0 'Conv' \(Conv\): Conv over 3 spatial axes is not supported/);
    const clipped = new OnnxGraphBuilder('test');
    const [y] = clipped.addNode('LSTM', [clipped.addInput('x', [2, 1, 3]), clipped.addInitializer('W', random([1, 8, 3], 1)), clipped.addInitializer('R', random([1, 8, 2], 2))], { hidden_size: attr.int(2), clip: attr.float(1) }, { outputCount: 1 });
    clipped.addOutput(y, [2, 1, 1, 2]);
    expect(() => importOnnx(clipped.encode(), { source: 'lstm.onnx' }).forward(random([2, 1, 3], 3))).toThrow("lstm.onnx: node 0 'LSTM' (LSTM): attribute clip is not supported");
  });
});
