import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import * as nb from '../../src/index.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { allclose } from '../helpers.js';

/**
 * Replaces the vectors of the model's state dict (biases, BatchNorm's and LayerNorm's scales and
 * shifts, running statistics; variances positive) by random values, since several are built as
 * zeros and ones. Weight matrices and kernels keep PyTorch's initialization, which scales them by
 * 1/sqrt(fan-in), so that outputs stay of order 1 and float32 rounding stays below the tolerance.
 */
export function randomizeState(model: nb.Module, seed: number): void {
  const generator = new nb.Generator(seed);
  const state = Object.fromEntries(Object.entries(model.stateDict()).map(([name, t]) => {
    if (t.dtype === 'int32' || t.ndim >= 2) return [name, t];
    const dtype = t.dtype as nb.FloatDType;
    return [name, name.endsWith('running_var') ? nb.rand([...t.shape], { generator, dtype, low: 0.5, high: 1.5 }) : nb.randn([...t.shape], { generator, dtype, std: 0.5 })];
  }));
  model.loadStateDict(state);
}

/** ONNX Runtime's one output for one input (given to it as float32). */
export async function runOrt(bytes: Uint8Array, input: nb.Tensor): Promise<nb.Tensor> {
  const session = await ort.InferenceSession.create(bytes);
  const results = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(input.dataSync()), [...input.shape]) });
  const output = results[session.outputNames[0]];
  return nb.Tensor.fromValues(output.data as Float32Array, output.dims.map(Number), 'float32');
}

/** The model's eval() forward on the batch, without gradients. */
export function evalForward(model: nb.Module, input: nb.Tensor): nb.Tensor {
  model.eval();
  return nb.noGrad(() => model.forward(input));
}

/**
 * Exports the model (its state randomized) for samples of `sampleShape`, runs the file in ONNX
 * Runtime on a random batch of 3 and asserts that its output equals nabla's eval() forward within
 * 1e-5; returns the file.
 */
export async function expectExportMatches(model: nb.Module, sampleShape: readonly number[], { seed = 0, std = 1 } = {}): Promise<Uint8Array> {
  randomizeState(model, seed);
  const bytes = exportOnnx(model, sampleShape);
  const dtype = model.parameters()[0]?.dtype ?? 'float32';
  const input = nb.randn([3, ...sampleShape], { generator: new nb.Generator(seed + 1), std, dtype });
  allclose(await runOrt(bytes, input), evalForward(model, input), 1e-5, 1e-5);
  return bytes;
}

/** What a test reads of an ONNX file: the ModelProto, its graph's parts and its metadata. */
export function readModel(bytes: Uint8Array) {
  const model = onnxProto.onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  return {
    model,
    nodes: graph.node ?? [],
    initializers: graph.initializer ?? [],
    inputs: graph.input ?? [],
    outputs: graph.output ?? [],
    metadata: Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key!, p.value!])),
  };
}

/** A graph input's or output's dimensions: sizes, and names for the dynamic ones. */
export const dimensions = (info: onnxProto.onnx.IValueInfoProto): (number | string)[] => info.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));

/** An initializer's values (nabla writes float32 raw data). */
export function initializerValues(tensor: onnxProto.onnx.ITensorProto): Float32Array {
  const raw = tensor.rawData!;
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}
