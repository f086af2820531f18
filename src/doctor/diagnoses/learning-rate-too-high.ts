/**
 * Learning rate too high: the loss turns NaN or infinite, jumps above where it started, or climbs
 * back up from its low and oscillates: the steps overshoot the minimum they are heading for.
 */
import { type Curve, finiteMean, movingAverage, plotOf, trainingLoss } from '../curve.js';
import { num } from '../format.js';
import { learningRate, type RunHistory } from '../history.js';
import type { DiagnosisRule } from '../rule.js';

/**
 * An untrained classifier starts at about its worst plausible loss (ln C for cross-entropy), and a
 * healthy run only goes down from there: in the default MLP's runs on MNIST no batch after the first
 * went more than 2% above the first batch's loss. So one batch above 1.5 times the initial loss is a
 * spike, and the loss averaged over a few batches above 1.1 times it is training making it worse (a
 * rate of 5 for the default MLP does that within two steps, and leaves its sigmoids saturated).
 */
const SPIKE_FACTOR = 1.5;
const SUSTAINED_FACTOR = 1.1;
/**
 * The smoothed loss rebounds when it climbs to 1.5 times its lowest value so far and by at least a
 * tenth of the initial loss: a healthy curve's smoothed noise is a few percent of its level, and the
 * absolute floor keeps the jitter of a loss already near 0 from counting.
 */
const REBOUND_FACTOR = 1.5;
const REBOUND_MIN_RISE = 0.1;
/** A run that ends above 90% of its initial loss has not recovered from the rate: an error, not a warning. */
const NOT_RECOVERED = 0.9;
/**
 * Points of the trailing mean that smooths the curve: 5% of it, at least 20. A batch loss has
 * sampling noise: with batches of 20 and a loss near 0.5, means of 5 batches were seen to swing
 * 1.5 times between neighbours on a healthy run.
 */
const smoothingWindow = (points: number) => Math.max(20, Math.round(points / 20));

interface Signs {
  evidence: string[];
  measurements: Record<string, number>;
  diverged: boolean;
}

/** The loss or a gradient that is not a finite number, and a run that stopped because of it. */
function divergence(history: RunHistory, curve: Curve | null, signs: Signs): void {
  const nonFinite = curve?.values.findIndex((v) => !Number.isFinite(v)) ?? -1;
  const badGradient = history.batches.findIndex((b) => !Number.isFinite(b.grad_norm));
  if (curve !== null && nonFinite >= 0) {
    signs.evidence.push(`The training loss is ${curve.values[nonFinite]} at ${curve.where(nonFinite)}.`);
    signs.measurements[`${curve.x}_not_finite`] = curve.at[nonFinite];
    signs.diverged = true;
  } else if (badGradient >= 0) {
    const b = history.batches[badGradient];
    signs.evidence.push(`The gradient norm is ${b.grad_norm} at step ${b.step} (epoch ${b.epoch}, batch ${b.batch}).`);
    signs.measurements['step_not_finite'] = b.step;
    signs.diverged = true;
  }
  if (history.end?.status === 'diverged') {
    signs.evidence.push(`Training stopped after epoch ${history.end.epoch}: ${history.end.message ?? 'it diverged'}.`);
    signs.diverged = true;
  }
}

/** A batch well above the initial loss, the smoothed loss above it, or the smoothed loss climbing back up from its low. */
function overshoot(curve: Curve, initial: number, smooth: number[], signs: Signs): void {
  const { values, where, at, x } = curve;
  const spike = values.findIndex((v, i) => i > 0 && v > SPIKE_FACTOR * initial);
  if (spike > 0) {
    const peak = values.reduce((best, v, i) => (v > values[best] ? i : best), spike);
    signs.evidence.push(
      `The loss rose to ${num(values[spike])} at ${where(spike)}, ${num(values[spike] / initial)} times its initial ${num(initial)}` +
        (peak !== spike ? `, and peaked at ${num(values[peak])} at ${where(peak)}.` : '.'),
    );
    Object.assign(signs.measurements, { [`spike_${x}`]: at[spike], spike_loss: values[spike], peak_loss: values[peak] });
    return;
  }
  const above = smooth.findIndex((v, i) => i > 0 && v > SUSTAINED_FACTOR * initial);
  if (above > 0) {
    signs.evidence.push(
      `The running mean of the loss (over up to ${smoothingWindow(values.length)} points) rose to ${num(smooth[above])} at ${where(above)}, ` +
        `${num(smooth[above] / initial)} times its initial ${num(initial)}: the first steps made it worse.`,
    );
    Object.assign(signs.measurements, { [`rise_${x}`]: at[above], rise_loss: smooth[above] });
    return;
  }
  let low = 0;
  for (let i = 1; i < smooth.length; i++) {
    if (!Number.isFinite(smooth[i])) continue;
    if (smooth[i] < smooth[low]) low = i;
    else if (smooth[i] > REBOUND_FACTOR * smooth[low] && smooth[i] - smooth[low] > REBOUND_MIN_RISE * initial) {
      signs.evidence.push(`The smoothed loss fell to ${num(smooth[low])} at ${where(low)} and climbed back to ${num(smooth[i])} at ${where(i)}: it oscillates instead of settling.`);
      Object.assign(signs.measurements, { [`low_${x}`]: at[low], low_loss: smooth[low], [`rebound_${x}`]: at[i], rebound_loss: smooth[i] });
      return;
    }
  }
}

export const learningRateTooHigh: DiagnosisRule = {
  supersedes: ['learning-rate-too-low', 'untrained-plateau', 'underfitting'],
  check(history) {
    const curve = trainingLoss(history);
    const signs: Signs = { evidence: [], measurements: {}, diverged: false };
    divergence(history, curve, signs);
    let recovered = true;
    if (curve !== null && curve.values.length > 1 && Number.isFinite(curve.values[0]) && curve.values[0] > 0) {
      const initial = curve.values[0];
      const smooth = movingAverage(curve.values, smoothingWindow(curve.values.length));
      signs.measurements['initial_loss'] = initial;
      overshoot(curve, initial, smooth, signs);
      const final = finiteMean(smooth, smooth.length - 1);
      recovered = final < NOT_RECOVERED * initial;
      if (signs.evidence.length > 0 && !recovered && Number.isFinite(final)) {
        signs.evidence.push(`It ends at ${num(final)} (smoothed), no better than the untrained network's ${num(initial)}.`);
      }
    }
    if (signs.evidence.length === 0) return null;

    const lr = learningRate(history);
    if (lr !== null) signs.measurements['lr'] = lr;
    const rate = lr === null ? 'a lower learning rate' : `a lower learning rate than ${num(lr)} (try ${num(lr / 10)})`;
    const broken = signs.diverged || !recovered;
    return {
      severity: broken ? 'error' : 'warning',
      title: signs.diverged ? 'The learning rate is too high: the loss diverged' : 'The learning rate is too high: the loss rises or oscillates',
      evidence: signs.evidence,
      suggestion: `Train with ${rate}, or clip the gradients (--clip-norm 1).`,
      measurements: signs.measurements,
      plot: curve === null ? null : plotOf('training loss', [{ name: 'loss', curve }]),
    };
  },
};
