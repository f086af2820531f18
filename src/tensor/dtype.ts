/** Element types: float32 for activations and weights, float64 for gradient checks, int32 for labels and indices. */
export type DType = 'float32' | 'float64' | 'int32';
export type FloatDType = 'float32' | 'float64';
export type TypedArray = Float32Array | Float64Array | Int32Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32'];

export function arrayConstructor(dtype: DType): new (length: number) => TypedArray {
  switch (dtype) {
    case 'float32': return Float32Array;
    case 'float64': return Float64Array;
    case 'int32': return Int32Array;
    default:
      throw new TypeError(`unsupported dtype '${String(dtype)}': nabla has ${DTYPES.join(', ')} (int32 serves for labels and indices)`);
  }
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
