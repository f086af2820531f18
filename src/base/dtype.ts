/** Element types: float32 for activations and weights, float64 for gradient checks, int32 for labels and indices. */
export type DType = 'float32' | 'float64' | 'int32';
export type FloatDType = 'float32' | 'float64';
export type TypedArray = Float32Array | Float64Array | Int32Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32'];

const ARRAY_TYPES: Record<DType, new (length: number) => TypedArray> = { float32: Float32Array, float64: Float64Array, int32: Int32Array };

/** Throws a clear error for anything that is not one of nabla's dtypes (JavaScript callers may pass any string). */
export function checkDType(dtype: unknown): asserts dtype is DType {
  if (!DTYPES.includes(dtype as DType)) {
    throw new TypeError(`unsupported dtype '${String(dtype)}': nabla has ${DTYPES.join(', ')} (int32 serves for labels and indices)`);
  }
}

export function arrayConstructor(dtype: DType): new (length: number) => TypedArray {
  checkDType(dtype);
  return ARRAY_TYPES[dtype];
}

export function dtypeOfArray(array: TypedArray): DType {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  return 'int32';
}

export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype !== 'int32';
}

/** NumPy/PyTorch-style promotion: int32 < float32 < float64. */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === 'float64' || b === 'float64') return 'float64';
  if (a === 'float32' || b === 'float32') return 'float32';
  return 'int32';
}

/** The dtype an op that must produce fractions (division, mean, exp) returns for this input. */
export function floatTypeOf(dtype: DType): FloatDType {
  return dtype === 'float64' ? 'float64' : 'float32';
}

export function bytesPerElement(dtype: DType): number {
  return dtype === 'float64' ? 8 : 4;
}
