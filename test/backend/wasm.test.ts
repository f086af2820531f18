import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { jsBackend } from '../../src/backend/js/index.js';
import { wasmBackend } from '../../src/backend/wasm/index.js';
import { HAS_SIMD } from '../../src/backend/wasm/features.js';
import { allclose } from '../helpers.js';

// The wasm backend is tested against the TypeScript kernels, its oracle, on the same inputs.

const g = new nb.Generator(11);
const on = (backend: nb.Backend, t: nb.Tensor) => nb.Tensor.fromValues(t.dataSync(), t.shape, t.dtype, backend);

function both<T>(fn: (backend: nb.Backend) => T): [T, T] {
  return [fn(jsBackend), fn(wasmBackend)];
}

describe('wasm backend against the js kernels', () => {
  it('is available wherever WebAssembly SIMD validates (Node 20+)', () => {
    expect(HAS_SIMD).toBe(true);
    expect(nb.BACKEND_NAMES).toContain('wasm');
  });

  const sizes = [1, 3, 4, 5, 8, 9, 17, 33];
  it('matmul in every transpose variant, edge sizes included', () => {
    for (const m of sizes) for (const n of [1, 7, 8, 13]) for (const k of [1, 5, 7, 300]) {
      const a = nb.randn([m, k], { generator: g });
      const b = nb.randn([k, n], { generator: g });
      const [expected, actual] = both((backend) => on(backend, a).matmul(on(backend, b)));
      allclose(actual, expected, 1e-4, 1e-4);
      const [e2, a2] = both((backend) => on(backend, a.T).T.matmul(on(backend, b.T).T));
      allclose(a2, e2, 1e-4, 1e-4);
    }
  });

  it('the transposed layouts the backward pass uses (one kernel call each)', () => {
    for (const [transA, transB] of [[false, true], [true, false], [true, true]] as const) {
      const [m, n, k] = [6, 10, 35];
      const a = nb.randn([transA ? k : m, transA ? m : k], { generator: g });
      const b = nb.randn([transB ? n : k, transB ? k : n], { generator: g });
      const [expected, actual] = both((backend) => {
        const out = nb.Tensor.full([m, n], 1, 'float32', backend);
        backend.run({ op: 'matmul', m, n, k, transA, transB, accumulate: true }, [on(backend, a).storage, on(backend, b).storage], [out.storage]);
        return out;
      });
      allclose(actual, expected, 1e-4, 1e-4);
    }
  });

  it('products wider than one packed block of B (about 2^18 floats) in every variant, accumulating, and the fused linear bias per block', () => {
    const [m, n, k] = [7, 1003, 300];
    for (const [transA, transB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      const a = nb.randn([transA ? k : m, transA ? m : k], { generator: g });
      const b = nb.randn([transB ? n : k, transB ? k : n], { generator: g });
      const [expected, actual] = both((backend) => {
        const out = nb.Tensor.full([m, n], 1, 'float32', backend);
        backend.run({ op: 'matmul', m, n, k, transA, transB, accumulate: true }, [on(backend, a).storage, on(backend, b).storage], [out.storage]);
        return out;
      });
      allclose(actual, expected, 1e-4, 1e-4);
    }
    const x = nb.randn([m, k], { generator: g });
    const w = nb.randn([n, k], { generator: g });
    const bias = nb.randn([n], { generator: g });
    const [expected, actual] = both((backend) => nb.linear(on(backend, x), on(backend, w), on(backend, bias), { activation: 'sigmoid' }));
    allclose(actual, expected, 1e-5, 1e-5);
  });

  it('strided copies in WebAssembly (im2col, col2im, permutes, partial destinations) match the reference kernel exactly', () => {
    const cases: { shape: number[]; srcStrides: number[]; dstStrides: number[]; srcOffset: number; dstOffset: number; srcSize: number; dstSize: number }[] = [
      // im2col of [8, 3, 20, 20] with a 3x3 kernel, stride 1: [C, kh, kw, N, OH, OW]
      { shape: [3, 3, 3, 8, 18, 18], srcStrides: [400, 20, 1, 1200, 20, 1], dstStrides: [3 * 3 * 8 * 324, 3 * 8 * 324, 8 * 324, 324, 18, 1], srcOffset: 0, dstOffset: 0, srcSize: 9600, dstSize: 27 * 8 * 324 },
      // stride 2, dilation 2, odd offsets on both sides (every case is large enough for WebAssembly)
      { shape: [2, 2, 64, 9, 9], srcStrides: [2 * 41, 2, 41 * 41, 2 * 41, 2], srcOffset: 3, dstOffset: 5, dstStrides: [2 * 64 * 81, 64 * 81, 81, 9, 1], srcSize: 64 * 41 * 41 + 3, dstSize: 4 * 64 * 81 + 5 },
      // a permute [40, 30, 20] -> [20, 40, 30]
      { shape: [20, 40, 30], srcStrides: [1, 600, 20], dstStrides: [1200, 30, 1], srcOffset: 0, dstOffset: 0, srcSize: 24000, dstSize: 24000 },
      // the interior of a padded destination (the rest must stay as it was)
      { shape: [16, 30, 40], srcStrides: [1200, 40, 1], dstStrides: [32 * 42, 42, 1], srcOffset: 0, dstOffset: 43, srcSize: 19200, dstSize: 16 * 32 * 42 },
    ];
    for (const c of cases) {
      for (const accumulate of [false, true]) {
        const src = nb.randn([c.srcSize], { generator: g }).dataSync() as Float32Array;
        // col2im: the adjoint layout accumulates into overlapping windows.
        const kernel = accumulate
          ? { op: 'copy' as const, shape: c.shape, srcOffset: c.dstOffset, srcStrides: c.dstStrides, dstOffset: c.srcOffset, dstStrides: c.srcStrides, accumulate }
          : { op: 'copy' as const, shape: c.shape, srcOffset: c.srcOffset, srcStrides: c.srcStrides, dstOffset: c.dstOffset, dstStrides: c.dstStrides, accumulate };
        const [input, outputSize] = accumulate ? [nb.randn([c.dstSize], { generator: g }).dataSync(), c.srcSize] : [src, c.dstSize];
        const start = nb.randn([outputSize], { generator: g }).dataSync();
        const [expected, actual] = both((backend) => {
          const out = nb.Tensor.fromValues(start, [outputSize], 'float32', backend);
          backend.run(kernel, [nb.Tensor.fromValues(input, [input.length], 'float32', backend).storage], [out.storage]);
          return Array.from(out.dataSync());
        });
        expect(actual).toEqual(expected);
      }
    }
  });

  it.each([[8, 36], [7, 35]])('a product whose right operand is a strided view (im2col without the columns), or its transpose (the weight gradient), over several packed blocks; a batch of %i, output rows of %i', (batch, out) => {
    // The windows of a padded [batch, 3, 40, 40] input, 3 taps by 3 with dilation 2, stride 1: k = 27, n = batch * out * out (two blocks; 7 * 35 * 35 ends in a partial panel).
    const [channels, size, kernel] = [3, 40, 3];
    const [k, n] = [channels * kernel * kernel, batch * out * out];
    const input = nb.randn([batch * channels * size * size + 7], { generator: g });
    for (const transposeView of [false, true]) {
      const depth = transposeView ? n : k;
      const a = nb.randn([2 * 5 * depth], { generator: g });
      const kernelSpec = {
        op: 'viewMatmul' as const, m: 5, aOffset: 5 * depth, outOffset: 3, viewOffset: 7, transposeView,
        taps: { shape: [channels, kernel, kernel], strides: [size * size, 2 * size, 2] },
        columns: { shape: [batch, out, out], strides: [channels * size * size, size, 1] },
      };
      const [expected, actual] = both((backend) => {
        const result = nb.Tensor.full([3 + 5 * (transposeView ? k : n)], 0, 'float32', backend);
        backend.run(kernelSpec, [on(backend, a).storage, on(backend, input).storage], [result.storage]);
        return result;
      });
      allclose(actual, expected, 1e-3, 1e-4);
    }
    // A convolution's forward: bias and ReLU applied to the product, written channels-first ([N, 7 channels, positions], these 5 from channel 2 on).
    const a = nb.randn([2 * 5 * k], { generator: g });
    const bias = nb.randn([9], { generator: g });
    const positions = out * out;
    const kernelSpec = {
      op: 'viewMatmul' as const, m: 5, aOffset: 5 * k, outOffset: 2 * positions, viewOffset: 7, transposeView: false,
      taps: { shape: [channels, kernel, kernel], strides: [size * size, 2 * size, 2] },
      columns: { shape: [batch, out, out], strides: [channels * size * size, size, 1] },
      epilogue: { activation: 'relu' as const, alpha: 0, biasOffset: 3 }, outSamples: { length: positions, stride: 7 * positions },
    };
    const [expected, actual] = both((backend) => {
      const result = nb.Tensor.full([batch * 7 * positions], -1, 'float32', backend);
      backend.run(kernelSpec, [on(backend, a).storage, on(backend, input).storage, on(backend, bias).storage], [result.storage]);
      return result;
    });
    allclose(actual, expected, 1e-3, 1e-4);
    expect(Array.from(actual.dataSync().slice(0, 2 * positions)).every((v) => v === -1), 'the channels before outOffset are left alone').toBe(true);
  });

  it('view products with few rows (the direct kernels) and more (packed panels), for runs of columns of every length class, forward with the epilogue and transposed', () => {
    // A stride-1 convolution over [2, 2, 14, size] inputs with 3 x 3 taps: output rows of size - 2 columns, which the direct kernels take
    // eight and four at a time, reading (and for the transposed product, masking) past each row's end.
    for (const m of [1, 6, 7, 8, 9, 16]) {
      for (const size of [6, 7, 8, 12, 30]) {
        const [batch, channels, height, out] = [2, 2, 14, size - 2];
        const taps = { shape: [channels, 3, 3], strides: [height * size, size, 1] };
        const columns = { shape: [batch, height - 2, out], strides: [channels * height * size, size, 1] };
        const [k, n] = [channels * 9, batch * (height - 2) * out];
        const input = nb.randn([batch * channels * height * size + 5], { generator: g });
        for (const transposeView of [false, true]) {
          const a = nb.randn([m * (transposeView ? n : k) + 2], { generator: g });
          const bias = nb.randn([m], { generator: g });
          const spec = {
            op: 'viewMatmul' as const, m, aOffset: 2, outOffset: 1, viewOffset: 5, transposeView, taps, columns,
            ...(transposeView ? {} : { epilogue: { activation: 'tanh' as const, alpha: 0, biasOffset: 0 } }),
          };
          const [expected, actual] = both((backend) => {
            const result = nb.Tensor.full([1 + m * (transposeView ? k : n) + 3], 7, 'float32', backend);
            backend.run(spec, [on(backend, a).storage, on(backend, input).storage, on(backend, bias).storage], [result.storage]);
            return result;
          });
          allclose(actual, expected, 1e-4, 1e-4);
          const values = actual.dataSync();
          expect([values[0], ...values.slice(-3)], `m ${m}, rows of ${out}: the elements around the product are left alone`).toEqual([7, 7, 7, 7]);
        }
      }
    }
  });

  it('the adjoint of the view product (col2im without the columns) for several groups, rows of columns that are and are not multiples of four', () => {
    for (const [size, out, stride] of [[12, 10, 1], [13, 6, 2], [9, 7, 1]]) {
      const [groups, batch, perGroup, m, kernel] = [2, 3, 2, 5, 3];
      const channels = groups * perGroup;
      const taps = { shape: [perGroup, kernel, kernel], strides: [size * size, size, 1] };
      const columns = { shape: [batch, out, out], strides: [channels * size * size, stride * size, stride] };
      const [k, n] = [perGroup * kernel * kernel, batch * out * out];
      const a = nb.randn([groups * m * k], { generator: g });
      const grad = nb.randn([groups * m * n], { generator: g });
      const start = nb.randn([batch * channels * size * size], { generator: g });
      const [expected, actual] = both((backend) => {
        const result = on(backend, start).clone();
        backend.run({ op: 'viewScatter', groups, m, viewOffset: 0, viewGroupStride: perGroup * size * size, taps, columns }, [on(backend, a).storage, on(backend, grad).storage], [result.storage]);
        return result;
      });
      allclose(actual, expected, 1e-4, 1e-4);
    }
  });

  it('batched and broadcast matmul, one dispatch', () => {
    const a = nb.randn([3, 1, 5, 7], { generator: g });
    const b = nb.randn([4, 7, 6], { generator: g });
    const [expected, actual] = both((backend) => on(backend, a).matmul(on(backend, b)));
    allclose(actual, expected, 1e-5, 1e-4);
  });

  it('fused linear with every activation, with and without bias, and its gradients', () => {
    for (const activation of ['none', 'sigmoid', 'tanh', 'relu', 'leakyRelu'] as const) {
      for (const withBias of [true, false]) {
        const x = nb.randn([9, 30], { generator: g });
        const w = nb.randn([11, 30], { generator: g });
        const bias = nb.randn([11], { generator: g });
        const [expected, actual] = both((backend) => {
          const [xs, ws, bs] = [on(backend, x).requiresGrad_(), on(backend, w).requiresGrad_(), on(backend, bias).requiresGrad_()];
          const y = nb.linear(xs, ws, withBias ? bs : null, { activation, alpha: 0.1 });
          y.square().sum().backward();
          return [y, xs.grad!, ws.grad!] as const;
        });
        expected.forEach((e, i) => allclose(actual[i], e, 1e-4, 1e-4));
      }
    }
  });

  it('the fused sigmoid and tanh, and the unary ops (a float32 exponential in WebAssembly), are within 2 ulp of the reference (subnormal results flushed to zero), NaN, infinities and -0 included', () => {
    const values = [...Array.from({ length: 4001 }, (_, i) => (i - 2000) / 20), 1e-6, -1e-6, 1e-30, -0, 0, 86.9, -86.9, NaN, Infinity, -Infinity];
    const x = nb.tensor(values).reshape([values.length, 1]);
    const w = nb.tensor([[1]]);
    for (const activation of ['sigmoid', 'tanh', 'relu', 'leakyRelu'] as const) {
      const pairs = [both((backend) => nb.linear(on(backend, x), on(backend, w), null, { activation, alpha: 0.1 }).dataSync())];
      // The unary ops take the same WebAssembly path.
      if (activation === 'sigmoid' || activation === 'tanh') pairs.push(both((backend) => on(backend, x)[activation]().dataSync()));
      for (const [expected, actual] of pairs) {
        for (let i = 0; i < values.length; i++) {
          const [e, a] = [expected[i], actual[i]];
          if (Number.isNaN(e)) expect(a, `${activation}(${values[i]})`).toBeNaN();
          else if (!Number.isFinite(e) || e === 0) expect(Object.is(a, e), `${activation}(${values[i]}) = ${a}, not ${e}`).toBe(true);
          else expect(Math.abs(a - e), `${activation}(${values[i]})`).toBeLessThanOrEqual(Math.max(2 * Math.abs(e) * 2 ** -23, 2 ** -126));
        }
      }
    }
  });

  it('relu and its gradient run in WebAssembly and match the reference bit for bit (NaN, infinities, -0)', () => {
    const values = [...Array.from({ length: 1001 }, (_, i) => (i - 500) / 7), -0, 0, NaN, Infinity, -Infinity, 1e-40, -1e-40];
    const x = nb.tensor(values);
    const upstream = nb.tensor(values.map((_, i) => (i % 3 === 0 ? NaN : i - 500)));
    const [expected, actual] = both((backend) => {
      const leaf = on(backend, x).requiresGrad_(true);
      const y = leaf.relu();
      y.backward(on(backend, upstream));
      return [y.dataSync(), leaf.grad!.dataSync()];
    });
    for (const k of [0, 1]) {
      for (let i = 0; i < values.length; i++) expect(Object.is(actual[k][i], expected[k][i]), `${k ? 'grad' : 'relu'} at ${values[i]}: ${actual[k][i]} vs ${expected[k][i]}`).toBe(true);
    }
  });

  it('max pooling in WebAssembly gives the reference values and indices exactly: ties, NaN, -Infinity, odd widths, overlaps, dilation, 1-D', () => {
    const cases: [number[], nb.PoolOptions][] = [
      [[2, 3, 28, 28], { kernelSize: 2 }],
      [[1, 2, 9, 13], { kernelSize: 3, stride: 1 }],
      [[2, 1, 11, 10], { kernelSize: [2, 3], stride: [2, 1], dilation: [2, 1] }],
      [[1, 1, 7, 7], { kernelSize: 3, stride: 2, padding: 1 }], // padded: the reference kernel
      [[1, 1, 7, 7], { kernelSize: 2, ceilMode: true }], // a last window past the edge: the reference kernel
    ];
    for (const [shape, options] of cases) {
      // Rounded values tie often; a few NaN and -Infinity.
      const raw = nb.randn(shape, { generator: g }).mul(2).round().dataSync();
      const data = Float32Array.from(raw, (v, i) => (i % 17 === 5 ? NaN : i % 23 === 7 ? -Infinity : v));
      const x = nb.Tensor.fromValues(data, shape, 'float32');
      const [expected, actual] = both((backend) => {
        const leaf = on(backend, x).requiresGrad_(true);
        const y = nb.maxPool2d(leaf, options);
        y.sum().backward();
        return [y.dataSync(), leaf.grad!.dataSync()];
      });
      for (const k of [0, 1]) {
        for (let i = 0; i < expected[k].length; i++) expect(Object.is(actual[k][i], expected[k][i]), `${JSON.stringify(options)} ${k ? 'grad' : 'value'} ${i}`).toBe(true);
      }
    }
    const x1 = nb.randn([3, 2, 31], { generator: g });
    const [e1, a1] = both((backend) => nb.maxPool1d(on(backend, x1), { kernelSize: 3, stride: 2 }).dataSync());
    expect(Array.from(a1)).toEqual(Array.from(e1));
  });

  it('sums over trailing axes run in WebAssembly and equal the reference bit for bit (odd lengths, NaN, infinities)', () => {
    for (const [shape, axes] of [[[3, 4, 1001], [2]], [[2, 3, 5, 7], [2, 3]], [[6, 50176], [1]], [[1, 3], [1]], [[4, 9], [0, 1]]] as const) {
      const x = nb.randn([...shape], { generator: g }).mul(100);
      const values = x.toTypedArray();
      values[5] = NaN;
      values[values.length - 2] = Infinity;
      const [expected, actual] = both((backend) => nb.Tensor.fromValues(values, [...shape], 'float32', backend).sum([...axes]).dataSync());
      for (let i = 0; i < expected.length; i++) expect(Object.is(actual[i], expected[i]), `${shape} over ${axes}: [${i}] ${actual[i]} vs ${expected[i]}`).toBe(true);
    }
  });

  it('NaN and infinity propagate through the products', () => {
    const a = nb.tensor([[NaN, 1], [1, 1]]);
    const b = nb.tensor([[1, 0], [Infinity, 1]]);
    const [expected, actual] = both((backend) => on(backend, a).matmul(on(backend, b)));
    allclose(actual, expected);
  });

  it('mostly-zero operands (ReLU outputs) give the same results', () => {
    const x = nb.randn([20, 50], { generator: g }).relu().relu().mul(nb.rand([20, 50], { generator: g }).gt(0.7));
    const w = nb.randn([8, 50], { generator: g });
    const [expected, actual] = both((backend) => nb.linear(on(backend, x), on(backend, w), null));
    allclose(actual, expected, 1e-5, 1e-5);
  });

  it('the relaxed-SIMD multiply-add kernel matches the reference as well', () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
    const script = `
      const { WasmGemm } = await import(${JSON.stringify(resolve(root, 'dist/backend/wasm/gemm.js'))});
      const { HAS_RELAXED_SIMD } = await import(${JSON.stringify(resolve(root, 'dist/backend/wasm/features.js'))});
      if (!HAS_RELAXED_SIMD) {
        console.log(JSON.stringify({ relaxed: false, worst: NaN }));
        process.exit(0);
      }
      const [m, n, k] = [13, 21, 301];
      const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i));
      const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i));
      const out = new Float32Array(m * n);
      new WasmGemm(true, 1).multiply(a, 0, false, b, 0, false, out, 0, m, n, k, false);
      let worst = 0;
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
        worst = Math.max(worst, Math.abs(s - out[i * n + j]));
      }
      console.log(JSON.stringify({ relaxed: HAS_RELAXED_SIMD, worst }));`;
    // Node 22+ has relaxed SIMD by default; Node 20 behind a flag.
    const runWith = (flags: string[]) => spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], { encoding: 'utf8' });
    let result = runWith([]);
    if (result.status === 0 && (JSON.parse(result.stdout) as { relaxed: boolean }).relaxed === false) result = runWith(['--experimental-wasm-relaxed-simd']);
    expect(result.status, result.stderr).toBe(0);
    const { relaxed, worst } = JSON.parse(result.stdout) as { relaxed: boolean; worst: number };
    expect(relaxed).toBe(true);
    expect(worst).toBeLessThan(1e-3);
  });

  it('large products split across threads give identical results for 1 and 2 threads', () => {
    const previous = nb.getThreads();
    try {
      const a = on(wasmBackend, nb.randn([300, 200], { generator: g })).requiresGrad_();
      const b = on(wasmBackend, nb.randn([200, 500], { generator: g }));
      // The product, and the transposed products of its backward pass.
      const run = () => {
        a.zeroGrad();
        const y = a.matmul(b);
        y.square().sum().backward();
        return [y.toTypedArray(), a.grad!.toTypedArray()];
      };
      nb.setThreads(1);
      const one = run();
      nb.setThreads(2);
      run().forEach((values, i) => expect(Array.from(values)).toEqual(Array.from(one[i])));
      const [expected] = both((backend) => on(backend, a).matmul(on(backend, b)));
      allclose(a.matmul(b), expected, 1e-3, 1e-4);
    } finally {
      nb.setThreads(previous);
    }
  });

  it('a convolution large enough for the threads (each gathers its own panels of the windows) gives identical results for 1 and 2 threads', () => {
    const previous = nb.getThreads();
    const previousBackend = nb.getBackend().name;
    nb.setBackend('wasm'); // the layer's weights too
    try {
      // 16 x 72 x (20 * 30 * 29) multiply-adds: above the parallel threshold; 30 x 29 outputs end in a partial panel.
      const x = on(wasmBackend, nb.randn([20, 8, 32, 31], { generator: g })).requiresGrad_();
      const conv = new nb.Conv2d(8, 16, 3, { generator: new nb.Generator(5) });
      const run = () => {
        x.zeroGrad();
        conv.zeroGrad();
        const y = new nb.Sequential(conv, new nb.ReLU()).forward(x);
        y.square().sum().backward();
        return [y.toTypedArray(), x.grad!.toTypedArray(), conv.weight.grad!.toTypedArray()];
      };
      nb.setThreads(1);
      const one = run();
      nb.setThreads(2);
      run().forEach((values, i) => expect(Array.from(values)).toEqual(Array.from(one[i])));
    } finally {
      nb.setThreads(previous);
      nb.setBackend(previousBackend);
    }
  });

  it('setThreads takes a positive integer; NABLA_THREADS or the cores give the default', () => {
    expect(() => nb.setThreads(0)).toThrow('setThreads: the thread count must be a positive integer, got 0');
    expect(() => nb.setThreads(1.5)).toThrow(/positive integer/);
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
    const script = `const nb = await import(${JSON.stringify(resolve(root, 'dist/index.js'))}); console.log(nb.getThreads());`;
    const run = (env: Record<string, string>) => spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env } });
    expect(run({ NABLA_THREADS: '3' }).stdout.trim()).toBe('3');
    expect(run({ NABLA_THREADS: 'many' }).stderr).toMatch(/NABLA_THREADS: the thread count must be a positive integer, got many/);
  });

  it('a process that used the worker threads exits by itself when its work is done', () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
    const script = `
      const nb = await import(${JSON.stringify(resolve(root, 'dist/index.js'))});
      nb.setBackend('wasm');
      nb.setThreads(2);
      const x = nb.randn([256, 256]);
      console.log(x.matmul(x).sum().item() !== 0);`;
    const started = Date.now();
    // With the flags the benchmarks use: workers refuse per-process flags, so they must not inherit them.
    const result = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('true');
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

