/** Underfitting: training has levelled off while the network still gets much of its own training data wrong. */
import { epochCurve, plotOf } from '../curve.js';
import { num, percent } from '../format.js';
import type { DiagnosisRule } from '../rule.js';

/**
 * Training accuracy below 80% at the end. The default MLP fits 97% of MNIST's training digits and
 * about 88% of Fashion-MNIST's; a network under 80% on data it has seen is too small (or too
 * constrained) for the task.
 */
const LOW_ACCURACY = 0.8;
/**
 * Levelled off: the last epoch lowered the training loss by less than 5%. A network that is merely
 * undertrained still gains tens of percent an epoch (the default MLP on 12,000 digits: 39% in its
 * third); one that is too small for the task creeps (2 hidden units: 3.6% in its fifth).
 */
const LEVELLED = 0.05;
/** Validation accuracy within 5 points of training accuracy: no overfitting gap, the error is bias. */
const GAP = 0.05;
const MIN_EPOCHS = 3;

export const underfitting: DiagnosisRule = {
  supersedes: [],
  check(history) {
    const { epochs } = history;
    if (epochs.length < MIN_EPOCHS) return null;
    const [previous, last] = [epochs.at(-2)!, epochs.at(-1)!];
    if (last.train_acc === null || !(last.train_acc < LOW_ACCURACY)) return null;
    const improvement = (previous.train_loss - last.train_loss) / previous.train_loss;
    if (!(improvement < LEVELLED)) return null;
    if (last.val_acc !== null && !(last.train_acc - last.val_acc < GAP)) return null;

    return {
      severity: 'warning',
      title: `Underfitting: training has levelled off at ${percent(last.train_acc)} training accuracy`,
      evidence: [
        `The training accuracy at epoch ${last.epoch} is ${percent(last.train_acc)}` + (last.val_acc === null ? '.' : `, validation ${percent(last.val_acc)}: no gap, the network fits neither.`),
        `The last epoch changed the training loss by ${percent(-improvement)} (${num(previous.train_loss)} to ${num(last.train_loss)}): it has levelled off.`,
      ],
      suggestion: 'Use a larger network (more or wider layers: --hidden), train longer or with a higher learning rate, and drop regularization (--dropout, --weight-decay).',
      measurements: { train_accuracy: last.train_acc, last_improvement: improvement, ...(last.val_acc === null ? {} : { val_accuracy: last.val_acc }) },
      plot: plotOf('accuracy per epoch', [
        { name: 'train', curve: epochCurve(history, epochs.map((e) => e.train_acc ?? NaN)) },
        ...(last.val_acc === null ? [] : [{ name: 'validation', curve: epochCurve(history, epochs.map((e) => e.val_acc ?? NaN)) }]),
      ]),
    };
  },
};
