/**
 * The untrained-network plateau: a classifier's cross-entropy stuck at ln C with accuracy at chance,
 * 1/C. That is the loss of predicting the uniform distribution for every input: the network's output
 * does not depend on its input (yet).
 */
import { epochCurve, finiteMean, plotOf, trainingLoss } from '../curve.js';
import { num, percent } from '../format.js';
import { classCount, learningRate, lossName, type RunHistory } from '../history.js';
import type { DiagnosisRule } from '../rule.js';

/**
 * Within 5% of ln C (±0.115 for 10 classes): an untrained network starts there up to the spread of
 * its initial logits, and a network that has learned anything at all is below it (the default MLP on
 * MNIST is under 0.5 after one epoch).
 */
const LOSS_TOLERANCE = 0.05;
/** Accuracy below 2/C: the most frequent class alone scores about 1/C on MNIST's balanced classes. */
const CHANCE_FACTOR = 2;
/** Batches the end level averages when the log has no epoch records. */
const LAST_BATCHES = 20;

/** The training loss and accuracy the run ended with, and where. */
function endLevel(history: RunHistory): { loss: number; acc: number | null; where: string } | null {
  const last = history.epochs.at(-1);
  if (last !== undefined) return { loss: last.train_loss, acc: last.train_acc, where: `epoch ${last.epoch}` };
  const batches = history.batches.slice(-LAST_BATCHES);
  if (batches.length === 0) return null;
  const accs = batches.map((b) => b.acc);
  return {
    loss: finiteMean(batches.map((b) => b.loss)),
    acc: accs.every((a) => a !== null) ? finiteMean(accs as number[]) : null,
    where: `the last ${batches.length} batches (to step ${batches.at(-1)!.step})`,
  };
}

export const untrainedPlateau: DiagnosisRule = {
  supersedes: ['learning-rate-too-low', 'underfitting'],
  check(history) {
    const classes = classCount(history);
    if (classes === null || classes < 2 || lossName(history) !== 'cross-entropy') return null;
    const level = endLevel(history);
    if (level === null || level.acc === null) return null;
    const plateau = Math.log(classes);
    const off = Math.abs(level.loss - plateau) / plateau;
    if (!(off <= LOSS_TOLERANCE) || !(level.acc < CHANCE_FACTOR / classes)) return null;

    const last = history.epochs.at(-1);
    const lr = learningRate(history);
    const evidence = [
      `The training loss at ${level.where} is ${num(level.loss)}, ${percent(off)} from ln(${classes}) = ${num(plateau)}, the loss of predicting 1/${classes} for every class.`,
      `The training accuracy is ${percent(level.acc)}, chance is 1/${classes} = ${percent(1 / classes)}` +
        (last?.val_acc != null ? `; validation accuracy ${percent(last.val_acc)}.` : '.'),
      'The network gives (nearly) the same output whatever its input: it has not started learning.',
    ];
    const curve = history.epochs.length > 1 ? epochCurve(history, history.epochs.map((e) => e.train_loss)) : trainingLoss(history);
    return {
      severity: 'error',
      title: `The loss is stuck at ln(${classes}) with chance accuracy: the network has not learned anything`,
      evidence,
      suggestion:
        `Train for more steps (a sigmoid network can sit here for its first few hundred) or raise the learning rate${lr === null ? '' : ` (now ${num(lr)})`}; ` +
        'check that the initialization breaks the symmetry between units (not --init constant), and that the inputs are scaled and the labels belong to them.',
      measurements: { loss: level.loss, log_classes: plateau, accuracy: level.acc, chance: 1 / classes, ...(lr === null ? {} : { lr }) },
      plot:
        curve === null
          ? null
          : plotOf('training loss', [
              { name: 'loss', curve },
              { name: `ln ${classes}`, curve: { ...curve, values: curve.values.map(() => plateau) } },
            ]),
    };
  },
};
