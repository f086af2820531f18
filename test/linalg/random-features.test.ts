import { expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { randn } from './matrices.js';

// The facts examples/random-features.mjs prints, on the source: ridge's closed form is the minimizer
// of the objective that gradient descent sees, mean((Phi theta - y)^2) + (lambda / n) ||theta||^2.
it('random ReLU features: gradient descent on MSE + (lambda / n) ||theta||^2 reaches nb.ridge\'s loss to 1e-6', () => {
  const generator = new nb.Generator(3);
  const n = 60;
  const lambda = 0.5;
  const x = nb.rand([n, 1], { dtype: 'float64', generator, low: -1, high: 1 });
  const y = x.mul(3).sin().squeeze(1).add(randn([n], 4).mul(0.1));
  const phi = nb.linear(x, randn([12, 1], 5), nb.rand([12], { dtype: 'float64', generator, low: -1, high: 1 })).relu();
  const objective = (theta: nb.Tensor) => phi.matmul(theta).sub(y).square().mean().add(theta.square().sum().mul(lambda / n));

  const closedForm = nb.ridge(phi, y, lambda);
  const theta = new nb.Parameter(nb.zeros([12], { dtype: 'float64' }));
  const optimizer = new nb.SGD([theta], { lr: 0.05, momentum: 0.95 });
  for (let step = 0; step < 1500; step++) {
    optimizer.zeroGrad();
    objective(theta).backward();
    optimizer.step();
  }
  const [closedLoss, descentLoss] = nb.noGrad(() => [objective(closedForm).item(), objective(theta).item()]);
  expect(descentLoss).toBeGreaterThanOrEqual(closedLoss - 1e-12);
  expect(descentLoss - closedLoss).toBeLessThan(1e-6);
});
