import {
  ELU, Flatten, GELU, Hardtanh, Identity, LeakyReLU, LogSoftmax, Mish, ReLU, SELU, Sigmoid, SiLU, Softmax, Softplus, Tanh,
} from '../../nn/layers/activations.js';
import { SELU_ALPHA, SELU_SCALE } from '../../ops/activations.js';
import { attr } from '../graph-builder.js';
import { exporterFor, type LayerExportContext } from '../layer-exporter.js';

const scalar = (context: LayerExportContext, hint: string, value: number): string => context.constant(hint, [value], []);

/** nabla's softplus: log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (ONNX's Softplus has neither beta nor threshold). */
function softplus(context: LayerExportContext, x: string, beta: number, threshold: number): string {
  const factor = scalar(context, 'beta', beta);
  const scaled = context.op('Mul', [x, factor]);
  const smooth = context.op('Div', [context.op('Softplus', [scaled]), factor]);
  return context.op('Where', [context.op('Greater', [scaled, scalar(context, 'threshold', threshold)]), x, smooth]);
}

/** 0.5 x (1 + erf(x / sqrt 2)), or with tanh(sqrt(2/pi) (x + 0.044715 x^3)) for erf: ONNX has Gelu only from opset 20. */
function gelu(context: LayerExportContext, x: string, approximate: GELU['approximate']): string {
  const half = context.op('Mul', [x, scalar(context, 'half', 0.5)]);
  let curve: string;
  if (approximate === 'tanh') {
    const cube = context.op('Mul', [context.op('Mul', [x, x]), x]);
    const inner = context.op('Add', [context.op('Mul', [cube, scalar(context, 'cubic', 0.044715)]), x]);
    curve = context.op('Tanh', [context.op('Mul', [inner, scalar(context, 'sqrt_2_over_pi', Math.sqrt(2 / Math.PI))])]);
  } else {
    curve = context.op('Erf', [context.op('Mul', [x, scalar(context, 'sqrt_half', Math.SQRT1_2)])]);
  }
  return context.op('Mul', [half, context.op('Add', [curve, scalar(context, 'one', 1)])]);
}

/** The trailing axes of a Flatten's input after the flattened ones, by the sample's shape; the axes before it keep their size (0 in Reshape). */
function flattenShape(layer: Flatten, inputShape: readonly number[]): number[] {
  const rank = inputShape.length;
  const start = layer.startDim < 0 ? layer.startDim + rank : layer.startDim;
  const end = layer.endDim < 0 ? layer.endDim + rank : layer.endDim;
  return [...new Array<number>(start).fill(0), -1, ...inputShape.slice(end + 1)];
}

export const ACTIVATION_EXPORTERS = [
  exporterFor(Sigmoid, (_layer, input, context) => context.op('Sigmoid', [input])),
  exporterFor(Tanh, (_layer, input, context) => context.op('Tanh', [input])),
  exporterFor(ReLU, (_layer, input, context) => context.op('Relu', [input])),
  exporterFor(LeakyReLU, (layer, input, context) => context.op('LeakyRelu', [input], { alpha: attr.float(layer.negativeSlope) })),
  exporterFor(Softmax, (layer, input, context) => context.op('Softmax', [input], { axis: attr.int(layer.dim) })),
  exporterFor(LogSoftmax, (layer, input, context) => context.op('LogSoftmax', [input], { axis: attr.int(layer.dim) })),
  exporterFor(Identity, (_layer, input) => input),
  exporterFor(Flatten, (layer, input, context) => {
    const shape = flattenShape(layer, context.inputShape);
    return context.op('Reshape', [input, context.constant('shape', shape, [shape.length], 'int64')]);
  }),
  exporterFor(GELU, (layer, input, context) => gelu(context, input, layer.approximate)),
  exporterFor(SiLU, (_layer, input, context) => context.op('Mul', [input, context.op('Sigmoid', [input])])),
  exporterFor(ELU, (layer, input, context) => context.op('Elu', [input], { alpha: attr.float(layer.alpha) })),
  exporterFor(SELU, (_layer, input, context) => context.op('Selu', [input], { alpha: attr.float(SELU_ALPHA), gamma: attr.float(SELU_SCALE) })),
  exporterFor(Softplus, (layer, input, context) => softplus(context, input, layer.beta, layer.threshold)),
  exporterFor(Hardtanh, (layer, input, context) => context.op('Clip', [input, scalar(context, 'min', layer.minVal), scalar(context, 'max', layer.maxVal)])),
  // nabla's mish is x tanh(softplus(x)) with softplus's default beta 1 and threshold 20 (ONNX has Mish only from opset 18).
  exporterFor(Mish, (_layer, input, context) => context.op('Mul', [input, context.op('Tanh', [softplus(context, input, 1, 20)])])),
];
