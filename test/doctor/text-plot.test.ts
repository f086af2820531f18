import { describe, expect, it } from 'vitest';
import { textPlot } from '../../src/cli/text-plot.js';

/** The chart's rows: the lines that carry a y-axis label ("  2.30 ┤..."). */
const chartRows = (text: string) => text.split('\n').filter((line) => /^\s*\S+ [┤┼]/.test(line));
const rowLabel = (row: string) => row.trim().split(' ')[0];
const axisLine = (text: string) => text.split('\n').find((line) => line.includes('└'))!;

describe('textPlot', () => {
  it('labels the y axis from the largest value at the top to the smallest at the bottom', () => {
    const text = textPlot([{ name: 'loss', values: [2.3, 1.2, 0.7, 0.45, 0.3] }], { height: 6 });
    const rows = chartRows(text);
    expect(rowLabel(rows[0])).toBe('2.30');
    expect(rowLabel(rows.at(-1)!)).toBe('0.30');
    expect(rows.length).toBeGreaterThanOrEqual(6);
  });

  it('resamples a long series to the width, keeping a short one on exact columns so its peak survives', () => {
    const long = Array.from({ length: 540 }, (_, i) => Math.exp(-i / 100));
    expect(axisLine(textPlot([{ name: 'loss', values: long }], { width: 40 })).trim()).toBe(`└${'─'.repeat(40)}`);
    // 3 points on 60 columns: (3 - 1) * 29 + 1 = 59 columns, the peak on column 30.
    const peaked = textPlot([{ name: 'loss', values: [1, 10, 1] }], { width: 60 });
    expect(axisLine(peaked).trim()).toBe(`└${'─'.repeat(59)}`);
    expect(rowLabel(chartRows(peaked)[0])).toBe('10.0');
  });

  it('prints the title, the x range with its label, and the legend at the end of each line', () => {
    const text = textPlot(
      [
        { name: 'rising', values: [0, 1, 2, 3] },
        { name: 'falling', values: [3, 2, 1, 0] },
      ],
      { title: 'two curves', x: { label: 'epoch', from: 1, to: 4 }, height: 4 },
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe('two curves');
    const rows = chartRows(text);
    expect(rows[0].trimEnd().endsWith('rising')).toBe(true);
    expect(rows.at(-1)!.trimEnd().endsWith('falling')).toBe(true);
    expect(lines.at(-1)!.trim()).toMatch(/^1\s+epoch\s+4$/);
    expect(textPlot([{ name: 'acc', values: [0.9] }], { x: { label: 'epoch', from: 3, to: 3 } }).split('\n').at(-1)!.trim()).toBe('epoch 3');
  });

  it('draws NaN and infinite points on the edge and says where the first one is', () => {
    let text = '';
    expect(() => {
      text = textPlot([{ name: 'loss', values: [2.3, 2.0, 40, NaN, NaN, Infinity] }], { x: { label: 'step', from: 1, to: 6 } });
    }).not.toThrow();
    expect(rowLabel(chartRows(text)[0])).toBe('40.0');
    expect(text).toContain('loss: 3 of 6 points are NaN/Infinity (the first at step 4)');
  });

  it('shows a NaN that a column of a long series holds, where a mean would hide it', () => {
    const falling = [...Array.from({ length: 199 }, (_, i) => 2 - i / 100), NaN];
    const rows = chartRows(textPlot([{ name: 'loss', values: falling }], { width: 20 }));
    expect(rows[0].trimEnd().endsWith('loss')).toBe(true);
  });

  it('plots a single point and a flat series with their value as the label', () => {
    const single = chartRows(textPlot([{ name: 'acc', values: [0.5] }]));
    expect(single).toHaveLength(1);
    expect(rowLabel(single[0])).toBe('0.5000');
    const flat = chartRows(textPlot([{ name: 'acc', values: [0.25, 0.25, 0.25] }]));
    expect(flat).toHaveLength(1);
    expect(rowLabel(flat[0])).toBe('0.2500');
  });

  it('says so when there is nothing to plot', () => {
    expect(textPlot([{ name: 'loss', values: [NaN, Infinity] }])).toContain('every point of loss is NaN or infinite');
    expect(textPlot([{ name: 'loss', values: [] }], { title: 't' })).toBe('t\n(no points to plot)');
  });

  it('uses ANSI colors only when asked', () => {
    const series = [{ name: 'loss', values: [3, 2, 1] }];
    expect(textPlot(series)).not.toContain('\x1b[');
    expect(textPlot(series, { color: true })).toContain('\x1b[');
  });

  it('refuses a height or width it cannot draw, naming the option', () => {
    const series = [{ name: 'loss', values: [1, 2] }];
    expect(() => textPlot(series, { height: 0 })).toThrow(/height must be a positive integer, got 0/);
    expect(() => textPlot(series, { width: 1.5 })).toThrow(/width must be an integer of at least 2, got 1.5/);
  });
});
