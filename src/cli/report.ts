import Table from 'cli-table3';

export function formatPercent(fraction: number | null): string {
  return fraction === null ? '-' : `${(100 * fraction).toFixed(2)}%`;
}

/** A table of [split, loss, accuracy] rows; null where a split was not evaluated. */
export function metricsTable(rows: [string, number | null, number | null][]): string {
  const table = new Table({ head: ['split', 'loss', 'accuracy'] });
  for (const [split, loss, accuracy] of rows) table.push([split, loss === null ? '-' : loss.toFixed(4), formatPercent(accuracy)]);
  return table.toString();
}
