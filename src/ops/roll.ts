import { normalizeAxis, ShapeError } from '../base/shape.js';
import { assertTensor, type Tensor } from '../tensor/tensor.js';
import { clone, concat, narrow, reshape } from './shape.js';

/**
 * torch.roll: the entries shifted by shifts[i] positions along dims[i] (cyclically: those pushed
 * off the end come back at the start; negative shifts go the other way). A repeated dimension is
 * rolled once per mention. Without dims, x is rolled as a flat array and keeps its shape.
 */
export function roll(x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
  assertTensor(x, 'roll', 'input');
  const shiftList = typeof shifts === 'number' ? [shifts] : [...shifts];
  if (!shiftList.every(Number.isInteger)) throw new RangeError(`roll: shifts must be integers, got [${shiftList.join(', ')}]`);
  if (dims === undefined) {
    if (shiftList.length !== 1) throw new ShapeError(`roll: without dims, give one shift (the flattened tensor's), got ${shiftList.length}`);
    return reshape(roll(reshape(x, [x.size]), shiftList, 0), x.shape);
  }
  const dimList = typeof dims === 'number' ? [dims] : [...dims];
  if (dimList.length !== shiftList.length) throw new ShapeError(`roll: ${shiftList.length} shifts given for ${dimList.length} dims; give one shift per dim`);
  const rolled = dimList.reduce((t, dim, i) => {
    const a = normalizeAxis(dim, t.ndim, 'roll');
    const size = t.shape[a];
    const shift = size === 0 ? 0 : ((shiftList[i] % size) + size) % size;
    return shift === 0 ? t : concat([narrow(t, a, size - shift, shift), narrow(t, a, 0, size - shift)], a);
  }, x);
  // A copy even when nothing moves, as PyTorch's.
  return rolled === x ? clone(x) : rolled;
}
