import { type GemmKernel, gemmModule, MAX_PAGES, MR, multiplyColumns, NR, type PackedProduct } from './gemm-kernel.js';
import { threadPool, type ThreadPool } from './threads.js';

const PAGE = 65536;
/** Below this many multiply-adds (about a 256x256x256 product) a product stays on the calling thread: waking workers costs more (W1's 100x784x40 products ran slower on two threads). */
const PARALLEL_WORK = 1 << 24;

/**
 * Float32 GEMM through the WebAssembly micro-kernel: out[m, n] (+)= op(a)[m, k] op(b)[k, n]. The
 * operands are packed into the module's memory in panels (which also applies the transposes and
 * pads the edges with zeros), multiplied in depth passes, and the product copied out. Large
 * products are split by column panels across the thread pool; each element of the product is
 * computed by one thread in the same order, so results do not depend on the thread count.
 */
export class WasmGemm {
  private readonly memory: WebAssembly.Memory;
  private readonly kernel: GemmKernel;
  private readonly pool: ThreadPool | null;
  private view: Float32Array;

  constructor(fused: boolean, threads: number) {
    const shared = threads > 1;
    const module = new WebAssembly.Module(gemmModule(fused, shared));
    this.memory = new WebAssembly.Memory(shared ? { initial: 1, maximum: MAX_PAGES, shared: true } : { initial: 1 });
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.kernel = instance.exports.gemm as GemmKernel;
    this.view = new Float32Array(this.memory.buffer);
    this.pool = shared ? threadPool(threads, this.memory, module) : null;
  }

  /** The size of its memory, which grows to the largest product so far and never shrinks. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Stops its worker threads, if any. */
  close(): void {
    this.pool?.close();
  }

  /** A view of at least `floats` floats of memory (memory grows as needed; views are renewed then). */
  private reserve(floats: number): Float32Array {
    const needed = floats * 4 - this.memory.buffer.byteLength;
    if (needed > 0) this.memory.grow(Math.ceil(needed / PAGE));
    if (this.view.buffer !== this.memory.buffer || this.view.length * 4 !== this.memory.buffer.byteLength) this.view = new Float32Array(this.memory.buffer);
    return this.view;
  }

  multiply(
    a: Float32Array, aOffset: number, transA: boolean, b: Float32Array, bOffset: number, transB: boolean,
    out: Float32Array, outOffset: number, m: number, n: number, k: number, accumulate: boolean,
  ): void {
    const rowPanels = Math.ceil(m / MR);
    const colPanels = Math.ceil(n / NR);
    const aSize = rowPanels * MR * k;
    const bSize = colPanels * NR * k;
    const ldc = colPanels * NR;
    const mem = this.reserve(aSize + bSize + rowPanels * MR * ldc);
    const product: PackedProduct = { a: 0, b: aSize * 4, c: (aSize + bSize) * 4, rowPanels, colPanels, k };
    packA(a, aOffset, transA, m, k, mem, 0);
    packB(b, bOffset, transB, n, k, mem, aSize);
    const cBase = aSize + bSize;
    if (k === 0) mem.fill(0, cBase, cBase + rowPanels * MR * ldc);
    else if (this.pool !== null && m * n * k >= PARALLEL_WORK && colPanels > 1) this.pool.run(product, this.kernel);
    else multiplyColumns(this.kernel, product, 0, colPanels);
    for (let i = 0; i < m; i++) {
      const c = cBase + i * ldc;
      const o = outOffset + i * n;
      if (accumulate) for (let j = 0; j < n; j++) out[o + j] += mem[c + j];
      else out.set(mem.subarray(c, c + n), o);
    }
  }
}

/** op(a) as 4-row panels, k x 4 each, row index fastest (rows past m are zeros). */
function packA(a: Float32Array, offset: number, trans: boolean, m: number, k: number, mem: Float32Array, base: number): void {
  let q = base;
  for (let i0 = 0; i0 < m; i0 += MR) {
    const rows = Math.min(MR, m - i0);
    if (!trans && rows === MR) {
      const r0 = offset + i0 * k;
      for (let p = 0; p < k; p++, q += MR) {
        mem[q] = a[r0 + p];
        mem[q + 1] = a[r0 + k + p];
        mem[q + 2] = a[r0 + 2 * k + p];
        mem[q + 3] = a[r0 + 3 * k + p];
      }
      continue;
    }
    for (let p = 0; p < k; p++) {
      for (let r = 0; r < MR; r++, q++) {
        const i = i0 + r;
        mem[q] = r < rows ? (trans ? a[offset + p * m + i] : a[offset + i * k + p]) : 0;
      }
    }
  }
}

/** op(b) as 8-column panels, k x 8 each, column index fastest (columns past n are zeros). */
function packB(b: Float32Array, offset: number, trans: boolean, n: number, k: number, mem: Float32Array, base: number): void {
  let q = base;
  for (let j0 = 0; j0 < n; j0 += NR) {
    const cols = Math.min(NR, n - j0);
    if (trans && cols === NR) {
      const r0 = offset + j0 * k;
      for (let p = 0; p < k; p++, q += NR) {
        for (let c = 0, from = r0 + p; c < NR; c++, from += k) mem[q + c] = b[from];
      }
      continue;
    }
    for (let p = 0; p < k; p++) {
      if (!trans && cols === NR) {
        const from = offset + p * n + j0;
        for (let c = 0; c < NR; c++) mem[q++] = b[from + c];
        continue;
      }
      for (let c = 0; c < NR; c++, q++) {
        const j = j0 + c;
        mem[q] = c < cols ? (trans ? b[offset + j * k + p] : b[offset + p * n + j]) : 0;
      }
    }
  }
}
