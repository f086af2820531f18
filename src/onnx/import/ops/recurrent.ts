import { linear } from '../../../ops/nn.js';
import { gruStep, lstmStep, rnnStep, timeSteps, type RNNNonlinearity } from '../../../ops/recurrent.js';
import { concat, permute, reshape, stack } from '../../../ops/shape.js';
import { Tensor } from '../../../tensor/tensor.js';
import { OnnxImportError } from '../errors.js';
import type { OpCall, OpRunner, OpTable } from '../op-call.js';

/**
 * ONNX's RNN, GRU and LSTM run through the step functions of nabla's recurrent layers, which take
 * PyTorch's gate order; ONNX stacks the gates differently (GRU z, r, h against PyTorch's r, z, n;
 * LSTM i, o, f, c against i, f, g, o), so each direction's weights are re-stacked, by slices that
 * gradients flow back through. W is [directions, gates*H, input], R [directions, gates*H, H], B
 * [directions, 2*gates*H] (W's biases, then R's). Outputs: Y [T, directions, N, H], Y_h and Y_c
 * [directions, N, H]; with layout = 1, [N, T, directions, H] and [N, directions, H], and X [N, T, input].
 */
interface Cell {
  /** For each PyTorch gate, the ONNX gate block it is taken from. */
  onnxGateOf: readonly number[];
  /** The activation lists (one direction's, joined by commas) that nabla's step computes; the first is ONNX's default. */
  activations: readonly string[];
  /** h, or h and c. */
  stateCount: 1 | 2;
  /** One step of one direction from the step's input projection gi; returns the new [h, c?]. */
  step: (call: OpCall, gi: Tensor, state: Tensor[], r: Tensor, rb: Tensor | null, activation: string) => Tensor[];
}

const NONLINEARITY: Record<string, RNNNonlinearity> = { Tanh: 'tanh', Relu: 'relu' };

const CELLS = {
  RNN: {
    onnxGateOf: [0],
    activations: ['Tanh', 'Relu'],
    stateCount: 1,
    step: (_call, gi, [h], r, rb, activation) => [rnnStep(gi, h, r, rb, NONLINEARITY[activation])],
  },
  GRU: {
    onnxGateOf: [1, 0, 2],
    activations: ['Sigmoid,Tanh'],
    stateCount: 1,
    step: (call, gi, [h], r, rb) => [call.attributes.int('linear_before_reset', 0) !== 0 ? gruStep(gi, h, r, rb) : gruStepResetFirst(gi, h, r, rb)],
  },
  LSTM: {
    onnxGateOf: [0, 2, 3, 1],
    activations: ['Sigmoid,Tanh,Tanh'],
    stateCount: 2,
    step: (_call, gi, [h, c], r, rb) => lstmStep(gi, h, c, r, rb),
  },
} satisfies Record<string, Cell>;

/**
 * GRU with linear_before_reset = 0 (ONNX's default): the reset gate scales the state before R_h,
 * n = tanh(gi_n + (r * h) R_h^T + Rb_h), where PyTorch (linear_before_reset = 1) scales after it.
 */
function gruStepResetFirst(gi: Tensor, h: Tensor, r: Tensor, rb: Tensor | null): Tensor {
  const H = h.shape[1];
  const gates = gi.slice(':', [0, 2 * H]).add(linear(h, r.slice([0, 2 * H]), rb?.slice([0, 2 * H]) ?? null)).sigmoid();
  const reset = gates.slice(':', [0, H]);
  const update = gates.slice(':', [H, 2 * H]);
  const n = gi.slice(':', [2 * H, 3 * H]).add(linear(reset.mul(h), r.slice([2 * H, 3 * H]), rb?.slice([2 * H, 3 * H]) ?? null)).tanh();
  return n.add(update.mul(h.sub(n)));
}

const DIRECTIONS: Record<string, boolean[]> = { forward: [false], reverse: [true], bidirectional: [false, true] };

function recurrence(cell: Cell): OpRunner {
  return (call) => {
    const { attributes } = call;
    const gateCount = cell.onnxGateOf.length;
    const batchFirst = attributes.int('layout', 0) !== 0;
    const direction = attributes.string('direction', 'forward');
    const reversed = DIRECTIONS[direction];
    if (reversed === undefined) throw new OnnxImportError(`direction must be forward, reverse or bidirectional, got '${direction}'`);
    if (attributes.has('clip')) throw new OnnxImportError('attribute clip is not supported');
    if (attributes.int('input_forget', 0) !== 0) throw new OnnxImportError('input_forget = 1 is not supported');
    if (call.optionalInput(7) !== null) throw new OnnxImportError('peephole weights (input P) are not supported');
    const chosen = activationsPerDirection(call, cell, reversed.length);
    const x = batchFirst ? permute(call.input(0, 'X'), [1, 0, 2]) : call.input(0, 'X');
    const w = call.input(1, 'W');
    const r = call.input(2, 'R');
    const b = call.optionalInput(3);
    const [steps, batch, inputSize] = x.shape;
    const hidden = attributes.int('hidden_size', r.shape[2]);
    expectShape('W', w, [reversed.length, gateCount * hidden, inputSize]);
    expectShape('R', r, [reversed.length, gateCount * hidden, hidden]);
    if (b !== null) expectShape('B', b, [reversed.length, 2 * gateCount * hidden]);
    const sequenceLengths = call.optionalInput(4);
    if (sequenceLengths !== null && Array.from(sequenceLengths.dataSync()).some((n) => n !== steps)) {
      throw new OnnxImportError(`sequence_lens shorter than the sequence (${steps} steps) are not supported`);
    }
    const initial = [call.optionalInput(5), call.optionalInput(6)].slice(0, cell.stateCount);
    initial.forEach((s, i) => s !== null && expectShape(i === 0 ? 'initial_h' : 'initial_c', s, [reversed.length, batch, hidden]));

    const restack = (t: Tensor) => concat(cell.onnxGateOf.map((g) => t.slice([g * hidden, (g + 1) * hidden])), 0);
    const runs = reversed.map((backwards, d) => {
      const wb = b === null ? null : restack(b.slice(d).slice([0, gateCount * hidden]));
      const rb = b === null ? null : restack(b.slice(d).slice([gateCount * hidden, 2 * gateCount * hidden]));
      const rd = restack(r.slice(d));
      const projected = reshape(linear(reshape(x, [steps * batch, inputSize]), restack(w.slice(d)), wb), [steps, batch, gateCount * hidden]);
      const order = timeSteps(projected);
      if (backwards) order.reverse();
      let state = initial.map((s) => s?.slice(d) ?? Tensor.full([batch, hidden], 0, x.dtype));
      const outputs = order.map((gi) => {
        state = cell.step(call, gi, state, rd, rb, chosen[d]);
        return state[0];
      });
      if (backwards) outputs.reverse();
      return { y: stack(outputs, 0), final: state };
    });
    const y = stack(runs.map((run) => run.y), 1);
    const finals = initial.map((_, i) => stack(runs.map((run) => run.final[i]), 0));
    return batchFirst ? [permute(y, [2, 0, 1, 3]), ...finals.map((f) => permute(f, [1, 0, 2]))] : [y, ...finals];
  };
}

/** Each direction's activations, joined by commas (the attribute lists them all, direction after direction). */
function activationsPerDirection(call: OpCall, cell: Cell, directions: number): string[] {
  const listed = call.attributes.strings('activations');
  const perDirection = listed ? listed.length / directions : 0;
  const chosen = Array.from({ length: directions }, (_, d) => (listed ? listed.slice(d * perDirection, (d + 1) * perDirection).join(',') : cell.activations[0]));
  for (const a of chosen) {
    if (!cell.activations.includes(a)) throw new OnnxImportError(`activations ${a} are not supported (nabla computes ${cell.activations.join(' or ')})`);
  }
  return chosen;
}

function expectShape(what: string, t: Tensor, shape: readonly number[]): void {
  if (t.ndim !== shape.length || t.shape.some((n, i) => n !== shape[i])) {
    throw new OnnxImportError(`${what} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
}

export const RECURRENT_OPS = {
  RNN: recurrence(CELLS.RNN),
  GRU: recurrence(CELLS.GRU),
  LSTM: recurrence(CELLS.LSTM),
} satisfies OpTable;
