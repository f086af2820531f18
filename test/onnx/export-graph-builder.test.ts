/** The ONNX graph builder that the exporters write with: names, initializers, nodes, attributes and the encoded model. */
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { attr, OnnxGraphBuilder } from '../../src/onnx/graph-builder.js';
import { allclose } from '../helpers.js';
import { dimensions, initializerValues, readModel, runOrt } from './export-helpers.js';

describe('OnnxGraphBuilder', () => {
  it('hands out names unique in the graph', () => {
    const graph = new OnnxGraphBuilder();
    graph.addInput('x', ['N', 2]);
    expect([graph.uniqueName('x'), graph.uniqueName('x'), graph.uniqueName('y')]).toEqual(['x_1', 'x_2', 'y']);
    expect(graph.addNode('Relu', ['x'], {}, { outputCount: 2, outputHint: 'y' })).toEqual(['y_0', 'y_1']);
    expect(graph.hasName('y_1')).toBe(true);
  });

  it('keeps initializers under exactly their names, and refuses a clash', () => {
    const graph = new OnnxGraphBuilder();
    graph.addInitializer('0.weight', nb.tensor([[1, 2]]));
    expect(() => graph.addInitializer('0.weight', nb.tensor([3]))).toThrow("ONNX graph: initializer '0.weight' clashes with a value of the same name");
    expect(graph.addConstant('shape', [0, -1], [2], 'int64')).toBe('shape');
    expect(graph.addConstant('shape', [1], [1], 'int64')).toBe('shape_1');
  });

  it('says which node reads a value that no one defines', () => {
    const graph = new OnnxGraphBuilder();
    graph.addInput('x', [2]);
    expect(() => graph.addOp('Add', ['x', 'bias'])).toThrow("ONNX graph: Add node reads 'bias', which no input, initializer or earlier node defines");
  });

  it('refuses an int attribute that is not an integer, and a model without outputs', () => {
    const graph = new OnnxGraphBuilder();
    graph.addInput('x', [2]);
    expect(() => graph.addOp('Flatten', ['x'], { axis: attr.int(1.5) })).toThrow("ONNX graph: attribute 'axis' must hold integers, got 1.5");
    expect(() => graph.encode()).toThrow('ONNX graph: declare an output before encoding');
  });

  it('encodes a model that ONNX Runtime runs, with its attributes, initializers and shapes', async () => {
    const graph = new OnnxGraphBuilder();
    graph.addInput('x', ['N', 3]);
    const weight = graph.addInitializer('0.weight', nb.tensor([[1, 0, -1], [2, 1, 0]]));
    const bias = graph.addConstant('bias', [0.5, -0.5], [2]);
    const y = graph.addOp('Gemm', ['x', weight, bias], { transB: attr.int(1), alpha: attr.float(2) });
    const out = graph.addOp('LeakyRelu', [y], { alpha: attr.float(0.1) }, { outputHint: 'y' });
    graph.addOutput(out, ['N', 2]);
    const bytes = graph.encode({ producerVersion: '1.2.3', metadata: { note: 'hi' } });
    const { initializers, inputs, outputs, metadata, nodes } = readModel(bytes);
    expect(initializers.map((t) => [t.name, Array.from(initializerValues(t))])).toEqual([['0.weight', [1, 0, -1, 2, 1, 0]], ['bias', [0.5, -0.5]]]);
    expect([inputs.map(dimensions), outputs.map(dimensions)]).toEqual([[['N', 3]], [['N', 2]]]);
    expect(metadata).toEqual({ note: 'hi' });
    expect(nodes.map((n) => n.attribute!.map((a) => a.name))).toEqual([['transB', 'alpha'], ['alpha']]);
    const x = nb.tensor([[1, 2, 3], [-1, 0, 4]]);
    // 2 x W^T + b, then leaky ReLU: rows [2*(1-3)+0.5, 2*(2+2)-0.5] and [2*(-1-4)+0.5, 2*(-2)-0.5].
    allclose(await runOrt(bytes, x), [[-0.35, 7.5], [-0.95, -0.45]]);
  });
});
