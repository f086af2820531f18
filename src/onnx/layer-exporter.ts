import type { AnyModule, Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import type { OnnxAttributes, OnnxElementType, OnnxGraphBuilder } from './graph-builder.js';

/**
 * What an exporter sees of the layer it writes: where the layer sits (its dotted path, as in the
 * state dict), the shapes its forward saw on the sample batch, and helpers that name what it adds
 * after that path.
 */
export interface LayerExportContext {
  readonly graph: OnnxGraphBuilder;
  /** The layer's dotted path ('3.body.0'); '' for a model that is one layer. */
  readonly path: string;
  /** The shape of the layer's input in the sample forward pass; axis 0, the batch, is dynamic in the graph. */
  readonly inputShape: readonly number[];
  /** The shape of the layer's output in the sample forward pass. */
  readonly outputShape: readonly number[];
  /** The tensor as an initializer under its state-dict name, `${path}.${field}` (`0.weight`); a tensor added before keeps its first name. */
  parameter(field: string, tensor: Tensor): string;
  /** Host values as an initializer named after the layer (a shape, a constant factor). */
  constant(hint: string, values: ArrayLike<number>, shape: readonly number[], elementType?: OnnxElementType): string;
  /** A node named after the layer (`/3/body/0/Conv`) with one output; returns the output's name. */
  op(opType: string, inputs: readonly string[], attributes?: OnnxAttributes): string;
  /** A node with several outputs (LSTM's Y, Y_h, Y_c); returns their names. */
  ops(opType: string, inputs: readonly string[], attributes: OnnxAttributes, outputCount: number): string[];
  /** Exports a child module found under `name` (`body`, `0`, `branches.1`) on `input`; returns the name of its output. */
  child(name: string, module: Module, input: string): string;
}

/** Writes the nodes of one layer's forward (model.eval() form) on the value named `input`; returns the name of its output. */
export type LayerExporter<M extends AnyModule> = (layer: M, input: string, context: LayerExportContext) => string;

/** An entry of the export table: the layer class (matched exactly, so a subclass with its own forward is not taken for it) and its exporter. */
export interface ExporterEntry<M extends AnyModule = AnyModule> {
  readonly layer: abstract new (...args: never[]) => M;
  readonly exporter: LayerExporter<M>;
}

/** An entry whose exporter the compiler checks against the class. */
export function exporterFor<M extends AnyModule>(layer: abstract new (...args: never[]) => M, exporter: LayerExporter<M>): ExporterEntry {
  return { layer, exporter } as unknown as ExporterEntry;
}

/**
 * Thrown by an exporter for a layer whose configuration ONNX (opset 17) cannot express; exportOnnx
 * collects every refusal with the layer's path and class into one error.
 */
export class LayerExportRefusal extends Error {
  override name = 'LayerExportRefusal';
}
