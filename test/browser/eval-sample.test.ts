import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../../src/io/safetensors.js';
import { assertBuilt, cli, describeRun, expectSuccess, expectUsageError, FILES, jsonLines, makeSandbox, readIdx, removeSandbox } from '../cli/helpers.js';

let tmp: string;
let tiny: string;
let mlpFile: string;
let linearFile: string;

const TINY = ['--train-samples', '300', '--epochs', '2', '--batch-size', '50', '--no-download'];

beforeAll(async () => {
  assertBuilt();
  ({ tmp, tiny } = makeSandbox('nabla-eval-sample-', ['mnist']));
  mlpFile = join(tmp, 'mlp.safetensors');
  linearFile = join(tmp, 'linear.safetensors');
  const spec = join(tmp, 'linear.json');
  writeFileSync(spec, JSON.stringify({ layers: [{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 10 }] }));
  for (const args of [['--save', mlpFile], ['--model', spec, '--lr', '0.05', '--save', linearFile]]) {
    const r = await cli(['train', '--json', '--data-dir', tiny, ...TINY, ...args]);
    expectSuccess(r);
  }
});

afterAll(() => removeSandbox(tmp));

/** Test sample `index`'s pixels (byte / 255) and label, read from the IDX files by hand. */
function sample(index: number): { pixels: number[]; label: number } {
  const images = readIdx(join(tiny, 'mnist', FILES.testImages));
  const labels = readIdx(join(tiny, 'mnist', FILES.testLabels));
  return { pixels: Array.from(images.data.subarray(index * 784, (index + 1) * 784), (v) => Math.fround(v / 255)), label: labels.data[index] };
}

/** A reference forward pass in float64: Linear layers `0`, `2`, ... with sigmoid between (or one Linear `1` after a Flatten), then softmax. */
function referenceProbabilities(file: string, pixels: number[]): number[] {
  const { tensors } = decodeSafetensors(readFileSync(file), file);
  const layers = Object.keys(tensors).filter((name) => name.endsWith('.weight')).map((name) => name.slice(0, -'.weight'.length)).sort((a, b) => Number(a) - Number(b));
  let activations = pixels;
  layers.forEach((layer, k) => {
    const weight = tensors[`${layer}.weight`];
    const bias = tensors[`${layer}.bias`].data;
    const [outputs, inputs] = weight.shape;
    const next = Array.from({ length: outputs }, (_, o) => {
      let total = bias[o];
      for (let i = 0; i < inputs; i++) total += weight.data[o * inputs + i] * activations[i];
      return total;
    });
    activations = k + 1 < layers.length ? next.map((z) => 1 / (1 + Math.exp(-z))) : next;
  });
  const top = Math.max(...activations);
  const exps = activations.map((z) => Math.exp(z - top));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

describe('nabla eval --sample', () => {
  for (const [what, file] of [['the default MLP', () => mlpFile], ['a --model network', () => linearFile]] as const) {
    it(`gives a test sample's label, prediction and softmax probabilities for ${what}`, async () => {
      for (const index of [0, 7, 199]) {
        const r = await cli(['eval', '--load', file(), '--data-dir', tiny, '--sample', String(index), '--json']);
        expectSuccess(r);
        const rows = jsonLines(r);
        expect(rows, describeRun(r)).toHaveLength(1);
        const result = rows[0] as { event: string; sample: number; label: number; predicted: number; probabilities: number[]; class_names: string[] };
        const { pixels, label } = sample(index);
        expect(result).toMatchObject({ event: 'eval_sample', sample: index, label, dataset: 'mnist' });
        expect(result.class_names).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
        const expected = referenceProbabilities(file(), pixels);
        expect(result.probabilities).toHaveLength(10);
        result.probabilities.forEach((p, k) => expect(Math.abs(p - expected[k]), `class ${k} of sample ${index}`).toBeLessThan(1e-6));
        expect(result.predicted).toBe(expected.indexOf(Math.max(...expected)));
      }
    });
  }

  it('prints the sample in words and the probabilities as percentages without --json', async () => {
    const r = await cli(['eval', '--load', mlpFile, '--data-dir', tiny, '--sample', '3']);
    expectSuccess(r);
    const { pixels, label } = sample(3);
    const expected = referenceProbabilities(mlpFile, pixels);
    const predicted = expected.indexOf(Math.max(...expected));
    expect(r.stdout).toContain(`mnist test sample 3: label ${label}, predicted ${predicted} (${predicted === label ? 'right' : 'wrong'})`);
    for (let k = 0; k < 10; k++) expect(r.stdout).toMatch(new RegExp(`^  ${k}\\s+${(100 * expected[k]).toFixed(2)}%${k === predicted ? '  <' : ''}$`, 'm'));
  });

  it('says which indices exist when the sample is out of range', async () => {
    const r = await cli(['eval', '--load', mlpFile, '--data-dir', tiny, '--sample', '200']);
    expectUsageError(r, /--sample 200: .*t10k-images-idx3-ubyte holds 200 test samples; give an index in 0\.\.199$/);
    const negative = await cli(['eval', '--load', mlpFile, '--data-dir', tiny, '--sample', '-1']);
    expectUsageError(negative, /option '--sample <index>' argument '-1' is invalid\. expected an integer >= 0/);
  });
});
