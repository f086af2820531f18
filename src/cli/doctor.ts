/**
 * `nabla doctor RUN.jsonl [--json]`: reads a run's history (what `nabla train --log` writes), names
 * what the doctor sees in its curves with the evidence and a text plot of the curve, or says the run
 * looks healthy, with its final numbers.
 */
import { diagnoseHistory, type RunHistory, runHistory } from '../doctor/index.js';
import { readRunLog } from '../io/run-log-file.js';
import { textPlot } from './text-plot.js';

export interface DoctorFlags {
  json: boolean;
}

/** Where the run ended: its last epoch record's numbers, else its last batch's. */
interface FinalNumbers {
  epoch: number | null;
  step: number | null;
  train_loss: number | null;
  train_acc: number | null;
  val_loss: number | null;
  val_acc: number | null;
  test_loss: number | null;
  test_acc: number | null;
}

const PLOT_HEIGHT = 8;
const PLOT_WIDTH = 60;

export function doctorCommand(file: string, flags: DoctorFlags): void {
  const { records, warnings } = readRunLog(file);
  for (const warning of warnings) process.stderr.write(`nabla: warning: ${warning}\n`);
  // readRunLog has checked that the records start with the run record, which is all runHistory needs.
  const history = runHistory(records);
  const diagnoses = diagnoseHistory(history);
  const status = history.end?.status ?? 'unfinished';
  const final = finalNumbers(history);
  if (flags.json) {
    const report = { file, dataset: history.run.dataset, status, epochs: history.run.epochs, final, healthy: diagnoses.length === 0, diagnoses, warnings };
    process.stdout.write(`${JSON.stringify(report, keepNonFinite, 2)}\n`);
    return;
  }
  const lines = [`${file}: ${describeRun(history, status)}`, `final: ${describeFinal(final)}`, ''];
  if (diagnoses.length === 0) {
    lines.push('The run looks healthy: the doctor sees none of the problems it knows (learning rate too high or too low, the untrained plateau, vanishing or exploding gradients, dead ReLUs, saturated sigmoids, overfitting, underfitting).');
  }
  const color = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
  for (const d of diagnoses) {
    lines.push(`${d.severity} [${d.id}] ${d.title}`, ...d.evidence.map((e) => `  - ${e}`), `  suggestion: ${d.suggestion}`);
    if (d.plot !== null) {
      const plot = textPlot(d.plot.series, { title: d.plot.title, x: d.plot.x, height: PLOT_HEIGHT, width: PLOT_WIDTH, color });
      lines.push('', ...plot.split('\n').map((line) => `    ${line}`));
    }
    lines.push('');
  }
  process.stdout.write(`${lines.join('\n').trimEnd()}\n`);
}

function finalNumbers(history: RunHistory): FinalNumbers {
  const epoch = history.epochs.at(-1);
  const batch = history.batches.at(-1);
  return {
    epoch: epoch?.epoch ?? batch?.epoch ?? null,
    step: batch?.step ?? null,
    train_loss: epoch?.train_loss ?? batch?.loss ?? null,
    train_acc: epoch?.train_acc ?? batch?.acc ?? null,
    val_loss: epoch?.val_loss ?? null,
    val_acc: epoch?.val_acc ?? null,
    test_loss: epoch?.test_loss ?? null,
    test_acc: epoch?.test_acc ?? null,
  };
}

function describeRun(history: RunHistory, status: string): string {
  const { run, epochs, batches } = history;
  const done = epochs.length > 0 ? `${epochs.length} of ${run.epochs - run.initial_epoch} epochs logged` : `${batches.length} batches logged, no epoch finished`;
  return `${run.dataset ?? 'a run'}, ${run.layers.length} layers with ${run.parameters} parameters, ${done} (${status})`;
}

function describeFinal(final: FinalNumbers): string {
  const pair = (name: string, loss: number | null, acc: number | null) =>
    loss === null ? [] : [`${name} loss ${loss.toFixed(4)}${acc === null ? '' : `, accuracy ${(acc * 100).toFixed(2)}%`}`];
  const parts = [...pair('train', final.train_loss, final.train_acc), ...pair('validation', final.val_loss, final.val_acc), ...pair('test', final.test_loss, final.test_acc)];
  const where = final.epoch === null ? 'no batches' : `epoch ${final.epoch}`;
  return parts.length === 0 ? where : `${where}: ${parts.join('; ')}`;
}

/** JSON has no NaN or Infinity: they are written as the strings "NaN", "Infinity" and "-Infinity" rather than as null. */
function keepNonFinite(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}
