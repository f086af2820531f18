import { AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, GlobalAvgPool, MaxPool1d, MaxPool2d } from '../../nn/layers/pool.js';
import { adaptiveAveragingWeights, type PoolOptions } from '../../ops/pool.js';
import { perAxis, resolvePadding } from '../../ops/window.js';
import { attr, type OnnxAttributes } from '../graph-builder.js';
import { exporterFor, type LayerExportContext, LayerExportRefusal } from '../layer-exporter.js';

type MaxPool = MaxPool1d | MaxPool2d;
type AvgPool = AvgPool1d | AvgPool2d;
type AdaptiveAvgPool = AdaptiveAvgPool1d | AdaptiveAvgPool2d;

/** The window attributes MaxPool and AveragePool share, resolved with nabla's defaults (stride = kernel, padding 0). */
function windowAttributes(layer: MaxPool | AvgPool, d: number): OnnxAttributes {
  const options: PoolOptions = layer.options;
  const op = layer.constructor.name;
  const kernel = perAxis(options.kernelSize, d, op, 'kernelSize');
  const stride = perAxis(options.stride ?? kernel, d, op, 'stride');
  const dilation = perAxis(options.dilation ?? 1, d, op, 'dilation');
  const { before, after } = resolvePadding(options.padding ?? 0, d, op, { kernel, dilation, stride });
  return { kernel_shape: attr.ints(kernel), strides: attr.ints(stride), pads: attr.ints([...before, ...after]), ceil_mode: attr.int(options.ceilMode === true ? 1 : 0) };
}

const spatialAxes = (context: LayerExportContext): number => context.inputShape.length - 2;

function exportMaxPool(layer: MaxPool, input: string, context: LayerExportContext): string {
  const d = spatialAxes(context);
  const dilation = perAxis(layer.options.dilation ?? 1, d, layer.constructor.name, 'dilation');
  return context.op('MaxPool', [input], { ...windowAttributes(layer, d), dilations: attr.ints(dilation) });
}

/**
 * AveragePool; with divisorOverride every window's sum is divided by it instead, which is the
 * average counting the padding times prod(kernel) / divisor, as long as every window is whole
 * (not in ceil mode, where a last window may be cut short).
 */
function exportAvgPool(layer: AvgPool, input: string, context: LayerExportContext): string {
  const d = spatialAxes(context);
  const { countIncludePad = true, divisorOverride, ceilMode = false } = layer.options;
  const attributes = windowAttributes(layer, d);
  if (divisorOverride === undefined) return context.op('AveragePool', [input], { ...attributes, count_include_pad: attr.int(countIncludePad ? 1 : 0) });
  if (ceilMode) throw new LayerExportRefusal('divisorOverride together with ceilMode has no ONNX form (the last windows may be partial)');
  const windowSize = perAxis(layer.options.kernelSize, d, layer.constructor.name, 'kernelSize').reduce((a, b) => a * b, 1);
  const average = context.op('AveragePool', [input], { ...attributes, count_include_pad: attr.int(1) });
  return context.op('Mul', [average, context.constant('divisor_factor', [windowSize / divisorOverride], [])]);
}

/**
 * Adaptive average pooling as matrix products, one averaging matrix per spatial axis (ONNX has no
 * adaptive pooling): x A^T averages the last axis, A x the one before it (MatMul broadcasts the
 * matrix over the batch and channel axes). Axes that keep their size are left alone.
 */
function exportAdaptiveAvgPool(_layer: AdaptiveAvgPool, input: string, context: LayerExportContext): string {
  const rank = context.inputShape.length;
  let x = input;
  for (let axis = 2; axis < rank; axis++) {
    const n = context.inputShape[axis];
    const out = context.outputShape[axis];
    if (n === out) continue;
    const last = axis === rank - 1;
    const weights = adaptiveAveragingWeights(n, out);
    if (last) {
      const transposed = Array.from({ length: n * out }, (_, k) => weights[(k % out) * n + Math.floor(k / out)]);
      x = context.op('MatMul', [x, context.constant('averaging', transposed, [n, out])]);
    } else {
      x = context.op('MatMul', [context.constant('averaging', weights, [out, n]), x]);
    }
  }
  return x;
}

export const POOL_EXPORTERS = [
  exporterFor(MaxPool1d, exportMaxPool),
  exporterFor(MaxPool2d, exportMaxPool),
  exporterFor(AvgPool1d, exportAvgPool),
  exporterFor(AvgPool2d, exportAvgPool),
  exporterFor(AdaptiveAvgPool1d, exportAdaptiveAvgPool),
  exporterFor(AdaptiveAvgPool2d, exportAdaptiveAvgPool),
  exporterFor(GlobalAvgPool, (_layer, input, context) => {
    const axes = Array.from({ length: context.inputShape.length - 2 }, (_, i) => i + 2);
    return context.op('ReduceMean', [input], { axes: attr.ints(axes), keepdims: attr.int(0) });
  }),
];
