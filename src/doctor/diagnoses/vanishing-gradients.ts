/** Vanishing gradients: the first layer gets a tiny fraction of the gradient the last one gets, so it hardly learns. */
import { gradientRatio, ratioFindingParts } from '../gradient-ratio.js';
import type { DiagnosisRule } from '../rule.js';

/**
 * First-to-last gradient-norm ratio below 1/100. Each sigmoid passes back at most a quarter of the
 * gradient, so the ratio shrinks geometrically with depth: measured with `nabla inspect` on MNIST, the
 * default 3-sigmoid-layer MLP has 0.087, 5 sigmoid layers of 40 units 0.0017 (xavier-uniform) and
 * 2.3e-4 (PyTorch's init), 8 of them 3.5e-5; ReLU and tanh networks of that depth stay near 1.
 */
const VANISHING_RATIO = 1e-2;

export const vanishingGradients: DiagnosisRule = {
  supersedes: [],
  check(history) {
    const ratio = gradientRatio(history);
    if (ratio === null || !(ratio.typical < VANISHING_RATIO)) return null;
    return {
      severity: 'warning',
      title: 'Vanishing gradients: the first layer gets almost none of the gradient',
      suggestion: 'Use ReLU-family activations (--activation relu with --init kaiming-uniform), fewer sigmoid layers, or normalization between layers.',
      ...ratioFindingParts(ratio, VANISHING_RATIO, 'vanishing'),
    };
  },
};
