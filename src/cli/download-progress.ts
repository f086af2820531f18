import cliProgress from 'cli-progress';
import type { ProgressCallback } from '../data/sources.js';

/**
 * Byte-count progress bars on stderr for dataset downloads, one per file, created on its first
 * chunk. Status lines go through `log`, which closes the current bar first so they do not land on
 * the bar's line. Without a Content-Length the bar shows the bytes received only.
 */
export function downloadProgress(): { update: ProgressCallback; log(line: string): void; stop(): void } {
  let bar: cliProgress.SingleBar | null = null;
  let file = '';
  const stop = () => {
    bar?.stop();
    bar = null;
  };
  return {
    update(name, received, total) {
      if (name !== file || bar === null) {
        stop();
        file = name;
        const format = total === undefined
          ? `downloading ${name} | {value} bytes`
          : `downloading ${name} |{bar}| {percentage}% {value}/{total} bytes`;
        bar = new cliProgress.SingleBar({ format, stream: process.stderr, hideCursor: false, linewrap: true }, cliProgress.Presets.shades_classic);
        bar.start(total ?? 0, received);
      } else {
        bar.update(received);
      }
    },
    log(line) {
      stop();
      process.stderr.write(line + '\n');
    },
    stop,
  };
}
