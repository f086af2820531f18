import { defaultGenerator, type Generator } from '../tensor/random.js';
import { initializeLinear, type InitName } from './init.js';
import { LeakyReLU, ReLU, Sigmoid, Tanh } from './layers/activations.js';
import { Dropout } from './layers/dropout.js';
import { Linear } from './layers/linear.js';
import { Sequential } from './layers/sequential.js';
import type { Module } from './module.js';

export const ACTIVATION_NAMES = ['sigmoid', 'relu', 'leaky-relu', 'tanh'] as const;
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

/** Everything needed to rebuild a multilayer perceptron; stored with its weights. */
export interface MlpConfig {
  inputSize: number;
  hiddenSizes: number[];
  outputSize: number;
  activation: ActivationName;
  /** Dropout probability after each hidden activation (0 or absent: none). */
  dropout?: number;
}

function activationModule(name: ActivationName): Module {
  switch (name) {
    case 'sigmoid': return new Sigmoid();
    case 'relu': return new ReLU();
    case 'leaky-relu': return new LeakyReLU(0.01);
    case 'tanh': return new Tanh();
  }
}

/** The nonlinearity name PyTorch's gain tables use, for Xavier/He initialization. */
const GAIN_NAME: Record<ActivationName, 'sigmoid' | 'relu' | 'leaky_relu' | 'tanh'> = {
  sigmoid: 'sigmoid', relu: 'relu', 'leaky-relu': 'leaky_relu', tanh: 'tanh',
};

/**
 * Linear -> activation (-> dropout) for each hidden size, then a final Linear producing logits (the output
 * softmax is part of the loss). Parameter names match PyTorch's nn.Sequential: 0.weight, 0.bias, 2.weight, ...
 */
export function mlp(config: MlpConfig, options: { init?: InitName; generator?: Generator } = {}): Sequential {
  const { init = 'pytorch', generator = defaultGenerator } = options;
  if (!ACTIVATION_NAMES.includes(config.activation)) {
    throw new RangeError(`mlp: unknown activation '${String(config.activation)}'; expected one of ${ACTIVATION_NAMES.join(', ')}`);
  }
  const sizes = [config.inputSize, ...config.hiddenSizes, config.outputSize];
  sizes.forEach((size, i) => {
    if (!Number.isInteger(size) || size <= 0) throw new RangeError(`mlp: layer sizes must be positive integers, got ${size} at position ${i} of [${sizes.join(', ')}]`);
  });
  const layers: Module[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const layer = new Linear(sizes[i], sizes[i + 1], { generator });
    const isHidden = i + 2 < sizes.length;
    initializeLinear(layer.weight, layer.bias, init, { nonlinearity: isHidden ? GAIN_NAME[config.activation] : 'linear', generator });
    layers.push(layer);
    if (isHidden) layers.push(activationModule(config.activation));
    if (isHidden && config.dropout) layers.push(new Dropout(config.dropout, { generator }));
  }
  return new Sequential(...layers);
}
