import { Tensor } from '../../../tensor/tensor.js';
import { OnnxImportError } from '../errors.js';
import type { OpTable } from '../op-call.js';

export const CONSTANT_OPS = {
  /** Exactly one of value (a tensor), value_float(s) and value_int(s) holds the constant. */
  Constant: (call) => {
    const { attributes } = call;
    const tensor = attributes.tensor('value');
    if (tensor) return tensor;
    if (attributes.has('value_float')) return Tensor.fromValues([attributes.float('value_float', 0)], [], 'float32');
    if (attributes.has('value_int')) return Tensor.fromValues([attributes.int('value_int', 0)], [], 'int32');
    const floats = attributes.floats('value_floats');
    if (floats) return Tensor.fromValues(floats, [floats.length], 'float32');
    const ints = attributes.ints('value_ints');
    if (ints) return Tensor.fromValues(ints, [ints.length], 'int32');
    throw new OnnxImportError('a Constant needs one of the attributes value, value_float, value_floats, value_int, value_ints (sparse and string constants are not supported)');
  },
  /** The value attribute is a one-element tensor (default float32 zero). */
  ConstantOfShape: (call) => {
    const shape = call.intsInput(0, 'input');
    const value = call.attributes.tensor('value') ?? Tensor.fromValues([0], [1], 'float32');
    if (value.size !== 1) throw new OnnxImportError(`attribute value must hold one element, got ${value.size}`);
    return Tensor.full(shape, value.item(), value.dtype);
  },
} satisfies OpTable;
