import { batchNorm, layerNorm } from '../../../ops/normalization.js';
import { normalizeAxis } from '../axes.js';
import { OnnxImportError } from '../errors.js';
import type { OpTable } from '../op-call.js';
import type { Tensor } from '../../../tensor/tensor.js';

export const NORMALIZATION_OPS = {
  /** The inference form: the running statistics (inputs 3 and 4) normalize, as in PyTorch's eval mode. */
  BatchNormalization: (call) => {
    if (call.attributes.int('training_mode', 0) !== 0) throw new OnnxImportError('training_mode = 1 is not supported: importOnnx runs the inference form, with the running statistics');
    call.onlyOutputs(1, 'running_mean');
    return batchNorm(call.input(0, 'X'), call.input(3, 'input_mean'), call.input(4, 'input_var'), call.input(1, 'scale'), call.input(2, 'B'), {
      eps: call.attributes.float('epsilon', 1e-5),
    });
  },
  /** Over the axes from `axis` (default -1) on; Scale and B broadcast against them (they usually have exactly their shape). */
  LayerNormalization: (call) => {
    call.onlyOutputs(1, 'Mean');
    const x = call.input(0, 'X');
    const scale = call.input(1, 'Scale');
    const bias = call.optionalInput(2);
    const normalized = x.shape.slice(normalizeAxis(call.attributes.int('axis', -1), x.ndim));
    const eps = call.attributes.float('epsilon', 1e-5);
    const fits = (t: Tensor | null) => t === null || (t.ndim === normalized.length && t.shape.every((n, i) => n === normalized[i]));
    if (fits(scale) && fits(bias)) return layerNorm(x, normalized, scale, bias, eps);
    const y = layerNorm(x, normalized, null, null, eps).mul(scale);
    return bias === null ? y : y.add(bias);
  },
} satisfies OpTable;
