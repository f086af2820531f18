import { ParallelSum } from '../../nn/layers/parallel-sum.js';
import { Residual } from '../../nn/layers/residual.js';
import { Sequential } from '../../nn/layers/sequential.js';
import { exporterFor } from '../layer-exporter.js';

/** The containers: their layers are exported under their own paths (`3.body.0`), and the blocks add their sums. */
export const BLOCK_EXPORTERS = [
  exporterFor(Sequential, (layer, input, context) => layer.layers.reduce((x, child, i) => context.child(String(i), child, x), input)),
  exporterFor(Residual, (layer, input, context) => {
    const shortcut = layer.projection === null ? input : context.child('projection', layer.projection, input);
    return context.op('Add', [context.child('body', layer.body, input), shortcut]);
  }),
  exporterFor(ParallelSum, (layer, input, context) => layer.branches
    .map((branch, i) => context.child(`branches.${i}`, branch, input))
    .reduce((sum, out) => context.op('Add', [sum, out]))),
];
