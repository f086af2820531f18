import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'nabla-checkpoint-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CONFIG: nb.MlpConfig = { inputSize: 12, hiddenSizes: [8, 6], outputSize: 4, activation: 'tanh' };
const input = () => nb.randn([5, 12], { generator: new nb.Generator(99) });

/** Reads the JSON header of a safetensors file by hand: 8-byte little-endian length, then JSON. */
function header(path: string): Record<string, unknown> {
  const bytes = readFileSync(path);
  const length = Number(bytes.readBigUInt64LE(0));
  return JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, unknown>;
}

describe('saveModel / loadCheckpoint', () => {
  it('round-trips the config, every tensor and the metadata', async () => {
    const model = nb.mlp(CONFIG, { generator: new nb.Generator(1) });
    const path = join(tmp, 'model.safetensors');
    nb.saveModel(path, model, CONFIG, { dataset: 'fashion-mnist', test_acc: '0.875' });
    const loaded = nb.loadCheckpoint<nb.MlpConfig>(path);

    expect(loaded.config).toEqual(CONFIG);
    expect(loaded.metadata.dataset).toBe('fashion-mnist');
    expect(loaded.metadata.test_acc).toBe('0.875');
    expect(JSON.parse(loaded.metadata.config)).toEqual(CONFIG);

    const state = model.stateDict();
    expect(Object.keys(loaded.stateDict).sort()).toEqual(Object.keys(state).sort());
    for (const [name, t] of Object.entries(state)) {
      const got = loaded.stateDict[name];
      expect([...got.shape], name).toEqual([...t.shape]);
      expect(got.dtype, name).toBe('float32');
      expect(Array.from(got.toTypedArray()), name).toEqual(Array.from(t.toTypedArray()));
    }
  });

  it('writes a standard safetensors file with PyTorch-style names, F32 tensors and string metadata', async () => {
    const model = nb.mlp(CONFIG, { generator: new nb.Generator(2) });
    const path = join(tmp, 'plain.safetensors');
    nb.saveModel(path, model, CONFIG, { epochs: '3' });
    const h = header(path);
    const names = Object.keys(h).filter((k) => k !== '__metadata__').sort();
    expect(names).toEqual(['0.bias', '0.weight', '2.bias', '2.weight', '4.bias', '4.weight']);
    expect(h['0.weight']).toMatchObject({ dtype: 'F32', shape: [8, 12] });
    expect(h['4.bias']).toMatchObject({ dtype: 'F32', shape: [4] });
    const meta = h['__metadata__'] as Record<string, string>;
    expect(meta.epochs).toBe('3');
    expect(JSON.parse(meta.config)).toEqual(CONFIG);
    for (const v of Object.values(meta)) expect(typeof v).toBe('string');
  });

  it('rebuilding mlp(config) and loading the state dict reproduces the outputs exactly', async () => {
    const model = nb.mlp(CONFIG, { init: 'xavier-normal', generator: new nb.Generator(3) });
    // Train one step so the weights are not just the initializer's.
    const optimizer = new nb.SGD(model.parameters(), { lr: 0.5 });
    nb.crossEntropy(model.forward(input()), nb.tensor([0, 1, 2, 3, 0], { dtype: 'int32' })).backward();
    optimizer.step();

    const path = join(tmp, 'trained.safetensors');
    nb.saveModel(path, model, CONFIG);
    const { config, stateDict } = nb.loadCheckpoint<nb.MlpConfig>(path);
    const rebuilt = nb.mlp(config, { generator: new nb.Generator(12345) });
    const x = input();
    expect(Array.from(rebuilt.forward(x).toTypedArray())).not.toEqual(Array.from(model.forward(x).toTypedArray()));
    rebuilt.loadStateDict(stateDict);
    expect(Array.from(rebuilt.forward(x).toTypedArray())).toEqual(Array.from(model.forward(x).toTypedArray()));
  });

  it('round-trips a float64 model and an arbitrary JSON config', async () => {
    class Tiny extends nb.Module {
      layer = new nb.Linear(3, 2, { dtype: 'float64', generator: new nb.Generator(4) });
      forward(x: nb.Tensor) { return this.layer.forward(x); }
    }
    const model = new Tiny();
    const config = { kind: 'tiny', sizes: [3, 2], nested: { ok: true, note: 'line\nbreak "quoted"' } };
    const path = join(tmp, 'tiny.safetensors');
    nb.saveModel(path, model, config);
    const loaded = nb.loadCheckpoint<typeof config>(path);
    expect(loaded.config).toEqual(config);
    expect(loaded.stateDict['layer.weight'].dtype).toBe('float64');
    expect(Array.from(loaded.stateDict['layer.weight'].toTypedArray())).toEqual(Array.from(model.layer.weight.toTypedArray()));
  });

  it('creates missing parent directories', async () => {
    const path = join(tmp, 'a', 'b', 'c', 'model.safetensors');
    expect(existsSync(join(tmp, 'a'))).toBe(false);
    const model = nb.mlp(CONFIG);
    nb.saveModel(path, model, CONFIG);
    expect(existsSync(path)).toBe(true);
    expect((nb.loadCheckpoint<nb.MlpConfig>(path)).config).toEqual(CONFIG);
  });

  it('overwrites an existing checkpoint', async () => {
    const path = join(tmp, 'overwrite.safetensors');
    nb.saveModel(path, nb.mlp(CONFIG, { generator: new nb.Generator(5) }), CONFIG, { run: '1' });
    const second = nb.mlp(CONFIG, { generator: new nb.Generator(6) });
    nb.saveModel(path, second, CONFIG, { run: '2' });
    const loaded = nb.loadCheckpoint<nb.MlpConfig>(path);
    expect(loaded.metadata.run).toBe('2');
    expect(Array.from(loaded.stateDict['0.weight'].toTypedArray())).toEqual(Array.from(second.stateDict()['0.weight'].toTypedArray()));
  });

  it('a safetensors file without a config (not written by saveModel) is a clear SafetensorsError', async () => {
    const path = join(tmp, 'foreign.safetensors');
    nb.saveSafetensors(path, { weight: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } }, { framework: 'pt' });
    expect(() => nb.loadCheckpoint(path)).toThrow(nb.SafetensorsError);
    expect(() => nb.loadCheckpoint(path)).toThrow(/no model config/);
    expect(() => nb.loadCheckpoint(path)).toThrow(path);
  });

  it('a config that is not JSON is a SafetensorsError', async () => {
    const path = join(tmp, 'badjson.safetensors');
    nb.saveSafetensors(path, { w: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } }, { config: '{not json' });
    expect(() => nb.loadCheckpoint(path)).toThrow(/not valid JSON/);
  });

  it('a missing file or a file that is not safetensors is a SafetensorsError', async () => {
    expect(() => nb.loadCheckpoint(join(tmp, 'missing.safetensors'))).toThrow(nb.SafetensorsError);
    const junk = join(tmp, 'junk.safetensors');
    writeFileSync(junk, 'this is not a safetensors file');
    expect(() => nb.loadCheckpoint(junk)).toThrow(nb.SafetensorsError);
  });

  it('loading into a model of another shape names the mismatch', async () => {
    const path = join(tmp, 'shape.safetensors');
    nb.saveModel(path, nb.mlp(CONFIG), CONFIG);
    const { stateDict } = nb.loadCheckpoint(path);
    const other = nb.mlp({ ...CONFIG, hiddenSizes: [8, 5] });
    expect(() => other.loadStateDict(stateDict)).toThrow(/2\.weight.*\[6, 8\].*\[5, 8\]/);
  });
});
