import { Tensor } from '../tensor/tensor.js';

/** A tensor that a Module owns and an optimizer updates: a leaf that requires a gradient. */
export class Parameter extends Tensor {
  constructor(value: Tensor) {
    super(value.storage, value.shape);
    this.requiresGrad_(true);
  }
}
