import onnx, { type onnx as proto } from 'onnx-proto';
import type { Tensor } from '../../tensor/tensor.js';
import { Attributes } from './attributes.js';
import { OnnxImportError } from './errors.js';
import { toNumber } from './long-number.js';
import { ONNX_OPS } from './op-table.js';
import { elementTypeName, tensorFromProto } from './tensor-proto.js';

const { onnx: o } = onnx;

export interface GraphNode {
  /** `node 3 'Conv_0' (Conv)`, for messages. */
  label: string;
  opType: string;
  inputs: string[];
  outputs: string[];
  attributes: Attributes;
}

export interface GraphInput {
  name: string;
  elementType: string;
  /** Sizes, with null for a symbolic or unknown one (a batch size). */
  dims: (number | null)[] | null;
}

/** A decoded, checked model: every op has an implementation and every value is made before it is used. */
export interface OnnxGraph {
  opset: number;
  inputs: GraphInput[];
  outputs: string[];
  initializers: Map<string, Tensor>;
  nodes: GraphNode[];
}

const DEFAULT_DOMAINS = new Set(['', 'ai.onnx']);

export function decodeGraph(bytes: Uint8Array, source: string): OnnxGraph {
  if (!(bytes instanceof Uint8Array)) throw new OnnxImportError(`${source}: expected the model's bytes as a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  let model: proto.ModelProto;
  try {
    model = o.ModelProto.decode(bytes);
  } catch (e) {
    throw new OnnxImportError(`${source}: not an ONNX model (the protobuf does not decode: ${(e as Error).message})`);
  }
  const graph = model.graph;
  const opset = model.opsetImport.find((s) => DEFAULT_DOMAINS.has(s.domain ?? ''));
  const graphNodes = graph?.node ?? [];
  if (!graph || graphNodes.length === 0 || opset === undefined) {
    throw new OnnxImportError(`${source}: not an ONNX model (${graphNodes.length === 0 ? 'it has no graph nodes' : 'it imports no version of the default ONNX domain'})`);
  }
  const nodes = graphNodes.map((n, i): GraphNode => ({
    label: `node ${i}${n.name ? ` '${n.name}'` : ''} (${n.opType})`,
    opType: n.domain && !DEFAULT_DOMAINS.has(n.domain) ? `${n.domain}.${n.opType}` : (n.opType ?? ''),
    inputs: [...(n.input ?? [])],
    outputs: [...(n.output ?? [])],
    attributes: new Attributes(n.attribute ?? []),
  }));
  refuseUnsupported(nodes, source);
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', tensorFromProto(t, `${source}: initializer '${t.name}'`)]));
  // Before IR version 4 initializers were listed among the inputs too; those are not inputs to feed.
  const inputs = (graph.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map(describeInput);
  const outputs = (graph.output ?? []).map((v) => v.name ?? '');
  checkOrder(nodes, inputs, initializers, outputs, source);
  return { opset: toNumber(opset.version ?? 0), inputs, outputs, initializers, nodes };
}

/** One error listing every op type that has no implementation, before anything runs. */
function refuseUnsupported(nodes: readonly GraphNode[], source: string): void {
  const missing = new Map<string, string[]>();
  for (const node of nodes) {
    if (Object.hasOwn(ONNX_OPS, node.opType)) continue;
    missing.set(node.opType, [...(missing.get(node.opType) ?? []), node.label]);
  }
  if (missing.size === 0) return;
  const list = [...missing].map(([op, where]) => `${op} (${where.length} node${where.length > 1 ? 's' : ''}: ${where.slice(0, 3).join(', ')}${where.length > 3 ? ', ...' : ''})`);
  throw new OnnxImportError(`${source}: cannot import: no implementation of the ONNX op${missing.size > 1 ? 's' : ''} ${list.join('; ')}; nabla.ONNX_IMPORT_OPS lists the ops it runs`);
}

function checkOrder(nodes: readonly GraphNode[], inputs: readonly GraphInput[], initializers: ReadonlyMap<string, Tensor>, outputs: readonly string[], source: string): void {
  const known = new Set([...inputs.map((i) => i.name), ...initializers.keys()]);
  for (const node of nodes) {
    const unknown = node.inputs.find((name) => name !== '' && !known.has(name));
    if (unknown !== undefined) throw new OnnxImportError(`${source}: ${node.label} reads '${unknown}', which no input, initializer or earlier node gives (the nodes must be in topological order)`);
    for (const name of node.outputs) if (name !== '') known.add(name);
  }
  const lost = outputs.find((name) => !known.has(name));
  if (lost !== undefined) throw new OnnxImportError(`${source}: graph output '${lost}' is made by no node`);
}

function describeInput(value: proto.IValueInfoProto): GraphInput {
  const tensorType = value.type?.tensorType;
  return {
    name: value.name ?? '',
    elementType: elementTypeName(tensorType?.elemType ?? 0),
    dims: tensorType?.shape ? (tensorType.shape.dim ?? []).map(fixedSize) : null,
  };
}

/** A decoded dimension says which of its oneof fields is set in `value`; the other reads as its default. */
function fixedSize(dim: proto.TensorShapeProto.IDimension): number | null {
  return (dim as proto.TensorShapeProto.Dimension).value === 'dimValue' ? toNumber(dim.dimValue ?? 0) : null;
}
