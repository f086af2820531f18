import { conv1d, conv2d, convTranspose1d, convTranspose2d } from '../../../ops/conv.js';
import { narrow } from '../../../ops/shape.js';
import type { Tensor } from '../../../tensor/tensor.js';
import { OnnxImportError } from '../errors.js';
import type { OpTable } from '../op-call.js';
import { readWindow, sidePadding, spatialRank } from './window-attributes.js';

export const CONVOLUTION_OPS = {
  Conv: (call) => {
    const x = call.input(0, 'X');
    const w = call.input(1, 'W');
    const d = spatialRank('Conv', x.ndim);
    const window = readWindow(call, x.shape.slice(2), w.shape.slice(2));
    const options = { stride: window.strides, dilation: window.dilations, padding: sidePadding(window), groups: call.attributes.int('group', 1) };
    return (d === 1 ? conv1d : conv2d)(x, w, call.optionalInput(2), options);
  },
  /**
   * nabla's transposed convolution crops the same amount from both ends of each axis; ONNX's pads
   * may differ, so the smaller one is cropped there and the rest cut off after.
   */
  ConvTranspose: (call) => {
    const x = call.input(0, 'X');
    const w = call.input(1, 'W');
    const d = spatialRank('ConvTranspose', x.ndim);
    const { attributes } = call;
    if (attributes.has('output_shape')) throw new OnnxImportError('attribute output_shape is not supported; give pads and output_padding instead');
    const autoPad = attributes.string('auto_pad', 'NOTSET');
    if (autoPad !== 'NOTSET' && autoPad !== 'VALID') throw new OnnxImportError(`auto_pad '${autoPad}' is not supported for ConvTranspose; give pads instead`);
    const window = readWindow(call, x.shape.slice(2), w.shape.slice(2));
    const outputPadding = attributes.ints('output_padding', new Array<number>(d).fill(0));
    const shared = window.before.map((b, i) => Math.min(b, window.after[i]));
    let y: Tensor = (d === 1 ? convTranspose1d : convTranspose2d)(x, w, call.optionalInput(2), {
      stride: window.strides, dilation: window.dilations, padding: shared, outputPadding, groups: attributes.int('group', 1),
    });
    window.before.forEach((b, i) => {
      const axis = i + 2;
      const cutBefore = b - shared[i];
      const cutAfter = window.after[i] - shared[i];
      if (cutBefore + cutAfter > 0) y = narrow(y, axis, cutBefore, y.shape[axis] - cutBefore - cutAfter);
    });
    return y;
  },
} satisfies OpTable;
