import { formatShape, shapesEqual, ShapeError } from '../../base/shape.js';
import { add } from '../../ops/arithmetic.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';

/**
 * y = f_0(x) + f_1(x) + ... : every branch sees the same input and their outputs, all of one shape,
 * are summed (ResNeXt's split-transform-merge). Branch i's parameters are named `branches.i.*`, as
 * with a ModuleList field called branches in PyTorch.
 */
export class ParallelSum extends Module {
  readonly branches: Module[];

  constructor(...branches: Module[]) {
    super();
    if (branches.length === 0) throw new RangeError('ParallelSum: needs at least one branch');
    const bad = branches.findIndex((b) => !(b instanceof Module));
    if (bad >= 0) throw new TypeError(`ParallelSum: branch ${bad} is not a Module`);
    this.branches = branches;
  }

  forward(input: Tensor): Tensor {
    let sum = this.branches[0].forward(input);
    for (let i = 1; i < this.branches.length; i++) {
      const out = this.branches[i].forward(input);
      if (!shapesEqual(out.shape, sum.shape)) {
        throw new ShapeError(`ParallelSum: branch ${i} gives shape ${formatShape(out.shape)} but branch 0 gives ${formatShape(sum.shape)}; every branch must give the same shape`);
      }
      sum = add(sum, out);
    }
    return sum;
  }
}
