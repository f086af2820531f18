import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { memory } from '../src/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Full collections, each followed by a turn of the event loop so that finalizers run (they run
 * only between tasks), until the count of live storages holds still for two rounds (garbage that
 * earlier tests left can take a few): what nb.memory() reports afterwards is what is really still reachable.
 */
export async function collectAndFinalize(): Promise<void> {
  let previous = -1;
  for (let round = 0, still = 0; round < 12 && still < 2; round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    const live = memory().storages;
    still = live === previous ? still + 1 : 0;
    previous = live;
  }
}

/** A full collection without waiting for finalizers (for process.memoryUsage readings). */
export const collectGarbage = gc;
