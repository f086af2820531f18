import { arrayConstructor, type DType } from '../../tensor/dtype.js';
import type { Backend } from '../backend.js';
import { activationGrad, binary, unary, where } from './elementwise.js';
import { gather, scatterAdd } from './indexing.js';
import { linear, matmul } from './matmul.js';
import { adamStep, sgdStep } from './optim.js';
import { argReduce, reduce } from './reduce.js';
import { softmax, softmaxCrossEntropy } from './softmax.js';
import { copyStrided } from './strided.js';

/** The reference backend: plain TypeScript loops over whole typed arrays. */
export const jsBackend: Backend = {
  name: 'js',
  alloc: (dtype: DType, size: number) => new (arrayConstructor(dtype))(size),
  unary,
  activationGrad,
  binary,
  where,
  copyStrided,
  reduce,
  argReduce,
  matmul,
  linear,
  softmax,
  softmaxCrossEntropy,
  gather,
  scatterAdd,
  sgdStep,
  adamStep,
};
