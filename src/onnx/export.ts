import { noGrad } from '../autograd/graph.js';
import { describeValue } from '../base/options.js';
import type { Module } from '../nn/module.js';
import { Tensor } from '../tensor/tensor.js';
import { OnnxGraphBuilder } from './graph-builder.js';
import { type ExporterEntry, type LayerExportContext, LayerExportRefusal } from './layer-exporter.js';
import { ACTIVATION_EXPORTERS } from './layers/activations.js';
import { BATCH_NORM_EXPORTERS } from './layers/batchnorm.js';
import { BLOCK_EXPORTERS } from './layers/blocks.js';
import { CONV_EXPORTERS } from './layers/conv.js';
import { DROPOUT_EXPORTERS } from './layers/dropout.js';
import { LAYER_NORM_EXPORTERS } from './layers/layer-norm.js';
import { LINEAR_EXPORTERS } from './layers/linear.js';
import { POOL_EXPORTERS } from './layers/pool.js';
import { SEQUENCE_CLASSIFIER_EXPORTERS } from './layers/recurrent-classifier.js';

/** The layers exportOnnx writes, by class, one family per file of src/onnx/layers/. */
const EXPORT_TABLE: readonly ExporterEntry[] = [
  ...LINEAR_EXPORTERS,
  ...ACTIVATION_EXPORTERS,
  ...DROPOUT_EXPORTERS,
  ...CONV_EXPORTERS,
  ...POOL_EXPORTERS,
  ...BATCH_NORM_EXPORTERS,
  ...LAYER_NORM_EXPORTERS,
  ...BLOCK_EXPORTERS,
  ...SEQUENCE_CLASSIFIER_EXPORTERS,
];

const EXPORTERS = new Map(EXPORT_TABLE.map((entry) => [entry.layer as unknown, entry.exporter]));

/** The names of the graph's one input and one output. */
export const ONNX_INPUT_NAME = 'input';
export const ONNX_OUTPUT_NAME = 'output';

/** The metadata key under which `config` is written. */
export const ONNX_CONFIG_KEY = 'nabla_config';

export interface ExportOnnxOptions {
  /** Written as JSON under the metadata key `nabla_config` (the config a checkpoint stores: an MLP config or a model spec). */
  config?: unknown;
  /** More metadata_props entries. */
  metadata?: Record<string, string>;
  /** The producer_version written next to producer_name `nabla`. */
  producerVersion?: string;
}

/** A model that cannot be written as ONNX; the message names every layer at fault by path and class. */
export class OnnxExportError extends Error {
  override name = 'OnnxExportError';
}

interface RecordedCall {
  inputShape: readonly number[];
  outputShape: readonly number[];
}

/**
 * The model as an ONNX model (opset 17): its eval() forward on a float32 input named `input` of
 * shape [N, ...sampleInputShape], N dynamic, and one output named `output`. Parameters and buffers
 * become initializers under their state-dict names (`0.weight`, `1.running_mean`), as float32.
 * Layers are exported by the table above; every layer it lacks, and every layer whose options
 * ONNX cannot express, is named in one OnnxExportError.
 */
export function exportOnnx(model: Module, sampleInputShape: readonly number[], options: ExportOnnxOptions = {}): Uint8Array {
  if (!Array.isArray(sampleInputShape) || !sampleInputShape.every((n) => Number.isInteger(n) && n > 0)) {
    throw new TypeError(`exportOnnx: sampleInputShape must be the shape of one sample, an array of positive integers (e.g. [1, 28, 28] or [784]), got ${describeValue(sampleInputShape)}`);
  }
  const { config, metadata = {}, producerVersion } = options;
  const { calls, output } = recordForward(model, sampleInputShape);
  const graph = new OnnxGraphBuilder();
  const initializers = new Map<Tensor, string>();
  const refusals: string[] = [];
  const cursor = new Map<Module, number>();

  const exportModule = (module: Module, path: string, input: string): string => {
    const where = `${path === '' ? '(the model)' : path} (${module.constructor.name})`;
    const exporter = EXPORTERS.get(module.constructor);
    if (exporter === undefined) {
      refusals.push(`${where}: no ONNX exporter for this layer`);
      return input;
    }
    const seen = cursor.get(module) ?? 0;
    const call = calls.get(module)?.[seen];
    if (call === undefined) throw new OnnxExportError(`exportOnnx: ${where} is exported but did not run in the model's forward pass`);
    cursor.set(module, seen + 1);
    const prefix = path === '' ? '' : `/${path.replaceAll('.', '/')}`;
    const context: LayerExportContext = {
      graph,
      path,
      inputShape: call.inputShape,
      outputShape: call.outputShape,
      parameter: (field, tensor) => {
        const known = initializers.get(tensor);
        if (known !== undefined) return known;
        const name = graph.addInitializer(path === '' ? field : `${path}.${field}`, tensor);
        initializers.set(tensor, name);
        return name;
      },
      constant: (hint, values, shape, elementType) => graph.addConstant(`${prefix}/${hint}`, values, shape, elementType),
      op: (opType, inputs, attributes = {}) => context.ops(opType, inputs, attributes, 1)[0],
      ops: (opType, inputs, attributes, outputCount) => {
        const name = `${prefix}/${opType}`;
        return graph.addNode(opType, inputs, attributes, { outputCount, name, outputHint: `${name}_output` });
      },
      child: (name, child, childInput) => exportModule(child, path === '' ? name : `${path}.${name}`, childInput),
    };
    try {
      return exporter(module, input, context);
    } catch (error) {
      if (!(error instanceof LayerExportRefusal)) throw error;
      refusals.push(`${where}: ${error.message}`);
      return input;
    }
  };

  graph.addInput(ONNX_INPUT_NAME, ['N', ...sampleInputShape]);
  const last = exportModule(model, '', ONNX_INPUT_NAME);
  if (refusals.length > 0) {
    const count = refusals.length === 1 ? 'a layer' : `${refusals.length} layers`;
    throw new OnnxExportError(`exportOnnx: cannot export ${count} to ONNX:\n  ${refusals.join('\n  ')}`);
  }
  graph.addNode('Identity', [last], {}, { name: '/Identity_output', outputHint: ONNX_OUTPUT_NAME });
  graph.addOutput(ONNX_OUTPUT_NAME, ['N', ...output.slice(1)]);
  const allMetadata = config === undefined ? metadata : { ...metadata, [ONNX_CONFIG_KEY]: JSON.stringify(config) };
  return graph.encode({ producerVersion, metadata: allMetadata });
}

/**
 * Runs the model once in eval mode on a zero batch of one sample, recording the input and output
 * shapes of every call of every module (hooks make Sequential run fused layers one by one, as they
 * are exported); the modes are restored afterwards.
 */
function recordForward(model: Module, sampleShape: readonly number[]): { calls: Map<Module, RecordedCall[]>; output: readonly number[] } {
  const calls = new Map<Module, RecordedCall[]>();
  const modules = [...model.modules()];
  const modes = modules.map((m) => [m, m.training] as const);
  const dtype = model.parameters()[0]?.dtype ?? 'float32';
  const handles = modules.map((module) => module.registerForwardHook((m: Module, inputs: Tensor[], out: Tensor) => {
    if (!(inputs[0] instanceof Tensor) || !(out instanceof Tensor)) return;
    const list = calls.get(m) ?? [];
    list.push({ inputShape: inputs[0].shape, outputShape: out.shape });
    calls.set(m, list);
  }));
  model.eval();
  try {
    const output = noGrad(() => model.forward(Tensor.empty([1, ...sampleShape], dtype)));
    if (!(output instanceof Tensor)) throw new OnnxExportError(`exportOnnx: the model's forward returns ${describeValue(output)}, not one tensor`);
    return { calls, output: output.shape };
  } catch (error) {
    if (error instanceof OnnxExportError) throw error;
    throw new OnnxExportError(`exportOnnx: the model cannot take samples of shape [${sampleShape.join(', ')}]: ${(error as Error).message}`);
  } finally {
    for (const handle of handles) handle.remove();
    for (const [m, training] of modes) m.training = training;
  }
}
