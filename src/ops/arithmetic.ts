import { record } from '../autograd/graph.js';
import type { BinaryOp } from '../backend/kernels.js';
import { isFloat, promoteTypes } from '../base/dtype.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { broadcastBinary, sumToShape, toTensor } from './broadcast.js';
import { where } from './compare.js';

function arithmetic(op: BinaryOp, aLike: TensorLike, bLike: TensorLike, backward: (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null]): Tensor {
  const a = aLike instanceof Tensor ? aLike : toTensor(aLike, bLike as Tensor);
  const b = toTensor(bLike, a);
  let dtype = promoteTypes(a.dtype, b.dtype);
  if ((op === 'div' || op === 'pow') && !isFloat(dtype)) dtype = 'float32';
  const out = broadcastBinary(op, a, b, dtype);
  return record(out, op, [a, b], (g) => {
    const [ga, gb] = backward(g, a, b, out);
    return [a.requiresGrad && ga ? sumToShape(ga, a.shape) : null, b.requiresGrad && gb ? sumToShape(gb, b.shape) : null];
  });
}

export function add(a: TensorLike, b: TensorLike): Tensor {
  return arithmetic('add', a, b, (g) => [g, g]);
}

export function sub(a: TensorLike, b: TensorLike): Tensor {
  return arithmetic('sub', a, b, (g, _a, b) => [g, b.requiresGrad ? g.neg() : null]);
}

export function mul(a: TensorLike, b: TensorLike): Tensor {
  return arithmetic('mul', a, b, (g, a, b) => [a.requiresGrad ? g.mul(b) : null, b.requiresGrad ? g.mul(a) : null]);
}

export function div(a: TensorLike, b: TensorLike): Tensor {
  return arithmetic('div', a, b, (g, a, b, out) => [
    a.requiresGrad ? g.div(b) : null,
    b.requiresGrad ? g.mul(out).div(b).neg() : null,
  ]);
}

/** a ** b; d/da = b a^(b-1), d/db = a^b ln a. */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  return arithmetic('pow', a, b, (g, a, b, out) => [
    // b a^(b-1) is 0 * inf at a = 0, b = 0; the limit (and PyTorch) says 0.
    a.requiresGrad ? where(b.eq(0), 0, g.mul(b).mul(a.pow(b.sub(1)))) : null,
    b.requiresGrad ? g.mul(out).mul(where(a.eq(0), 0, a.log())) : null,
  ]);
}

/** Elementwise maximum; where the two are equal the gradient is split evenly, as in PyTorch. */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return arithmetic('maximum', a, b, (g, a, b) => selectGradient(g, a, b, 'gt'));
}

export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return arithmetic('minimum', a, b, (g, a, b) => selectGradient(g, a, b, 'lt'));
}

function selectGradient(g: Tensor, a: Tensor, b: Tensor, wins: 'gt' | 'lt'): [Tensor, Tensor] {
  const aWins = broadcastBinary(wins, a, b, g.dtype);
  const tie = broadcastBinary('eq', a, b, g.dtype).mul(0.5);
  const aShare = aWins.add(tie);
  return [g.mul(aShare), g.mul(aShare.neg().add(1))];
}
