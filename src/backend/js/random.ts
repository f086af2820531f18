import type { TypedArray } from '../../base/dtype.js';
import type { DropoutMaskKernel } from '../kernels.js';

/** murmur3's 32-bit finalizer: every input bit affects every output bit. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * A uniform draw in [0, 1) that depends only on (seed, counter): element i of a mask can be drawn
 * by any thread or backend without a shared generator state.
 */
export function counterUniform(seed0: number, seed1: number, counter: number): number {
  return (mix(mix(counter ^ seed0) + seed1) >>> 0) / 4294967296;
}

export function dropoutMask(kernel: DropoutMaskKernel, _inputs: readonly TypedArray[], [out]: readonly TypedArray[]): void {
  const { p, scale, seed: [s0, s1] } = kernel;
  for (let i = 0; i < out.length; i++) out[i] = counterUniform(s0, s1, i) >= p ? scale : 0;
}
