import Table from 'cli-table3';
import type { ModelSummary } from '../nn/summary.js';

export function formatPercent(fraction: number | null): string {
  return fraction === null ? '-' : `${(100 * fraction).toFixed(2)}%`;
}

/**
 * A table for `stream`, coloured only when the stream is a terminal (files and pipes get plain text);
 * `compact` leaves out the rules between rows.
 */
export function table(head: string[], stream: NodeJS.WriteStream, { compact = false } = {}): Table.Table {
  const chars = compact ? { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } : {};
  return new Table({ head, chars, style: stream.isTTY ? {} : { head: [], border: [] } });
}

/**
 * Per-class accuracy from a confusion matrix (confusion[label][prediction]), with the class each
 * one is most often mistaken for.
 */
export function perClassTable(confusion: number[][], classNames: readonly string[]): string {
  const t = table(['class', 'samples', 'accuracy', 'most often mistaken for'], process.stdout);
  confusion.forEach((row, label) => {
    const samples = row.reduce((a, b) => a + b, 0);
    const wrong = row.map((count, predicted) => (predicted === label ? -1 : count));
    const worst = wrong.indexOf(Math.max(...wrong));
    const mistaken = wrong[worst] > 0 ? `${classNames[worst]} (${formatPercent(wrong[worst] / samples)})` : '-';
    t.push([classNames[label], samples, samples === 0 ? '-' : formatPercent(row[label] / samples), mistaken]);
  });
  return t.toString();
}

/** A table of [split, loss, accuracy] rows for stdout; '-' where a split was not evaluated. */
export function metricsTable(rows: [string, number | null, number | null][]): string {
  const t = table(['split', 'loss', 'accuracy'], process.stdout);
  for (const [split, loss, accuracy] of rows) t.push([split, loss === null ? '-' : loss.toFixed(4), formatPercent(accuracy)]);
  return t.toString();
}

const count = (n: number) => n.toLocaleString('en-US');

/** One row per layer (a block's layers indented under it): output shape, parameters with their formula, multiply-adds. */
export function layerTable(summary: ModelSummary, stream: NodeJS.WriteStream): string {
  const t = table(['name', 'layer', 'output shape', 'parameters', 'formula', 'mult-adds'], stream, { compact: true });
  for (const l of summary.layers) {
    t.push([l.name, '  '.repeat(l.depth) + l.type, `[${l.outputShape.join(', ')}]`, count(l.parameters), l.formula, count(l.multiplyAdds)]);
  }
  return t.toString();
}

function binaryUnits(bytes: number): string {
  return bytes < 1024 ** 2 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/** The summary's totals, one per line. */
export function summaryTotals(summary: ModelSummary): string {
  const bytes = summary.activationBytes;
  return [
    `total parameters: ${count(summary.totalParameters)}`,
    `trainable parameters: ${count(summary.trainableParameters)}`,
    `non-trainable parameters: ${count(summary.nonTrainableParameters)}`,
    `multiply-adds per sample: ${count(summary.multiplyAdds)}`,
    `activation memory per sample: ${count(bytes)} bytes (${binaryUnits(bytes)} of ${summary.dtype} layer outputs)`,
  ].join('\n');
}
