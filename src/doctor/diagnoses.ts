/** The table of diagnoses, keyed by id: the compiler refuses an id without its rule. */
import type { DiagnosisId } from './diagnosis.js';
import { deadRelus } from './diagnoses/dead-relus.js';
import { explodingGradients } from './diagnoses/exploding-gradients.js';
import { learningRateTooHigh } from './diagnoses/learning-rate-too-high.js';
import { learningRateTooLow } from './diagnoses/learning-rate-too-low.js';
import { overfitting } from './diagnoses/overfitting.js';
import { saturatedSigmoids } from './diagnoses/saturated-sigmoids.js';
import { underfitting } from './diagnoses/underfitting.js';
import { untrainedPlateau } from './diagnoses/untrained-plateau.js';
import { vanishingGradients } from './diagnoses/vanishing-gradients.js';
import type { DiagnosisRule } from './rule.js';

export const DIAGNOSES: { readonly [Id in DiagnosisId]: DiagnosisRule } = {
  'learning-rate-too-high': learningRateTooHigh,
  'untrained-plateau': untrainedPlateau,
  'learning-rate-too-low': learningRateTooLow,
  'exploding-gradients': explodingGradients,
  'vanishing-gradients': vanishingGradients,
  'dead-relus': deadRelus,
  'saturated-sigmoids': saturatedSigmoids,
  overfitting,
  underfitting,
};
