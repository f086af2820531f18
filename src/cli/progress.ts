import cliProgress from 'cli-progress';
import type { BatchProgress } from '../train/fit.js';
import { formatPercent } from './report.js';

/** A live per-epoch progress bar on stderr: loss, accuracy, samples/s and ETA. */
export function epochProgressBar(epochs: number): { update(p: BatchProgress): void; stop(): void } {
  const bar = new cliProgress.SingleBar(
    {
      format: `epoch {epoch}/${epochs} |{bar}| {value}/{total} batches | loss {loss} | acc {acc} | {rate} samples/s | ETA {eta_formatted}`,
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
      hideCursor: true,
      stream: process.stderr,
      etaBuffer: 50,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let currentEpoch = 0;
  return {
    update(p) {
      const payload = { epoch: p.epoch, loss: p.loss.toFixed(4), acc: formatPercent(p.accuracy), rate: Math.round(p.samples / Math.max(p.seconds, 1e-9)) };
      if (p.epoch !== currentEpoch) {
        if (currentEpoch !== 0) bar.stop();
        currentEpoch = p.epoch;
        bar.start(p.batches, p.batch, payload);
      } else {
        bar.update(p.batch, payload);
      }
    },
    stop() {
      if (currentEpoch !== 0) bar.stop();
    },
  };
}
