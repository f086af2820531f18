import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { FusableActivation, LeakyReLU, ReLU, Sigmoid, Tanh } from './activations.js';
import { Linear } from './linear.js';

const FUSABLE = new Set<unknown>([Sigmoid, Tanh, ReLU, LeakyReLU]);

/**
 * Applies its layers in order. A Linear directly followed by an elementwise activation runs as one
 * fused kernel (same result, one pass over the output, one node in the graph). Only the built-in
 * classes are fused: a subclass may override forward, and then its own forward must run.
 */
export class Sequential extends Module {
  readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
  }

  override *namedChildren(): Generator<[string, Module]> {
    for (let i = 0; i < this.layers.length; i++) yield [String(i), this.layers[i]];
  }

  forward(input: Tensor): Tensor {
    let x = input;
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i];
      const next = this.layers[i + 1];
      if (layer.constructor === Linear && next instanceof FusableActivation && FUSABLE.has(next.constructor)) {
        x = (layer as Linear).forwardFused(x, next.fused);
        i++;
      } else {
        x = layer.forward(x);
      }
    }
    return x;
  }

  get length(): number {
    return this.layers.length;
  }

  at(index: number): Module | undefined {
    return this.layers.at(index);
  }
}
