/**
 * The dashboard: every chart and panel of one or more runs, overlaid, updated as records arrive.
 * The page (main.ts) feeds it server-sent events; the in-browser training example feeds it a worker.
 */
import type { RunLogRecord } from '../train/run-log.js';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { renderConfusion } from './confusion-table.js';
import { activationCurves, batchCurves, type Curve, epochCurves, histogramCurves, histogramLayers, layerNormCurves, runColor } from './curves.js';
import { mountDigitPanel } from './digit/digit-panel.js';
import { DoctorPanel } from './doctor-panel.js';
import { element, note } from './dom.js';
import { LineChart, type LineChartOptions } from './line-chart.js';
import { renderMisclassified } from './misclassified-grid.js';
import { latestEpoch, type RunHistory, runStatus, RunStore } from './run-store.js';

/** Where a run's records come from; subscribe returns the unsubscribe. */
export interface RecordSource {
  subscribe(onRecord: (record: RunLogRecord) => void): () => void;
}

export interface DashboardRunSource {
  id: string;
  name: string;
  source: RecordSource;
  /** The run's current weights as safetensors bytes, or null when it has none yet. */
  model?: () => Promise<Uint8Array | null>;
  /** False for a finished log, which gets no more records (default true). */
  live?: boolean;
}

interface ChartSpec extends LineChartOptions {
  id: string;
  curves(runs: readonly RunHistory[]): Curve[];
}

const SECTIONS: { title: string; charts: ChartSpec[] }[] = [
  {
    title: 'Loss and accuracy',
    charts: [
      { id: 'batch-loss', title: 'Training loss per batch', xLabel: 'step', curves: (runs) => batchCurves(runs, 'loss') },
      { id: 'batch-acc', title: 'Training accuracy per batch', xLabel: 'step', curves: (runs) => batchCurves(runs, 'acc') },
      { id: 'epoch-loss', title: 'Loss per epoch: training (solid), validation (dashed)', xLabel: 'epoch', curves: (runs) => epochCurves(runs, 'loss') },
      { id: 'epoch-acc', title: 'Accuracy per epoch: training (solid), validation (dashed)', xLabel: 'epoch', curves: (runs) => epochCurves(runs, 'acc') },
    ],
  },
  {
    title: 'Optimization',
    charts: [
      { id: 'lr', title: 'Learning rate', xLabel: 'step', curves: (runs) => batchCurves(runs, 'lr') },
      { id: 'samples-per-s', title: 'Throughput (samples/s)', xLabel: 'step', curves: (runs) => batchCurves(runs, 'samplesPerS') },
    ],
  },
  {
    title: 'Layers',
    charts: [
      { id: 'weight-norms', title: 'Weight norm per layer', xLabel: 'step', curves: (runs) => layerNormCurves(runs, 'weightNorms') },
      { id: 'grad-norms', title: 'Gradient norm per layer (log scale)', xLabel: 'step', logY: true, curves: (runs) => layerNormCurves(runs, 'gradNorms') },
      { id: 'act-mean', title: 'Activation mean per layer (probe batch)', xLabel: 'epoch', curves: (runs) => activationCurves(runs, 'act_mean') },
      { id: 'act-std', title: 'Activation standard deviation per layer (probe batch)', xLabel: 'epoch', curves: (runs) => activationCurves(runs, 'act_std') },
    ],
  },
];

/** The doctor reads the whole history: while batches stream in, it looks again at most this often (and at every epoch). */
const DOCTOR_EVERY_MS = 2000;

/** Builds the dashboard in `root` and starts listening; the function it returns stops listening and frees the charts. */
export function mountDashboard(root: HTMLElement, runs: DashboardRunSource[]): () => void {
  if (runs.length === 0) throw new Error('mountDashboard: no runs to show; pass at least one { id, name, source }');
  const dashboard = new Dashboard(root, runs);
  return () => dashboard.unmount();
}

class Dashboard {
  private readonly store = new RunStore();
  private readonly sources: DashboardRunSource[];
  private readonly legend: HTMLElement;
  private readonly problems: HTMLElement;
  private readonly charts: { spec: ChartSpec; chart: LineChart }[] = [];
  private readonly histograms: HTMLElement;
  private readonly histogramCharts = new Map<string, LineChart>();
  private readonly testRunPicker: HTMLSelectElement;
  private readonly confusion: HTMLElement;
  private readonly misclassified: HTMLElement;
  private readonly doctor: DoctorPanel;
  private readonly digit: HTMLElement;
  /** The class names the digit panel was mounted with, to mount it again for a run with others. */
  private digitClasses: string | null = null;
  private doctorAt = -Infinity;
  private readonly unsubscribes: (() => void)[] = [];
  private renderedEpochs = '';
  private renderedBatches = '';
  private frame: number | null = null;

  constructor(root: HTMLElement, sources: DashboardRunSource[]) {
    this.sources = sources;
    root.replaceChildren();
    root.classList.add('dashboard');
    this.legend = element('div', 'runs');
    this.problems = element('div', 'problems');
    root.append(this.legend, this.problems);

    for (const section of SECTIONS) {
      const grid = this.section(root, section.title, 'charts');
      for (const spec of section.charts) {
        const chart = new LineChart(grid, spec);
        chart.element.id = spec.id;
        this.charts.push({ spec, chart });
      }
    }
    this.histograms = this.section(root, 'Weight histograms (latest epoch)', 'charts histograms');

    const test = this.section(root, 'Test set', 'test-set');
    this.testRunPicker = element('select', 'run-picker');
    this.testRunPicker.setAttribute('aria-label', 'run shown in the test-set panels');
    sources.forEach((run) => this.testRunPicker.append(new Option(run.name, run.id)));
    this.testRunPicker.hidden = sources.length < 2;
    this.testRunPicker.addEventListener('change', () => this.renderTestSet());
    this.confusion = element('div', 'panel confusion-panel');
    this.confusion.id = 'confusion';
    this.misclassified = element('div', 'panel misclassified-panel');
    this.misclassified.id = 'misclassified';
    test.before(this.testRunPicker);
    test.append(this.titled('Confusion matrix', this.confusion), this.titled('Most confidently misclassified', this.misclassified));
    // The digit panel brings its own heading.
    this.digit = element('section', 'digit');
    this.digit.id = 'digit';
    root.append(this.digit);
    this.doctor = new DoctorPanel(this.section(root, 'Doctor', 'doctor'));

    for (const run of sources) {
      this.store.add(run.id, run.name, run.live ?? true);
      this.unsubscribes.push(run.source.subscribe((record) => this.receive(run.id, record)));
    }
    this.render();
  }

  unmount(): void {
    this.unsubscribes.forEach((unsubscribe) => unsubscribe());
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    for (const { chart } of this.charts) chart.destroy();
    this.histogramCharts.forEach((chart) => chart.destroy());
    this.doctor.destroy();
  }

  private section(root: HTMLElement, title: string, className: string): HTMLElement {
    const section = element('section');
    const body = element('div', className);
    section.append(element('h2', undefined, title), body);
    root.append(section);
    return body;
  }

  private titled(title: string, body: HTMLElement): HTMLElement {
    const wrapper = element('div', 'titled');
    wrapper.append(element('h3', undefined, title), body);
    return wrapper;
  }

  private receive(runId: string, record: RunLogRecord): void {
    try {
      this.store.ingest(runId, record);
    } catch (error) {
      this.problems.append(element('p', 'problem', (error as Error).message));
    }
    this.frame ??= requestAnimationFrame(() => {
      this.frame = null;
      this.render();
    });
  }

  private render(): void {
    const runs = this.store.runs();
    const batches = runs.map((run) => run.batchVersion).join();
    const epochs = runs.map((run) => run.epochVersion).join();
    if (batches !== this.renderedBatches || epochs !== this.renderedEpochs) {
      for (const { spec, chart } of this.charts) chart.update(spec.curves(runs));
      this.renderLegend(runs);
    }
    if (epochs !== this.renderedEpochs) {
      this.renderHistograms(runs);
      this.renderTestSet();
    }
    if (epochs !== this.renderedEpochs || (batches !== this.renderedBatches && performance.now() - this.doctorAt > DOCTOR_EVERY_MS)) {
      this.doctor.update(runs);
      this.doctorAt = performance.now();
    }
    this.renderedBatches = batches;
    this.renderedEpochs = epochs;
  }

  private renderLegend(runs: readonly RunHistory[]): void {
    this.legend.replaceChildren(
      ...runs.map((run, i) => {
        const chip = element('div', `run status-${runStatus(run)}`);
        chip.dataset.runId = run.id;
        const swatch = element('span', 'swatch');
        swatch.style.background = runColor(i);
        chip.append(swatch, element('strong', undefined, run.name), element('span', 'status', describeStatus(run)));
        return chip;
      }),
    );
  }

  private renderHistograms(runs: readonly RunHistory[]): void {
    const layers = histogramLayers(runs);
    if (layers.length === 0 && this.histograms.childElementCount === 0) this.histograms.append(note('Weight histograms appear when the first epoch ends.'));
    for (const name of layers) {
      let chart = this.histogramCharts.get(name);
      if (chart === undefined) {
        if (this.histogramCharts.size === 0) this.histograms.replaceChildren();
        const layer = runs.flatMap((run) => run.run?.layers ?? []).find((l) => l.name === name)!;
        chart = new LineChart(this.histograms, { title: `layer ${name} (${layer.type}): weight density`, xLabel: 'weight', steps: true, height: 180 });
        this.histogramCharts.set(name, chart);
      }
      chart.update(histogramCurves(runs, name));
    }
  }

  private renderTestSet(): void {
    const run = this.store.get(this.testRunPicker.value || this.sources[0]!.id);
    const classNames = run.run?.class_names ?? [];
    renderConfusion(this.confusion, latestEpoch(run), classNames);
    renderMisclassified(this.misclassified, latestEpoch(run), classNames);
    this.renderDigit(run);
  }

  /** The draw-a-digit panel, for a run that classifies 28x28 images and can hand over its weights. */
  private renderDigit(run: RunHistory): void {
    const source = this.sources.find((s) => s.id === run.id)!;
    const classes = run.run?.class_names ?? null;
    const pixels = run.run?.input_shape.reduce((a, b) => a * b, 1);
    const usable = classes !== null && pixels === 28 * 28 && source.model !== undefined;
    const key = usable ? classes.join('\n') : `unusable: ${run.id} ${run.run === null}`;
    if (key === this.digitClasses) return;
    this.digitClasses = key;
    this.digit.replaceChildren();
    if (run.run === null) this.digit.append(note('The drawing panel appears when the run starts.'));
    else if (!usable) this.digit.append(note(`Drawing needs a run that classifies 28x28 images and serves its weights; ${run.name} does not.`));
    else {
      const picked = () => this.sources.find((s) => s.id === this.testRunPicker.value) ?? source;
      mountDigitPanel(this.digit, { classNames: classes, loadModel: () => picked().model?.() ?? Promise.resolve(null) });
    }
  }
}

function describeStatus(run: RunHistory): string {
  const status = runStatus(run);
  if (status === 'waiting') return 'waiting for its first record';
  const total = run.run!.epochs;
  const epoch = latestEpoch(run);
  if (status === 'unfinished') return `the log stops after epoch ${epoch?.epoch ?? run.run!.initial_epoch} of ${total}, without an end: the run was killed`;
  const loss = run.loss.at(-1);
  const parts = [status === 'training' ? `training, epoch ${Math.min(total, (epoch?.epoch ?? run.run!.initial_epoch) + 1)} of ${total}` : `${status} after epoch ${run.end!.epoch}`];
  if (loss !== undefined) parts.push(`loss ${formatNumber(loss)}`);
  const accuracy = epoch?.test_acc ?? epoch?.val_acc;
  if (accuracy !== null && accuracy !== undefined) parts.push(`${epoch!.test_acc !== null ? 'test' : 'validation'} accuracy ${(100 * accuracy).toFixed(2)}%`);
  if (run.end?.message) parts.push(run.end.message);
  return parts.join(' · ');
}

const formatNumber = (value: number): string => (Number.isFinite(value) ? value.toPrecision(4) : String(value));
