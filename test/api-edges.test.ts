import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as nb from '../src/index.js';

// Behaviour found by reviewing the library as a PyTorch user would use it.

describe('Sequential fuses only the built-in Linear and activations', () => {
  class MaskedLinear extends nb.Linear {
    mask = nb.zeros([4, 3]);
    override forward(x: nb.Tensor): nb.Tensor {
      return nb.linear(x, this.weight.mul(this.mask), this.bias);
    }
  }
  class Swish extends nb.Sigmoid {
    override forward(x: nb.Tensor): nb.Tensor {
      return x.mul(x.sigmoid());
    }
  }

  it('a Linear subclass with its own forward runs it, and the activation after it runs too', () => {
    const masked = new MaskedLinear(3, 4);
    const relu = new nb.ReLU();
    const x = nb.randn([5, 3]);
    const expected = relu.forward(masked.forward(x));
    expect(Array.from(new nb.Sequential(masked, relu).forward(x).data)).toEqual(Array.from(expected.data));
  });

  it('an activation subclass with its own forward is not replaced by the fused built-in one', () => {
    const linear = new nb.Linear(3, 4);
    const swish = new Swish();
    const x = nb.randn([5, 3]);
    const expected = swish.forward(linear.forward(x));
    expect(Array.from(new nb.Sequential(linear, swish).forward(x).data)).toEqual(Array.from(expected.data));
  });
});

describe('data loading', () => {
  const dataset = new nb.TensorDataset(nb.arange(20).reshape([20, 1]), nb.arange(20, undefined, 1, { dtype: 'int32' }));
  const firstBatch = (loader: nb.DataLoader) => Array.from([...loader][0][1].data);

  it('a shuffling DataLoader follows manualSeed when given no seed of its own', () => {
    nb.manualSeed(123);
    const a = firstBatch(new nb.DataLoader(dataset, { batchSize: 10, shuffle: true }));
    nb.manualSeed(123);
    const b = firstBatch(new nb.DataLoader(dataset, { batchSize: 10, shuffle: true }));
    nb.manualSeed(456);
    const c = firstBatch(new nb.DataLoader(dataset, { batchSize: 10, shuffle: true }));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('a DataLoader over something that is not a TensorDataset says how to make one', () => {
    expect(() => new nb.DataLoader(nb.zeros([4, 2]) as unknown as nb.TensorDataset)).toThrow(/expected a TensorDataset.*new TensorDataset\(inputs, targets\)/);
  });

  it('fit and evaluate handle regression targets: loss only, accuracy null', () => {
    const x = nb.randn([64, 3], { generator: new nb.Generator(1) });
    const y = x.matmul(nb.tensor([[1], [-2], [0.5]]));
    const model = new nb.Linear(3, 1);
    const optimizer = new nb.SGD(model.parameters(), { lr: 0.1 });
    const history = nb.fit(model, { loss: (out, target) => nb.mseLoss(out, target), optimizer, train: new nb.TensorDataset(x, y), epochs: 20, batchSize: 16, seed: 0 });
    expect(history.every((r) => r.train_acc === null)).toBe(true);
    expect(history.at(-1)!.train_loss).toBeLessThan(history[0].train_loss / 10);
    const metrics = nb.evaluate(model, new nb.TensorDataset(x, y), (out, target) => nb.mseLoss(out, target));
    expect(metrics.accuracy).toBeNull();
    expect(metrics.confusion).toEqual([]);
  });
});

describe('clear errors at the API edge', () => {
  it('names an unsupported dtype and lists the supported ones', () => {
    expect(() => nb.zeros([2], { dtype: 'int64' as nb.DType })).toThrow(/unsupported dtype 'int64'.*float32, float64, int32/);
  });

  it('says which argument is not a Tensor', () => {
    expect(() => nb.ones([2, 2]).matmul(5 as unknown as nb.Tensor)).toThrow(/matmul: the right operand must be a Tensor, got number/);
    expect(() => nb.mseLoss(nb.ones([2]), [1, 2] as unknown as nb.Tensor)).toThrow(/mseLoss: target must be a Tensor, got an array \(wrap it with nb.tensor/);
    expect(() => nb.crossEntropy(nb.ones([2, 3]), [0, 1] as unknown as nb.Tensor)).toThrow(/crossEntropy: target must be a Tensor/);
  });

  it('clipGradNorm given a module instead of its parameters says so', () => {
    const model = new nb.Linear(2, 2);
    expect(() => nb.clipGradNorm(model as unknown as nb.Tensor[], 1)).toThrow(/expected a Tensor or an iterable of Tensors, such as model.parameters\(\)/);
  });

  it('linear with zero input features has a zero weight gradient instead of crashing', () => {
    const w = nb.randn([3, 0]).requiresGrad_();
    nb.linear(nb.zeros([4, 0]), w).sum().backward();
    expect(w.grad!.shape).toEqual([3, 0]);
  });

  it('mlp and objective reject unknown names', () => {
    expect(() => nb.mlp({ inputSize: 4, hiddenSizes: [], outputSize: 2, activation: 'gelu' as nb.ActivationName })).toThrow(/unknown activation 'gelu'/);
    expect(() => nb.objective('nll' as nb.LossName)).toThrow(/unknown loss 'nll'/);
  });

  it('noGrad refuses an async function, whose later awaits it could not cover', async () => {
    const x = nb.ones([2], { requiresGrad: true });
    expect(() => nb.noGrad(async () => x.mul(2))).toThrow(/noGrad: the function returned a Promise/);
  });
});

describe('agreement with NumPy and PyTorch on edge values', () => {
  it('round sends ties to the even neighbour', () => {
    expect(Array.from(nb.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, -2.6]).round().data)).toEqual([0, 2, 2, -0, -2, 2, -3]);
  });

  it('the gradient of x^0 at x = 0 is 0, not NaN', () => {
    const x = nb.tensor([0, 2], { requiresGrad: true });
    x.pow(0).sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 0]);
  });

  it('argmax points at the first NaN, where max() reports NaN', () => {
    expect(nb.tensor([1, NaN, 3, NaN]).argmax().item()).toBe(1);
    expect(nb.tensor([[1, NaN], [3, 2]]).argmax(1).toArray()).toEqual([1, 0]);
  });
});

describe('conveniences a PyTorch user reaches for', () => {
  it('shapes may be a single number; numel(); var/std take keepDims positionally', () => {
    expect(nb.zeros(3).shape).toEqual([3]);
    expect(nb.randn(4).numel()).toBe(4);
    const x = nb.tensor([[1, 2, 3], [4, 6, 8]]);
    expect(x.var(1, true).shape).toEqual([2, 1]);
    expect(x.var(1, true).toArray()).toEqual([[1], [4]]);
    expect(() => nb.zeros('3' as unknown as number[])).toThrow(/a shape is an array of dimension sizes/);
  });

  it('stateDict lists tied weights under each name, as PyTorch does, and loads them back', () => {
    class Tied extends nb.Module {
      encoder = new nb.Linear(4, 4, { bias: false });
      decoder = new nb.Linear(4, 4, { bias: false });
      constructor() {
        super();
        this.decoder.weight = this.encoder.weight;
      }
      forward(x: nb.Tensor): nb.Tensor {
        return this.decoder.forward(this.encoder.forward(x));
      }
    }
    const model = new Tied();
    expect(Object.keys(model.stateDict())).toEqual(['encoder.weight', 'decoder.weight']);
    expect(model.parameters()).toHaveLength(1);
    const copy = new Tied();
    copy.loadStateDict(model.stateDict());
    expect(Array.from(copy.encoder.weight.data)).toEqual(Array.from(model.encoder.weight.data));
  });

  it('console.log of a model prints its structure, not its weights', () => {
    expect(inspect(new nb.Sequential(new nb.Linear(2, 3), new nb.ReLU()))).toBe(
      'Sequential(\n  (0): Linear(inFeatures=2, outFeatures=3, bias=true)\n  (1): ReLU()\n)',
    );
  });
});
