// Weight initialization shared by the peers' setups, so that they draw from the same distributions
// as nabla's initializations of the same names (see src/nn/init.ts); biases start at zero.

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
