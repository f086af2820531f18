import cliProgress from 'cli-progress';
import type { BatchProgress } from '../train/fit.js';
import { formatPercent } from './report.js';

/** Room the text around the bar takes, e.g. "epoch 10/10 || 540/540 loss 0.1234 acc 98.76% 41234/s ETA 1m30s". */
const TEXT_WIDTH = 66;

/**
 * A live per-epoch progress bar on stderr: loss, accuracy, samples/s and ETA. It fits the terminal
 * and leaves the cursor and line wrapping alone, so an interrupted run leaves the terminal as it was.
 */
export function epochProgressBar(epochs: number): { update(p: BatchProgress): void; stop(): void } {
  const columns = process.stderr.columns ?? 100;
  const bar = new cliProgress.SingleBar(
    {
      format: `epoch {epoch}/${epochs} |{bar}| {value}/{total} loss {loss} acc {acc} {rate}/s ETA {eta_formatted}`,
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
      barsize: Math.max(10, Math.min(40, columns - TEXT_WIDTH)),
      hideCursor: false,
      linewrap: true,
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
