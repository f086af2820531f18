// How far back a gradient reaches: with the loss on the last state h[T] of a 50-step sequence of
// random inputs, the norm of dloss/dh[t] against the distance T - t, for an Elman RNN and for two
// gated cells whose gates start open. Run with `npm run build && node examples/gradient-decay.mjs`.
import * as nb from 'nabla';

const T = 50;
const INPUT = 8;
const HIDDEN = 32;
// Gates start near sigmoid(3) = 0.95, as a forget-gate bias of 1 or more is the usual advice for LSTMs.
const GATE_BIAS = 3;
const DISTANCES = [0, 1, 2, 5, 10, 20, 30, 40, 49];

const generator = new nb.Generator(0);
const options = { dtype: 'float64', generator };
const xs = nb.randn([T, INPUT], options);
const zero = nb.zeros([HIDDEN], { dtype: 'float64' });

// Elman: h[t] = tanh(W [x[t], h[t-1]] + b), W and b initialized as nb.Linear's.
const elman = new nb.Linear(INPUT + HIDDEN, HIDDEN, options);
const elmanStep = (x, { h }) => ({ h: elman.forward(nb.concat([x, h])).tanh() });

// The gated RNN has no biases: a constant input 1 whose column of Wc is GATE_BIAS plays the gate's bias.
const gated = new nb.GatedRNN(INPUT + 1, HIDDEN, options);
const wc = gated.Wc.toArray().map((row) => [...row.slice(0, INPUT), GATE_BIAS]);
gated.loadStateDict({ ...gated.stateDict(), Wc: nb.tensor(wc, { dtype: 'float64' }) });
const gatedStep = (x, { h }) => ({ h: gated.step(nb.concat([x, nb.ones([1], { dtype: 'float64' })]), h).h });

// nb.LSTMCell (gates i, f, g, o): c[t] = f c[t-1] + i g, h[t] = o tanh(c[t]). Its memory is c: h[t-1]
// reaches h[t] only through the gates (the drop at distance 1), then c carries the gradient back.
const lstm = new nb.LSTMCell(INPUT, HIDDEN, options);
const forgetBias = (bias, value) => nb.tensor(bias.toArray().map((b, i) => (i >= HIDDEN && i < 2 * HIDDEN ? value : b)), { dtype: 'float64' });
lstm.loadStateDict({ ...lstm.stateDict(), bias_ih: forgetBias(lstm.bias_ih, GATE_BIAS), bias_hh: forgetBias(lstm.bias_hh, 0) });
const lstmStep = (x, { h, c }) => {
  const [hNext, cNext] = lstm.forward(x, [h, c]);
  return { h: hNext, c: cNext };
};

/**
 * ||dloss/dh[t]|| for t = 1..T, loss = mean of h[T]: a zero "tap" added to each h[t] gets exactly
 * dloss/dh[t] as its gradient, so one backward pass measures every step.
 */
function gradientNorms(step, state) {
  const taps = [];
  for (let t = 0; t < T; t++) {
    const tap = nb.zeros([HIDDEN], { dtype: 'float64', requiresGrad: true });
    state = step(xs.slice(t), state);
    state = { ...state, h: state.h.add(tap) };
    taps.push(tap);
  }
  state.h.mean().backward();
  return taps.map((tap) => Math.sqrt(tap.grad.square().sum().item()));
}

const columns = [
  ['Elman (tanh)', gradientNorms(elmanStep, { h: zero })],
  ['GatedRNN', gradientNorms(gatedStep, { h: zero })],
  ['LSTM', gradientNorms(lstmStep, { h: zero, c: zero })],
];

console.log(`||dloss/dh[t]||, loss = mean(h[T]), T = ${T}, ${INPUT} inputs, ${HIDDEN} hidden units, gate bias ${GATE_BIAS}\n`);
console.log(['T - t', ...columns.map(([name]) => name)].map((s) => s.padStart(13)).join(''));
for (const d of DISTANCES) {
  console.log([String(d), ...columns.map(([, norms]) => norms[T - 1 - d].toExponential(2))].map((s) => s.padStart(13)).join(''));
}
const rates = columns.map(([, norms]) => (norms[0] / norms[T - 1]) ** (1 / (T - 1)));
console.log(['per step', ...rates.map((r) => `x ${r.toFixed(3)}`)].map((s) => s.padStart(13)).join(''));
