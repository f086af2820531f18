import type * as nb from '../../src/index.js';

/**
 * gradcheck's function and inputs for a layer's parameters as well as its input: during each call
 * the layer's parameter fields hold gradcheck's leaves instead of its own parameters.
 */
export function throughParameters(layer: Pick<nb.Module, 'namedParameters'>, run: (x: nb.Tensor) => nb.Tensor, x: nb.Tensor) {
  const names = [...layer.namedParameters()].map(([name]) => name);
  const fields = layer as unknown as Record<string, nb.Tensor>;
  const fn = (input: nb.Tensor, ...params: nb.Tensor[]) => {
    const saved = names.map((name) => fields[name]);
    names.forEach((name, i) => (fields[name] = params[i]));
    try {
      return run(input);
    } finally {
      names.forEach((name, i) => (fields[name] = saved[i]));
    }
  };
  return [fn, [x, ...names.map((name) => fields[name])]] as const;
}
