// What the contenders' setups share: the weight initializations of the MLPs (W1, W2), drawn from the
// same distributions as nabla's initializations of the same names (see src/nn/init.ts; biases start at
// zero), LeNet-5's parameters (W3, W6), the RNN classifier's (W4), PyTorch's default initialization
// and W6's scoring.

/**
 * The bound b of the U(-b, b) weights of layer i (0-based, of `layers` layers, fanIn inputs, fanOut
 * outputs) under nabla's initialization `init`: 'xavier-uniform' is glorot-uniform with gain 1 (what
 * nabla uses before a sigmoid), sqrt(6 / (fanIn + fanOut)); 'kaiming-uniform' is he-uniform with
 * fan_in, gain sqrt 2 before a relu (sqrt(6 / fanIn)) and gain 1 for the output layer (sqrt(3 / fanIn)).
 */
export function uniformBound(init, fanIn, fanOut, i, layers) {
  if (init === 'xavier-uniform') return Math.sqrt(6 / (fanIn + fanOut));
  if (init === 'kaiming-uniform') return Math.sqrt((i + 1 < layers ? 6 : 3) / fanIn);
  throw new RangeError(`unsupported init '${init}' (xavier-uniform or kaiming-uniform)`);
}

/**
 * LeNet-5 (W3, W6) in PyTorch's layout and naming (nn.Sequential indices: conv, relu, pool, conv,
 * relu, pool, flatten, linear, relu, linear, relu, linear): conv 1->6 5x5 pad 2, conv 6->16 5x5,
 * Linear 400->120->84->10; 61,706 parameters. Conv weights are [C_out, C_in, k, k], Linear weights
 * [out, in]; the flatten order is PyTorch's (c, h, w) over [N, 16, 5, 5].
 */
export const LENET_PARAMS = Object.freeze([
  ['0.weight', [6, 1, 5, 5]], ['0.bias', [6]],
  ['3.weight', [16, 6, 5, 5]], ['3.bias', [16]],
  ['7.weight', [120, 400]], ['7.bias', [120]],
  ['9.weight', [84, 120]], ['9.bias', [84]],
  ['11.weight', [10, 84]], ['11.bias', [10]],
]);
export const LENET_PARAMETER_COUNT = 61706;

/**
 * W4's network, an Elman RNN classifier, in PyTorch's naming and layout (a module with fields `rnn`,
 * nn.RNN(28, 128, batch_first=True), and `fc`, nn.Linear(128, 10)): each image is 28 steps of 28
 * pixels (its rows), h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) from h_0 = 0, and the
 * logits are fc(h_28); 21,514 parameters. All are drawn by PyTorch from U(-b, b): the RNN's with
 * b = 1/sqrt(hidden), the Linear's with b = 1/sqrt(fanIn) (rnnBound; both 1/sqrt(128) here).
 */
export const RNN_STEPS = 28;
export const RNN_INPUT = 28;
export const RNN_HIDDEN = 128;
export const RNN_PARAMS = Object.freeze([
  ['rnn.weight_ih_l0', [RNN_HIDDEN, RNN_INPUT]], ['rnn.weight_hh_l0', [RNN_HIDDEN, RNN_HIDDEN]],
  ['rnn.bias_ih_l0', [RNN_HIDDEN]], ['rnn.bias_hh_l0', [RNN_HIDDEN]],
  ['fc.weight', [10, RNN_HIDDEN]], ['fc.bias', [10]],
]);
export const RNN_PARAMETER_COUNT = 21514;
/** PyTorch's default bound of each of RNN_PARAMS: 1/sqrt(hidden) for nn.RNN's, 1/sqrt(fanIn) for nn.Linear's. */
export const rnnBound = (name) => 1 / Math.sqrt(name.startsWith('rnn.') ? RNN_HIDDEN : RNN_PARAMS.find(([n]) => n === 'fc.weight')[1][1]);

/** PyTorch's default bound for a Linear or Conv layer, weights and biases alike: U(-b, b), b = 1 / sqrt(fanIn), fanIn = C_in * k * k. */
export function pytorchDefaultBound(weightShape) {
  return 1 / Math.sqrt(weightShape.slice(1).reduce((a, b) => a * b, 1));
}

/**
 * The sum of the softmax cross-entropies and the number of correct argmaxes of `logits` (float32,
 * row-major [B, classes]) against the int labels, in float64: how W6 scores every contender's
 * logits the same way, outside the timed forward.
 */
export function scoreLogits(logits, labels, classes = 10) {
  let lossSum = 0;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = logits.subarray(i * classes, (i + 1) * classes);
    let max = -Infinity;
    let arg = 0;
    for (let j = 0; j < classes; j++) if (row[j] > max) { max = row[j]; arg = j; }
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp(row[j] - max);
    lossSum += Math.log(sum) + max - row[labels[i]];
    if (arg === labels[i]) correct++;
  }
  return { lossSum, correct };
}

/** How many of the predicted classes equal the labels (position by position). */
export function countMatches(predicted, labels) {
  let correct = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels[i]) correct++;
  return correct;
}
