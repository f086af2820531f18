/**
 * The shared Int32 slots through which the calling thread hands a product to the workers: a
 * generation counter they wait on, how many are still working, an error flag, and the product.
 */
export const GENERATION = 0;
export const PENDING = 1;
export const FAILED = 2;
export const PRODUCT = 3; // a, b, c, rowPanels, colPanels, k
export const SLOTS = PRODUCT + 6;

/** Column panels [from, to) of thread `index` of `threads`: a fixed split, the same on every call. */
export function share(index: number, threads: number, colPanels: number): [number, number] {
  return [Math.floor((index * colPanels) / threads), Math.floor(((index + 1) * colPanels) / threads)];
}
