/** What the recurrent export tests share: random values from seeds, and ONNX Runtime's results by name. */
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import * as nb from '../../src/index.js';

/** Random values N(0, 1) of a shape, from a seed (float32 unless `dtype` says otherwise; ONNX Runtime gets them as float32). */
export const random = (shape: readonly number[], seed: number, dtype: nb.FloatDType = 'float32'): nb.Tensor => nb.randn([...shape], { generator: new nb.Generator(seed), dtype });

/** Every parameter drawn again from N(0, 0.5^2): larger than the default initialization, so the gates saturate now and then. */
export function randomizeParameters(model: nb.AnyModule, seed: number): void {
  const generator = new nb.Generator(seed);
  nb.noGrad(() => {
    for (const p of model.parameters()) p.copy_(nb.randn([...p.shape], { generator, std: 0.5, dtype: p.dtype as nb.FloatDType }));
  });
}

/** ONNX Runtime's outputs, by name, for float32 inputs by name. */
export async function runOrt(bytes: Uint8Array, inputs: Record<string, nb.Tensor>): Promise<Record<string, nb.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  const feeds = Object.fromEntries(Object.entries(inputs).map(([name, t]) => [name, new ort.Tensor('float32', Float32Array.from(t.dataSync()), [...t.shape])]));
  const results = await session.run(feeds);
  return Object.fromEntries(session.outputNames.map((name) => [name, nb.Tensor.fromValues(results[name].data as Float32Array, results[name].dims.map(Number), 'float32')]));
}

/** The graph of an ONNX file. */
export const decodeGraph = (bytes: Uint8Array): onnxProto.onnx.GraphProto => onnxProto.onnx.ModelProto.decode(bytes).graph as onnxProto.onnx.GraphProto;

/** The op types of the graph's nodes, in order. */
export const opTypes = (bytes: Uint8Array): string[] => decodeGraph(bytes).node.map((n) => n.opType as string);
