/** Exploding gradients: the gradient grows on its way back, so the first layer takes huge steps. */
import { gradientRatio, ratioFindingParts } from '../gradient-ratio.js';
import type { DiagnosisRule } from '../rule.js';

/**
 * First-to-last gradient-norm ratio above 100: the mirror image of vanishing gradients. The healthy
 * networks measured with `nabla inspect` on MNIST (3 ReLU layers, 8 tanh layers, the default sigmoid
 * MLP) stay between 0.08 and 3.
 */
const EXPLODING_RATIO = 100;

export const explodingGradients: DiagnosisRule = {
  supersedes: [],
  check(history) {
    const ratio = gradientRatio(history);
    if (ratio === null || !(ratio.typical > EXPLODING_RATIO)) return null;
    return {
      severity: 'warning',
      title: 'Exploding gradients: the gradient grows on its way back to the first layer',
      suggestion: 'Clip the gradients (--clip-norm 1), lower the learning rate, or initialize the weights smaller (--init xavier-uniform).',
      ...ratioFindingParts(ratio, EXPLODING_RATIO, 'exploding'),
    };
  },
};
