import { BatchNorm1d, BatchNorm2d } from '../../nn/layers/batchnorm.js';
import { attr } from '../graph-builder.js';
import { exporterFor, type LayerExportContext, LayerExportRefusal } from '../layer-exporter.js';

type BatchNorm = BatchNorm1d | BatchNorm2d;

/**
 * BatchNorm in its eval() form: BatchNormalization with the running statistics as initializers
 * (`running_mean`, `running_var`). Without running statistics nabla normalizes by the batch's own
 * mean and biased variance in eval too; that is written out with ReduceMean, and the affine part
 * is then a BatchNormalization over mean 0 and variance 1.
 */
function exportBatchNorm(layer: BatchNorm, input: string, context: LayerExportContext): string {
  const c = layer.numFeatures;
  const scale = layer.weight === null ? context.constant('scale', new Array<number>(c).fill(1), [c]) : context.parameter('weight', layer.weight);
  const bias = layer.bias === null ? context.constant('bias', new Array<number>(c).fill(0), [c]) : context.parameter('bias', layer.bias);
  if (layer.runningMean !== null && layer.runningVar !== null) {
    const mean = context.parameter('running_mean', layer.runningMean);
    const variance = context.parameter('running_var', layer.runningVar);
    return context.op('BatchNormalization', [input, scale, bias, mean, variance], { epsilon: attr.float(layer.eps) });
  }
  if (layer.runningMean !== null || layer.runningVar !== null) throw new LayerExportRefusal('has one running statistic but not the other');
  const axes = attr.ints([0, ...Array.from({ length: context.inputShape.length - 2 }, (_, i) => i + 2)]);
  const centered = context.op('Sub', [input, context.op('ReduceMean', [input], { axes })]);
  const variance = context.op('ReduceMean', [context.op('Mul', [centered, centered])], { axes });
  const normalized = context.op('Div', [centered, context.op('Sqrt', [context.op('Add', [variance, context.constant('eps', [layer.eps], [])])])]);
  const zeros = context.constant('zero_mean', new Array<number>(c).fill(0), [c]);
  const ones = context.constant('unit_var', new Array<number>(c).fill(1), [c]);
  return context.op('BatchNormalization', [normalized, scale, bias, zeros, ones], { epsilon: attr.float(0) });
}

export const BATCH_NORM_EXPORTERS = [
  exporterFor(BatchNorm1d, exportBatchNorm),
  exporterFor(BatchNorm2d, exportBatchNorm),
];
