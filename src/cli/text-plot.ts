/**
 * Small line plots drawn in text, for a terminal where no browser is at hand: the curves at the end of
 * `nabla train` and the curve `nabla doctor` talks about. asciichart draws the lines; this adds what it
 * lacks: resampling to a fixed width, a scale that survives NaN and Infinity, an x axis and a legend.
 */
import { blue, green, magenta, plot, yellow, cyan, colored, type Color } from 'asciichart';

export interface PlotSeries {
  name: string;
  values: readonly number[];
}

export interface TextPlotOptions {
  /** Rows of the plotting area (8). */
  height?: number;
  /** Columns of the plotting area (60). */
  width?: number;
  /** A line above the plot. */
  title?: string;
  /** What the points are along the x axis and the x of the first and the last point, printed under the axis. */
  x?: { label: string; from: number; to: number };
  /** Color each series and its label with ANSI escapes (for a terminal; off). */
  color?: boolean;
}

const DEFAULT_HEIGHT = 8;
const DEFAULT_WIDTH = 60;
const PALETTE: Color[] = [cyan, magenta, yellow, green, blue];

/**
 * Draws the series on one chart, all spanning the same x range: each is resampled to the plot's width
 * (the mean of the points in a column when it has more points than columns, linear interpolation
 * between them when it has fewer), so a per-batch and a per-epoch curve of the same run line up; a
 * column with a NaN or infinite point shows that point.
 * The y scale covers the finite values; a NaN or +Infinity is drawn on the top edge and -Infinity on
 * the bottom one, and a note under the plot says where they are. Each line is labelled with its name
 * at its right end.
 */
export function textPlot(series: readonly PlotSeries[], options: TextPlotOptions = {}): string {
  const height = options.height ?? DEFAULT_HEIGHT;
  const width = options.width ?? DEFAULT_WIDTH;
  if (!Number.isInteger(height) || height < 1) throw new RangeError(`textPlot: height must be a positive integer, got ${height}`);
  if (!Number.isInteger(width) || width < 2) throw new RangeError(`textPlot: width must be an integer of at least 2, got ${width}`);

  const lines = options.title === undefined ? [] : [options.title];
  const drawn = series.filter((s) => s.values.length > 0);
  if (drawn.length === 0) return [...lines, '(no points to plot)'].join('\n');

  const columns = columnCount(Math.max(...drawn.map((s) => s.values.length)), width);
  const resampled = drawn.map((s) => resample(s.values, columns));
  const finite = resampled.flat().filter(Number.isFinite);
  if (finite.length === 0) {
    return [...lines, `(nothing to plot: every point of ${drawn.map((s) => s.name).join(', ')} is NaN or infinite)`].join('\n');
  }
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const onScale = resampled.map((values) => values.map((v) => (Number.isNaN(v) || v === Infinity ? max : v === -Infinity ? min : v)));

  const format = labelFormat(min, max, height);
  const labelWidth = Math.max(...evenlySpaced(min, max, height + 1).map((v) => format(v).length));
  const colors = options.color === true ? PALETTE : undefined;
  const chart = plot(onScale, {
    height,
    min,
    max,
    colors,
    // asciichart writes the label into the first cell and the axis into the next; a flat series has
    // one row, whose label asciichart passes as the rounded value: the label is min then.
    offset: 2,
    format: (value) => `${format(min === max ? min : value).padStart(labelWidth + 1)} `,
  }).split('\n');

  // asciichart puts a value v on row rows - (round(v * ratio) - round(min * ratio)); the labels go there too.
  const ratio = max - min !== 0 ? height / (max - min) : 1;
  const rowOf = (v: number) => chart.length - 1 - (Math.round(v * ratio) - Math.round(min * ratio));
  const labels = new Map<number, string[]>();
  drawn.forEach((s, i) => {
    const row = rowOf(onScale[i].at(-1)!);
    const name = colors === undefined ? s.name : colored(s.name, colors[i % colors.length]);
    labels.set(row, [...(labels.get(row) ?? []), name]);
  });
  lines.push(...chart.map((line, row) => (labels.has(row) ? `${line} ${labels.get(row)!.join(', ')}` : line)));

  const margin = ' '.repeat(labelWidth + 2);
  lines.push(`${margin}└${'─'.repeat(columns)}`);
  if (options.x !== undefined) lines.push(margin + xAxisLabels(options.x, columns + 1));
  lines.push(...nonFiniteNotes(drawn, options.x));
  return lines.join('\n');
}

/**
 * The plot's columns for a longest series of n points: the width when it has more points; otherwise
 * the most columns that put every one of its points on a column of its own, (n - 1) k + 1, so that
 * interpolating between them keeps its peaks.
 */
function columnCount(n: number, width: number): number {
  if (n <= 1) return 1;
  if (n >= width) return width;
  return (n - 1) * Math.floor((width - 1) / (n - 1)) + 1;
}

/** `values` as exactly `columns` points (see textPlot). */
function resample(values: readonly number[], columns: number): number[] {
  const n = values.length;
  if (n === columns) return [...values];
  if (n === 1) return new Array<number>(columns).fill(values[0]);
  if (n < columns) {
    return Array.from({ length: columns }, (_, c) => {
      const position = (c * (n - 1)) / (columns - 1);
      const left = Math.floor(position);
      const fraction = position - left;
      if (fraction === 0) return values[left];
      const [a, b] = [values[left], values[left + 1]];
      // No line joins a finite point to a NaN or an infinity: the column takes the nearer point.
      if (!Number.isFinite(a) || !Number.isFinite(b)) return fraction < 0.5 ? a : b;
      return a + (b - a) * fraction;
    });
  }
  return Array.from({ length: columns }, (_, c) => {
    const bucket = values.slice(Math.floor((c * n) / columns), Math.floor(((c + 1) * n) / columns));
    // A column with a NaN or an infinity shows it (on the edge), so that a loss that blew up is seen.
    return bucket.find((v) => !Number.isFinite(v)) ?? bucket.reduce((a, b) => a + b, 0) / bucket.length;
  });
}

function evenlySpaced(from: number, to: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => (count === 1 ? from : from + ((to - from) * i) / (count - 1)));
}

/** Enough decimals to tell one row's value from the next; exponents for very large or very small values. */
function labelFormat(min: number, max: number, height: number): (value: number) => string {
  const largest = Math.max(Math.abs(min), Math.abs(max));
  const step = (max - min) / height;
  if (largest >= 1e6 || (largest > 0 && largest < 1e-4)) return (value) => value.toExponential(2);
  const decimals = step > 0 ? Math.min(6, Math.max(0, 1 - Math.floor(Math.log10(step)))) : 4;
  return (value) => value.toFixed(decimals);
}

/** "from", the axis label in the middle and "to", spread over `width` characters. */
function xAxisLabels(x: { label: string; from: number; to: number }, width: number): string {
  const from = formatX(x.from);
  const to = formatX(x.to);
  if (x.from === x.to) return `${x.label} ${from}`;
  const room = width - from.length - to.length;
  if (room < x.label.length + 2) return `${from} ${x.label} ${to}`;
  const before = Math.floor((room - x.label.length) / 2);
  return from + ' '.repeat(before) + x.label + ' '.repeat(room - x.label.length - before) + to;
}

function formatX(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(3);
}

/** One line per series that has NaN or infinite points: how many, the first one's x, and where they are drawn. */
function nonFiniteNotes(series: readonly PlotSeries[], x: TextPlotOptions['x']): string[] {
  const notes: string[] = [];
  for (const s of series) {
    const bad = s.values.flatMap((v, i) => (Number.isFinite(v) ? [] : [i]));
    if (bad.length === 0) continue;
    const first = bad[0];
    const where = x === undefined ? `point ${first + 1}` : `${x.label} ${formatX(xAt(x, first, s.values.length))}`;
    const kinds = [...new Set(bad.map((i) => String(s.values[i])))].join('/');
    notes.push(`${s.name}: ${bad.length} of ${s.values.length} points are ${kinds} (the first at ${where}), drawn on the plot's edge`);
  }
  return notes;
}

/** The x of point i of n when the n points span x.from..x.to. */
function xAt(x: { from: number; to: number }, i: number, n: number): number {
  return n === 1 ? x.from : x.from + ((x.to - x.from) * i) / (n - 1);
}
