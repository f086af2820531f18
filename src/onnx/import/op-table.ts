import type { OpTable } from './op-call.js';
import { CONSTANT_OPS } from './ops/constant.js';
import { CONVOLUTION_OPS } from './ops/convolution.js';
import { ELEMENTWISE_OPS } from './ops/elementwise.js';
import { IDENTITY_OPS } from './ops/identity.js';
import { MATMUL_OPS } from './ops/matmul.js';
import { NORMALIZATION_OPS } from './ops/normalization.js';
import { POOLING_OPS } from './ops/pooling.js';
import { RECURRENT_OPS } from './ops/recurrent.js';
import { SHAPE_OPS } from './ops/shape.js';

/** Every ONNX op (of the default domain) that importOnnx runs, by op type. */
export const ONNX_OPS: OpTable = {
  ...ELEMENTWISE_OPS, ...MATMUL_OPS, ...CONVOLUTION_OPS, ...POOLING_OPS, ...NORMALIZATION_OPS,
  ...SHAPE_OPS, ...CONSTANT_OPS, ...IDENTITY_OPS, ...RECURRENT_OPS,
};

/** The op types importOnnx runs, sorted. */
export const ONNX_IMPORT_OPS: readonly string[] = Object.freeze(Object.keys(ONNX_OPS).sort());
