import { SEQUENCE_CELLS } from '../nn/layers/sequence-classifier.js';
import { buildNetwork } from '../nn/model-spec.js';
import { summaryJson } from '../nn/summary.js';
import { UsageError } from './errors.js';
import { modelChoice, summarizeFor } from './models.js';
import { layerTable, summaryTotals } from './report.js';
import { checkSequenceFlags, DEFAULT_STATE_SIZE, isSequenceModel, spell } from './sequence-models.js';

export interface SummaryFlags {
  model: string;
  inputShape: number[];
  json: boolean;
  /** The recurrent networks' state size and flags. */
  hidden?: number;
  layers: number;
  bidirectional: boolean;
  attentionK: number;
}

/** `given`: the flags on the command line (not defaulted), to refuse recurrent flags for other networks. */
export function summaryCommand(flags: SummaryFlags, given: readonly string[] = []): void {
  checkSequenceFlags(flags.model, given);
  if (flags.hidden !== undefined && !isSequenceModel(flags.model)) {
    throw new UsageError(`--hidden applies to --model ${spell(SEQUENCE_CELLS)}, not --model ${flags.model}`);
  }
  const choice = modelChoice(flags.model, { ...flags, stateSize: flags.hidden ?? DEFAULT_STATE_SIZE });
  const model = buildNetwork(choice.spec(flags.inputShape));
  const summary = summarizeFor(model, flags.inputShape, `--model ${choice.label}`);
  if (flags.json) {
    process.stdout.write(JSON.stringify({ model: choice.label, ...summaryJson(summary) }) + '\n');
  } else {
    process.stdout.write(`${layerTable(summary, process.stdout)}\n${summaryTotals(summary)}\n`);
  }
}
