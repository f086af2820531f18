import { matmul } from '../../../ops/matmul.js';
import { linear } from '../../../ops/nn.js';
import { transpose } from '../../../ops/shape.js';
import type { OpTable } from '../op-call.js';

export const MATMUL_OPS = {
  MatMul: (call) => matmul(call.input(0, 'A'), call.input(1, 'B')),
  /** Y = alpha A' B' + beta C; torch.onnx.export writes nn.Linear as Gemm with transB = 1, which runs as nabla's fused linear. */
  Gemm: (call) => {
    const a = call.input(0, 'A');
    const b = call.input(1, 'B');
    const c = call.optionalInput(2);
    const { attributes } = call;
    const alpha = attributes.float('alpha', 1);
    const beta = attributes.float('beta', 1);
    const transA = attributes.int('transA', 0) !== 0;
    const transB = attributes.int('transB', 0) !== 0;
    if (!transA && transB && alpha === 1 && beta === 1 && (c === null || c.ndim === 1)) return linear(a, b, c);
    const product = matmul(transA ? transpose(a, 0, 1) : a, transB ? transpose(b, 0, 1) : b);
    const scaled = alpha === 1 ? product : product.mul(alpha);
    if (c === null) return scaled;
    return scaled.add(beta === 1 ? c : c.mul(beta));
  },
} satisfies OpTable;
