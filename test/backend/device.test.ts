import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { ReleasingScope } from '../../src/backend/storage.js';
import { allclose } from '../helpers.js';
import { wrapBackend } from '../wrap-backend.js';

/** Runs fn with `name` as the active backend. */
function onBackend<T>(name: string, fn: () => T): T {
  const previous = nb.getBackend();
  nb.setBackend(name);
  try {
    return fn();
  } finally {
    nb.setBackend(previous);
  }
}

describe('backend selection', () => {
  it('setBackend takes a name or an object and refuses unknown names, listing the known ones', () => {
    expect(nb.BACKEND_NAMES).toEqual(['js', 'checking', 'wasm']); // wasm wherever WebAssembly SIMD validates (Node 20+)
    expect(onBackend('checking', () => nb.getBackend().name)).toBe('checking');
    expect(() => nb.setBackend('webgpu')).toThrow("setBackend: unknown backend 'webgpu' (available: js, checking, wasm)");
  });

  it('NABLA_BACKEND selects the backend of the whole run (this suite runs once per backend)', () => {
    expect(nb.getBackend().name).toBe(process.env.NABLA_BACKEND || 'wasm');
  });

  it('tensors live on the backend that was active when they were created; ops run there', () => {
    const x = onBackend('checking', () => nb.tensor([1, 2, 3]));
    expect(x.backend.name).toBe('checking');
    expect(x.mul(2).backend.name).toBe('checking');
    expect(onBackend('js', () => x.exp()).backend.name).toBe('checking');
  });

  it('mixing backends in one op is an error that names both', () => {
    const a = onBackend('js', () => nb.tensor([1, 2]));
    const b = onBackend('checking', () => nb.tensor([3, 4]));
    expect(() => a.add(b)).toThrow("add: the tensors live on different backends, 'js' and 'checking'; move one with tensor.toBackend(...)");
    expect(() => nb.matmul(a.reshape([1, 2]), b.reshape([2, 1]))).toThrow(/matmul: .*'js' and 'checking'/);
    allclose(a.add(b.toBackend('js')), [4, 6]);
    expect(b.toBackend('js').backend.name).toBe('js');
    expect(b.toBackend('checking')).toBe(b);
  });
});

describe('reading values', () => {
  it('dataSync is the storage itself on the js backend, a copy on the checking backend', () => {
    const x = onBackend('js', () => nb.tensor([1, 2, 3]));
    expect(x.dataSync()).toBe(x.dataSync());
    const y = onBackend('checking', () => nb.tensor([1, 2, 3]));
    const read = y.dataSync();
    read[0] = 100;
    expect(y.toArray()).toEqual([1, 2, 3]);
    expect(y.dataSync()).not.toBe(y.dataSync());
  });

  it('dataAsync resolves to the values; toTypedArray always copies', async () => {
    for (const name of nb.BACKEND_NAMES) {
      const x = onBackend(name, () => nb.tensor([[1, 2], [3, 4]], { dtype: 'float64' }));
      const values = await x.dataAsync();
      expect(Array.from(values)).toEqual([1, 2, 3, 4]);
      expect(values).toBeInstanceOf(Float64Array);
      const copy = x.toTypedArray();
      copy[0] = 9;
      expect(x.toArray()).toEqual([[1, 2], [3, 4]]);
    }
  });
});

describe('freeing', () => {
  it('the checking backend fills a freed storage with NaN and refuses to use it again', () => {
    onBackend('checking', () => {
      const x = nb.tensor([1, 2, 3]);
      const live = x.data; // the live array (deprecated getter), to look at it after the free
      let y: nb.Tensor | undefined;
      new ReleasingScope(() => []).run(() => {
        y = x.mul(2);
      });
      expect(Array.from(live)).toEqual([1, 2, 3]); // allocated before the scope: untouched
      expect(() => y!.toArray()).toThrow("dataSync: a tensor's memory was already freed");
      expect(() => y!.add(1)).toThrow("binary: a tensor's memory was already freed");
      expect(() => nb.getBackend().readSync(y!.storage)).toThrow('checking backend: the storage read was already freed (use after free)');
      const ints = nb.tensor([1, 2], { dtype: 'int32' });
      const floats = nb.tensor([1, 2]);
      const ref = { ints: ints.storage.buffer as Int32Array, floats: floats.storage.buffer as Float32Array };
      nb.getBackend().free(ints.storage);
      nb.getBackend().free(floats.storage);
      expect(Array.from(ref.floats).every(Number.isNaN)).toBe(true);
      expect(Array.from(ref.ints)).toEqual([-2147483648, -2147483648]);
    });
  });

  it('a releasing scope frees what it allocated except what it keeps, and nb.memory() counts it', () => {
    const before = nb.memory();
    const w = nb.randn([10, 10]);
    let kept: nb.Tensor | undefined;
    new ReleasingScope(() => [kept!.storage]).run(() => {
      const h = w.matmul(w).relu();
      kept = h.sum();
    });
    const after = nb.memory();
    const name = nb.getBackend().name;
    expect(after.backends[name].storages - before.backends[name].storages).toBe(2); // w and the kept sum
    expect(after.bytes - before.bytes).toBe(100 * 4 + 4);
    expect(kept!.item()).toBeGreaterThanOrEqual(0);
  });

  it('a scope frees what an earlier run kept once it is no longer kept', () => {
    let kept: nb.Tensor | null = null;
    const scope = new ReleasingScope(() => (kept === null ? [] : [kept.storage]));
    const before = nb.memory().storages;
    scope.run(() => { kept = nb.ones([3]); });
    const first = kept!;
    expect(nb.memory().storages - before).toBe(1);
    scope.run(() => { kept = first.mul(2); });
    expect(nb.memory().storages - before).toBe(1);
    expect(first.storage.freed).toBe(true);
    expect(kept!.toArray()).toEqual([2, 2, 2]);
  });

  it.each(['js', 'wasm', 'checking'])('on %s, a tensor freed by a scope is refused by every op and read, with the reason', (name) => {
    onBackend(name, () => {
      let y: nb.Tensor | undefined;
      new ReleasingScope(() => []).run(() => {
        y = nb.ones([3]).mul(2);
      });
      expect(() => y!.dataSync()).toThrow("dataSync: a tensor's memory was already freed. fit, evaluate and other releasing scopes free what a batch allocated");
      expect(() => y!.exp()).toThrow("unary: a tensor's memory was already freed");
    });
  });

  it.each(['js', 'wasm'])('on %s, a freed array of 16 KiB or more serves the next storage of its dtype and length, zero-filled; smaller ones are left to the allocator', (name) => {
    onBackend(name, () => {
      const backend = nb.getBackend();
      const large = new ReleasingScope(() => []).run(() => nb.full([8192], 3).storage);
      const small = new ReleasingScope(() => []).run(() => nb.full([16], 3).storage);
      const again = nb.Tensor.empty([8192]);
      expect(again.storage.buffer).toBe(large.buffer);
      expect(Array.from(again.dataSync()).every((v) => v === 0)).toBe(true);
      expect(nb.Tensor.empty([8192], 'int32').storage.buffer, 'another dtype').not.toBe(large.buffer);
      expect(nb.Tensor.empty([16]).storage.buffer).not.toBe(small.buffer);
      expect(backend.name).toBe(name);
    });
  });

  it('nb.memory() adds up the backends', () => {
    const info = nb.memory();
    const parts = Object.values(info.backends);
    expect(info.storages).toBe(parts.reduce((s, p) => s + p.storages, 0));
    expect(info.bytes).toBe(parts.reduce((s, p) => s + p.bytes, 0));
  });
});

describe('dtypes a backend supports', () => {
  /** The active backend's kernels behind a backend without float64 (as WebGPU will be) and without a host array. */
  const noFloat64 = wrapBackend(nb.getBackend(), 'no-float64', { dtypes: ['float32', 'int32'], hostArray: undefined });

  it('allocating a dtype the backend lacks names the backend and what it has', () => {
    expect(() => nb.Tensor.empty([2], 'float64', noFloat64)).toThrow("backend 'no-float64' cannot store float64 (it has float32, int32)");
  });

  it('gradcheck says clearly that it needs float64', () => {
    const x = nb.Tensor.fromValues([1, 2], [2], 'float32', noFloat64);
    expect(x.sum().item()).toBe(3);
    expect(() => x.data).toThrow("Tensor.data: backend 'no-float64' keeps no JS array behind its tensors; read with dataSync() or dataAsync()");
    expect(() => nb.gradcheck((a) => a.sum(), [x])).toThrow("gradcheck: compares gradients in float64, which backend 'no-float64' cannot store");
  });
});
