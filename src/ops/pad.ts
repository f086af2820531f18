import { record } from '../autograd/graph.js';
import { formatShape, ShapeError, stridesOf } from '../base/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { run } from '../tensor/dispatch.js';

/**
 * Constant padding in torch.nn.functional.pad's order: `pads` holds (before, after) pairs starting
 * from the last dimension, [left, right, top, bottom, ...]. A negative amount crops instead. The
 * gradient is the upstream gradient's interior.
 */
export function pad(x: Tensor, pads: readonly number[], value = 0): Tensor {
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim || !pads.every(Number.isInteger)) {
    throw new ShapeError(`pad: padding must be (before, after) integer pairs for at most ${x.ndim} dimensions (the last first), got [${pads.join(', ')}] for ${formatShape(x.shape)}`);
  }
  if (typeof value !== 'number') throw new TypeError(`pad: the fill value must be a number, got ${typeof value}`);
  const before = x.shape.map(() => 0);
  const after = x.shape.map(() => 0);
  for (let i = 0; i < pads.length / 2; i++) {
    before[x.ndim - 1 - i] = pads[2 * i];
    after[x.ndim - 1 - i] = pads[2 * i + 1];
  }
  const outShape = x.shape.map((d, i) => d + before[i] + after[i]);
  if (outShape.some((d) => d < 0)) {
    throw new ShapeError(`pad: padding [${pads.join(', ')}] would give ${formatShape(x.shape)} a negative size (${formatShape(outShape)})`);
  }
  if (before.every((p) => p === 0) && after.every((p) => p === 0)) return x;
  // The part of x that survives cropping, and where it lands in the result.
  const kept = x.shape.map((d, i) => Math.max(0, d + Math.min(0, before[i]) + Math.min(0, after[i])));
  const xStrides = stridesOf(x.shape);
  const outStrides = stridesOf(outShape);
  const srcOffset = before.reduce((acc, p, i) => acc + Math.max(0, -p) * xStrides[i], 0);
  const dstOffset = before.reduce((acc, p, i) => acc + Math.max(0, p) * outStrides[i], 0);
  const out = Tensor.full(outShape, value, x.dtype, x.backend);
  if (kept.every((d) => d > 0)) {
    run({ op: 'copy', shape: kept, srcOffset, srcStrides: xStrides, dstOffset, dstStrides: outStrides, accumulate: false }, [x], [out]);
  }
  return record(out, 'pad', [x], (g) => [pad(g, pads.map((p) => -p))]);
}
