import type { Tensor } from '../../tensor/tensor.js';
import type { Attributes } from './attributes.js';
import { OnnxImportError } from './errors.js';

/** What one node's implementation sees: its input values (null where an optional input is left out), attributes and the model's opset. */
export class OpCall {
  constructor(
    readonly inputs: readonly (Tensor | null)[],
    readonly attributes: Attributes,
    /** The version of the default ONNX domain the model imports; a few ops changed their signature over versions. */
    readonly opset: number,
    /** How many outputs the graph asks of this node. */
    readonly outputCount: number,
  ) {}

  input(index: number, what: string): Tensor {
    const value = this.inputs[index];
    if (value === null || value === undefined) throw new OnnxImportError(`input ${index} (${what}) is required`);
    return value;
  }

  optionalInput(index: number): Tensor | null {
    return this.inputs[index] ?? null;
  }

  /** The integers of a (small, constant-like) integer input: a shape, axes, indices. */
  intsInput(index: number, what: string): number[] {
    const value = this.input(index, what);
    if (value.dtype !== 'int32') throw new OnnxImportError(`input ${index} (${what}) must hold integers, got ${value.dtype}`);
    return Array.from(value.dataSync());
  }

  /** Integers given as an attribute in older opsets and as input `index` in newer ones. */
  intsFromInputOrAttribute(index: number, attribute: string, what: string): number[] | undefined {
    return this.optionalInput(index) !== null ? this.intsInput(index, what) : this.attributes.ints(attribute);
  }

  /** Refuses the outputs past `supported` that the graph uses (optional outputs nabla does not compute). */
  onlyOutputs(supported: number, missing: string): void {
    if (this.outputCount > supported) throw new OnnxImportError(`output ${supported} (${missing}) is not supported`);
  }
}

/** One ONNX op: its output values, in the op's output order. */
export type OpRunner = (call: OpCall) => Tensor | Tensor[];

/** A family of ops by ONNX op type. */
export type OpTable = Readonly<Record<string, OpRunner>>;
