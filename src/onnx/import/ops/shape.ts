import type { DType } from '../../../base/dtype.js';
import { indexSelect } from '../../../ops/indexing.js';
import { pad, type PadMode } from '../../../ops/pad.js';
import { broadcastTo, concat, permute, reshape, slice, squeeze, unsqueeze } from '../../../ops/shape.js';
import { Tensor } from '../../../tensor/tensor.js';
import { normalizeAxis, product } from '../axes.js';
import { OnnxImportError } from '../errors.js';
import type { OpCall, OpTable } from '../op-call.js';
import { elementTypeName, nablaDType } from '../tensor-proto.js';

const ints = (values: readonly number[]) => Tensor.fromValues(values, [values.length], 'int32');

export const SHAPE_OPS = {
  Shape: (call) => {
    const { shape } = call.input(0, 'data');
    const clampAxis = (a: number) => Math.max(0, Math.min(shape.length, a < 0 ? a + shape.length : a));
    return ints(shape.slice(clampAxis(call.attributes.int('start', 0)), clampAxis(call.attributes.int('end', shape.length))));
  },
  /** [d_0 ... d_(axis-1)] and the rest, each multiplied out (axis defaults to 1). */
  Flatten: (call) => {
    const x = call.input(0, 'input');
    // Unlike other axes, it ranges over [-r, r]: a negative one counts from the end of the rank-r shape.
    const raw = call.attributes.int('axis', 1);
    const axis = raw < 0 ? normalizeAxis(raw, x.ndim) : normalizeAxis(raw, x.ndim + 1);
    return reshape(x, [product(x.shape.slice(0, axis)), product(x.shape.slice(axis))]);
  },
  /** A 0 copies the input's size on that axis (unless allowzero), a -1 is inferred. */
  Reshape: (call) => {
    const x = call.input(0, 'data');
    const allowZero = call.attributes.int('allowzero', 0) !== 0;
    const shape = call.intsInput(1, 'shape').map((n, i) => (n === 0 && !allowZero ? x.shape[i] : n));
    if (shape.some((n) => n === undefined)) throw new OnnxImportError(`shape [${call.intsInput(1, 'shape').join(', ')}] copies a size (0) past the input's ${x.ndim} axes`);
    return reshape(x, shape);
  },
  Transpose: (call) => {
    const x = call.input(0, 'data');
    return permute(x, call.attributes.ints('perm', x.shape.map((_, i) => x.ndim - 1 - i)));
  },
  Squeeze: (call) => {
    const x = call.input(0, 'data');
    const axes = call.intsFromInputOrAttribute(1, 'axes', 'axes');
    if (axes === undefined) return squeeze(x);
    for (const axis of axes.map((a) => normalizeAxis(a, x.ndim))) {
      if (x.shape[axis] !== 1) throw new OnnxImportError(`cannot squeeze axis ${axis} of size ${x.shape[axis]} (input [${x.shape.join(', ')}])`);
    }
    return squeeze(x, axes.map((a) => normalizeAxis(a, x.ndim)));
  },
  /** Axes count in the output's rank; they are inserted in increasing order. */
  Unsqueeze: (call) => {
    const x = call.input(0, 'data');
    const axes = call.intsFromInputOrAttribute(1, 'axes', 'axes');
    if (axes === undefined) throw new OnnxImportError('axes are required');
    const rank = x.ndim + axes.length;
    return axes.map((a) => normalizeAxis(a, rank)).sort((a, b) => a - b).reduce((y, axis) => unsqueeze(y, axis), x);
  },
  Concat: (call) => {
    const tensors = call.inputs.map((x, i) => x ?? call.input(i, 'inputs'));
    if (!call.attributes.has('axis')) throw new OnnxImportError('attribute axis is required');
    return concat(tensors, normalizeAxis(call.attributes.int('axis', 0), tensors[0].ndim));
  },
  Slice: (call) => {
    const x = call.input(0, 'data');
    const fromInputs = call.opset >= 10;
    const starts = fromInputs ? call.intsInput(1, 'starts') : call.attributes.ints('starts', []);
    const ends = fromInputs ? call.intsInput(2, 'ends') : call.attributes.ints('ends', []);
    const axes = (fromInputs ? call.intsFromInputOrAttribute(3, 'axes', 'axes') : call.attributes.ints('axes')) ?? starts.map((_, i) => i);
    const steps = fromInputs && call.optionalInput(4) !== null ? call.intsInput(4, 'steps') : starts.map(() => 1);
    if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
      throw new OnnxImportError(`starts, ends, axes and steps must have one value per sliced axis, got ${starts.length}, ${ends.length}, ${axes.length} and ${steps.length}`);
    }
    const specs: ([number, number, number] | ':')[] = x.shape.map(() => ':');
    axes.forEach((a, i) => {
      const axis = normalizeAxis(a, x.ndim);
      if (steps[i] <= 0) throw new OnnxImportError(`step ${steps[i]} on axis ${axis} is not supported (positive steps only)`);
      const n = x.shape[axis];
      const clamp = (v: number) => Math.max(0, Math.min(n, v < 0 ? v + n : v));
      const start = clamp(starts[i]);
      specs[axis] = [start, Math.max(start, clamp(ends[i])), steps[i]];
    });
    return slice(x, specs);
  },
  /** Indices of any shape replace the axis; negative ones count from its end. */
  Gather: (call) => {
    const x = call.input(0, 'data');
    const axis = normalizeAxis(call.attributes.int('axis', 0), x.ndim);
    const indices = call.input(1, 'indices');
    const n = x.shape[axis];
    const positions = call.intsInput(1, 'indices').map((i) => {
      if (i < -n || i >= n) throw new OnnxImportError(`index ${i} is out of range for axis ${axis} of size ${n}`);
      return i < 0 ? i + n : i;
    });
    const picked = indexSelect(x, axis, ints(positions));
    return reshape(picked, [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)]);
  },
  Expand: (call) => {
    const x = call.input(0, 'input');
    const shape = call.intsInput(1, 'shape');
    // Broadcast both ways: a 1 in the given shape keeps the input's size.
    const rank = Math.max(x.ndim, shape.length);
    const padded = [...new Array<number>(rank - x.ndim).fill(1), ...x.shape];
    const target = [...new Array<number>(rank - shape.length).fill(1), ...shape].map((n, i) => (n === 1 ? padded[i] : n));
    return broadcastTo(x, target);
  },
  Cast: (call) => call.input(0, 'input').to(castTarget(call)),
  /** pads is [x1_begin, x2_begin, ..., x1_end, x2_end, ...] over every axis (or over `axes`, from opset 18). */
  Pad: (call) => {
    const x = call.input(0, 'data');
    const mode = PAD_MODES_BY_ONNX_NAME[call.attributes.string('mode', 'constant')];
    if (mode === undefined) throw new OnnxImportError(`mode must be ${Object.keys(PAD_MODES_BY_ONNX_NAME).join(', ')}, got '${call.attributes.string('mode', 'constant')}'`);
    const amounts = call.opset >= 11 ? call.intsInput(1, 'pads') : call.attributes.ints('pads', []);
    const axes = (call.opset >= 18 ? call.intsFromInputOrAttribute(3, 'axes', 'axes') : undefined)?.map((a) => normalizeAxis(a, x.ndim)) ?? x.shape.map((_, i) => i);
    if (amounts.length !== 2 * axes.length) throw new OnnxImportError(`pads has ${amounts.length} values for ${axes.length} axes (a begin and an end for each)`);
    const before = x.shape.map(() => 0);
    const after = x.shape.map(() => 0);
    axes.forEach((axis, i) => {
      before[axis] = amounts[i];
      after[axis] = amounts[i + axes.length];
    });
    const torchOrder = x.shape.flatMap((_, i) => [before[x.ndim - 1 - i], after[x.ndim - 1 - i]]);
    if (mode !== 'constant') return pad(x, torchOrder, mode);
    const value = call.opset >= 11 ? (call.optionalInput(2)?.item() ?? 0) : call.attributes.float('value', 0);
    return pad(x, torchOrder, 'constant', value);
  },
} satisfies OpTable;

/** ONNX's names of nabla's padding modes. */
const PAD_MODES_BY_ONNX_NAME: Partial<Record<string, PadMode>> = { constant: 'constant', reflect: 'reflect', edge: 'replicate', wrap: 'circular' };

function castTarget(call: OpCall): DType {
  const to = call.attributes.int('to', 0);
  const dtype = nablaDType(to);
  if (dtype === null) throw new OnnxImportError(`casting to ${elementTypeName(to)} is not supported`);
  return dtype;
}
