import onnxProto from 'onnx-proto';
import type { Tensor } from '../tensor/tensor.js';

const { onnx } = onnxProto;

/** The ONNX versions nabla writes: operator set 17 of the default domain, IR version 8 (ONNX 1.12/1.13). */
export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;

/** Element types of the tensors nabla writes; parameters are written as float32, whatever their dtype. */
export type OnnxElementType = 'float32' | 'int64';

const ELEMENT_TYPES: Record<OnnxElementType, onnxProto.onnx.TensorProto.DataType> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
};

/**
 * One attribute of a node. ONNX tells an int from a float by its declared type, which a JavaScript
 * number cannot, so attributes are made with the constructors of `attr` (`attr.int(1)`,
 * `attr.floats([0.5])`) rather than from bare values.
 */
export type OnnxAttribute =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'ints'; value: readonly number[] }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'string'; value: string }
  | { type: 'strings'; value: readonly string[] };

export const attr = {
  int: (value: number): OnnxAttribute => ({ type: 'int', value }),
  float: (value: number): OnnxAttribute => ({ type: 'float', value }),
  ints: (value: readonly number[]): OnnxAttribute => ({ type: 'ints', value }),
  floats: (value: readonly number[]): OnnxAttribute => ({ type: 'floats', value }),
  string: (value: string): OnnxAttribute => ({ type: 'string', value }),
  strings: (value: readonly string[]): OnnxAttribute => ({ type: 'strings', value }),
};

export type OnnxAttributes = Record<string, OnnxAttribute>;

/** A dimension of a graph input or output: a size, or a name for one fixed only at run time (the batch, `N`). */
export type OnnxDimension = number | string;

export interface EncodeOptions {
  /** Written as producer_version next to producer_name `nabla`. */
  producerVersion?: string;
  /** Written as metadata_props (key, value) pairs, e.g. the model's config JSON. */
  metadata?: Record<string, string>;
  docString?: string;
}

const encoder = new TextEncoder();

type AttributeValue<K extends OnnxAttribute['type']> = Extract<OnnxAttribute, { type: K }>['value'];

const ATTRIBUTE_ENCODERS: { [K in OnnxAttribute['type']]: (name: string, value: AttributeValue<K>) => onnxProto.onnx.IAttributeProto } = {
  int: (name, value) => ({ name, type: onnx.AttributeProto.AttributeType.INT, i: checkInteger(name, value) }),
  float: (name, value) => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value }),
  ints: (name, value) => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: value.map((v) => checkInteger(name, v)) }),
  floats: (name, value) => ({ name, type: onnx.AttributeProto.AttributeType.FLOATS, floats: [...value] }),
  string: (name, value) => ({ name, type: onnx.AttributeProto.AttributeType.STRING, s: encoder.encode(value) }),
  strings: (name, value) => ({ name, type: onnx.AttributeProto.AttributeType.STRINGS, strings: value.map((s) => encoder.encode(s)) }),
};

function encodeAttribute(name: string, attribute: OnnxAttribute): onnxProto.onnx.IAttributeProto {
  return (ATTRIBUTE_ENCODERS[attribute.type] as (name: string, value: OnnxAttribute['value']) => onnxProto.onnx.IAttributeProto)(name, attribute.value);
}

function checkInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value)) throw new RangeError(`ONNX graph: attribute '${name}' must hold integers, got ${value}`);
  return value;
}

function valueInfo(name: string, elementType: OnnxElementType, shape: readonly OnnxDimension[]): onnxProto.onnx.IValueInfoProto {
  const dim = shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  return { name, type: { tensorType: { elemType: ELEMENT_TYPES[elementType], shape: { dim } } } };
}

function littleEndianBytes(values: Float32Array | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(values.byteLength);
  const view = new DataView(bytes.buffer);
  if (values instanceof Float32Array) values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else values.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  return bytes;
}

/**
 * Assembles one ONNX graph: every value (graph input, initializer, node output) gets a name unique in
 * the graph, handed out by `uniqueName`, and `encode` writes the ModelProto with the protobuf messages
 * of onnx-proto. Exporters add what their layer computes from the name of its input and return the
 * name of its output.
 */
export class OnnxGraphBuilder {
  readonly #names = new Set<string>();
  readonly #nodeNames = new Set<string>();
  readonly #nodes: onnxProto.onnx.INodeProto[] = [];
  readonly #initializers: onnxProto.onnx.ITensorProto[] = [];
  readonly #inputs: onnxProto.onnx.IValueInfoProto[] = [];
  readonly #outputs: onnxProto.onnx.IValueInfoProto[] = [];

  constructor(readonly graphName = 'nabla') {}

  /** `hint` itself when no value has that name yet, otherwise `hint_1`, `hint_2`, ...; the name is then taken. */
  uniqueName(hint: string): string {
    let name = hint;
    for (let n = 1; this.#names.has(name); n++) name = `${hint}_${n}`;
    this.#names.add(name);
    return name;
  }

  /** Whether some value of the graph already has this name. */
  hasName(name: string): boolean {
    return this.#names.has(name);
  }

  #claim(name: string, what: string): void {
    if (name === '') throw new Error(`ONNX graph: ${what} needs a non-empty name`);
    if (this.#names.has(name)) throw new Error(`ONNX graph: ${what} '${name}' clashes with a value of the same name`);
    this.#names.add(name);
  }

  /** Declares a graph input of float32 elements; `shape` may name dynamic dimensions (`['N', 784]`). */
  addInput(name: string, shape: readonly OnnxDimension[], elementType: OnnxElementType = 'float32'): string {
    this.#claim(name, 'input');
    this.#inputs.push(valueInfo(name, elementType, shape));
    return name;
  }

  /** Declares an existing value (a node's output) as a graph output, with its shape. */
  addOutput(name: string, shape: readonly OnnxDimension[], elementType: OnnxElementType = 'float32'): void {
    if (!this.#names.has(name)) throw new Error(`ONNX graph: output '${name}' is no value of the graph`);
    this.#outputs.push(valueInfo(name, elementType, shape));
  }

  /**
   * A tensor as an initializer under exactly `name` (a parameter's state-dict name, `0.weight`),
   * written as float32. Returns the name.
   */
  addInitializer(name: string, tensor: Tensor): string {
    return this.addConstant(name, tensor.dataSync(), tensor.shape, 'float32', { exactName: true });
  }

  /**
   * Host values as an initializer (a shape for Reshape, a reordered weight): named `hint`, made
   * unique unless `exactName` is set, in which case a clash is an error. Returns the name.
   */
  addConstant(
    hint: string,
    values: ArrayLike<number>,
    shape: readonly number[],
    elementType: OnnxElementType = 'float32',
    { exactName = false }: { exactName?: boolean } = {},
  ): string {
    const size = shape.reduce((a, b) => a * b, 1);
    if (values.length !== size) throw new Error(`ONNX graph: initializer '${hint}' has ${values.length} values for shape [${shape.join(', ')}]`);
    let name = hint;
    if (exactName) this.#claim(hint, 'initializer');
    else name = this.uniqueName(hint);
    const data = elementType === 'float32' ? Float32Array.from(values) : BigInt64Array.from(Array.from(values, (v) => BigInt(checkInteger(name, v))));
    this.#initializers.push({ name, dims: [...shape], dataType: ELEMENT_TYPES[elementType], rawData: littleEndianBytes(data) });
    return name;
  }

  /**
   * Adds a node and returns the names of its `outputCount` outputs, made unique from `outputHint`
   * (`${outputHint}`, or `${outputHint}_0`, `${outputHint}_1`... for several). An input of '' is an
   * omitted optional input, as ONNX writes it.
   */
  addNode(
    opType: string,
    inputs: readonly string[],
    attributes: OnnxAttributes = {},
    { outputCount = 1, outputHint = opType, name = opType }: { outputCount?: number; outputHint?: string; name?: string } = {},
  ): string[] {
    for (const input of inputs) {
      if (input !== '' && !this.#names.has(input)) throw new Error(`ONNX graph: ${opType} node reads '${input}', which no input, initializer or earlier node defines`);
    }
    const outputs = Array.from({ length: outputCount }, (_, i) => this.uniqueName(outputCount === 1 ? outputHint : `${outputHint}_${i}`));
    let nodeName = name;
    for (let n = 1; this.#nodeNames.has(nodeName); n++) nodeName = `${name}_${n}`;
    this.#nodeNames.add(nodeName);
    const attribute = Object.entries(attributes).map(([key, value]) => encodeAttribute(key, value));
    this.#nodes.push({ name: nodeName, opType, input: [...inputs], output: outputs, attribute });
    return outputs;
  }

  /** A node with one output; returns its name. */
  addOp(opType: string, inputs: readonly string[], attributes: OnnxAttributes = {}, options: { outputHint?: string; name?: string } = {}): string {
    return this.addNode(opType, inputs, attributes, options)[0];
  }

  /** The ModelProto's bytes: opset 17 of the default domain, IR version 8, producer `nabla`. */
  encode({ producerVersion = '', metadata = {}, docString = '' }: EncodeOptions = {}): Uint8Array {
    if (this.#outputs.length === 0) throw new Error('ONNX graph: declare an output before encoding');
    const model: onnxProto.onnx.IModelProto = {
      irVersion: ONNX_IR_VERSION,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      producerName: 'nabla',
      producerVersion,
      docString,
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.graphName,
        node: this.#nodes,
        initializer: this.#initializers,
        input: this.#inputs,
        output: this.#outputs,
      },
    };
    return onnx.ModelProto.encode(model).finish();
  }
}
