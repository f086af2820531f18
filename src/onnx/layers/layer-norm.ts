import { LayerNorm } from '../../nn/layers/layer-norm.js';
import { sizeOf } from '../../base/shape.js';
import { attr } from '../graph-builder.js';
import { exporterFor } from '../layer-exporter.js';

/** LayerNorm as LayerNormalization (opset 17) over its trailing normalizedShape axes; without a learned weight, a scale of ones. */
export const LAYER_NORM_EXPORTERS = [
  exporterFor(LayerNorm, (layer, input, context) => {
    const shape = layer.normalizedShape;
    const scale = layer.weight === null ? context.constant('scale', new Array<number>(sizeOf(shape)).fill(1), shape) : context.parameter('weight', layer.weight);
    const inputs = layer.bias === null ? [input, scale] : [input, scale, context.parameter('bias', layer.bias)];
    return context.op('LayerNormalization', inputs, { axis: attr.int(-shape.length), epsilon: attr.float(layer.eps) });
  }),
];
