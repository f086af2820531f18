import { isFloat } from '../../base/dtype.js';
import { Module } from '../../nn/module.js';
import { Parameter } from '../../nn/parameter.js';
import { Tensor } from '../../tensor/tensor.js';
import { OnnxImportError } from './errors.js';
import type { GraphInput, OnnxGraph } from './onnx-graph.js';
import { OpCall } from './op-call.js';
import { ONNX_OPS } from './op-table.js';

/** A module that only holds the initializers under one prefix of their dotted names (`features.0`). */
export class InitializerScope extends Module {
  forward(): never {
    throw new Error('InitializerScope holds weights of an imported ONNX graph; run the OnnxModule that owns it');
  }
}

/** BatchNormalization's inputs 3 and 4 (input_mean, input_var): running statistics, kept as buffers, not learned. */
function runningStatistics(graph: OnnxGraph): Set<string> {
  return new Set(graph.nodes.filter((n) => n.opType === 'BatchNormalization').flatMap((n) => n.inputs.slice(3, 5)));
}

/**
 * An ONNX graph as a nabla module. The float initializers are its parameters, under their ONNX
 * names (`fc1.weight`: a child module `fc1` holds `weight`, so the state dict has the file's names),
 * BatchNormalization's running statistics its buffers; integer initializers (shapes, axes) stay
 * constants. forward runs the nodes in order, each through the op table, with nabla ops, so
 * gradients reach the parameters. It computes what the graph says whatever the mode: BatchNormalization
 * normalizes with the running statistics and Dropout passes its input on, in train() as in eval().
 */
export class OnnxModule extends Module {
  readonly #graph: OnnxGraph;
  readonly #source: string;
  readonly #constants = new Map<string, Tensor>();

  constructor(graph: OnnxGraph, source: string) {
    super();
    this.#graph = graph;
    this.#source = source;
    const statistics = runningStatistics(graph);
    for (const [name, value] of graph.initializers) {
      if (!isFloat(value.dtype)) this.#constants.set(name, value);
      else this.#place(name, value, statistics.has(name));
    }
  }

  /** The names of the graph's inputs, in the order forward takes them. */
  get inputNames(): string[] {
    return this.#graph.inputs.map((i) => i.name);
  }

  get outputNames(): string[] {
    return [...this.#graph.outputs];
  }

  /** The graph's first output (see forwardAll for every output). */
  forward(...inputs: Tensor[]): Tensor {
    return this.forwardAll(...inputs)[0];
  }

  /** Every graph output, in the graph's order. */
  forwardAll(...inputs: Tensor[]): Tensor[] {
    const values = new Map<string, Tensor>([...this.#constants, ...this.namedParameters('', false), ...this.namedBuffers('', false)]);
    this.#checkInputs(inputs).forEach((x, i) => values.set(this.#graph.inputs[i].name, x));
    for (const node of this.#graph.nodes) {
      const args = node.inputs.map((name) => (name === '' ? null : values.get(name)!));
      // Trailing outputs named '' are left out, as optional outputs may be.
      const wanted = node.outputs.reduce((count, name, i) => (name === '' ? count : i + 1), 0);
      let results: Tensor | Tensor[];
      try {
        results = ONNX_OPS[node.opType](new OpCall(args, node.attributes, this.#graph.opset, wanted));
      } catch (e) {
        throw new OnnxImportError(`${this.#source}: ${node.label}: ${(e as Error).message}`, { cause: e });
      }
      const outputs = Array.isArray(results) ? results : [results];
      node.outputs.forEach((name, i) => {
        if (name === '') return;
        if (outputs[i] === undefined) throw new OnnxImportError(`${this.#source}: ${node.label}: output ${i} ('${name}') is not supported (${outputs.length} of ${wanted} computed)`);
        values.set(name, outputs[i]);
      });
    }
    return this.#graph.outputs.map((name) => values.get(name)!);
  }

  override extraRepr(): string {
    const inputs = this.#graph.inputs.map((i) => `${i.name}: ${i.elementType}[${i.dims?.map((n) => n ?? '?').join(', ') ?? '...'}]`);
    return `inputs=(${inputs.join(', ')}), outputs=(${this.#graph.outputs.join(', ')}), nodes=${this.#graph.nodes.length}, opset=${this.#graph.opset}`;
  }

  #checkInputs(inputs: readonly Tensor[]): readonly Tensor[] {
    const declared = this.#graph.inputs;
    if (inputs.length !== declared.length) {
      throw new OnnxImportError(`${this.#source}: the graph takes ${declared.length} input(s) (${declared.map((i) => i.name).join(', ')}), got ${inputs.length}`);
    }
    inputs.forEach((x, i) => checkInput(x, declared[i], this.#source));
    return inputs;
  }

  /** Puts the initializer `a.b.c` at field c of the scope module at a.b, made as needed. */
  #place(name: string, value: Tensor, isBuffer: boolean): void {
    const path = name.split('.');
    if (path.some((part) => part === '')) throw new OnnxImportError(`${this.#source}: initializer '${name}' has an empty part in its dotted name, which cannot name a parameter`);
    let scope: Module = this;
    for (const part of path.slice(0, -1)) {
      const fields = scope as unknown as Record<string, unknown>;
      if (fields[part] === undefined) fields[part] = new InitializerScope();
      else if (!(fields[part] instanceof InitializerScope)) throw new OnnxImportError(`${this.#source}: initializer '${name}' cannot be placed: '${part}' is already ${fields[part] instanceof Module ? 'a module' : 'a weight or a member of the module'}`);
      scope = fields[part] as InitializerScope;
    }
    const leaf = path[path.length - 1];
    if (leaf in scope) throw new OnnxImportError(`${this.#source}: initializer '${name}' cannot be placed: '${leaf}' is already a weight, a module or a member of the module`);
    if (isBuffer) scope.registerBuffer(leaf, value);
    else (scope as unknown as Record<string, unknown>)[leaf] = new Parameter(value);
  }
}

function checkInput(x: Tensor, declared: GraphInput, source: string): void {
  const what = `${source}: input '${declared.name}'`;
  if (!(x instanceof Tensor)) throw new OnnxImportError(`${what} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  const wantsFloat = declared.elementType === 'FLOAT' || declared.elementType === 'DOUBLE';
  if (wantsFloat !== isFloat(x.dtype)) throw new OnnxImportError(`${what} is ${declared.elementType} in the graph, got a ${x.dtype} tensor`);
  const dims = declared.dims;
  if (dims === null) return;
  const fits = dims.length === x.ndim && dims.every((n, i) => n === null || n === x.shape[i]);
  if (!fits) throw new OnnxImportError(`${what} must have shape [${dims.map((n) => n ?? '?').join(', ')}], got [${x.shape.join(', ')}]`);
}
