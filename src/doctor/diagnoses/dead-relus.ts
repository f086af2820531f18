/** Dead ReLUs: units that output 0 for every input, so they pass back no gradient and never recover. */
import { fractionFindingParts } from '../layer-fractions.js';
import type { DiagnosisRule } from '../rule.js';

/**
 * Half of a layer's units dead on the probe batch at the end: the layer works at half its width. A
 * healthy ReLU network loses a few percent of its units; large steps (a high learning rate) or a
 * badly centred initialization push whole units below 0 for every input, where they stay.
 */
const DEAD_FRACTION = 0.5;

export const deadRelus: DiagnosisRule = {
  supersedes: [],
  check(history) {
    const parts = fractionFindingParts(history, 'dead_fraction', DEAD_FRACTION, 'of the ReLU units dead');
    if (parts === null) return null;
    return {
      severity: 'warning',
      title: 'Dead ReLUs: many units output 0 for every input',
      suggestion: 'Lower the learning rate, use --activation leaky-relu, or initialize for ReLU (--init kaiming-uniform).',
      ...parts,
    };
  },
};
