import { isGradEnabled, noGrad } from '../autograd/graph.js';
import { isFloat, promoteTypes, type DType } from '../base/dtype.js';
import { describeValue } from '../base/options.js';
import { broadcastShapes, broadcastStrides, formatShape, shapesEqual, ShapeError, stridesOf } from '../base/shape.js';
import { run } from '../tensor/dispatch.js';
import { assertTensor, Tensor, type TensorLike } from '../tensor/tensor.js';
import * as arith from './arithmetic.js';
import { toTensor } from './broadcast.js';
import { clamp } from './compare.js';
import { broadcastTo, clone, copyKernel } from './shape.js';

/*
 * In-place ops (PyTorch's trailing underscore): they write into the tensor's own storage, so every
 * view of it (reshape, detach, a Parameter's state-dict entry) sees the change, and bump the
 * storage's version, which backward checks (see record in src/autograd/graph.ts).
 *
 * Under noGrad they are plain writes: optimizer-style updates, running statistics. With recording
 * on, a leaf that requires grad (or a view of one) is refused, as in PyTorch; an op on a tensor
 * that requires grad, or with an operand that does, is recorded: the out-of-place op runs on a copy
 * of the old values that carries the old history, and the tensor becomes its result (PyTorch's
 * rebase). The old history still checks its own tensors, so changing the output of an ordinary op
 * in place is refused at backward (see record); a tensor built up by in-place ops alone
 * (`acc.add_(loss)` in a loop) is not.
 */

type Arithmetic = 'add' | 'sub' | 'mul' | 'div';
const OUT_OF_PLACE: Readonly<Record<Arithmetic, (a: Tensor, b: Tensor) => Tensor>> = { add: arith.add, sub: arith.sub, mul: arith.mul, div: arith.div };

/** self += alpha * other, with other broadcast to self's shape. */
export function add_(self: Tensor, other: TensorLike, alpha = 1): Tensor {
  return arithmetic_('add', self, scaled('add_', other, alpha));
}

/** self -= alpha * other. */
export function sub_(self: Tensor, other: TensorLike, alpha = 1): Tensor {
  return arithmetic_('sub', self, scaled('sub_', other, alpha));
}

export function mul_(self: Tensor, other: TensorLike): Tensor {
  return arithmetic_('mul', self, other);
}

/** True division, so an int32 tensor cannot be divided in place (its result is float32, as in PyTorch). */
export function div_(self: Tensor, other: TensorLike): Tensor {
  return arithmetic_('div', self, other);
}

/** Every element set to `value` (truncated toward zero in an int32 tensor, as in PyTorch). */
export function fill_(self: Tensor, value: number): Tensor {
  return fill('fill_', self, value);
}

export function zero_(self: Tensor): Tensor {
  return fill('zero_', self, 0);
}

/**
 * self's elements replaced by src's, src broadcast to self's shape and converted to its dtype (from
 * another backend too); the gradient flows to src, none to self's old values.
 */
export function copy_(self: Tensor, src: Tensor): Tensor {
  assertTensor(self, 'copy_', 'self');
  assertTensor(src, 'copy_', 'src');
  checkShape('copy_', self, src.shape);
  if (recorded('copy_', self, [src])) return rebase('copy_', self, () => broadcastTo(src, self.shape));
  noGrad(() => {
    let value = src.toBackend(self.backend);
    if (value.dtype !== self.dtype) value = value.to(self.dtype);
    run(copyKernel(self.shape, 0, broadcastStrides(value.shape, self.shape), 0, stridesOf(self.shape)), [value], [self]);
  });
  return modified(self);
}

/** Limits the elements to [min, max] in place; bounds with a fraction are refused for an int32 tensor (as in PyTorch). */
export function clamp_(self: Tensor, min?: number, max?: number): Tensor {
  assertTensor(self, 'clamp_', 'self');
  for (const [name, bound] of [['min', min], ['max', max]] as const) {
    if (bound !== undefined && typeof bound !== 'number') throw new TypeError(`clamp_: ${name} must be a number or undefined, got ${describeValue(bound)}`);
    if (bound !== undefined && self.dtype === 'int32' && !Number.isInteger(bound)) {
      throw new TypeError(`clamp_: ${name} = ${bound} has a fraction, so the result would be float32, which cannot be written into this int32 tensor in place; use clamp`);
    }
  }
  if (min === undefined && max === undefined) throw new Error('clamp_: give at least one of min and max');
  if (min !== undefined && max !== undefined && min > max) throw new Error(`clamp_: min (${min}) is greater than max (${max})`);
  if (recorded('clamp_', self, [])) return rebase('clamp_', self, () => clamp(previousOf(self), min, max));
  for (const [fn, bound] of [['maximum', min], ['minimum', max]] as const) {
    if (bound === undefined) continue;
    const limit = toTensor(bound, self);
    run(binaryInPlace(fn, self, limit), [self, limit], [self]);
  }
  return modified(self);
}

function arithmetic_(op: Arithmetic, self: Tensor, otherLike: TensorLike): Tensor {
  const name = `${op}_`;
  assertTensor(self, name, 'self');
  if (!(otherLike instanceof Tensor) && typeof otherLike !== 'number') throw new TypeError(`${name}: other must be a Tensor or a number, got ${describeValue(otherLike)}`);
  const other = toTensor(otherLike, self);
  checkShape(name, self, other.shape);
  let dtype: DType = promoteTypes(self.dtype, other.dtype);
  if (op === 'div' && !isFloat(dtype)) dtype = 'float32';
  if (self.dtype === 'int32' && dtype !== 'int32') {
    throw new TypeError(`${name}: the result is ${dtype}, which cannot be written into this int32 tensor in place (as in PyTorch); use the out-of-place ${op}`);
  }
  if (recorded(name, self, [other])) return rebase(name, self, () => OUT_OF_PLACE[op](previousOf(self), other));
  if (dtype === self.dtype) run(binaryInPlace(op, self, other), [self, other], [self]);
  // A wider operand (float64 into float32): computed in the wider type and rounded, as PyTorch does.
  else noGrad(() => run({ op: 'cast' }, [OUT_OF_PLACE[op](self, other)], [self]));
  return modified(self);
}

function fill(name: string, self: Tensor, value: number): Tensor {
  assertTensor(self, name, 'self');
  if (typeof value !== 'number') throw new TypeError(`${name}: value must be a number, got ${describeValue(value)}`);
  const stored = self.dtype === 'int32' ? Math.trunc(value) : value;
  if (recorded(name, self, [])) return rebase(name, self, () => Tensor.full(self.shape, stored, self.dtype, self.backend));
  run({ op: 'fill', value: stored, offset: 0, stride: 1, count: self.size }, [], [self]);
  return modified(self);
}

function scaled(name: string, other: TensorLike, alpha: number): TensorLike {
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new TypeError(`${name}: alpha must be a finite number, got ${describeValue(alpha)}`);
  if (alpha === 1) return other;
  return other instanceof Tensor ? arith.mul(other, alpha) : other * alpha;
}

/** An in-place op keeps its tensor's shape: the operand must broadcast to it (PyTorch's rule). */
function checkShape(name: string, self: Tensor, shape: readonly number[]): void {
  const broadcast = broadcastShapes(self.shape, shape, name);
  if (!shapesEqual(broadcast, self.shape)) {
    throw new ShapeError(`${name}: an operand of shape ${formatShape(shape)} broadcasts with ${formatShape(self.shape)} to ${formatShape(broadcast)}, which does not fit in place into the tensor of shape ${formatShape(self.shape)}`);
  }
}

function binaryInPlace(fn: Arithmetic | 'maximum' | 'minimum', self: Tensor, other: Tensor) {
  return { op: 'binary', fn, aShape: self.shape, bShape: other.shape, outShape: self.shape } as const;
}

function modified(self: Tensor): Tensor {
  self.storage.version++;
  return self;
}

/**
 * Refuses what autograd cannot allow and says whether the op must be recorded: with recording on,
 * when self or an operand requires grad.
 */
function recorded(name: string, self: Tensor, operands: readonly Tensor[]): boolean {
  if (!isGradEnabled()) return false;
  if (self.requiresGrad) {
    const leaf = self.isLeaf ? self : viewedLeaf(self);
    if (leaf !== null) {
      const what = leaf === self ? 'a leaf tensor' : `a view of a leaf tensor (of shape ${formatShape(leaf.shape)})`;
      throw new Error(
        `${name}: ${what} that requires grad is being used in an in-place operation, which would change the values its gradient is taken at (PyTorch refuses it too); ` +
          'update it inside nb.noGrad(() => ...), as optimizers do, or use the out-of-place op',
      );
    }
    return true;
  }
  return operands.some((t) => t.requiresGrad);
}

/** The leaf that `t` is a view of (through ops whose output shares their input's storage, like reshape), if it requires grad. */
function viewedLeaf(t: Tensor): Tensor | null {
  let node = t;
  while (node.gradFn !== null) {
    const base = node.gradFn.inputs.find((input) => input.storage === t.storage);
    if (base === undefined) return null;
    node = base;
  }
  return node.requiresGrad ? node : null;
}

/** self's values in a storage of their own with self's history: what the recorded op computes from, while self's storage takes the result. */
function previousOf(self: Tensor): Tensor {
  const previous = noGrad(() => clone(self));
  previous.requiresGrad = self.requiresGrad;
  previous.gradFn = self.gradFn;
  return previous;
}

/** Writes the recorded `compute()` into self, which becomes its result in the graph (the gradient passes through unchanged). */
function rebase(name: string, self: Tensor, compute: () => Tensor): Tensor {
  const result = compute();
  const value = result.dtype === self.dtype ? result : result.to(self.dtype);
  const strides = stridesOf(self.shape);
  run(copyKernel(self.shape, 0, strides, 0, strides), [value], [self]);
  // These nodes read no tensor, so they note no versions: later in-place ops on self leave them valid.
  if (value.requiresGrad) {
    self.requiresGrad = true;
    self.gradFn = { name, inputs: [value], backward: (g) => [g] };
  } else if (self.requiresGrad) {
    // Filled or copied from a constant: nothing flows back to the old values.
    self.gradFn = { name, inputs: [], backward: () => [] };
  }
  return modified(self);
}
