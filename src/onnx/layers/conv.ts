import { Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d } from '../../nn/layers/conv.js';
import { resolvePadding } from '../../ops/window.js';
import { attr } from '../graph-builder.js';
import { type LayerExportContext, exporterFor } from '../layer-exporter.js';

type Convolution = Conv1d | Conv2d;
type TransposedConvolution = ConvTranspose1d | ConvTranspose2d;

/** The weight and bias inputs of Conv and ConvTranspose, which share PyTorch's weight layouts. */
function weightInputs(layer: Convolution | TransposedConvolution, input: string, context: LayerExportContext): string[] {
  const inputs = [input, context.parameter('weight', layer.weight)];
  if (layer.bias !== null) inputs.push(context.parameter('bias', layer.bias));
  return inputs;
}

/** Conv with explicit pads, [begin of each axis, end of each axis]; 'same' and 'valid' resolved as nabla (and PyTorch) resolve them. */
function exportConv(layer: Convolution, input: string, context: LayerExportContext): string {
  const geometry = { kernel: layer.kernelSize, dilation: layer.dilation, stride: layer.stride };
  const { before, after } = resolvePadding(layer.padding, layer.kernelSize.length, layer.constructor.name, geometry);
  return context.op('Conv', weightInputs(layer, input, context), {
    kernel_shape: attr.ints(layer.kernelSize),
    strides: attr.ints(layer.stride),
    dilations: attr.ints(layer.dilation),
    group: attr.int(layer.groups),
    pads: attr.ints([...before, ...after]),
  });
}

function exportConvTranspose(layer: TransposedConvolution, input: string, context: LayerExportContext): string {
  return context.op('ConvTranspose', weightInputs(layer, input, context), {
    kernel_shape: attr.ints(layer.kernelSize),
    strides: attr.ints(layer.stride),
    dilations: attr.ints(layer.dilation),
    group: attr.int(layer.groups),
    pads: attr.ints([...layer.padding, ...layer.padding]),
    output_padding: attr.ints(layer.outputPadding),
  });
}

export const CONV_EXPORTERS = [
  exporterFor(Conv1d, exportConv),
  exporterFor(Conv2d, exportConv),
  exporterFor(ConvTranspose1d, exportConvTranspose),
  exporterFor(ConvTranspose2d, exportConvTranspose),
];
