/** Learning rate too low: after many steps the loss is about where it started. */
import { finiteMean, plotOf, trainingLoss } from '../curve.js';
import { num, percent } from '../format.js';
import { learningRate } from '../history.js';
import type { DiagnosisRule } from '../rule.js';

/**
 * The loss barely moves when its level at the end is within 10% of its level at the start. A healthy
 * run's loss falls by far more in its first epoch (the default MLP on MNIST: from 2.3 to below 0.5);
 * one that moves less than a tenth over the whole run takes steps too small to get anywhere.
 */
const BARELY_MOVES = 0.1;
/** Too short a run to judge: fewer batches, or epochs when the log has only epoch records. */
const MIN_STEPS = 20;
const MIN_EPOCHS = 2;
/** The start and end levels average this fraction of the curve (at least one point), to take the batch noise off. */
const LEVEL_FRACTION = 0.05;

export const learningRateTooLow: DiagnosisRule = {
  supersedes: ['underfitting'],
  check(history) {
    // A resumed run starts from trained weights, where a loss that barely moves is the expected end of training.
    if (history.run.initial_epoch > 0) return null;
    const curve = trainingLoss(history);
    if (curve === null || curve.values.length < (curve.x === 'step' ? MIN_STEPS : MIN_EPOCHS)) return null;
    const n = curve.values.length;
    const window = Math.max(1, Math.round(n * LEVEL_FRACTION));
    const start = finiteMean(curve.values, 0, window);
    const end = finiteMean(curve.values, n - window);
    if (!(start > 0) || !Number.isFinite(end)) return null;
    const change = (end - start) / start;
    if (Math.abs(change) >= BARELY_MOVES) return null;

    const lr = learningRate(history);
    const span = `${curve.where(0)} to ${curve.where(n - 1)}`;
    return {
      severity: 'warning',
      title: 'The learning rate is too low: the loss barely moves',
      evidence: [
        `From ${span} the training loss went from ${num(start)} to ${num(end)} (${change <= 0 ? '' : '+'}${percent(change)}; a learning run falls by far more than ${percent(BARELY_MOVES)}).`,
        ...(lr === null ? [] : [`The learning rate is ${num(lr)}.`]),
      ],
      suggestion: `Raise the learning rate${lr === null ? '' : ` (try ${num(lr * 10)})`}, or find one with \`nabla lr-find\`.`,
      measurements: { start_loss: start, end_loss: end, relative_change: change, ...(lr === null ? {} : { lr }) },
      plot: plotOf('training loss', [{ name: 'loss', curve }]),
    };
  },
};
