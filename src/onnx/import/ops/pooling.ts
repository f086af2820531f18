import { avgPool1d, avgPool2d, maxPool1d, maxPool2d } from '../../../ops/pool.js';
import type { Tensor } from '../../../tensor/tensor.js';
import { OnnxImportError } from '../errors.js';
import type { OpTable } from '../op-call.js';
import { readWindow, sidePadding, spatialRank } from './window-attributes.js';

/** The spatial axes of [N, C, ...spatial], which the global pools reduce (keeping them, as size 1). */
const spatialAxes = (x: Tensor) => x.shape.map((_, i) => i).slice(2);

export const POOLING_OPS = {
  /** Strides default to 1 in ONNX (PyTorch's default is the kernel size; torch.onnx.export writes them out). */
  MaxPool: (call) => {
    call.onlyOutputs(1, 'Indices');
    const x = call.input(0, 'X');
    const d = spatialRank('MaxPool', x.ndim);
    const window = readWindow(call, x.shape.slice(2));
    const options = { kernelSize: window.kernel, stride: window.strides, dilation: window.dilations, padding: sidePadding(window), ceilMode: call.attributes.int('ceil_mode', 0) !== 0 };
    return (d === 1 ? maxPool1d : maxPool2d)(x, options);
  },
  /** count_include_pad defaults to 0 in ONNX: the padding is left out of each window's divisor. */
  AveragePool: (call) => {
    const x = call.input(0, 'X');
    const d = spatialRank('AveragePool', x.ndim);
    const window = readWindow(call, x.shape.slice(2));
    if (window.dilations.some((v) => v !== 1)) throw new OnnxImportError('dilations other than 1 are not supported for AveragePool');
    const options = {
      kernelSize: window.kernel, stride: window.strides, padding: sidePadding(window),
      ceilMode: call.attributes.int('ceil_mode', 0) !== 0, countIncludePad: call.attributes.int('count_include_pad', 0) !== 0,
    };
    return (d === 1 ? avgPool1d : avgPool2d)(x, options);
  },
  GlobalAveragePool: (call) => {
    const x = call.input(0, 'X');
    return x.mean(spatialAxes(x), true);
  },
  GlobalMaxPool: (call) => {
    const x = call.input(0, 'X');
    return x.amax(spatialAxes(x), true);
  },
} satisfies OpTable;
