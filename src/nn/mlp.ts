import { checkChoice, checkOptions, describeAliases, describeValue } from '../base/options.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { initializeLinear, INIT_NAMES, type InitName } from './init.js';
import { LeakyReLU, ReLU, Sigmoid, Tanh } from './layers/activations.js';
import { Dropout } from './layers/dropout.js';
import { Linear } from './layers/linear.js';
import { Sequential } from './layers/sequential.js';
import type { Module } from './module.js';

/** The hidden-layer activations of an mlp, by their names in nabla (those of `linear`'s activations). */
export const MLP_ACTIVATIONS = Object.freeze(['sigmoid', 'relu', 'leakyRelu', 'tanh'] as const);
export type MlpActivation = (typeof MLP_ACTIVATIONS)[number];

/**
 * Older spellings an mlp config may use, and the activation each stands for: 'leaky-relu' is what
 * checkpoints written by earlier versions store (and what the CLI's --activation flag still says).
 */
export const MLP_ACTIVATION_ALIASES: Readonly<Record<string, MlpActivation>> = Object.freeze({ 'leaky-relu': 'leakyRelu' });

/**
 * The values of the CLI's `--activation` flag, which `mlp` also accepts: the activations with
 * leaky ReLU spelt 'leaky-relu', the flag's (and earlier checkpoints') spelling of 'leakyRelu'.
 */
export const ACTIVATION_NAMES = ['sigmoid', 'relu', 'leaky-relu', 'tanh'] as const;
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

/** Everything needed to rebuild a multilayer perceptron; stored with its weights. */
export interface MlpConfig {
  inputSize: number;
  hiddenSizes: number[];
  outputSize: number;
  /** The hidden activation: 'sigmoid', 'relu', 'leakyRelu' or 'tanh' ('leaky-relu' is accepted as an old spelling of 'leakyRelu'). */
  activation: MlpActivation | 'leaky-relu';
  /** Dropout probability after each hidden activation (0 or absent: none). */
  dropout?: number;
}

export interface MlpOptions {
  /** How the Linear layers are initialized (see initializeLinear); default 'pytorch'. */
  init?: InitName;
  generator?: Generator;
}

const CONFIG_KEYS = ['inputSize', 'hiddenSizes', 'outputSize', 'activation', 'dropout'];
const OPTION_KEYS = ['init', 'generator'];

/**
 * The canonical name of an mlp activation ('leaky-relu' becomes 'leakyRelu'), or a RangeError naming
 * `owner` and listing the accepted names.
 */
export function mlpActivation(name: unknown, owner = 'mlp'): MlpActivation {
  if ((MLP_ACTIVATIONS as readonly unknown[]).includes(name)) return name as MlpActivation;
  if (typeof name === 'string' && Object.prototype.hasOwnProperty.call(MLP_ACTIVATION_ALIASES, name)) return MLP_ACTIVATION_ALIASES[name];
  throw new RangeError(`${owner}: unknown activation '${String(name)}'; expected one of ${MLP_ACTIVATIONS.join(', ')}${describeAliases(MLP_ACTIVATION_ALIASES)}`);
}

function activationModule(name: MlpActivation): Module {
  switch (name) {
    case 'sigmoid': return new Sigmoid();
    case 'relu': return new ReLU();
    case 'leakyRelu': return new LeakyReLU(0.01);
    case 'tanh': return new Tanh();
  }
}

/**
 * Linear -> activation (-> dropout) for each hidden size, then a final Linear producing logits (the output
 * softmax is part of the loss). Parameter names match PyTorch's nn.Sequential: 0.weight, 0.bias, 2.weight, ...
 */
export function mlp(config: MlpConfig, options: MlpOptions = {}): Sequential {
  checkOptions(config, CONFIG_KEYS, 'mlp', 'config');
  const { init = 'pytorch', generator = defaultGenerator } = checkOptions(options, OPTION_KEYS, 'mlp');
  checkChoice(init, INIT_NAMES, 'mlp', 'init');
  const activation = mlpActivation(config.activation);
  if (!Array.isArray(config.hiddenSizes)) {
    throw new TypeError(`mlp: config.hiddenSizes must be an array of positive integers (e.g. [40, 30, 20], or [] for none), got ${describeValue(config.hiddenSizes)}`);
  }
  const { dropout = 0 } = config;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout <= 1)) {
    throw new RangeError(`mlp: config.dropout must be a probability in [0, 1], got ${describeValue(dropout)}`);
  }
  const sizes = [config.inputSize, ...config.hiddenSizes, config.outputSize];
  sizes.forEach((size, i) => {
    if (!Number.isInteger(size) || size <= 0) throw new RangeError(`mlp: layer sizes must be positive integers, got ${size} at position ${i} of [${sizes.join(', ')}]`);
  });
  const layers: Module[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const layer = new Linear(sizes[i], sizes[i + 1], { generator });
    const isHidden = i + 2 < sizes.length;
    // The gain of Xavier/He initialization follows the activation (calculateGain takes these names).
    initializeLinear(layer.weight, layer.bias, init, { nonlinearity: isHidden ? activation : 'linear', generator });
    layers.push(layer);
    if (isHidden) layers.push(activationModule(activation));
    if (isHidden && dropout > 0) layers.push(new Dropout(dropout, { generator }));
  }
  return new Sequential(...layers);
}
