import { buildModel } from '../nn/model-spec.js';
import { summaryJson } from '../nn/summary.js';
import { modelChoice, summarizeFor } from './models.js';
import { layerTable, summaryTotals } from './report.js';

export interface SummaryFlags {
  model: string;
  inputShape: number[];
  json: boolean;
}

export function summaryCommand(flags: SummaryFlags): void {
  const choice = modelChoice(flags.model);
  const model = buildModel(choice.spec(flags.inputShape));
  const summary = summarizeFor(model, flags.inputShape, `--model ${choice.label}`);
  if (flags.json) {
    process.stdout.write(JSON.stringify({ model: choice.label, ...summaryJson(summary) }) + '\n');
  } else {
    process.stdout.write(`${layerTable(summary, process.stdout)}\n${summaryTotals(summary)}\n`);
  }
}
