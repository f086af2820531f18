import { OnnxImportError } from '../errors.js';
import type { OpCall } from '../op-call.js';

/** The geometry shared by Conv, ConvTranspose and the pools, with the spec's defaults. */
export interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Padding before and after each spatial axis. */
  before: number[];
  after: number[];
}

/** nabla's convolutions and pools have 1-D and 2-D forms. */
export function spatialRank(op: string, inputRank: number): number {
  const d = inputRank - 2;
  if (d !== 1 && d !== 2) throw new OnnxImportError(`${op} over ${d} spatial axes is not supported (nabla has the 1-D and 2-D forms; the input must be [N, C, L] or [N, C, H, W])`);
  return d;
}

/**
 * Reads kernel_shape (or takes `kernel`), strides, dilations, pads ([x1_begin, x2_begin, ...,
 * x1_end, x2_end]) and auto_pad: SAME_UPPER and SAME_LOWER pad so that the output has
 * ceil(input / stride) positions, the odd one after (UPPER) or before (LOWER); VALID pads nothing.
 */
export function readWindow(call: OpCall, spatial: readonly number[], kernel?: readonly number[]): Window {
  const d = spatial.length;
  const { attributes } = call;
  const kernelShape = attributes.ints('kernel_shape') ?? (kernel ? [...kernel] : undefined);
  if (kernelShape === undefined) throw new OnnxImportError('attribute kernel_shape is required');
  const ones = new Array<number>(d).fill(1);
  const strides = attributes.ints('strides', ones);
  const dilations = attributes.ints('dilations', ones);
  for (const [name, values] of [['kernel_shape', kernelShape], ['strides', strides], ['dilations', dilations]] as const) {
    if (values.length !== d) throw new OnnxImportError(`attribute ${name} has ${values.length} values for ${d} spatial axes`);
  }
  if (kernel && kernelShape.some((k, i) => k !== kernel[i])) throw new OnnxImportError(`kernel_shape [${kernelShape.join(', ')}] does not match the weight's kernel [${kernel.join(', ')}]`);
  const autoPad = attributes.string('auto_pad', 'NOTSET');
  if (autoPad === 'NOTSET') {
    const pads = attributes.ints('pads', new Array<number>(2 * d).fill(0));
    if (pads.length !== 2 * d) throw new OnnxImportError(`attribute pads has ${pads.length} values, expected ${2 * d} (begin and end of each spatial axis)`);
    return { kernel: kernelShape, strides, dilations, before: pads.slice(0, d), after: pads.slice(d) };
  }
  if (autoPad === 'VALID') return { kernel: kernelShape, strides, dilations, before: new Array<number>(d).fill(0), after: new Array<number>(d).fill(0) };
  if (autoPad !== 'SAME_UPPER' && autoPad !== 'SAME_LOWER') throw new OnnxImportError(`auto_pad must be NOTSET, VALID, SAME_UPPER or SAME_LOWER, got '${autoPad}'`);
  const total = spatial.map((n, i) => Math.max(0, (Math.ceil(n / strides[i]) - 1) * strides[i] + dilations[i] * (kernelShape[i] - 1) + 1 - n));
  const small = total.map((t) => Math.floor(t / 2));
  const large = total.map((t, i) => t - small[i]);
  return autoPad === 'SAME_UPPER'
    ? { kernel: kernelShape, strides, dilations, before: small, after: large }
    : { kernel: kernelShape, strides, dilations, before: large, after: small };
}

/** nabla's padding per side: [left, right] in 1-D, [top, bottom, left, right] in 2-D. */
export function sidePadding({ before, after }: Window): number[] {
  return before.flatMap((b, i) => [b, after[i]]);
}
