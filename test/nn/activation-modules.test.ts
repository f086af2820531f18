import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

const x = () => nb.randn([4, 5], { dtype: 'float64', generator: new nb.Generator(5) }).mul(3);

describe('activation modules', () => {
  it.each([
    ['GELU()', new nb.GELU(), nb.gelu],
    ["GELU('tanh')", new nb.GELU('tanh'), (t: nb.Tensor) => nb.gelu(t, 'tanh')],
    ['SiLU()', new nb.SiLU(), nb.silu],
    ['ELU(0.5)', new nb.ELU(0.5), (t: nb.Tensor) => nb.elu(t, 0.5)],
    ['SELU()', new nb.SELU(), nb.selu],
    ['Softplus(2, 3)', new nb.Softplus(2, 3), (t: nb.Tensor) => nb.softplus(t, 2, 3)],
    ['Hardtanh(-2, 0.5)', new nb.Hardtanh(-2, 0.5), (t: nb.Tensor) => nb.hardtanh(t, -2, 0.5)],
    ['Mish()', new nb.Mish(), nb.mish],
  ] as const)('%s computes its function, without parameters', (_, module, f) => {
    const input = x();
    allclose(module.forward(input), f(input), 0, 0);
    expect(module.parameters()).toEqual([]);
    expect(module).not.toBeInstanceOf(nb.FusableActivation);
  });

  it('print their hyperparameters as PyTorch does', () => {
    expect(new nb.GELU().toString()).toBe("GELU(approximate='none')");
    expect(new nb.ELU().toString()).toBe('ELU(alpha=1)');
    expect(new nb.Softplus().toString()).toBe('Softplus(beta=1, threshold=20)');
    expect(new nb.Hardtanh().toString()).toBe('Hardtanh(minVal=-1, maxVal=1)');
    expect(new nb.SiLU().toString()).toBe('SiLU()');
  });

  it('check their arguments when built', () => {
    expect(() => new nb.GELU('exact' as never)).toThrow(/GELU: approximate must be 'none' or 'tanh', got 'exact'/);
    expect(() => new nb.ELU(Infinity)).toThrow(/ELU: alpha must be a finite number, got Infinity/);
    expect(() => new nb.Softplus(0)).toThrow(/Softplus: beta must be nonzero/);
    expect(() => new nb.Hardtanh(2, 1)).toThrow(/Hardtanh: minVal \(2\) must not be greater than maxVal \(1\)/);
  });

  it('train inside a Sequential after a Linear layer', () => {
    const model = new nb.Sequential(new nb.Linear(5, 3, { generator: new nb.Generator(1) }), new nb.GELU(), new nb.Linear(3, 2, { generator: new nb.Generator(2) }), new nb.Mish());
    const input = x().to('float32');
    const linear = model.layers[0] as nb.Linear;
    const expected = nb.mish((model.layers[2] as nb.Linear).forward(nb.gelu(linear.forward(input))));
    allclose(model.forward(input), expected, 1e-6);
    model.forward(input).sum().backward();
    expect(linear.weight.grad).not.toBeNull();
  });
});

describe('activation layers in JSON model specs', () => {
  it('are built from PyTorch\'s class names and snake_case arguments', () => {
    const model = nb.buildModel({
      layers: [
        { type: 'Linear', in_features: 5, out_features: 4 },
        { type: 'GELU', approximate: 'tanh' },
        { type: 'ELU', alpha: 0.5 },
        { type: 'Softplus', beta: 2, threshold: 3 },
        { type: 'Hardtanh', min_val: -2, max_val: 0.5 },
        { type: 'SiLU' }, { type: 'SELU' }, { type: 'Mish' },
      ],
    });
    expect(model.layers.slice(1).map(String)).toEqual([
      "GELU(approximate='tanh')", 'ELU(alpha=0.5)', 'Softplus(beta=2, threshold=3)', 'Hardtanh(minVal=-2, maxVal=0.5)', 'SiLU()', 'SELU()', 'Mish()',
    ]);
    for (const type of ['GELU', 'SiLU', 'ELU', 'SELU', 'Softplus', 'Hardtanh', 'Mish']) expect(nb.LAYER_TYPES).toContain(type);
  });

  it('name the layer and the snake_case argument in errors', () => {
    expect(() => nb.buildModel({ layers: [{ type: 'Hardtanh', min_val: 1, max_val: -1 }] })).toThrow(/layers\[0\]: Hardtanh: min_val \(1\) must not be greater than max_val \(-1\)/);
    expect(() => nb.buildModel({ layers: [{ type: 'GELU', approximation: 'tanh' }] })).toThrow(/layers\[0\]: unknown argument "approximation" \(GELU takes approximate\)/);
    expect(() => nb.buildModel({ layers: [{ type: 'SiLU', inplace: true }] })).toThrow(/layers\[0\]: unknown argument "inplace" \(SiLU takes no arguments\)/);
  });

  it('show in summaries as layers without parameters', () => {
    const model = nb.buildModel({ layers: [{ type: 'Linear', in_features: 6, out_features: 4 }, { type: 'GELU' }, { type: 'Softplus' }] });
    const summary = nb.summarize(model, [6]);
    expect(summary.layers.map((l) => [l.type, l.parameters, l.outputShape])).toEqual([['Linear', 28, ['N', 4]], ['GELU', 0, ['N', 4]], ['Softplus', 0, ['N', 4]]]);
  });
});
