import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * A full collection, then a turn of the event loop so that finalizers run (they run only between
 * tasks), twice: what nb.memory() reports afterwards is what is really still reachable.
 */
export async function collectAndFinalize(): Promise<void> {
  for (let round = 0; round < 2; round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A full collection without waiting for finalizers (for process.memoryUsage readings). */
export const collectGarbage = gc;
