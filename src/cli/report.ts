import Table from 'cli-table3';

export function formatPercent(fraction: number | null): string {
  return fraction === null ? '-' : `${(100 * fraction).toFixed(2)}%`;
}

/** A table for `stream`, coloured only when the stream is a terminal (files and pipes get plain text). */
export function table(head: string[], stream: NodeJS.WriteStream): Table.Table {
  return new Table({ head, style: stream.isTTY ? {} : { head: [], border: [] } });
}

/** A table of [split, loss, accuracy] rows for stdout; '-' where a split was not evaluated. */
export function metricsTable(rows: [string, number | null, number | null][]): string {
  const t = table(['split', 'loss', 'accuracy'], process.stdout);
  for (const [split, loss, accuracy] of rows) t.push([split, loss === null ? '-' : loss.toFixed(4), formatPercent(accuracy)]);
  return t.toString();
}
