import onnx, { type onnx as proto } from 'onnx-proto';
import { Tensor } from '../../tensor/tensor.js';
import type { DType } from '../../base/dtype.js';
import { OnnxImportError } from './errors.js';
import { toNumber, type Int64 } from './long-number.js';

const { onnx: o } = onnx;
const T = o.TensorProto.DataType;

interface ElementType {
  dtype: DType;
  /** Bytes per element in raw_data. */
  bytes: number;
  readRaw: (view: DataView, offset: number) => number;
}

const INT32_MAX = 2 ** 31 - 1;
/** Integers are shapes, axes and indices here; INT64_MAX (Slice's "to the end") saturates to int32's limit. */
const saturate = (v: number) => Math.max(-INT32_MAX - 1, Math.min(INT32_MAX, v));

/** The element types nabla holds: floats as themselves, every integer and bool type as int32. */
const ELEMENT_TYPES: Partial<Record<number, ElementType>> = {
  [T.FLOAT]: { dtype: 'float32', bytes: 4, readRaw: (v, i) => v.getFloat32(i, true) },
  [T.DOUBLE]: { dtype: 'float64', bytes: 8, readRaw: (v, i) => v.getFloat64(i, true) },
  [T.INT64]: { dtype: 'int32', bytes: 8, readRaw: (v, i) => saturate(Number(v.getBigInt64(i, true))) },
  [T.INT32]: { dtype: 'int32', bytes: 4, readRaw: (v, i) => v.getInt32(i, true) },
  [T.INT16]: { dtype: 'int32', bytes: 2, readRaw: (v, i) => v.getInt16(i, true) },
  [T.INT8]: { dtype: 'int32', bytes: 1, readRaw: (v, i) => v.getInt8(i) },
  [T.UINT8]: { dtype: 'int32', bytes: 1, readRaw: (v, i) => v.getUint8(i) },
  [T.BOOL]: { dtype: 'int32', bytes: 1, readRaw: (v, i) => v.getUint8(i) },
};

export function elementTypeName(dataType: number): string {
  return T[dataType] ?? `data type ${dataType}`;
}

/** The nabla dtype of an ONNX element type, or null when nabla holds no such values (strings, float16, complex). */
export function nablaDType(dataType: number): DType | null {
  return ELEMENT_TYPES[dataType]?.dtype ?? null;
}

/** A TensorProto's values as a nabla tensor (int64 and smaller integer types as int32). */
export function tensorFromProto(proto: proto.ITensorProto, what: string): Tensor {
  const dataType = proto.dataType ?? 0;
  const type = ELEMENT_TYPES[dataType];
  if (type === undefined) throw new OnnxImportError(`${what}: element type ${elementTypeName(dataType)} is not supported (nabla holds float32, float64 and integers as int32)`);
  if (proto.dataLocation === o.TensorProto.DataLocation.EXTERNAL) throw new OnnxImportError(`${what}: its data is stored in an external file, which importOnnx does not read; save the model with its weights inside`);
  const shape = (proto.dims ?? []).map((d) => toNumber(d));
  const size = shape.reduce((a, b) => a * b, 1);
  const values = valuesOf(proto, dataType, type);
  if (values.length !== size) throw new OnnxImportError(`${what}: shape [${shape.join(', ')}] needs ${size} values, the tensor holds ${values.length}`);
  return Tensor.fromValues(values, shape, type.dtype);
}

function valuesOf(proto: proto.ITensorProto, dataType: number, type: ElementType): ArrayLike<number> {
  const raw = proto.rawData;
  if (raw && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return Array.from({ length: Math.floor(raw.byteLength / type.bytes) }, (_, i) => type.readRaw(view, i * type.bytes));
  }
  if (dataType === T.FLOAT) return proto.floatData ?? [];
  if (dataType === T.DOUBLE) return proto.doubleData ?? [];
  if (dataType === T.INT64) return (proto.int64Data ?? []).map((v: Int64) => saturate(toNumber(v)));
  return proto.int32Data ?? [];
}
