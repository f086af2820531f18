import { Linear } from '../../nn/layers/linear.js';
import { attr } from '../graph-builder.js';
import { exporterFor } from '../layer-exporter.js';

/**
 * Linear as Gemm (x W^T + b) on [N, in]; on more axes ([N, L, in]) as MatMul by W^T and Add, since
 * Gemm takes matrices only. A fused activation after it is its own layer and its own node.
 */
export const LINEAR_EXPORTERS = [
  exporterFor(Linear, (layer, input, context) => {
    const weight = context.parameter('weight', layer.weight);
    const bias = layer.bias === null ? null : context.parameter('bias', layer.bias);
    if (context.inputShape.length === 2) return context.op('Gemm', bias === null ? [input, weight] : [input, weight, bias], { transB: attr.int(1) });
    const product = context.op('MatMul', [input, context.op('Transpose', [weight], { perm: attr.ints([1, 0]) })]);
    return bias === null ? product : context.op('Add', [product, bias]);
  }),
];
