/** Overfitting: the validation loss turns up while the training loss goes on falling. */
import { epochCurve, plotOf } from '../curve.js';
import { num, percent } from '../format.js';
import type { DiagnosisRule } from '../rule.js';

/**
 * The validation loss of the last epoch at least 5% above its lowest: epoch-to-epoch jitter of a
 * converged run's validation loss is a percent or two (the split holds thousands of samples); a
 * sustained climb of 5% while the training loss falls is the network memorizing its training set.
 */
const OVERFIT_RISE = 0.05;
/** A best epoch, one after it, and the last: fewer epochs cannot show a turn. */
const MIN_EPOCHS = 3;

export const overfitting: DiagnosisRule = {
  supersedes: ['underfitting'],
  check(history) {
    const { epochs } = history;
    if (epochs.length < MIN_EPOCHS) return null;
    const val = epochs.map((e) => e.val_loss ?? NaN);
    if (!val.every(Number.isFinite)) return null;
    const best = val.reduce((b, v, i) => (v < val[b] ? i : b), 0);
    const last = epochs.length - 1;
    const rise = (val[last] - val[best]) / val[best];
    const [bestEpoch, lastEpoch] = [epochs[best], epochs[last]];
    if (best === last || !(rise >= OVERFIT_RISE) || !(lastEpoch.train_loss < bestEpoch.train_loss)) return null;

    const evidence = [
      `The validation loss was lowest at epoch ${bestEpoch.epoch} (${num(val[best])}) and rose from epoch ${epochs[best + 1].epoch} on, to ${num(val[last])} at epoch ${lastEpoch.epoch} (+${percent(rise)}).`,
      `Meanwhile the training loss fell from ${num(bestEpoch.train_loss)} to ${num(lastEpoch.train_loss)}.`,
    ];
    if (lastEpoch.train_acc !== null && lastEpoch.val_acc !== null) {
      evidence.push(`Training accuracy ${percent(lastEpoch.train_acc)} against validation ${percent(lastEpoch.val_acc)} at epoch ${lastEpoch.epoch}.`);
    }
    return {
      severity: 'warning',
      title: `Overfitting from epoch ${epochs[best + 1].epoch}: the validation loss rises while the training loss falls`,
      evidence,
      suggestion:
        `The best epoch is ${bestEpoch.epoch}${bestEpoch.val_acc === null ? '' : ` (validation accuracy ${percent(bestEpoch.val_acc)})`}: train for ${bestEpoch.epoch} epochs, ` +
        'or regularize (--weight-decay 5e-4, --dropout 0.2) or train on more data.',
      measurements: { best_epoch: bestEpoch.epoch, best_val_loss: val[best], last_val_loss: val[last], relative_rise: rise },
      plot: plotOf('loss per epoch', [
        { name: 'train', curve: epochCurve(history, epochs.map((e) => e.train_loss)) },
        { name: 'validation', curve: epochCurve(history, val) },
      ]),
    };
  },
};
