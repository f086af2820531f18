import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';

/**
 * Applies its layers in order. Each layer is asked whether it fuses with the next (Module.fuseWith):
 * a Linear directly followed by an elementwise activation runs as one kernel (same result, one pass
 * over the output, one node in the graph).
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
      const fused = next === undefined ? null : layer.fuseWith(next);
      if (fused !== null) {
        x = fused(x);
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
