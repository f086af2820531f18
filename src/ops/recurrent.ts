/**
 * One step of each recurrence, as PyTorch computes it, from the step's input projection
 * gi = x W_ih^T + b_ih ([N, gates * H]: the layers compute it for every step in one product) and the
 * previous state [N, H]. W_hh is [gates * H, H] and b_hh [gates * H] or null; each step is one
 * product h W_hh^T + b_hh, whose gates are column slices.
 */
import type { Tensor } from '../tensor/tensor.js';
import { linear } from './nn.js';

export type RNNNonlinearity = 'tanh' | 'relu';

/** h' = tanh(gi + h W_hh^T + b_hh), or relu. */
export function rnnStep(gi: Tensor, h: Tensor, wHh: Tensor, bHh: Tensor | null, nonlinearity: RNNNonlinearity): Tensor {
  const pre = gi.add(linear(h, wHh, bHh));
  return nonlinearity === 'tanh' ? pre.tanh() : pre.relu();
}

/**
 * Gates r, z, n in PyTorch's order: r = sigmoid(gi_r + gh_r), z = sigmoid(gi_z + gh_z),
 * n = tanh(gi_n + r * gh_n) with gh = h W_hh^T + b_hh, and h' = (1 - z) n + z h = n + z (h - n).
 */
export function gruStep(gi: Tensor, h: Tensor, wHh: Tensor, bHh: Tensor | null): Tensor {
  const H = h.shape[1];
  const gh = linear(h, wHh, bHh);
  const rz = gi.slice(':', [0, 2 * H]).add(gh.slice(':', [0, 2 * H])).sigmoid();
  const r = rz.slice(':', [0, H]);
  const z = rz.slice(':', [H, 2 * H]);
  const n = gi.slice(':', [2 * H, 3 * H]).add(r.mul(gh.slice(':', [2 * H, 3 * H]))).tanh();
  return n.add(z.mul(h.sub(n)));
}

/** Gates i, f, g, o in PyTorch's order: c' = sigmoid(f) c + sigmoid(i) tanh(g), h' = sigmoid(o) tanh(c'). Returns [h', c']. */
export function lstmStep(gi: Tensor, h: Tensor, c: Tensor, wHh: Tensor, bHh: Tensor | null): [Tensor, Tensor] {
  const H = h.shape[1];
  const gates = gi.add(linear(h, wHh, bHh));
  // One sigmoid over all four gates (g's is not used) takes fewer ops than a sigmoid per gate.
  const s = gates.sigmoid();
  const g = gates.slice(':', [2 * H, 3 * H]).tanh();
  const cNext = s.slice(':', [H, 2 * H]).mul(c).add(s.slice(':', [0, H]).mul(g));
  return [s.slice(':', [3 * H, 4 * H]).mul(cNext.tanh()), cNext];
}

/**
 * The T steps of x [T, ...] as T tensors [...]. Cut in halves rather than one slice per step: a
 * slice's gradient is as large as what it was cut from, so T slices of the whole sequence would cost
 * T full-size gradients in backward (O(T^2)); halving costs O(T log T).
 */
export function timeSteps(x: Tensor): Tensor[] {
  const T = x.shape[0];
  if (T === 1) return [x.reshape(x.shape.slice(1))];
  if (T === 2) return [x.slice(0), x.slice(1)];
  const half = Math.ceil(T / 2);
  return [...timeSteps(x.slice([0, half])), ...timeSteps(x.slice([half, T]))];
}
