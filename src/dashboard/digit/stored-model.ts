/**
 * The model that checkpoint bytes (what `nabla train --save` writes, or a worker's encodeModel)
 * describe, rebuilt from the config stored with them, as `nabla eval` rebuilds it. Portable.
 */
import { buildNetwork, decodeModel, isNetworkSpec, mlp, type MlpConfig, type Module, type NetworkSpec, noGrad, softmax, Tensor } from '../../core.js';

export interface StoredModel {
  model: Module;
  /** The shape of one input: [784] for the default MLP, [1, 28, 28] for a network spec (as they were trained). */
  inputShape: number[];
}

/** Rebuilds the model; `label` (a file or URL) names the bytes in errors. */
export function decodeStoredModel(bytes: Uint8Array, label: string): StoredModel {
  const { model, config } = decodeModel<Module, MlpConfig | NetworkSpec>(bytes, (stored) => (isNetworkSpec(stored) ? buildNetwork(stored) : mlp(stored)), label);
  model.eval();
  return { model, inputShape: isNetworkSpec(config) ? [1, 28, 28] : [(config as MlpConfig).inputSize] };
}

/** The model's class probabilities (softmax of its outputs, as cross-entropy trained it) for one image's pixels. */
export function classProbabilities({ model, inputShape }: StoredModel, pixels: Float32Array): number[] {
  const probabilities = noGrad(() => softmax(model.forward(new Tensor(pixels, [1, ...inputShape])), 1));
  return Array.from(probabilities.dataSync());
}
