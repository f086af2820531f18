import cliProgress from 'cli-progress';
import type { ProgressCallback } from '../data/sources.js';

/** A byte-count progress bar on stderr for dataset downloads, created on the first chunk. */
export function downloadProgress(): { update: ProgressCallback; stop(): void } {
  let bar: cliProgress.SingleBar | null = null;
  let file = '';
  return {
    update(name, received, total) {
      if (name !== file) {
        bar?.stop();
        file = name;
        bar = new cliProgress.SingleBar({ format: `downloading ${name} |{bar}| {percentage}% {value}/{total} bytes`, stream: process.stderr }, cliProgress.Presets.shades_classic);
        bar.start(total ?? 0, received);
      } else {
        bar?.update(received);
      }
    },
    stop() {
      bar?.stop();
    },
  };
}
