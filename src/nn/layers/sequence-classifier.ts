import type { FloatDType } from '../../base/dtype.js';
import { checkChoice, checkOptions, describeValue } from '../../base/options.js';
import { formatShape, ShapeError } from '../../base/shape.js';
import { concat } from '../../ops/shape.js';
import { defaultGenerator, type Generator } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { AttentionRNN } from './attention-rnn.js';
import { GatedRNN } from './gated-rnn.js';
import { Linear } from './linear.js';
import { GRU, LSTM, RNN } from './rnn.js';

/** The recurrent layers a SequenceClassifier can run, by the CLI's model names. */
export const SEQUENCE_CELLS = ['rnn', 'gru', 'lstm', 'gated-rnn', 'attention-rnn'] as const;
export type SequenceCell = (typeof SEQUENCE_CELLS)[number];

/** The cells with PyTorch's RNNBase options (stacked layers, both directions, truncated backpropagation). */
export const STACKED_CELLS: readonly SequenceCell[] = ['rnn', 'gru', 'lstm'];

export interface SequenceClassifierOptions {
  /** Stacked recurrent layers (rnn, gru, lstm; default 1). */
  numLayers?: number;
  /** Run the recurrent layers both ways and classify from both last states (rnn, gru, lstm; default false). */
  bidirectional?: boolean;
  /** How many past states attention-rnn attends to: a non-negative integer or Infinity (default 2). */
  k?: number;
  /** Truncated backpropagation through time (rnn, gru, lstm): the state is detached every `truncate` steps, which changes the gradients only. */
  truncate?: number;
  /** 'float32' (default) or 'float64'. */
  dtype?: FloatDType;
  generator?: Generator;
}

const STACKED_OPTIONS = ['numLayers', 'bidirectional', 'truncate'] as const;
const OPTIONS = [...STACKED_OPTIONS, 'k', 'dtype', 'generator'];
const FLOAT_DTYPES: readonly FloatDType[] = ['float32', 'float64'];

type Recurrent = RNN | GRU | LSTM | GatedRNN | AttentionRNN;

/**
 * Classifies sequences from the recurrent layer's last state, as the PyTorch model
 *
 *     out, _ = self.rnn(x); logits = self.fc(out[:, -1])
 *
 * (for bidirectional layers, the forward direction's state after the last step concatenated with the
 * backward direction's after the first, torch.cat([h_n[-2], h_n[-1]], 1)). forward takes
 * [N, T, inputSize] or [N, 1, T, inputSize], so an image [N, 1, 28, 28] is read row by row as 28 steps
 * of 28 pixels, and gives logits [N, numClasses]. The parameters have PyTorch's names: `rnn.weight_ih_l0`
 * (or `rnn.Wc`, `rnn.Q.0`, ...) and `fc.weight`, `fc.bias`. AttentionRNN keeps its state at the size of
 * its input, so for attention-rnn a Linear(inputSize, hiddenSize) named `proj` maps every step to
 * hiddenSize first: hiddenSize is the state size for every cell.
 */
export class SequenceClassifier extends Module {
  readonly cell: SequenceCell;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numClasses: number;
  readonly truncate: number | undefined;
  readonly proj: Linear | null;
  readonly rnn: Recurrent;
  readonly fc: Linear;

  constructor(cell: SequenceCell, inputSize: number, hiddenSize: number, numClasses: number, options: SequenceClassifierOptions = {}) {
    super();
    checkChoice(cell, SEQUENCE_CELLS, 'SequenceClassifier', 'cell');
    for (const [name, value] of [['inputSize', inputSize], ['hiddenSize', hiddenSize], ['numClasses', numClasses]] as const) {
      if (!Number.isInteger(value) || value <= 0) throw new RangeError(`SequenceClassifier: ${name} must be a positive integer, got ${describeValue(value)}`);
    }
    const { numLayers, bidirectional, k, truncate, dtype = 'float32', generator = defaultGenerator } = checkOptions(options, OPTIONS, 'SequenceClassifier');
    checkChoice(dtype, FLOAT_DTYPES, 'SequenceClassifier', 'dtype');
    const foreign = STACKED_CELLS.includes(cell) ? (k === undefined ? undefined : 'k') : STACKED_OPTIONS.find((name) => options[name] !== undefined);
    if (foreign !== undefined) {
      const owners = foreign === 'k' ? 'attention-rnn has it' : `${STACKED_CELLS.join(', ')} have it`;
      throw new RangeError(`SequenceClassifier: ${foreign} does not apply to the ${cell} cell (only ${owners})`);
    }
    if (truncate !== undefined && (!Number.isInteger(truncate) || truncate <= 0)) {
      throw new RangeError(`SequenceClassifier: truncate must be a positive integer (the steps between detached states), got ${describeValue(truncate)}`);
    }
    this.cell = cell;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numClasses = numClasses;
    this.truncate = truncate;
    const common = { batchFirst: true, dtype, generator };
    const rnnOptions = { ...common, numLayers, bidirectional };
    this.proj = cell === 'attention-rnn' ? new Linear(inputSize, hiddenSize, { dtype, generator }) : null;
    this.rnn =
      cell === 'rnn' ? new RNN(inputSize, hiddenSize, rnnOptions)
      : cell === 'gru' ? new GRU(inputSize, hiddenSize, rnnOptions)
      : cell === 'lstm' ? new LSTM(inputSize, hiddenSize, rnnOptions)
      : cell === 'gated-rnn' ? new GatedRNN(inputSize, hiddenSize, common)
      : new AttentionRNN(hiddenSize, { ...common, k: k ?? 2 });
    this.fc = new Linear((bidirectional === true ? 2 : 1) * hiddenSize, numClasses, { dtype, generator });
  }

  forward(input: Tensor): Tensor {
    return this.fc.forward(this.lastState(this.sequence(input)));
  }

  /** [N, T, inputSize], from the input as given or from images [N, 1, T, inputSize]. */
  private sequence(input: Tensor): Tensor {
    const rows = input instanceof Tensor && input.ndim === 4 && input.shape[1] === 1 ? input.reshape([input.shape[0], input.shape[2], input.shape[3]]) : input;
    if (!(rows instanceof Tensor) || rows.ndim !== 3 || rows.shape[2] !== this.inputSize) {
      const got = input instanceof Tensor ? formatShape(input.shape) : describeValue(input);
      throw new ShapeError(`SequenceClassifier: expected sequences [N, T, ${this.inputSize}] or images [N, 1, T, ${this.inputSize}] (rows as time steps), got ${got}`);
    }
    return rows;
  }

  /** The state the classifier reads: [N, hiddenSize], or [N, 2 * hiddenSize] for both directions. */
  private lastState(x: Tensor): Tensor {
    const rnn = this.rnn;
    if (rnn instanceof GatedRNN) return rnn.forward(x).output.slice(':', -1);
    if (rnn instanceof AttentionRNN) return rnn.forward(this.proj!.forward(x)).output.slice(':', -1);
    const options = { truncate: this.truncate };
    const hN = rnn instanceof LSTM ? rnn.forward(x, null, options)[1][0] : rnn.forward(x, null, options)[1];
    // hN is [numLayers * numDirections, N, H]; the last layer's states come last.
    return rnn.bidirectional ? concat([hN.slice(-2), hN.slice(-1)], 1) : hN.slice(-1);
  }

  override extraRepr(): string {
    return `cell='${this.cell}', inputSize=${this.inputSize}, hiddenSize=${this.hiddenSize}, numClasses=${this.numClasses}` +
      (this.truncate === undefined ? '' : `, truncate=${this.truncate}`);
  }
}
