import { noGrad } from '../autograd/graph.js';
import { Tensor } from '../tensor/tensor.js';
import { Sequential } from './layers/sequential.js';
import type { Module } from './module.js';

export interface LayerSummary {
  name: string;
  layer: string;
  /** 'N' stands for the batch dimension. */
  outputShape: (number | 'N')[];
  parameters: number;
  /** How the parameter count arises from the parameter shapes, e.g. "784*40 + 40". */
  formula: string;
}

/**
 * Per-layer output shapes and parameter counts, with the formula behind each count, for a
 * Sequential (or any single module) given the shape of one input sample. The shapes are read off
 * one zero sample passed through the layers.
 */
export function summarize(model: Module, sampleShape: readonly number[]): LayerSummary[] {
  const layers = model instanceof Sequential ? model.layers : [model];
  let x = Tensor.empty([1, ...sampleShape], model.parameters()[0]?.dtype ?? 'float32');
  return noGrad(() =>
    layers.map((layer, i) => {
      x = layer.forward(x);
      const shapes = layer.parameters().map((p) => p.shape.join('*') || '1');
      return {
        name: String(i),
        layer: `${layer.constructor.name}(${layer.extraRepr()})`,
        outputShape: ['N' as const, ...x.shape.slice(1)],
        parameters: layer.numParameters(),
        formula: shapes.length === 0 ? '0' : shapes.join(' + '),
      };
    }),
  );
}
