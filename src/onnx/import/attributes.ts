import onnx, { type onnx as proto } from 'onnx-proto';
import { Tensor } from '../../tensor/tensor.js';
import { OnnxImportError } from './errors.js';
import { toNumber } from './long-number.js';
import { tensorFromProto } from './tensor-proto.js';

const A = onnx.onnx.AttributeProto.AttributeType;

/**
 * A node's attributes, read with the default the ONNX spec gives; an attribute of the wrong type is
 * an error naming it. (The node and op are added by the interpreter, which knows them.)
 */
export class Attributes {
  readonly #byName: Map<string, proto.IAttributeProto>;

  constructor(attributes: readonly proto.IAttributeProto[]) {
    this.#byName = new Map(attributes.map((a) => [a.name ?? '', a]));
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  int(name: string, fallback: number): number {
    const a = this.#typed(name, A.INT);
    return a === undefined ? fallback : toNumber(a.i ?? 0);
  }

  float(name: string, fallback: number): number {
    const a = this.#typed(name, A.FLOAT);
    return a === undefined ? fallback : (a.f ?? 0);
  }

  string(name: string, fallback: string): string {
    const a = this.#typed(name, A.STRING);
    return a === undefined ? fallback : new TextDecoder().decode(a.s ?? new Uint8Array());
  }

  ints(name: string, fallback: readonly number[]): number[];
  ints(name: string): number[] | undefined;
  ints(name: string, fallback?: readonly number[]): number[] | undefined {
    const a = this.#typed(name, A.INTS);
    return a === undefined ? (fallback === undefined ? undefined : [...fallback]) : (a.ints ?? []).map(toNumber);
  }

  floats(name: string): number[] | undefined {
    return this.#typed(name, A.FLOATS)?.floats ?? undefined;
  }

  strings(name: string): string[] | undefined {
    return this.#typed(name, A.STRINGS)?.strings?.map((s) => new TextDecoder().decode(s));
  }

  tensor(name: string): Tensor | undefined {
    const t = this.#typed(name, A.TENSOR)?.t;
    return t ? tensorFromProto(t, `attribute '${name}'`) : undefined;
  }

  #typed(name: string, type: number): proto.IAttributeProto | undefined {
    const a = this.#byName.get(name);
    if (a === undefined) return undefined;
    if (a.type !== type) throw new OnnxImportError(`attribute '${name}' is ${A[a.type ?? 0] ?? a.type}, expected ${A[type]}`);
    return a;
  }
}
