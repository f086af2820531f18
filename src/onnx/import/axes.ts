import { OnnxImportError } from './errors.js';

/** An ONNX axis (negative counts from the end) as an index into a shape of `rank` axes. */
export function normalizeAxis(axis: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) throw new OnnxImportError(`${what} ${axis} is out of range for a ${rank}-D tensor`);
  return axis < 0 ? axis + rank : axis;
}

export const product = (values: readonly number[]): number => values.reduce((a, b) => a * b, 1);
