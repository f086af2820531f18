/**
 * A uPlot chart of several curves on their own x values (runs log different steps), joined on x.
 * It is rebuilt when its set of curves changes and otherwise only given new data, which uPlot
 * redraws quickly even with hundreds of thousands of points.
 */
import uPlot from 'uplot';
import type { Curve } from './curves.js';

export interface LineChartOptions {
  title: string;
  xLabel: string;
  /** A log y axis (gradient norms span orders of magnitude); values <= 0 are left out. */
  logY?: boolean;
  /** Draw each curve as steps from each x to the next (histograms, whose x is not an integer count as elsewhere). */
  steps?: boolean;
  height?: number;
}

/** Tick spacings for integer x (steps, epochs): 1, 2, 5, 10, 20, 50, ... */
const INTEGER_TICKS = Array.from({ length: 8 }, (_, power) => [1, 2, 5].map((m) => m * 10 ** power)).flat();

const AXIS = { stroke: '#475569', grid: { stroke: '#e2e8f0', width: 1 }, ticks: { stroke: '#cbd5e1', width: 1 } };

export class LineChart {
  /** Holds the chart; its data-points attribute counts the points plotted (read by the browser tests). */
  readonly element: HTMLElement;
  private readonly options: LineChartOptions;
  private readonly resizes: ResizeObserver;
  private plot: uPlot | null = null;
  private shape = '';

  constructor(container: HTMLElement, options: LineChartOptions) {
    this.options = options;
    this.element = document.createElement('figure');
    this.element.className = 'chart';
    this.element.dataset.points = '0';
    const caption = document.createElement('figcaption');
    caption.textContent = options.title;
    this.element.append(caption);
    container.append(this.element);
    this.resizes = new ResizeObserver(() => this.plot?.setSize(this.size()));
    this.resizes.observe(this.element);
  }

  /** Frees the chart (uPlot listens on the window) before its element is dropped. */
  destroy(): void {
    this.resizes.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  update(curves: readonly Curve[]): void {
    const kept = curves.filter((curve) => curve.x.length > 0);
    const data = this.align(kept);
    this.element.dataset.points = String(kept.reduce((sum, curve) => sum + curve.y.filter((v) => v !== null && Number.isFinite(v)).length, 0));
    this.element.classList.toggle('empty', kept.length === 0);
    const shape = JSON.stringify(kept.map(({ label, color, dash }) => [label, color, dash]));
    if (shape !== this.shape || this.plot === null) {
      this.plot?.destroy();
      this.plot = kept.length === 0 ? null : new uPlot(this.plotOptions(kept), data, this.element);
      this.shape = shape;
    } else {
      this.plot.setData(data);
    }
  }

  private align(curves: readonly Curve[]): uPlot.AlignedData {
    if (curves.length === 0) return [[]];
    const keep = this.options.logY === true ? (v: number | null) => (v !== null && v > 0 && Number.isFinite(v) ? v : null) : (v: number | null) => (v !== null && Number.isFinite(v) ? v : null);
    const tables = curves.map((curve) => [curve.x as number[], curve.y.map(keep)] as uPlot.AlignedData);
    return tables.length === 1 ? tables[0]! : uPlot.join(tables);
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(200, this.element.clientWidth - 8), height: this.options.height ?? 220 };
  }

  private plotOptions(curves: readonly Curve[]): uPlot.Options {
    const { xLabel, logY = false, steps = false } = this.options;
    const paths = steps ? uPlot.paths.stepped!({ align: 1 }) : undefined;
    return {
      ...this.size(),
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false }, y: logY ? { distr: 3 } : {} },
      axes: [
        { ...AXIS, label: xLabel, labelSize: 18, size: 36, ...(steps ? {} : { incrs: INTEGER_TICKS }) },
        { ...AXIS, size: 56 },
      ],
      series: [
        { label: xLabel },
        ...curves.map((curve): uPlot.Series => ({
          label: curve.label,
          stroke: curve.color,
          width: 1.5,
          spanGaps: true,
          ...(curve.dash ? { dash: curve.dash } : {}),
          ...(paths ? { paths, fill: `${curve.color}22` } : {}),
        })),
      ],
    };
  }
}
