import { formatShape, shapesEqual, ShapeError } from '../../base/shape.js';
import { add } from '../../ops/arithmetic.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';

/**
 * y = f(x) + x, or f(x) + projection(x) when f changes the shape (a 1x1 convolution or a Linear,
 * as in ResNet). With f's weights at zero it is the identity, so its Jacobian is I + df/dx.
 */
export class Residual extends Module {
  constructor(readonly body: Module, readonly projection: Module | null = null) {
    super();
  }

  forward(input: Tensor): Tensor {
    const shortcut = this.projection === null ? input : this.projection.forward(input);
    const out = this.body.forward(input);
    if (!shapesEqual(out.shape, shortcut.shape)) {
      throw new ShapeError(`Residual: the body gives shape ${formatShape(out.shape)} but the shortcut ${formatShape(shortcut.shape)}; pass a projection (e.g. a 1x1 Conv2d) to match them`);
    }
    return add(out, shortcut);
  }
}
