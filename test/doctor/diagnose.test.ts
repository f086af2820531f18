import { describe, expect, it } from 'vitest';
import { type Diagnosis, type DiagnosisId, diagnose, RunHistoryError, runHistory } from '../../src/doctor/index.js';
import type { RunLogRecord } from '../../src/train/run-log.js';
import { HEALTHY_LOSS, noise, syntheticRun } from './synthetic-run.js';

const ids = (records: RunLogRecord[]) => diagnose(records).map((d) => d.id);
function finding(records: RunLogRecord[], id: DiagnosisId): Diagnosis {
  const found = diagnose(records).find((d) => d.id === id);
  if (found === undefined) throw new Error(`expected ${id}, found ${ids(records).join(', ') || 'nothing'}`);
  return found;
}
const text = (d: Diagnosis) => [d.title, ...d.evidence, d.suggestion].join('\n');

/** A noisy level: the batch loss or accuracy of a run that does not learn. */
const flat = (level: number, spread = 0.01) => (step: number) => level * (1 + spread * noise(step));
const chanceAccuracy = (step: number) => 0.1 + 0.02 * noise(step + 7);

describe('diagnose on a healthy run', () => {
  it('finds nothing', () => {
    expect(diagnose(syntheticRun())).toEqual([]);
  });

  it('finds nothing in a run still going (no end record, or no batch yet) or a sigmoid network with a minority of saturated outputs', () => {
    expect(diagnose(syntheticRun({ end: null, lastStep: 250 }))).toEqual([]);
    expect(diagnose(syntheticRun().slice(0, 1))).toEqual([]);
    expect(diagnose(syntheticRun({ deadFraction: () => null, saturatedFraction: () => 0.3 }))).toEqual([]);
  });

  it('refuses records that are not a run log, and an empty one', () => {
    const [, ...withoutRun] = syntheticRun();
    expect(() => diagnose(withoutRun)).toThrow(RunHistoryError);
    expect(() => diagnose(withoutRun)).toThrow(/starts with its run record/);
    expect(() => diagnose([])).toThrow(/no records/);
  });
});

describe('a log that runs were appended to', () => {
  it('reads a resumed run as the continuation of the one it resumes, without the records past the resume point', () => {
    // Interrupted in epoch 3 with a NaN loss; resumed from the checkpoint of epoch 2 and completed.
    const interrupted = syntheticRun({ batchLoss: (step) => (step === 250 ? NaN : HEALTHY_LOSS(step)), lastStep: 250, end: 'interrupted' });
    const [resumeRecord, ...resumed] = syntheticRun({ initialEpoch: 2 });
    const history = runHistory([...interrupted, resumeRecord, ...resumed]);
    expect(history.run.initial_epoch).toBe(0);
    expect(history.batches.map((b) => b.step)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(history.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5]);
    expect(history.end?.status).toBe('completed');
    expect(diagnose([...interrupted, resumeRecord, ...resumed])).toEqual([]);
  });

  it('diagnoses only the last of several runs', () => {
    const diverging = syntheticRun({ batchLoss: (step) => (step === 250 ? NaN : HEALTHY_LOSS(step)) });
    expect(ids(diverging)).toContain('learning-rate-too-high');
    expect(diagnose([...diverging, ...syntheticRun()])).toEqual([]);
  });
});

describe('learning rate too high', () => {
  it('says at which step the loss turned NaN, as an error', () => {
    const d = finding(
      syntheticRun({ batchLoss: (step) => (step < 130 ? HEALTHY_LOSS(step) * (1 + step / 20) : NaN), lastStep: 130, end: 'diverged', endMessage: 'the loss is NaN at epoch 2, batch 30' }),
      'learning-rate-too-high',
    );
    expect(d.severity).toBe('error');
    expect(text(d)).toContain('The training loss is NaN at step 130 (epoch 2, batch 30).');
    expect(text(d)).toContain('Training stopped after epoch 1: the loss is NaN at epoch 2, batch 30');
    expect(d.suggestion).toMatch(/lower learning rate than 0\.1 \(try 0\.01\).*--clip-norm/);
    expect(d.measurements['step_not_finite']).toBe(130);
  });

  it('reads a NaN that JSON wrote as null', () => {
    const records = JSON.parse(JSON.stringify(syntheticRun({ batchLoss: (step) => (step === 220 ? NaN : HEALTHY_LOSS(step)) })));
    expect(text(finding(records, 'learning-rate-too-high'))).toContain('step 220 (epoch 3, batch 20)');
  });

  it('names the step of a spike above 1.5 times the initial loss, and the peak', () => {
    const initial = HEALTHY_LOSS(1);
    const records = syntheticRun({ batchLoss: (step) => (step === 50 ? 1.7 * initial : step === 51 ? 3 * initial : HEALTHY_LOSS(step)) });
    const d = finding(records, 'learning-rate-too-high');
    expect(d.severity).toBe('warning');
    expect(d.evidence[0]).toContain(`at step 50 (epoch 1, batch 50), 1.7 times its initial ${Number(initial.toPrecision(4))}`);
    expect(d.evidence[0]).toContain('peaked at');
    expect(d.measurements['spike_step']).toBe(50);
    expect(d.plot?.x).toEqual({ label: 'step', from: 1, to: 500 });
  });

  it('stays silent on a bump to 1.4 times the initial loss', () => {
    const initial = HEALTHY_LOSS(1);
    expect(ids(syntheticRun({ batchLoss: (step) => (step === 50 ? 1.4 * initial : HEALTHY_LOSS(step)) }))).not.toContain('learning-rate-too-high');
  });

  it('sees a loss that falls, climbs back and oscillates', () => {
    // Falls to 0.5 by step 100, then swings between 0.5 and 1.5 with a period of 100 steps.
    const oscillating = (step: number) => (step <= 100 ? 2.3 - 1.8 * (step / 100) : 1 - 0.5 * Math.cos((2 * Math.PI * (step - 100)) / 100));
    const d = finding(syntheticRun({ batchLoss: oscillating }), 'learning-rate-too-high');
    expect(d.evidence[0]).toMatch(/fell to 0\.5\d* at step 1\d\d .* climbed back to 0\.[78]\d* at step 1\d\d/);
  });

  it('stays silent when the loss comes back up by less than half of its low', () => {
    const wobbling = (step: number) => (step <= 100 ? 2.3 - 1.8 * (step / 100) : 0.6 - 0.1 * Math.cos((2 * Math.PI * (step - 100)) / 100));
    expect(ids(syntheticRun({ batchLoss: wobbling }))).not.toContain('learning-rate-too-high');
  });

  it('explains the plateau a diverging run falls onto, which is then not reported on its own', () => {
    const records = syntheticRun({ batchLoss: (step) => (step < 20 ? 2.3 : step < 30 ? 15 : flat(2.302)(step)), batchAcc: chanceAccuracy });
    expect(finding(records, 'learning-rate-too-high').severity).toBe('error');
    expect(finding(records, 'learning-rate-too-high').evidence.at(-1)).toMatch(/^It ends at 2\.[23]\d* \(smoothed\), no better than the untrained network's 2\.3/);
    expect(ids(records)).not.toContain('untrained-plateau');
  });

  it('sees a loss that training made worse and that stays above its start, as an error', () => {
    const d = finding(syntheticRun({ batchLoss: (step) => (step === 1 ? 2.37 : flat(2.7)(step)), batchAcc: chanceAccuracy }), 'learning-rate-too-high');
    expect(d.severity).toBe('error');
    expect(d.evidence[0]).toMatch(/^The running mean of the loss \(over up to \d+ points\) rose to 2\.6\d* at step 4 \(epoch 1, batch 4\), 1\.1\d* times its initial 2\.37/);
  });

  it('stays silent when the first steps go 5% above the start', () => {
    expect(ids(syntheticRun({ batchLoss: (step) => (step > 1 && step < 6 ? 1.05 * HEALTHY_LOSS(1) : HEALTHY_LOSS(step)) }))).toEqual([]);
  });
});

describe('learning rate too low', () => {
  const slow = (step: number) => (1.2 - 0.05 * (step / 500)) * (1 + 0.02 * noise(step));
  const moderateAccuracy = () => 0.6;

  it('says the loss barely moved, with its start and end and the rate', () => {
    const d = finding(syntheticRun({ batchLoss: slow, batchAcc: moderateAccuracy, config: { lr: 0.0001 } }), 'learning-rate-too-low');
    expect(d.severity).toBe('warning');
    expect(d.evidence[0]).toMatch(/^From step 1 \(epoch 1, batch 1\) to step 500 \(epoch 5, batch 100\) the training loss went from 1\.2\d* to 1\.1\d* \(-[0-4]\.\d%/);
    expect(d.evidence[1]).toBe('The learning rate is 1.00e-4.');
    expect(d.suggestion).toContain('try 0.001');
  });

  it('stays silent when the loss falls by more than a tenth, and on a resumed run', () => {
    const falling = (step: number) => 1.2 - 0.15 * (step / 500);
    expect(ids(syntheticRun({ batchLoss: falling, batchAcc: moderateAccuracy }))).not.toContain('learning-rate-too-low');
    expect(ids(syntheticRun({ batchLoss: slow, batchAcc: moderateAccuracy, initialEpoch: 2 }))).not.toContain('learning-rate-too-low');
  });

  it('does not judge a run of a few steps', () => {
    expect(ids(syntheticRun({ batchLoss: slow, batchAcc: moderateAccuracy, epochs: 1, batchesPerEpoch: 10 }))).not.toContain('learning-rate-too-low');
  });
});

describe('the untrained-network plateau', () => {
  it('says the loss sits at ln C with chance accuracy, with the numbers, and explains the flat loss', () => {
    const records = syntheticRun({ batchLoss: flat(2.302), batchAcc: chanceAccuracy, config: { lr: 1e-7, loss: 'cross-entropy' } });
    const d = finding(records, 'untrained-plateau');
    expect(d.severity).toBe('error');
    expect(d.title).toContain('ln(10)');
    expect(d.evidence[0]).toMatch(/^The training loss at epoch 5 is 2\.30\d*, 0\.\d% from ln\(10\) = 2\.303/);
    expect(d.evidence[1]).toMatch(/training accuracy is \d+\.\d%, chance is 1\/10 = 10\.0%/);
    expect(d.measurements['log_classes']).toBeCloseTo(Math.log(10), 12);
    expect(d.suggestion).toContain('(now 1.00e-7)');
    expect(d.plot?.series.map((s) => s.name)).toEqual(['loss', 'ln 10']);
    expect(ids(records)).not.toContain('learning-rate-too-low');
  });

  it('stays silent when the accuracy is above chance, the loss below ln C, or the loss not a cross-entropy', () => {
    expect(ids(syntheticRun({ batchLoss: flat(2.302), batchAcc: () => 0.35 }))).not.toContain('untrained-plateau');
    expect(ids(syntheticRun({ batchLoss: flat(2.0), batchAcc: chanceAccuracy }))).not.toContain('untrained-plateau');
    expect(ids(syntheticRun({ batchLoss: flat(2.302), batchAcc: chanceAccuracy, config: { loss: 'mse' } }))).not.toContain('untrained-plateau');
  });

  it('uses the number of classes of the run: ln 2 for two', () => {
    const d = finding(syntheticRun({ classes: 2, batchLoss: flat(0.693), batchAcc: () => 0.5 }), 'untrained-plateau');
    expect(d.title).toContain('ln(2)');
  });
});

describe('overfitting', () => {
  // Training loss falls every epoch; validation is lowest at epoch 4 (0.30) and back at 0.36 by epoch 8.
  const val = [0.9, 0.5, 0.35, 0.3, 0.31, 0.33, 0.35, 0.36];
  const train = [0.8, 0.4, 0.25, 0.18, 0.12, 0.08, 0.05, 0.03];
  const overfit = { epochs: 8, trainLoss: (e: number) => train[e - 1], valLoss: (e: number) => val[e - 1] };

  it('says from which epoch the validation loss rose and that the best epoch is the one before', () => {
    const d = finding(syntheticRun(overfit), 'overfitting');
    expect(d.title).toContain('from epoch 5');
    expect(d.evidence[0]).toBe('The validation loss was lowest at epoch 4 (0.3) and rose from epoch 5 on, to 0.36 at epoch 8 (+20.0%).');
    expect(d.evidence[1]).toBe('Meanwhile the training loss fell from 0.18 to 0.03.');
    expect(d.suggestion).toMatch(/^The best epoch is 4 .*train for 4 epochs/);
    expect(d.measurements['best_epoch']).toBe(4);
    expect(d.plot?.series.map((s) => s.name)).toEqual(['train', 'validation']);
  });

  it('stays silent on a rise of 3%, and when the training loss rises too', () => {
    const small = [0.9, 0.5, 0.35, 0.3, 0.302, 0.305, 0.307, 0.309];
    expect(ids(syntheticRun({ ...overfit, valLoss: (e) => small[e - 1] }))).not.toContain('overfitting');
    const rising = [0.8, 0.4, 0.25, 0.18, 0.2, 0.22, 0.24, 0.26];
    expect(ids(syntheticRun({ ...overfit, trainLoss: (e) => rising[e - 1] }))).not.toContain('overfitting');
  });

  it('needs validation losses', () => {
    expect(ids(syntheticRun({ ...overfit, valLoss: () => null }))).not.toContain('overfitting');
  });
});

describe('underfitting', () => {
  const loss = [1.6, 1.25, 1.15, 1.11, 1.1];
  const acc = [0.45, 0.55, 0.58, 0.6, 0.6];
  const underfit = { trainLoss: (e: number) => loss[e - 1], trainAcc: (e: number) => acc[e - 1], valAcc: (e: number) => acc[e - 1] - 0.01 };

  it('says training levelled off at a low training accuracy with no gap to validation', () => {
    const d = finding(syntheticRun(underfit), 'underfitting');
    expect(d.title).toContain('60.0% training accuracy');
    expect(d.evidence[0]).toBe('The training accuracy at epoch 5 is 60.0%, validation 59.0%: no gap, the network fits neither.');
    expect(d.evidence[1]).toMatch(/^The last epoch changed the training loss by -0\.9% \(1\.11 to 1\.1\)/);
    expect(d.suggestion).toContain('larger network');
  });

  it('stays silent at 85% training accuracy, while the loss still falls, or with an overfitting gap', () => {
    expect(ids(syntheticRun({ ...underfit, trainAcc: () => 0.85, valAcc: () => 0.84 }))).not.toContain('underfitting');
    const falling = [1.6, 1.25, 1.15, 1.11, 1.05];
    expect(ids(syntheticRun({ ...underfit, trainLoss: (e) => falling[e - 1] }))).not.toContain('underfitting');
    expect(ids(syntheticRun({ ...underfit, valAcc: (e) => acc[e - 1] - 0.1 }))).not.toContain('underfitting');
  });
});

describe('vanishing and exploding gradients', () => {
  it('reports the first-to-last gradient-norm ratio when it is below 1/100', () => {
    const d = finding(syntheticRun({ gradNorms: () => [3e-4, 0.01, 1] }), 'vanishing-gradients');
    expect(d.evidence[0]).toMatch(/^The gradient norm of layer 0 is 3\.00e-4 times that of layer 4/);
    expect(d.measurements['gradient_ratio']).toBeCloseTo(3e-4, 12);
    expect(d.plot?.x.label).toBe('step');
    expect(d.plot?.series[0].values[0]).toBeCloseTo(Math.log10(3e-4), 6);
    expect(ids(syntheticRun({ gradNorms: () => [3e-4, 0.01, 1] }))).not.toContain('exploding-gradients');
  });

  it('reports a ratio above 100 as exploding', () => {
    const d = finding(syntheticRun({ gradNorms: () => [250, 10, 1] }), 'exploding-gradients');
    expect(d.evidence[0]).toMatch(/^The gradient norm of layer 0 is 250 times that of layer 4/);
  });

  it('judges the second half of the run: a network that recovers from a bad start is not reported', () => {
    expect(ids(syntheticRun({ gradNorms: (step) => (step < 200 ? [1e-4, 0.1, 1] : [0.5, 0.5, 1]) }))).not.toContain('vanishing-gradients');
    expect(ids(syntheticRun({ gradNorms: (step) => (step < 200 ? [0.5, 0.5, 1] : [1e-4, 0.1, 1]) }))).toContain('vanishing-gradients');
  });

  it('stays silent on ratios of 0.02 and 50, and on a model with one layer', () => {
    expect(ids(syntheticRun({ gradNorms: () => [0.02, 0.1, 1] }))).not.toContain('vanishing-gradients');
    expect(ids(syntheticRun({ gradNorms: () => [50, 10, 1] }))).not.toContain('exploding-gradients');
    expect(ids(syntheticRun({ layers: ['0'], gradNorms: () => [1e-6] }))).toEqual([]);
  });

  it('falls back to the epoch records when no batch record has per-layer norms', () => {
    const records = syntheticRun({ gradNorms: () => [3e-4, 0.01, 1] }).map((r) => (r.event === 'batch' ? { ...r, layers: undefined } : r));
    expect(finding(records, 'vanishing-gradients').plot?.x).toEqual({ label: 'epoch', from: 1, to: 5 });
  });
});

describe('dead ReLUs and saturated sigmoids', () => {
  it('names the layer with half its ReLU units dead, and from which epoch', () => {
    const d = finding(syntheticRun({ deadFraction: (epoch, layer) => (layer === 1 ? [0.05, 0.3, 0.55, 0.6, 0.7][epoch - 1] : 0.02) }), 'dead-relus');
    expect(d.evidence).toEqual(['Layer 2 (Linear): 70.0% of the ReLU units dead at epoch 5 (5.0% at epoch 1; 50.0% or more from epoch 3 on).']);
    expect(d.plot?.series.map((s) => s.name)).toEqual(['layer 2']);
  });

  it('names the layers with most of their sigmoid outputs saturated', () => {
    const d = finding(syntheticRun({ deadFraction: () => null, saturatedFraction: () => 0.8 }), 'saturated-sigmoids');
    expect(d.evidence).toHaveLength(2);
    expect(d.evidence[0]).toMatch(/^Layer 0 \(Linear\): 80\.0% of the sigmoid\/tanh outputs saturated at epoch 5/);
  });

  it('stays silent below half', () => {
    expect(ids(syntheticRun({ deadFraction: () => 0.45 }))).toEqual([]);
    expect(ids(syntheticRun({ deadFraction: () => null, saturatedFraction: () => 0.45 }))).toEqual([]);
  });
});

describe('the report', () => {
  it('puts errors first and keeps warnings that explain something else', () => {
    const records = syntheticRun({
      batchLoss: (step) => (step < 250 ? HEALTHY_LOSS(step) : NaN),
      lastStep: 250,
      end: 'diverged',
      deadFraction: () => 0.9,
    });
    const found = ids(records);
    expect(found[0]).toBe('learning-rate-too-high');
    expect(found).toContain('dead-relus');
  });

});
