import type { Sequential } from './layers/sequential.js';
import { buildModel, type BuildModelOptions, type LayerSpec, type ModelSpec } from './model-spec.js';

const layers: LayerSpec[] = [
  { type: 'Conv2d', in_channels: 1, out_channels: 6, kernel_size: 5, padding: 2 },
  { type: 'ReLU' },
  { type: 'MaxPool2d', kernel_size: 2 },
  { type: 'Conv2d', in_channels: 6, out_channels: 16, kernel_size: 5 },
  { type: 'ReLU' },
  { type: 'MaxPool2d', kernel_size: 2 },
  { type: 'Flatten' },
  { type: 'Linear', in_features: 400, out_features: 120 },
  { type: 'ReLU' },
  { type: 'Linear', in_features: 120, out_features: 84 },
  { type: 'ReLU' },
  { type: 'Linear', in_features: 84, out_features: 10 },
];

/**
 * LeNet-5 for [1, 28, 28] images (MNIST), with ReLU and max pooling as in PyTorch's tutorials:
 * the first convolution pads by 2, so 28x28 becomes 28, 14, 10, 5 and the classifier sees
 * 16*5*5 = 400 features. 61,706 parameters.
 */
export const LENET: Readonly<ModelSpec> = Object.freeze({ layers: layers.map((layer) => Object.freeze(layer)) });

export function lenet(options: BuildModelOptions = {}): Sequential {
  return buildModel(LENET, options);
}
