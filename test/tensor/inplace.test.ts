import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

const fixture = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'modules.json'), 'utf8')) as { inplace: Record<string, number[]> };
const f64 = { dtype: 'float64' } as const;
const version = (t: nb.Tensor) => t.storage.version;

describe('in-place ops', () => {
  it('write into the tensor itself, broadcasting the operand, and return it', () => {
    const x = nb.tensor([[1, 2, 3], [4, 5, 6]], f64);
    const view = x.reshape([6]);
    expect(x.add_(nb.tensor([10, 20, 30], f64))).toBe(x);
    allclose(x, [[11, 22, 33], [14, 25, 36]], 0, 0);
    allclose(view, [11, 22, 33, 14, 25, 36], 0, 0);
    x.sub_(1).mul_(2).div_(nb.tensor([[2], [4]], f64));
    allclose(x, [[10, 21, 32], [6.5, 12, 17.5]], 0, 0);
    x.add_(nb.tensor([1, 1, 1], f64), 3).sub_(2, 0.5);
    allclose(x, [[12, 23, 34], [8.5, 14, 19.5]], 0, 0);
    allclose(x.clamp_(10, 20), [[12, 20, 20], [10, 14, 19.5]], 0, 0);
    allclose(x.clamp_(undefined, 11), [[11, 11, 11], [10, 11, 11]], 0, 0);
    allclose(x.fill_(-1.5), [[-1.5, -1.5, -1.5], [-1.5, -1.5, -1.5]], 0, 0);
    allclose(x.zero_(), [[0, 0, 0], [0, 0, 0]], 0, 0);
    allclose(x.copy_(nb.tensor([[7], [8]])), [[7, 7, 7], [8, 8, 8]], 0, 0);
    expect(x.dtype).toBe('float64');
  });

  it('follow PyTorch on dtypes: int32 stays int32, a wider operand is rounded in, copy_ converts', () => {
    const n = nb.tensor([1, 2, 3], { dtype: 'int32' });
    allclose(n.add_(2).mul_(nb.tensor([1, 2, 3], { dtype: 'int32' })), [3, 8, 15], 0, 0);
    expect(Array.from(nb.zeros([3], { dtype: 'int32' }).fill_(2.7).toTypedArray())).toEqual(fixture.inplace.fillInt);
    expect(Array.from(nb.zeros([3], { dtype: 'int32' }).fill_(-2.7).toTypedArray())).toEqual(fixture.inplace.fillIntNegative);
    expect(() => n.div_(2)).toThrow('div_: the result is float32, which cannot be written into this int32 tensor in place (as in PyTorch); use the out-of-place div');
    expect(() => n.add_(0.5)).toThrow(/add_: the result is float32/);
    expect(() => n.clamp_(0.5)).toThrow(/clamp_: min = 0.5 has a fraction/);
    const x = nb.tensor([1, 2, 3]);
    x.mul_(nb.tensor([1 / 3, 1 / 3, 1 / 3], f64));
    expect(x.dtype).toBe('float32');
    allclose(x, new Float32Array([1 / 3, 2 / 3, 1]), 0, 0);
    allclose(nb.zeros([2], { dtype: 'int32' }).copy_(nb.tensor([1.9, -1.9])), [1, -1], 0, 0);
  });

  it('refuse operands that do not fit, naming the shapes', () => {
    const x = nb.zeros([3]);
    expect(() => x.add_(nb.zeros([2, 3]))).toThrow('add_: an operand of shape [2, 3] broadcasts with [3] to [2, 3], which does not fit in place into the tensor of shape [3]');
    expect(() => x.copy_(nb.zeros([2]))).toThrow(/copy_/);
    expect(() => x.mul_('2' as unknown as number)).toThrow("mul_: other must be a Tensor or a number, got '2'");
    expect(() => x.clamp_()).toThrow('clamp_: give at least one of min and max');
    expect(() => x.add_(1, Number.NaN)).toThrow('add_: alpha must be a finite number, got NaN');
  });

  it('bump the storage\'s version, shared by views', () => {
    const x = nb.zeros([2, 2]);
    const view = x.reshape([4]);
    const detached = x.detach();
    expect(version(x)).toBe(0);
    view.add_(1);
    detached.mul_(2);
    expect([version(x), version(view), version(detached)]).toEqual([2, 2, 2]);
    allclose(x, [[2, 2], [2, 2]], 0, 0);
    expect(version(x.clone())).toBe(0);
  });
});

describe('the version counter', () => {
  it('refuses backward through an op whose saved tensor was changed in place', () => {
    const w = nb.tensor([[1, 2], [3, 4]], { ...f64, requiresGrad: true });
    const x = nb.tensor([[1, 1]], f64);
    const y = x.matmul(w).sum();
    x.mul_(2);
    expect(() => y.backward()).toThrow(
      "backward: one of the variables needed for gradient computation has been modified by an inplace operation: matmul's saved tensor of shape [1, 2] (its input 0) is at version 1; expected version 0",
    );
    const z = w.exp();
    nb.noGrad(() => z.add_(1));
    expect(() => z.sum().backward()).toThrow(/exp's saved tensor of shape \[2, 2\] \(its output\) is at version 1; expected version 0/);
    const again = x.matmul(w).sum();
    nb.noGrad(() => x.add_(0));
    expect(() => nb.gradients(again, [w])).toThrow(/^gradients: one of the variables/);
  });

  it('lets backward through when the change came before the op, or after backward', () => {
    const w = nb.tensor([1, 2], { ...f64, requiresGrad: true });
    const x = nb.tensor([3, 4], f64);
    x.add_(1);
    const y = x.mul(w).sum();
    y.backward();
    allclose(w.grad!, [4, 5], 0, 0);
    x.add_(1);
    nb.noGrad(() => w.add_(1));
    expect(w.isLeaf).toBe(true);
  });
});

describe('in-place ops and autograd', () => {
  it('refuse a leaf that requires grad, or a view of one, outside noGrad (as PyTorch)', () => {
    const w = nb.ones([2, 2], { requiresGrad: true });
    expect(() => w.add_(1)).toThrow('add_: a leaf tensor that requires grad is being used in an in-place operation');
    expect(() => w.reshape([4]).zero_()).toThrow('zero_: a view of a leaf tensor (of shape [2, 2]) that requires grad is being used in an in-place operation');
    expect(() => new nb.Linear(2, 2).weight.copy_(nb.zeros([2, 2]))).toThrow(/copy_: a leaf tensor that requires grad/);
    nb.noGrad(() => w.sub_(0.5));
    allclose(w, [[0.5, 0.5], [0.5, 0.5]], 0, 0);
    expect(w.requiresGrad && w.isLeaf).toBe(true);
  });

  it('are recorded with recording on: the gradient flows through them (PyTorch\'s rebase)', () => {
    const a = nb.tensor([1, 2, 3], { ...f64, requiresGrad: true });
    const b = nb.tensor([4, 5, 6], { ...f64, requiresGrad: true });
    const acc = nb.zeros([3], f64);
    acc.add_(a).mul_(b).add_(a.square(), 2).clamp_(undefined, 40);
    expect(acc.requiresGrad && !acc.isLeaf).toBe(true);
    allclose(acc, [6, 18, 36], 0, 0);
    acc.sum().backward();
    allclose(a.grad!, [4 + 4, 5 + 8, 6 + 12], 0, 0); // d/da (a b + 2 a^2) = b + 4a, below the clamp
    allclose(b.grad!, [1, 2, 3], 0, 0);
  });

  it('keep gradchecks passing (float64)', () => {
    const ops: [string, (x: nb.Tensor, y: nb.Tensor) => nb.Tensor][] = [
      ['add_', (x, y) => nb.zeros([2, 3], f64).add_(x).add_(y, -0.5)],
      ['mul_ and div_', (x, y) => nb.zeros([2, 3], f64).add_(x).mul_(y).div_(x.square().add(1))],
      ['clamp_', (x, y) => nb.zeros([2, 3], f64).add_(x.mul(y)).clamp_(-0.5, 0.5)],
      ['copy_', (x, y) => nb.ones([2, 3], f64).add_(x).copy_(y.sum(0)).mul_(x)],
    ];
    const x = nb.randn([2, 3], { ...f64, generator: new nb.Generator(1) });
    const y = nb.randn([2, 3], { ...f64, generator: new nb.Generator(2) });
    for (const [, fn] of ops) expect(nb.gradcheck(fn, [x, y])).toBe(true);
  });

  it('fill_ and zero_ cut the history: no gradient flows to the old values', () => {
    const a = nb.tensor([1, 2], { ...f64, requiresGrad: true });
    const h = nb.zeros([2], f64).add_(a);
    h.fill_(3);
    const out = h.mul(a).sum();
    out.backward();
    allclose(a.grad!, [3, 3], 0, 0);
  });

  it('changing an ordinary op\'s output is refused at backward (every recorded tensor counts as saved)', () => {
    const a = nb.tensor([1, 2], { ...f64, requiresGrad: true });
    const h = a.mul(2);
    h.add_(1);
    expect(() => h.sum().backward()).toThrow(/mul's saved tensor of shape \[2\] \(its output\) is at version 1; expected version 0/);
  });
});

describe('optimizers and training still work', () => {
  it('SGD and Adam steps, loadStateDict and BatchNorm update in place under noGrad', () => {
    const model = new nb.Sequential(new nb.Linear(3, 4, { generator: new nb.Generator(0) }), new nb.BatchNorm1d(4), new nb.ReLU(), new nb.Linear(4, 2));
    for (const optimizer of [new nb.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 }), new nb.Adam(model.parameters())]) {
      const x = nb.randn([8, 3], { generator: new nb.Generator(1) });
      const labels = nb.tensor([0, 1, 0, 1, 1, 0, 0, 1], { dtype: 'int32' });
      const losses: number[] = [];
      for (let step = 0; step < 20; step++) {
        optimizer.zeroGrad();
        const loss = nb.crossEntropy(model.forward(x), labels);
        loss.backward();
        optimizer.step();
        losses.push(loss.item());
      }
      expect(losses[19]).toBeLessThan(losses[0]);
    }
    const copy = new nb.Sequential(new nb.Linear(3, 4), new nb.BatchNorm1d(4), new nb.ReLU(), new nb.Linear(4, 2));
    const weight = copy.parameters()[0];
    const v = version(weight);
    copy.loadStateDict(model.stateDict());
    expect(version(weight)).toBe(v + 1);
    allclose(weight, model.parameters()[0], 0, 0);
  });

  it('fit trains a model', () => {
    const generator = new nb.Generator(3);
    const x = nb.randn([64, 2], { generator });
    const y = x.sum(1).gt(0).to('int32');
    const model = new nb.Sequential(new nb.Linear(2, 8, { generator }), new nb.Tanh(), new nb.Linear(8, 2, { generator }));
    const history = nb.fit(model, {
      loss: nb.objective('cross-entropy'), optimizer: new nb.SGD(model.parameters(), { lr: 0.5 }),
      train: new nb.TensorDataset(x, y), epochs: 5, batchSize: 16, generator,
    });
    expect(history.at(-1)!.train_loss).toBeLessThan(history[0].train_loss);
  });
});
