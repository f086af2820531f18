import { type GemmKernel, gemmModule, MAX_PAGES, MR, multiplyColumns, NR, type PackedProduct } from './gemm-kernel.js';
import type { Activation } from '../kernels.js';
import { ACTIVATIONS, type EpilogueKernel, epilogueName } from './epilogue-kernel.js';
import type { PanelPacker } from './pack-kernel.js';
import { threadPool, type ThreadPool } from './threads.js';

const PAGE = 65536;
/** Below this many multiply-adds (about a 256x256x256 product) a product stays on the calling thread: waking workers costs more (W1's 100x784x40 products ran slower on two threads). */
const PARALLEL_WORK = 1 << 24;

/** What the fused linear layer does to its product: act(product + bias). */
export interface Epilogue {
  bias: Float32Array | null;
  activation: Activation;
  alpha: number;
}

/**
 * Float32 GEMM through the WebAssembly micro-kernel: out[m, n] (+)= op(a)[m, k] op(b)[k, n]. The
 * operands are copied into the module's memory and packed there in panels (which also applies the
 * transposes; the last, partial panels are packed from JavaScript with zeros past the edges), multiplied in depth passes, and the product copied out. Large
 * products are split by column panels across the thread pool; each element of the product is
 * computed by one thread in the same order, so results do not depend on the thread count.
 */
export class WasmGemm {
  private readonly memory: WebAssembly.Memory;
  private readonly kernel: GemmKernel;
  private readonly transposePanels: PanelPacker;
  private readonly copyPanels: PanelPacker;
  private readonly epilogues: Record<Activation, EpilogueKernel>;
  private readonly pool: ThreadPool | null;
  private view: Float32Array;

  constructor(fused: boolean, threads: number) {
    const shared = threads > 1;
    const module = new WebAssembly.Module(gemmModule(fused, shared));
    this.memory = new WebAssembly.Memory(shared ? { initial: 1, maximum: MAX_PAGES, shared: true } : { initial: 1 });
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.kernel = instance.exports.gemm as GemmKernel;
    this.transposePanels = instance.exports.transposePanels as PanelPacker;
    this.copyPanels = instance.exports.copyPanels as PanelPacker;
    this.epilogues = Object.fromEntries(ACTIVATIONS.map((name) => [name, instance.exports[epilogueName(name)]])) as Record<Activation, EpilogueKernel>;
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

  /**
   * out (+)= op(a) op(b), op(a) m x k and op(b) k x n; `epilogue`, if given, applies a bias and an
   * activation to the product in WebAssembly before it is copied out (the fused linear layer).
   */
  multiply(
    a: Float32Array, aOffset: number, transA: boolean, b: Float32Array, bOffset: number, transB: boolean,
    out: Float32Array, outOffset: number, m: number, n: number, k: number, accumulate: boolean, epilogue?: Epilogue,
  ): void {
    const rowPanels = Math.ceil(m / MR);
    const colPanels = Math.ceil(n / NR);
    const aSize = rowPanels * MR * k;
    const bSize = colPanels * NR * k;
    const ldc = colPanels * NR;
    const cBase = aSize + bSize;
    const scratch = cBase + rowPanels * MR * ldc;
    const biasBase = scratch + k * Math.max(m, n);
    const mem = this.reserve(biasBase + (epilogue === undefined ? 0 : ldc));
    const product: PackedProduct = { a: 0, b: aSize * 4, c: cBase * 4, rowPanels, colPanels, k };
    this.packA(a, aOffset, transA, m, k, scratch);
    this.packB(b, bOffset, transB, n, k, aSize, scratch);
    if (k === 0) mem.fill(0, cBase, scratch);
    else if (this.pool !== null && m * n * k >= PARALLEL_WORK && colPanels > 1) this.pool.run(product, this.kernel);
    else multiplyColumns(this.kernel, product, 0, colPanels);
    if (epilogue !== undefined) {
      const { bias, activation, alpha } = epilogue;
      mem.fill(0, biasBase, biasBase + ldc);
      if (bias !== null) mem.set(bias.subarray(0, n), biasBase);
      this.epilogues[activation](cBase * 4, m, ldc, ldc * 4, biasBase * 4, alpha);
    }
    for (let i = 0; i < m; i++) {
      const c = cBase + i * ldc;
      const o = outOffset + i * n;
      if (accumulate) for (let j = 0; j < n; j++) out[o + j] += mem[c + j];
      else out.set(mem.subarray(c, c + n), o);
    }
  }

  /** op(a) (m x k) as 4-row panels at the start of memory, the full ones from a copy of a at `scratch`. */
  private packA(a: Float32Array, offset: number, trans: boolean, m: number, k: number, scratch: number): void {
    const full = Math.floor(m / MR);
    if (full > 0) {
      this.view.set(a.subarray(offset, offset + m * k), scratch);
      const pack = trans ? this.copyPanels : this.transposePanels;
      // Transposed, panel i's group p is a[p][4i .. 4i + 3]; otherwise element p of rows 4i .. 4i + 3.
      pack(scratch * 4, (trans ? m : k) * 4, (trans ? MR : MR * k) * 4, 0, MR * 4, MR * k * 4, full, k);
    }
    if (full * MR < m) packEdge(a, offset, trans, m, k, MR, full, this.view, full * MR * k);
  }

  /** op(b) (k x n) as 8-column panels at `base`, two 4-column halves per panel. */
  private packB(b: Float32Array, offset: number, trans: boolean, n: number, k: number, base: number, scratch: number): void {
    const full = Math.floor(n / NR);
    if (full > 0) {
      this.view.set(b.subarray(offset, offset + n * k), scratch);
      for (let half = 0; half < 2; half++) {
        const dst = (base + half * 4) * 4;
        if (trans) this.transposePanels((scratch + half * 4 * k) * 4, k * 4, NR * k * 4, dst, NR * 4, NR * k * 4, full, k);
        else this.copyPanels((scratch + half * 4) * 4, n * 4, NR * 4, dst, NR * 4, NR * k * 4, full, k);
      }
    }
    // op(b)^T is n x k, so its last columns are packed as rows of the transposed operand.
    if (full * NR < n) packEdge(b, offset, !trans, n, k, NR, full, this.view, base + full * NR * k);
  }
}

/**
 * The last, partial panel of op(x) (rows x k, `width` rows per panel, row index fastest), with zeros
 * past the last row. For B it is called with op(b)^T, whose rows are op(b)'s columns.
 */
function packEdge(x: Float32Array, offset: number, trans: boolean, rows: number, k: number, width: number, panel: number, mem: Float32Array, base: number): void {
  const first = panel * width;
  let q = base;
  for (let p = 0; p < k; p++) {
    for (let r = 0; r < width; r++, q++) {
      const i = first + r;
      mem[q] = i < rows ? (trans ? x[offset + p * rows + i] : x[offset + i * k + p]) : 0;
    }
  }
}
