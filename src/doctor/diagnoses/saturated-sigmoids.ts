/** Saturated sigmoids: outputs pinned near 0 or 1 (tanh: near -1 or 1), where the derivative is nearly 0 and learning stalls. */
import { fractionFindingParts } from '../layer-fractions.js';
import type { DiagnosisRule } from '../rule.js';

/**
 * Half of a layer's outputs within 0.01 of an asymptote at the end: the derivative there is below
 * 0.01 (sigmoid) or 0.02 (tanh), so half of what flows back through the layer is lost. A trained
 * healthy sigmoid MLP has a minority of its outputs there; large weights (a high learning rate or a
 * wide initialization) push the majority into the flat tails.
 */
const SATURATED_FRACTION = 0.5;

export const saturatedSigmoids: DiagnosisRule = {
  supersedes: [],
  check(history) {
    const parts = fractionFindingParts(history, 'saturated_fraction', SATURATED_FRACTION, 'of the sigmoid/tanh outputs saturated');
    if (parts === null) return null;
    return {
      severity: 'warning',
      title: 'Saturated sigmoids: most outputs sit in the flat tails, where gradients vanish',
      suggestion: 'Lower the learning rate, initialize smaller (--init xavier-uniform), or use --activation relu.',
      ...parts,
    };
  },
};
