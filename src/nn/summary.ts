import { Linear } from './layers/linear.js';
import type { Module } from './module.js';
import { Sequential } from './layers/sequential.js';

export interface LayerSummary {
  name: string;
  layer: string;
  outputShape: (number | 'N')[];
  parameters: number;
  /** How the parameter count arises, e.g. "784*40 + 40". */
  formula: string;
}

/**
 * Per-layer output shapes and parameter counts with the formula behind each count, for a
 * Sequential (or a single module) given the shape of one input sample.
 */
export function summarize(model: Module, sampleShape: readonly number[]): LayerSummary[] {
  const layers = model instanceof Sequential ? model.layers : [model];
  let shape: (number | 'N')[] = ['N', ...sampleShape];
  return layers.map((layer, i) => {
    let formula = '0';
    if (layer instanceof Linear) {
      shape = [...shape.slice(0, -1), layer.outFeatures];
      formula = `${layer.inFeatures}*${layer.outFeatures}` + (layer.bias ? ` + ${layer.outFeatures}` : '');
    }
    return { name: String(i), layer: `${layer.constructor.name}(${layer.extraRepr()})`, outputShape: [...shape], parameters: layer.numParameters(), formula };
  });
}
