/** The doctor's findings for each run (src/doctor, the same diagnoses as `nabla doctor`), with the curve each one is about. */
import { type Diagnosis, diagnose } from '../doctor/index.js';
import { type Curve, runColor } from './curves.js';
import { element, note } from './dom.js';
import { LineChart } from './line-chart.js';
import type { RunHistory } from './run-store.js';

/** One card per run, redrawn when what the doctor says about the run changes. */
export class DoctorPanel {
  private readonly container: HTMLElement;
  private readonly cards = new Map<string, { said: string; card: HTMLElement; charts: LineChart[] }>();

  constructor(container: HTMLElement) {
    this.container = container;
  }

  destroy(): void {
    this.cards.forEach(({ charts }) => charts.forEach((chart) => chart.destroy()));
  }

  update(runs: readonly RunHistory[]): void {
    runs.forEach((run, index) => {
      const { said, body } = examine(run);
      const shown = this.cards.get(run.id);
      if (shown?.said === said) return;
      const charts: LineChart[] = [];
      const card = element('div', 'doctor-run');
      card.dataset.runId = run.id;
      const title = element('h3');
      const swatch = element('span', 'swatch');
      swatch.style.background = runColor(index);
      title.append(swatch, run.name);
      card.append(title, ...body(charts));
      if (shown === undefined) this.container.append(card);
      else {
        shown.charts.forEach((chart) => chart.destroy());
        shown.card.replaceWith(card);
      }
      this.cards.set(run.id, { said, card, charts });
    });
  }
}

/** What the doctor says about a run (as text, to tell a change), and the view of it, whose charts go in `charts`. */
function examine(run: RunHistory): { said: string; body: (charts: LineChart[]) => HTMLElement[] } {
  if (run.run === null) return { said: 'waiting', body: () => [note('Waiting for the run record.')] };
  let findings: Diagnosis[];
  try {
    findings = diagnose(run.records);
  } catch (error) {
    const message = `The doctor cannot read this run: ${(error as Error).message}`;
    return { said: message, body: () => [element('p', 'problem', message)] };
  }
  if (findings.length === 0) {
    const batches = run.steps.length;
    const message = `Nothing wrong found in ${batches} batch${batches === 1 ? '' : 'es'} and ${run.epochs.length} epoch${run.epochs.length === 1 ? '' : 's'}.`;
    return { said: message, body: () => [element('p', 'healthy', message)] };
  }
  return { said: JSON.stringify(findings), body: (charts) => findings.map((finding) => findingView(finding, charts)) };
}

function findingView(finding: Diagnosis, charts: LineChart[]): HTMLElement {
  const view = element('article', `finding ${finding.severity}`);
  view.dataset.diagnosis = finding.id;
  const heading = element('h4');
  heading.append(element('span', 'severity', finding.severity), finding.title);
  const evidence = element('ul', 'evidence');
  for (const line of finding.evidence) evidence.append(element('li', undefined, line));
  view.append(heading, evidence, element('p', 'suggestion', finding.suggestion));
  if (finding.plot !== null) {
    const { title, x, series } = finding.plot;
    const chart = new LineChart(view, { title, xLabel: x.label, height: 150 });
    charts.push(chart);
    chart.update(
      series.map((s, i): Curve => ({
        label: s.name,
        color: runColor(i),
        x: s.values.map((_, k) => (s.values.length > 1 ? x.from + (k * (x.to - x.from)) / (s.values.length - 1) : x.from)),
        y: s.values,
      })),
    );
  }
  return view;
}
