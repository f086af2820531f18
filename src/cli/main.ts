#!/usr/bin/env node
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { DataError } from '../data/idx.js';
import { DATASET_NAMES } from '../data/sources.js';
import { SafetensorsError } from '../io/safetensors.js';
import { INIT_NAMES } from '../nn/init.js';
import { LOSS_NAMES } from '../nn/losses.js';
import { ACTIVATION_NAMES } from '../nn/mlp.js';
import { TrainingDivergedError } from '../train/fit.js';
import { dashboardCommand, type DashboardFlags } from './dashboard.js';
import { doctorCommand, type DoctorFlags } from './doctor.js';
import { UsageError } from './errors.js';
import { evalCommand, type EvalFlags } from './eval.js';
import { inspectCommand, type InspectFlags } from './inspect.js';
import { lrFindCommand, type LrFindFlags, lrFindOptions } from './lr-find.js';
import { DEFAULT_MLP, MODEL_NAMES } from './models.js';
import { OPTIMIZER_NAMES, SCHEDULE_NAMES } from './optimizer-flags.js';
import { countOrInfinity, integer, number, shape, sizeList } from './parse.js';
import { DEFAULT_STATE_SIZE } from './sequence-models.js';
import { summaryCommand, type SummaryFlags } from './summary.js';
import { trainCommand, type TrainFlags } from './train.js';

const program = new Command('nabla')
  .description('Train, evaluate and summarize neural networks on MNIST and Fashion-MNIST with nabla.')
  .version((JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version, '-V, --version', 'print the version of nabla')
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ outputError: (message, write) => write(message.startsWith('error:') ? `nabla: ${message}` : message) });

const MODEL_HELP = `the network: ${MODEL_NAMES.slice(0, -1).join(', ')} or ${MODEL_NAMES.at(-1)} (built in; mlp is the default network; ` +
  'the recurrent ones read each image row by row, as 28 steps of 28 pixels) or a JSON model file ({ "layers": [...] })';
const STACKED = '(--model rnn, gru, lstm)';

/** The long flags given on the command line rather than defaulted. */
const givenFlags = (command: Command) =>
  command.options.filter((o) => command.getOptionValueSource(o.attributeName()) === 'cli').map((o) => o.long ?? '');

/** The recurrent networks' flags but --hidden and --truncate, which train and summary share. */
const recurrentOptions = (command: Command) =>
  command
    .option('--layers <n>', `stacked recurrent layers ${STACKED}`, integer(1), 1)
    .option('--bidirectional', `run the recurrent layers both ways; the classifier reads both last states ${STACKED}`, false)
    .addOption(new Option('--attention-k <k>', "past states each step attends to, or 'inf' for all of them (--model attention-rnn)").argParser(countOrInfinity).default(2));

const dataOptions = (command: Command) =>
  command
    .option('--data-dir <dir>', 'directory holding the IDX files (in DIR/<dataset>/ or DIR); default: $NABLA_DATA_DIR, the cache, installed copies, then a download')
    .option('--no-download', 'never download; fail if the dataset is not found locally');

recurrentOptions(
  dataOptions(
    program
      .command('train')
      .description('Train a multilayer perceptron (or the --model network); progress on stderr, results on stdout.')
      .addOption(new Option('--dataset <name>', 'dataset').choices(DATASET_NAMES).default('mnist')),
  )
    .option('--model <name|file>', `${MODEL_HELP}, trained on images as [N, 1, H, W], instead of the MLP of --hidden, --activation, --dropout and --init`)
    .addOption(new Option('--hidden <sizes>', `hidden layer sizes, comma-separated (empty for none); for a recurrent --model, the state size (${DEFAULT_STATE_SIZE})`).argParser(sizeList).default([...DEFAULT_MLP.hiddenSizes], DEFAULT_MLP.hiddenSizes.join(','))),
)
  .option('--truncate <steps>', `truncated backpropagation through time: detach the state every <steps> steps ${STACKED}`, integer(1))
  .addOption(new Option('--activation <name>', 'hidden-layer activation').choices(ACTIVATION_NAMES).default(DEFAULT_MLP.activation))
  .option('--dropout <p>', 'dropout probability after each hidden activation', number(0, 1, { inclusiveMax: false }), 0)
  .addOption(new Option('--init <name>', 'weight initializer').choices(INIT_NAMES).default('xavier-uniform'))
  .addOption(new Option('--loss <name>', 'loss (cross-entropy and mse on the softmax output, bce on per-class sigmoids)').choices(LOSS_NAMES).default('cross-entropy'))
  .addOption(new Option('--optimizer <name>', 'optimizer').choices(OPTIMIZER_NAMES).default('sgd'))
  .option('--lr <rate>', 'learning rate (default: sgd 0.1 with sigmoid/tanh, 0.05 with relu/leaky-relu, for --model its first activation, 0.1 for the recurrent ones, 0.03 for attention-rnn; with --loss mse, sgd 5 with sigmoid/tanh and 1 with relu/leaky-relu; adam/adamw 0.001)', number(0, Infinity, { inclusiveMin: false }))
  .option('--momentum <m>', 'SGD momentum', number(0), 0.9)
  .option('--dampening <d>', 'SGD dampening (equal to momentum gives the running-average form)', number(0, 1), 0)
  .option('--nesterov', 'SGD with Nesterov momentum', false)
  .option('--weight-decay <wd>', 'L2 penalty (decoupled for adamw)', number(0), 0)
  .option('--beta1 <b>', 'Adam beta1', number(0, 1, { inclusiveMax: false }), 0.9)
  .option('--beta2 <b>', 'Adam beta2', number(0, 1, { inclusiveMax: false }), 0.999)
  .option('--eps <e>', 'Adam epsilon', number(0, Infinity, { inclusiveMin: false }), 1e-8)
  .addOption(new Option('--schedule <name>', 'learning-rate schedule, stepped per epoch').choices(SCHEDULE_NAMES).default('cosine'))
  .option('--step-size <epochs>', 'epochs between decays for --schedule step', integer(1), 5)
  .option('--gamma <g>', 'decay factor for --schedule step', number(0), 0.1)
  .option('--warmup <epochs>', 'epochs of linear learning-rate warm-up', integer(0), 0)
  .option('--clip-norm <n>', 'clip gradients to this global L2 norm (default: none; 1 for a recurrent --model)', number(0, Infinity, { inclusiveMin: false }))
  .option('--epochs <n>', 'passes over the training data', integer(1), 10)
  .option('--train-samples <n>', 'use only the first n training samples, before the validation split (quick experiments)', integer(1))
  .option('--batch-size <n>', 'samples per mini-batch', integer(1), 100)
  .option('--val-split <fraction>', 'fraction of the training set held out for validation', number(0, 1, { inclusiveMax: false }), 0.1)
  .option('--seed <n>', 'seed for initialization, split and shuffling', integer(0), 0)
  .option('--json', 'print one JSON object per epoch and a summary on stdout, nothing else', false)
  .option('--save <file>', 'write weights and config as safetensors after every epoch (into an existing directory)')
  .option('--checkpoint <file>', 'write after every epoch the weights with what --resume needs: optimizer and schedule state, random generators, epoch and flags')
  .option('--resume <file>', 'continue the run a --checkpoint file holds, with its flags, exactly as if it had not stopped; --epochs sets the new total; checkpoints go on into the same file unless --checkpoint says otherwise')
  .option('--log <file>', "write the run's history as JSON lines, one record per batch and per epoch after one with the config (default: beside --save, model.safetensors giving model.jsonl, else beside --checkpoint; a resumed run appends to the log it had)")
  .option('--dashboard', 'serve a live dashboard of the run in the browser (curves, per-layer statistics, confusion matrix, mistakes) while training, and after it until Ctrl-C', false)
  .option('--port <n>', 'port of the --dashboard (default: a free one)', integer(0))
  .option('--host <address>', 'address the --dashboard listens on (default 127.0.0.1: this machine only)')
  .action((flags: TrainFlags, command: Command) => trainCommand(flags, givenFlags(command)));

dataOptions(
  program
    .command('eval')
    .description('Evaluate saved weights on the test set.')
    .requiredOption('--load <file>', 'safetensors file written by `nabla train --save`')
    .addOption(new Option('--dataset <name>', 'dataset (default: the one the model was trained on)').choices(DATASET_NAMES)),
)
  .addOption(new Option('--loss <name>', 'loss to report (default: the one the model was trained with)').choices(LOSS_NAMES))
  .option('--sample <index>', 'classify test sample <index> alone: its label, the prediction and the class probabilities (softmax of the outputs)', integer(0))
  .option('--json', 'print one JSON object on stdout, nothing else', false)
  .action((flags: EvalFlags) => evalCommand(flags));

// Imported when run, so that the other commands do not load the ONNX protobuf messages.
program
  .command('export')
  .description('Write saved weights and their model as another format: ONNX, for ONNX Runtime and the tools that read it.')
  .requiredOption('--load <file>', 'safetensors file written by `nabla train --save`')
  .addOption(new Option('--format <format>', 'file format').choices(['onnx']).default('onnx'))
  .requiredOption('-o, --output <file>', 'the file to write (model.onnx)')
  .addOption(new Option('--input-shape <shape>', "shape of one input sample, comma-separated (default: the MLP's input size, 1,28,28 for a --model network)").argParser(shape))
  .action(async (flags: import('./export.js').ExportFlags) => (await import('./export.js')).exportCommand(flags));

recurrentOptions(
  program
    .command('summary')
    .description('Show a network layer by layer: output shapes, parameter counts with their formulas, multiply-adds and activation memory.')
    .option('--model <name|file>', MODEL_HELP, 'mlp')
    .addOption(new Option('--input-shape <shape>', 'shape of one input sample, comma-separated (C,H,W for images)').argParser(shape).default([1, 28, 28], '1,28,28'))
    .option('--hidden <size>', `the state size of a recurrent --model (${DEFAULT_STATE_SIZE})`, integer(1)),
)
  .option('--json', 'print one JSON object on stdout instead of the table', false)
  .action((flags: SummaryFlags, command: Command) => summaryCommand(flags, givenFlags(command)));

dataOptions(
  program
    .command('inspect')
    .description('Show per-layer statistics on a batch of real data: activation mean and variance next to the variance the initializer predicts, dead ReLUs, saturated sigmoids and tanh, weight and gradient norms.')
    .option('--model <name|file>', `${MODEL_HELP}, instead of the default MLP of nabla train`)
    .addOption(new Option('--init <name>', `weight initializer: of the default MLP (default xavier-uniform, as nabla train), or re-initializing the Linear and convolution layers of a --model network (which otherwise keeps PyTorch's)`).choices(INIT_NAMES))
    .addOption(new Option('--dataset <name>', 'dataset').choices(DATASET_NAMES).default('mnist')),
)
  .option('--batch-size <n>', 'random training samples in the batch', integer(1), 1000)
  .option('--seed <n>', 'seed for the initialization and the choice of samples', integer(0), 0)
  .option('--json', 'print one JSON object on stdout instead of the table', false)
  .action((flags: InspectFlags) => inspectCommand(flags));

lrFindOptions(
  program
    .command('lr-find')
    .description("Learning-rate range test: train on batches while the rate grows exponentially, print the loss curve and suggest a rate (the model's flags as for train)."),
  program.commands.find((c) => c.name() === 'train')!,
).action((flags: LrFindFlags, command: Command) => lrFindCommand(flags, givenFlags(command)));

program
  .command('doctor')
  .description('Diagnose a training run from its history (the JSON lines of nabla train --log): learning rate too high or too low, the untrained plateau, vanishing or exploding gradients, dead ReLUs, saturated sigmoids, overfitting, underfitting; with the evidence and a text plot of the curve.')
  .argument('<run.jsonl>', 'run log written by nabla train --log')
  .option('--json', 'print one JSON document on stdout instead of the report', false)
  .action((file: string, flags: DoctorFlags) => doctorCommand(file, flags));

program
  .command('dashboard')
  .description('Serve the dashboard page for finished runs: their histories (the JSON lines of nabla train --log) overlaid in the same charts, with each run\'s saved weights.')
  .argument('[runs...]', 'run logs written by nabla train --log (or beside --save)')
  .option('--port <port>', 'port to listen on (default: a free one)', integer(0))
  .option('--host <host>', 'address to listen on; anything but 127.0.0.1 lets other machines see the page', '127.0.0.1')
  .option('--data-dir <dir>', 'where the page\'s in-browser training example finds the datasets (default: $NABLA_DATA_DIR, the cache, installed copies)')
  .action((runs: string[], flags: DashboardFlags) => dashboardCommand(runs, flags));

const EXPECTED = [UsageError, DataError, SafetensorsError, TrainingDivergedError];

// A reader that stops early (`nabla train --json | head -1`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (EXPECTED.some((kind) => error instanceof kind)) {
    process.stderr.write(`nabla: error: ${(error as Error).message}\n`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
