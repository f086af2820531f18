import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

// PyTorch 1.13's numbers (scripts/torch/module_fixtures.py, float64): compared within 1e-10 in
// float64, and within 1e-5 when the same inputs run in float32.

interface Encoded { shape: number[]; data: number[] }
interface LayerNormCase {
  input: Encoded; normalizedShape: number[]; eps: number; grad: Encoded; output: Encoded; inputGrad: Encoded;
  weight?: Encoded; weightGrad?: Encoded; bias?: Encoded; biasGrad?: Encoded;
}
interface EmbeddingCase {
  paddingIdx: number | null; maxNorm: number | null; weight: Encoded; indices: Encoded; grad: Encoded;
  output: Encoded; weightGrad: Encoded; weightAfter: Encoded;
}
interface Fixture { layerNorm: LayerNormCase[]; embedding: EmbeddingCase[] }

const fixture = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'modules.json'), 'utf8')) as Fixture;
const DTYPES = [['float64', 1e-10], ['float32', 1e-5]] as const;
const load = (e: Encoded, dtype: nb.DType) => nb.tensor(e.data, { shape: e.shape, dtype });
const close = (actual: nb.Tensor, expected: Encoded, tol: number) => allclose(actual, nb.tensor(expected.data, { shape: expected.shape, dtype: 'float64' }), tol, tol);
const randn = (shape: number[], seed: number) => nb.randn(shape, { dtype: 'float64', generator: new nb.Generator(seed) });

describe.each(DTYPES)('LayerNorm against PyTorch (%s)', (dtype, tol) => {
  it.each(fixture.layerNorm.map((c) => [`[${c.input.shape.join(', ')}] over [${c.normalizedShape.join(', ')}], weight ${c.weight !== undefined}, bias ${c.bias !== undefined}`, c] as const))(
    '%s: output and the gradients of input, weight and bias', (_, c) => {
      const layer = new nb.LayerNorm(c.normalizedShape, { eps: c.eps, elementwiseAffine: c.weight !== undefined, bias: c.bias !== undefined, dtype });
      if (c.weight !== undefined) layer.loadStateDict({ weight: load(c.weight, dtype), ...(c.bias === undefined ? {} : { bias: load(c.bias, dtype) }) });
      const x = load(c.input, dtype).requiresGrad_();
      const out = layer.forward(x);
      out.mul(load(c.grad, dtype)).sum().backward();
      close(out, c.output, tol);
      close(x.grad!, c.inputGrad, tol);
      if (c.weightGrad !== undefined) close(layer.weight!.grad!, c.weightGrad, tol);
      if (c.biasGrad !== undefined) close(layer.bias!.grad!, c.biasGrad, tol);
      expect(layer.parameters().length).toBe(Number(c.weight !== undefined) + Number(c.bias !== undefined));
    });
});

describe.each(DTYPES)('Embedding against PyTorch (%s)', (dtype, tol) => {
  it.each(fixture.embedding.map((c) => [`paddingIdx ${c.paddingIdx}, maxNorm ${c.maxNorm}`, c] as const))(
    '%s: output, weight gradient (repeated indices add up, the padding row gets none) and the weight after', (_, c) => {
      const layer = new nb.Embedding(6, 3, { paddingIdx: c.paddingIdx, maxNorm: c.maxNorm, dtype });
      layer.loadStateDict({ weight: load(c.weight, dtype) });
      const out = layer.forward(load(c.indices, 'int32'));
      out.mul(load(c.grad, dtype)).sum().backward();
      close(out, c.output, tol);
      close(layer.weight.grad!, c.weightGrad, tol);
      close(layer.weight, c.weightAfter, tol);
    });
});

describe('LayerNorm', () => {
  it('starts with weight ones and bias zeros of normalizedShape, and has PyTorch\'s state-dict names', () => {
    const layer = new nb.LayerNorm([2, 3], { dtype: 'float64' });
    expect([...layer.weight!.shape]).toEqual([2, 3]);
    expect(Array.from(layer.weight!.toTypedArray())).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(layer.bias!.toTypedArray())).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Object.keys(layer.stateDict())).toEqual(['weight', 'bias']);
    expect(Object.keys(new nb.LayerNorm(4, { bias: false }).stateDict())).toEqual(['weight']);
    expect(new nb.LayerNorm(4, { elementwiseAffine: false }).parameters()).toEqual([]);
    expect(String(new nb.LayerNorm(8))).toBe('LayerNorm([8], eps=0.00001, elementwiseAffine=true)');
  });

  it('normalizes each sample by its own mean and biased variance', () => {
    const x = nb.tensor([[1, 2, 3, 4], [10, 10, 10, 30]], { dtype: 'float64' });
    const y = nb.layerNorm(x, 4, null, null, 0);
    const mean = x.mean(1, true);
    allclose(y, x.sub(mean).div(x.var(1, { unbiased: false, keepDims: true }).sqrt()), 1e-12, 1e-12);
    allclose(y.mean(1), [0, 0], 1e-12);
  });

  it('gradients of input, weight and bias match finite differences (float64)', () => {
    const [x, w, b] = [randn([3, 2, 4], 1), randn([2, 4], 2), randn([2, 4], 3)];
    expect(nb.gradcheck((xi, wi, bi) => nb.layerNorm(xi, [2, 4], wi, bi), [x, w, b])).toBe(true);
    expect(nb.gradcheck((xi) => nb.layerNorm(xi, 4, null, null, 1e-3), [x])).toBe(true);
    expect(nb.gradcheck((xi, wi) => nb.layerNorm(xi, [4], wi), [randn([5, 4], 4), randn([4], 5)])).toBe(true);
  });

  it('rejects bad shapes and options, naming them', () => {
    expect(() => new nb.LayerNorm(4).forward(nb.zeros([2, 3]))).toThrow('layerNorm: input of shape [2, 3] does not end with normalizedShape [4]');
    expect(() => nb.layerNorm(nb.zeros([2, 4]), [4], nb.ones([3]))).toThrow('layerNorm: weight must have shape normalizedShape [4], got [3]');
    expect(() => nb.layerNorm(nb.zeros([2, 4], { dtype: 'int32' }), 4)).toThrow('layerNorm: input must be float32 or float64, got int32');
    expect(() => new nb.LayerNorm([])).toThrow('LayerNorm: normalizedShape must be a positive integer or a non-empty array of them, got []');
    expect(() => new nb.LayerNorm(0)).toThrow(/normalizedShape must be a positive integer/);
    expect(() => new nb.LayerNorm(4, { eps: -1 })).toThrow('LayerNorm: eps must be a finite number >= 0, got -1');
    expect(() => new nb.LayerNorm(4, { affine: true } as nb.LayerNormOptions)).toThrow(/LayerNorm: options has an unknown option "affine"/);
  });
});

describe('Embedding', () => {
  it('maps int32 indices of any shape to [...shape, embeddingDim]', () => {
    const layer = new nb.Embedding(5, 3, { generator: new nb.Generator(0) });
    const w = layer.weight.toArray() as number[][];
    expect([...layer.forward(nb.tensor([[1, 2], [3, 4], [0, 0]], { dtype: 'int32' })).shape]).toEqual([3, 2, 3]);
    allclose(layer.forward(nb.tensor(3, { dtype: 'int32' })), w[3], 0, 0);
    allclose(layer.forward(nb.tensor([4, 4], { dtype: 'int32' })), [w[4], w[4]], 0, 0);
    expect([...layer.forward(nb.zeros([0], { dtype: 'int32' })).shape]).toEqual([0, 3]);
  });

  it('starts N(0, 1) with the padding row zero; a negative paddingIdx counts from the end', () => {
    const layer = new nb.Embedding(2000, 5, { paddingIdx: -1, generator: new nb.Generator(3) });
    expect(layer.paddingIdx).toBe(1999);
    const w = layer.weight.toArray() as number[][];
    expect(w[1999]).toEqual([0, 0, 0, 0, 0]);
    const values = w.slice(0, 1999).flat();
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    expect(Object.keys(layer.stateDict())).toEqual(['weight']);
    expect(String(layer)).toBe('Embedding(2000, 5, paddingIdx=1999)');
  });

  it('the weight gradient matches finite differences (float64); with padding, but for the padding row, which gets none', () => {
    const indices = nb.tensor([[0, 3, 3], [2, 1, 3]], { dtype: 'int32' });
    expect(nb.gradcheck((w) => nb.embedding(indices, w), [randn([4, 2], 6)])).toBe(true);
    const grad = (options: nb.EmbeddingOptions) => {
      const w = randn([4, 2], 6).requiresGrad_();
      nb.embedding(indices, w, options).mul(randn([2, 3, 2], 8)).sum().backward();
      return w.grad!.toArray() as number[][];
    };
    const full = grad({});
    expect(grad({ paddingIdx: 3 })).toEqual([...full.slice(0, 3), [0, 0]]);
  });

  it('its gradient is differentiable again (createGraph)', () => {
    const weight = randn([4, 2], 7).requiresGrad_();
    const indices = nb.tensor([1, 1, 2], { dtype: 'int32' });
    const [g] = nb.gradients(nb.embedding(indices, weight, { paddingIdx: 2 }).square().sum(), [weight], undefined, { createGraph: true });
    const [gg] = nb.gradients(g!.sum(), [weight]);
    // d/dW sum(2 * count(row) * W[row]) over non-padding rows = 2 * count.
    allclose(gg!, [[0, 0], [4, 4], [0, 0], [0, 0]], 1e-12);
  });

  it('rejects bad indices, weights and options, naming them', () => {
    const layer = new nb.Embedding(4, 2);
    expect(() => layer.forward(nb.tensor([1, 4], { dtype: 'int32' }))).toThrow('embedding: index into an embedding of 4 rows: 4 at position 1 is out of range [0, 4)');
    expect(() => layer.forward(nb.tensor([-1], { dtype: 'int32' }))).toThrow(/out of range \[0, 4\)/);
    expect(() => layer.forward(nb.tensor([1, 2]))).toThrow('embedding: index into an embedding of 4 rows: must be an int32 tensor, got float32');
    expect(() => nb.embedding(nb.tensor([0], { dtype: 'int32' }), nb.zeros([4]))).toThrow('embedding: weight must be 2-D [numEmbeddings, embeddingDim], got [4]');
    expect(() => new nb.Embedding(0, 2)).toThrow('Embedding: numEmbeddings must be a positive integer, got 0');
    expect(() => new nb.Embedding(4, 2, { paddingIdx: 4 })).toThrow('Embedding: paddingIdx must be an integer in [-4, 4) (numEmbeddings = 4) or null, got 4');
    expect(() => new nb.Embedding(4, 2, { maxNorm: -1 })).toThrow('Embedding: maxNorm must be a positive finite number or null, got -1');
    expect(() => new nb.Embedding(4, 2, { sparse: true } as nb.EmbeddingLayerOptions)).toThrow(/Embedding: options has an unknown option "sparse"/);
  });
});

describe('model specs and summaries', () => {
  it('build Embedding and LayerNorm from PyTorch\'s argument names', () => {
    const model = nb.buildModel({ layers: [
      { type: 'Embedding', num_embeddings: 10, embedding_dim: 4, padding_idx: 0 },
      { type: 'LayerNorm', normalized_shape: [4], eps: 1e-6, elementwise_affine: true, bias: false },
    ] });
    const [embed, norm] = model.layers as [nb.Embedding, nb.LayerNorm];
    expect(embed.paddingIdx).toBe(0);
    expect(norm.eps).toBe(1e-6);
    expect(Object.keys(model.stateDict())).toEqual(['0.weight', '1.weight']);
    expect(nb.LAYER_TYPES).toEqual(expect.arrayContaining(['Embedding', 'LayerNorm']));
    expect(() => nb.buildModel({ layers: [{ type: 'LayerNorm', normalized_shape: 0 }] })).toThrow(/layers\[0\]: LayerNorm: normalized_shape must be a positive integer/);
    expect(() => nb.buildModel({ layers: [{ type: 'Embedding', num_embeddings: 3 }] })).toThrow('layers[0]: Embedding needs "embedding_dim"');
  });

  it('count and explain their parameters', () => {
    const summary = nb.summarize(new nb.Sequential(new nb.Embedding(100, 8), new nb.LayerNorm([8]), new nb.Linear(8, 2)), [5]);
    expect(summary.layers.map((l) => [l.type, l.parameters, l.formula, l.outputShape])).toEqual([
      ['Embedding', 800, 'num_embeddings*embedding_dim = 100*8 = 800', ['N', 5, 8]],
      ['LayerNorm', 16, '2*prod(normalized_shape) = 2*8 = 16', ['N', 5, 8]],
      ['Linear', 18, '(in + 1)*out = (8 + 1)*2 = 18', ['N', 5, 2]],
    ]);
    expect(nb.summarize(new nb.LayerNorm([2, 3], { bias: false }), [4, 2, 3]).layers[0].formula).toBe('prod(normalized_shape) = 2*3 = 6');
  });
});
