import Table from 'cli-table3';

export function formatPercent(fraction: number | null): string {
  return fraction === null ? '-' : `${(100 * fraction).toFixed(2)}%`;
}

/** A table for `stream`, coloured only when the stream is a terminal (files and pipes get plain text). */
export function table(head: string[], stream: NodeJS.WriteStream): Table.Table {
  return new Table({ head, style: stream.isTTY ? {} : { head: [], border: [] } });
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
