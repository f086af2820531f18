import type { Tensor } from '../tensor/tensor.js';

/**
 * Values with their int32 positions in the input, like PyTorch's (values, indices) named tuples
 * (torch.max(x, dim), sort, topk): destructure it, `const [values, indices] = x.sort()`, index it,
 * `x.max(1)[0]`, or read `.values` and `.indices`. (It is an array whose `values` is the tensor,
 * not Array.prototype.values.)
 */
export type ValuesIndices = Omit<readonly [values: Tensor, indices: Tensor], 'values'> & { readonly values: Tensor; readonly indices: Tensor };

export function valuesIndices(values: Tensor, indices: Tensor): ValuesIndices {
  return Object.freeze(Object.assign([values, indices] as const, { values, indices }));
}
