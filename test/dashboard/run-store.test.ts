import { describe, expect, it } from 'vitest';
import { activationCurves, batchCurves, epochCurves, histogramCurves, histogramLayers, layerNormCurves } from '../../src/dashboard/curves.js';
import { latestEpoch, runStatus, RunStore, RunStoreError } from '../../src/dashboard/run-store.js';
import type { BatchLogRecord, RunLogRecord } from '../../src/train/run-log.js';
import { batchRecord, endRecord, epochRecord, LAYERS, runRecord, syntheticRun } from './synthetic-run.js';

function storeOf(runs: Record<string, RunLogRecord[]>): RunStore {
  const store = new RunStore();
  for (const [id, records] of Object.entries(runs)) {
    store.add(id, id);
    for (const record of records) store.ingest(id, record);
  }
  return store;
}

describe('RunStore', () => {
  it('keeps the per-batch series of a run in step order, with the layer norms of the batches that carry them', () => {
    const records = syntheticRun({ epochs: 2, batchesPerEpoch: 3 });
    const withoutNorms = { ...(records[2] as BatchLogRecord) };
    delete withoutNorms.layers;
    records[2] = withoutNorms;
    const run = storeOf({ a: records }).get('a');
    const batches = records.filter((r): r is BatchLogRecord => r.event === 'batch');
    expect(run.steps).toEqual([1, 2, 3, 4, 5, 6]);
    expect(run.loss).toEqual(batches.map((b) => b.loss));
    expect(run.lr).toEqual(batches.map((b) => b.lr));
    expect(run.layerNorms.steps).toEqual([1, 3, 4, 5, 6]);
    expect(run.layerNorms.weightNorms).toHaveLength(LAYERS.length);
    expect(run.layerNorms.gradNorms[1]).toEqual(batches.filter((b) => b.layers).map((b) => b.layers![1]!.grad_norm));
    expect(run.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(latestEpoch(run)?.epoch).toBe(2);
    expect(run.records).toEqual(records);
  });

  it('reads null (how JSON writes NaN and the infinities) as NaN', () => {
    const diverged = { ...batchRecord(1, 2, 2, 1), loss: null, grad_norm: null } as unknown as BatchLogRecord;
    const run = storeOf({ a: [runRecord(), batchRecord(1, 1, 1, 2.3), diverged] }).get('a');
    expect(run.loss[0]).toBe(2.3);
    expect(run.loss[1]).toBeNaN();
    expect(run.gradNorm[1]).toBeNaN();
  });

  it('tells a run waiting for records, training, and ended with its status', () => {
    const store = new RunStore();
    const run = store.add('a', 'a');
    expect(runStatus(run)).toBe('waiting');
    store.ingest('a', runRecord());
    store.ingest('a', batchRecord(1, 1, 1, 2));
    expect(runStatus(run)).toBe('training');
    store.ingest('a', { ...endRecord(1), status: 'diverged', message: 'loss became NaN at step 2' });
    expect(runStatus(run)).toBe('diverged');
  });

  it('tells a finished log without an end record (a killed run) from a run still training', () => {
    const store = new RunStore();
    store.add('k', 'killed', false);
    for (const record of syntheticRun({ ended: false })) store.ingest('k', record);
    expect(runStatus(store.get('k'))).toBe('unfinished');
  });

  it('continues a resumed run from the epoch it resumed from, dropping what the interrupted run logged after it', () => {
    const interrupted = syntheticRun({ epochs: 3, batchesPerEpoch: 2, ended: false }).slice(0, -1);
    const resumed = { ...runRecord({ epochs: 4, batchesPerEpoch: 2 }), initial_epoch: 2 };
    const continued = [batchRecord(3, 1, 5, 0.3), batchRecord(3, 2, 6, 0.2), epochRecord(3), endRecord(3)];
    const run = storeOf({ a: [...interrupted, resumed, ...continued] }).get('a');
    expect(run.steps).toEqual([1, 2, 3, 4, 5, 6]);
    expect(run.loss.slice(4)).toEqual([0.3, 0.2]);
    expect(run.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(run.layerNorms.steps).toEqual([1, 2, 3, 4, 5, 6]);
    expect(run.run?.epochs).toBe(4);
    expect(runStatus(run)).toBe('completed');
    expect(run.records).toHaveLength(interrupted.length + 1 + continued.length);
  });

  it('begins the history again at a later run record that starts from epoch 0', () => {
    const run = storeOf({ a: [...syntheticRun({ epochs: 1, batchesPerEpoch: 3 }), runRecord(), batchRecord(1, 1, 1, 1.5)] }).get('a');
    expect(run.steps).toEqual([1]);
    expect(run.loss).toEqual([1.5]);
    expect(run.epochs).toEqual([]);
    expect(runStatus(run)).toBe('training');
  });

  it('counts batch and epoch-level records apart, so views redraw only what changed', () => {
    const store = storeOf({ a: [runRecord()] });
    const run = store.get('a');
    const before = { batch: run.batchVersion, epoch: run.epochVersion };
    store.ingest('a', batchRecord(1, 1, 1, 2));
    expect([run.batchVersion, run.epochVersion]).toEqual([before.batch + 1, before.epoch]);
    store.ingest('a', epochRecord(1));
    expect([run.batchVersion, run.epochVersion]).toEqual([before.batch + 1, before.epoch + 1]);
  });

  it('refuses records out of order, of a newer version, or of an unknown run, naming the run and the record', () => {
    const store = new RunStore();
    store.add('a', 'first run');
    expect(() => store.ingest('a', batchRecord(1, 1, 1, 2))).toThrow(new RunStoreError('run "first run", record 1: a "batch" record came before the "run" record that must open the log'));
    expect(() => store.ingest('a', { ...runRecord(), version: 99 })).toThrow(/version 99, newer than this dashboard's 1; update nabla/);
    store.ingest('a', runRecord());
    expect(() => store.ingest('a', { event: 'checkpoint' } as unknown as RunLogRecord)).toThrow(/record 2: unknown event "checkpoint"/);
    expect(() => store.ingest('a', { ...batchRecord(1, 1, 1, 2), layers: [{ weight_norm: 1, grad_norm: 1 }] })).toThrow(/step 1: 1 layer norms, but the run record lists 2 layers/);
    expect(() => store.ingest('b', runRecord())).toThrow(/no run "b"/);
    expect(() => store.add('a', 'again')).toThrow(/already in the dashboard/);
  });
});

describe('dashboard curves', () => {
  const store = storeOf({ fast: syntheticRun({ epochs: 3, batchesPerEpoch: 4 }), slow: syntheticRun({ epochs: 2, batchesPerEpoch: 4, ended: false }) });
  const runs = store.runs();

  it('draws one curve per run of each per-batch series, in a colour of its own', () => {
    const curves = batchCurves(runs, 'loss');
    expect(curves.map((c) => c.label)).toEqual(['fast', 'slow']);
    expect(curves.map((c) => c.x.length)).toEqual([12, 8]);
    expect(curves[0]!.y).toEqual(store.get('fast').loss);
    expect(new Set(curves.map((c) => c.color)).size).toBe(2);
  });

  it('draws training and validation per epoch, validation dashed in the same colour', () => {
    const curves = epochCurves(runs, 'acc');
    expect(curves.map((c) => c.label)).toEqual(['fast train', 'fast validation', 'slow train', 'slow validation']);
    expect(curves[1]!.color).toBe(curves[0]!.color);
    expect(curves[1]!.dash).toBeDefined();
    expect(curves[0]!.y).toEqual(store.get('fast').epochs.map((e) => e.train_acc));
    expect(curves[3]!.x).toEqual([1, 2]);
  });

  it('leaves out the validation curve of a run without a validation split', () => {
    const noValidation = storeOf({ a: [runRecord(), { ...epochRecord(1), val_loss: null, val_acc: null }] });
    expect(epochCurves(noValidation.runs(), 'loss').map((c) => c.label)).toEqual(['a train']);
  });

  it('draws a curve per run and layer for the layer statistics, labelled with the run when several overlay', () => {
    const norms = layerNormCurves(runs, 'gradNorms');
    expect(norms.map((c) => c.label)).toEqual(['fast · 0 Linear', 'fast · 2 Linear', 'slow · 0 Linear', 'slow · 2 Linear']);
    expect(norms[0]!.color).toBe(norms[2]!.color);
    expect(norms[2]!.dash).toBeDefined();
    expect(norms[1]!.y).toEqual(store.get('fast').layerNorms.gradNorms[1]);
    const single = activationCurves([store.get('fast')], 'act_std');
    expect(single.map((c) => c.label)).toEqual(['0 Linear', '2 Linear']);
    expect(single[0]!.y).toEqual(store.get('fast').epochs.map((e) => e.layers[0]!.act_std));
  });

  it("draws each run's latest weight histogram as a density that integrates to 1", () => {
    expect(histogramLayers(runs)).toEqual(['0', '2']);
    const [fast, slow] = histogramCurves(runs, '0');
    expect(fast!.label).toBe('fast epoch 3');
    expect(slow!.label).toBe('slow epoch 2');
    const { min, max, counts } = store.get('fast').epochs.at(-1)!.layers[0]!.histogram;
    expect(fast!.x).toHaveLength(counts.length + 1);
    expect(fast!.x[0]).toBe(min);
    expect(fast!.x.at(-1)).toBe(max);
    const area = fast!.y.slice(0, -1).reduce((sum: number, density, i) => sum + density! * (fast!.x[i + 1]! - fast!.x[i]!), 0);
    expect(area).toBeCloseTo(1, 12);
    expect(histogramCurves(runs, 'no such layer')).toEqual([]);
  });
});
