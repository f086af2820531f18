/**
 * The shared Int32 slots through which the calling thread hands a product to the workers: a
 * generation counter they wait on, how many are still working, an error flag, the next column
 * panel nobody has taken yet, and the product.
 */
export const GENERATION = 0;
export const PENDING = 1;
export const FAILED = 2;
export const NEXT = 3;
export const PRODUCT = 4; // a, b, c, rowPanels, colPanels, k, then the gather's src, taps, columns, panels (0: none)
export const SLOTS = PRODUCT + 10;

/**
 * Threads take column panels in chunks of this many from the NEXT counter until none are left, so
 * a thread that started late or shares its core does less of the product. Every element is still
 * computed by one thread in the same order, so the result does not depend on who took what.
 */
export function chunkPanels(threads: number, colPanels: number): number {
  return Math.max(1, Math.ceil(colPanels / (threads * 4)));
}
