import { expect } from 'vitest';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import * as nb from '../../src/index.js';
import { importOnnx, type OnnxModule } from '../../src/onnx/import/index.js';
import { OnnxGraphBuilder, type OnnxAttributes } from '../../src/onnx/graph-builder.js';
import { allclose } from '../helpers.js';

/** Random float32 values of a shape, from a seed. */
export const random = (shape: number[], seed: number, std = 1) => nb.randn(shape, { generator: new nb.Generator(seed), std });

/** Random values that stay positive (variances). */
export const positive = (shape: number[], seed: number) => nb.rand(shape, { generator: new nb.Generator(seed), low: 0.5, high: 1.5 });

/** ONNX Runtime's outputs for the inputs, in the graph's output order. */
export async function runOrt(bytes: Uint8Array, inputs: readonly nb.Tensor[]): Promise<nb.Tensor[]> {
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const feeds = Object.fromEntries(session.inputNames.map((name, i) => [name, new ort.Tensor('float32', Float32Array.from(inputs[i].dataSync()), [...inputs[i].shape])]));
  const results = await session.run(feeds);
  return session.outputNames.map((name) => nb.Tensor.fromValues(Array.from(results[name].data as ArrayLike<number>, Number), results[name].dims.map(Number), 'float32'));
}

/** Imports the model, runs it on the inputs with nabla and with ONNX Runtime, and asserts every output matches within 1e-5. */
export async function expectMatchesOrt(bytes: Uint8Array, inputs: readonly nb.Tensor[], tolerance = 1e-5): Promise<OnnxModule> {
  const model = importOnnx(bytes, { source: 'test.onnx' });
  const ours = model.forwardAll(...inputs);
  const theirs = await runOrt(bytes, inputs);
  expect(ours.length).toBe(theirs.length);
  ours.forEach((y, i) => allclose(y, theirs[i], tolerance, tolerance));
  return model;
}

/** The same model declaring another version of the default ONNX domain (for ops whose signature changed). */
export function withOpset(bytes: Uint8Array, version: number): Uint8Array {
  const { onnx } = onnxProto;
  const model = onnx.ModelProto.decode(bytes);
  model.opsetImport = [onnx.OperatorSetIdProto.create({ domain: '', version })];
  return onnx.ModelProto.encode(model).finish();
}

/** Drops the declared shapes of the graph outputs, so a test graph need not state them (ONNX Runtime infers them). */
export function withoutOutputShapes(bytes: Uint8Array): Uint8Array {
  const { onnx } = onnxProto;
  const model = onnx.ModelProto.decode(bytes);
  for (const output of model.graph?.output ?? []) {
    if (output.type?.tensorType) output.type.tensorType.shape = null;
  }
  return onnx.ModelProto.encode(model).finish();
}

export interface NodeCase {
  name: string;
  op: string;
  /** Shapes of the float inputs fed at run time, named x0, x1, ... */
  inputs: number[][];
  /** Float initializers after them, by name (weights, biases). */
  weights?: Record<string, nb.Tensor>;
  /** int64 initializers after those (shapes, axes, indices). */
  ints?: Record<string, number[]>;
  /** The node's input list, when it is not the inputs, then the weights, then the ints in that order ('' leaves one out). */
  order?: string[];
  attributes?: OnnxAttributes;
  outputCount?: number;
  /** Inputs drawn from [0.5, 1.5] rather than a normal distribution (logarithms, square roots, powers). */
  positiveInputs?: boolean;
}

/** A graph of the one node of the case, and inputs for it. */
export function nodeGraph(c: NodeCase, seed = 1): { bytes: Uint8Array; inputs: nb.Tensor[] } {
  const g = new OnnxGraphBuilder(c.name);
  const inputNames = c.inputs.map((shape, i) => g.addInput(`x${i}`, shape));
  const weightNames = Object.entries(c.weights ?? {}).map(([name, t]) => g.addInitializer(name, t));
  const intNames = Object.entries(c.ints ?? {}).map(([name, values]) => g.addConstant(name, values, [values.length], 'int64', { exactName: true }));
  const outputs = g.addNode(c.op, c.order ?? [...inputNames, ...weightNames, ...intNames], c.attributes ?? {}, { outputCount: c.outputCount ?? 1 });
  for (const output of outputs) g.addOutput(output, []);
  const inputs = c.inputs.map((shape, i) => (c.positiveInputs ? positive(shape, seed + i) : random(shape, seed + i)));
  return { bytes: withoutOutputShapes(g.encode()), inputs };
}
