/** The confusion matrix of a run's latest epoch as an HTML table: rows are true classes, columns predictions, with totals. */
import type { EpochLogRecord } from '../train/run-log.js';
import { element, note } from './dom.js';

/** Replaces `container`'s content with the table (or a note when the epoch has no matrix). */
export function renderConfusion(container: HTMLElement, epoch: EpochLogRecord | null, classNames: readonly string[]): void {
  container.replaceChildren();
  const matrix = epoch?.confusion ?? null;
  if (epoch === null || matrix === null) {
    container.append(note(epoch === null ? 'The confusion matrix appears when the first epoch ends.' : 'This run is not a classification: no confusion matrix.'));
    return;
  }
  const name = (i: number) => classNames[i] ?? String(i);
  const rowTotals = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const columnTotals = matrix[0]!.map((_, j) => matrix.reduce((sum, row) => sum + row[j]!, 0));
  const total = rowTotals.reduce((a, b) => a + b, 0);
  const correct = matrix.reduce((sum, row, i) => sum + row[i]!, 0);

  const table = document.createElement('table');
  table.className = 'confusion';
  const caption = table.createCaption();
  caption.textContent = `${epoch.confusion_split ?? 'test'} set after epoch ${epoch.epoch}: ${correct} of ${total} right (${((100 * correct) / total).toFixed(2)}%)`;

  const head = table.createTHead().insertRow();
  head.append(cell('th', 'true ↓ predicted →', 'corner'));
  matrix.forEach((_, j) => head.append(cell('th', name(j))));
  head.append(cell('th', 'total'));

  const body = table.createTBody();
  matrix.forEach((row, i) => {
    const tr = body.insertRow();
    tr.append(cell('th', name(i)));
    row.forEach((count, j) => {
      const td = cell('td', String(count));
      td.dataset.count = String(count);
      const share = rowTotals[i]! > 0 ? count / rowTotals[i]! : 0;
      if (count > 0) td.style.background = i === j ? `rgba(5, 150, 105, ${0.12 + 0.6 * share})` : `rgba(220, 38, 38, ${0.1 + 0.9 * Math.min(1, share * 4)})`;
      td.title = `true ${name(i)}, predicted ${name(j)}: ${count} (${(100 * share).toFixed(1)}% of ${name(i)})`;
      tr.append(td);
    });
    tr.append(cell('td', String(rowTotals[i]), 'total'));
  });
  const foot = table.createTFoot().insertRow();
  foot.append(cell('th', 'total'));
  columnTotals.forEach((count) => foot.append(cell('td', String(count), 'total')));
  const grand = cell('td', String(total), 'total grand');
  grand.dataset.total = String(total);
  foot.append(grand);
  container.append(table);
}

const cell = (tag: 'td' | 'th', text: string, className?: string): HTMLElement => element(tag, className, text);
