import { type GemmKernel, gemmModule, MAX_PAGES, MR, multiplyColumns, NR, type PackedProduct } from './gemm-kernel.js';
import type { Activation, ViewAxes, ViewMatmulKernel } from '../kernels.js';
import { ACTIVATIONS, type EpilogueKernel, epilogueName } from './epilogue-kernel.js';
import type { ColumnGatherer, PanelPacker } from './pack-kernel.js';
import { threadPool, type ThreadPool } from './threads.js';

const PAGE = 65536;
/** Below this many multiply-adds (about a 256x256x256 product) a product stays on the calling thread: waking workers costs more (W1's 100x784x40 products ran slower on two threads). */
const PARALLEL_WORK = 1 << 24;
/**
 * op(b) is packed this many floats (1 MiB) at a time, a block of columns, so that a product with a
 * long side (a convolution's columns for a whole batch) needs little memory and its packed block
 * stays in cache while op(a) streams past it.
 */
const BLOCK_FLOATS = 1 << 18;
/** Rows of the product shorter than this are copied out by a loop rather than through a view. */
const SHORT_ROW = 32;

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
  private readonly gatherColumns: ColumnGatherer;
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
    this.gatherColumns = instance.exports.gatherColumns as ColumnGatherer;
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
    this.product(a, aOffset, transA, out, outOffset, m, n, k, accumulate, epilogue, 0, (j0, cols, base, scratch) =>
      this.packB(b, bOffset + (transB ? j0 * k : j0), transB, cols, transB ? k : n, k, base, scratch));
  }

  /**
   * out = a[m, k] @ B, B[p, j] = b[viewOffset + tap(p) + column(j)] (see ViewMatmulKernel): the
   * view's span of b is copied into memory once and each block of B gathered from it there.
   */
  multiplyView(a: Float32Array, aOffset: number, b: Float32Array, view: Omit<ViewMatmulKernel, 'op'>, out: Float32Array): void {
    const { m, outOffset, viewOffset, taps, columns } = view;
    const tapOffsets = offsetsOf(taps);
    const columnOffsets = offsetsOf(columns);
    const k = tapOffsets.length;
    const n = columnOffsets.length;
    const span = (k === 0 || n === 0 ? 0 : tapOffsets[k - 1] + columnOffsets[n - 1]) + 1;
    this.product(a, aOffset, false, out, outOffset, m, n, k, false, undefined, span + k + n, (j0, cols, base, scratch, extra) => {
      if (j0 === 0) {
        this.view.set(b.subarray(viewOffset, viewOffset + span), extra);
        const tables = new Int32Array(this.view.buffer, (extra + span) * 4, k + n);
        for (let p = 0; p < k; p++) tables[p] = tapOffsets[p] * 4;
        for (let j = 0; j < n; j++) tables[k + j] = columnOffsets[j] * 4;
      }
      const tapTable = (extra + span) * 4;
      this.gatherColumns(extra * 4, tapTable, tapTable + (k + j0) * 4, scratch * 4, k, cols);
      this.packB(this.view, scratch, false, cols, cols, k, base, scratch, true);
    });
  }

  /**
   * The blocked product both entry points share: op(a) packed once, then for each block of columns
   * `packBlock` packs op(b)'s block at `base` (using `scratch`; `extra` is the caller's own region of
   * `extraFloats`), the kernel runs, and the block is copied out.
   */
  private product(
    a: Float32Array, aOffset: number, transA: boolean, out: Float32Array, outOffset: number, m: number, n: number, k: number,
    accumulate: boolean, epilogue: Epilogue | undefined, extraFloats: number,
    packBlock: (j0: number, cols: number, base: number, scratch: number, extra: number) => void,
  ): void {
    const rowPanels = Math.ceil(m / MR);
    const blockCols = Math.min(Math.ceil(n / NR), Math.max(1, Math.floor(BLOCK_FLOATS / (NR * Math.max(k, 1))))) * NR;
    const aSize = rowPanels * MR * k;
    const bSize = blockCols * k;
    const cBase = aSize + bSize;
    const scratch = cBase + rowPanels * MR * blockCols;
    const biasBase = scratch + k * Math.max(m, blockCols);
    const extra = biasBase + (epilogue === undefined ? 0 : blockCols);
    const mem = this.reserve(extra + extraFloats);
    this.packA(a, aOffset, transA, m, k, scratch);
    const parallel = this.pool !== null && m * n * k >= PARALLEL_WORK;
    for (let j0 = 0; j0 < n; j0 += blockCols) {
      const cols = Math.min(blockCols, n - j0);
      const colPanels = Math.ceil(cols / NR);
      const ldc = colPanels * NR;
      const product: PackedProduct = { a: 0, b: aSize * 4, c: cBase * 4, rowPanels, colPanels, k };
      packBlock(j0, cols, aSize, scratch, extra);
      if (k === 0) mem.fill(0, cBase, scratch);
      else if (parallel && colPanels > 1) this.pool!.run(product, this.kernel);
      else multiplyColumns(this.kernel, product, 0, colPanels);
      if (epilogue !== undefined) {
        const { bias, activation, alpha } = epilogue;
        mem.fill(0, biasBase, biasBase + ldc);
        if (bias !== null) mem.set(bias.subarray(j0, j0 + cols), biasBase);
        this.epilogues[activation](cBase * 4, m, ldc, ldc * 4, biasBase * 4, alpha);
      }
      for (let i = 0; i < m; i++) {
        const c = cBase + i * ldc;
        const o = outOffset + i * n + j0;
        if (accumulate) for (let j = 0; j < cols; j++) out[o + j] += mem[c + j];
        else if (cols < SHORT_ROW) for (let j = 0; j < cols; j++) out[o + j] = mem[c + j];
        else out.set(mem.subarray(c, c + cols), o);
      }
    }
  }

  /**
   * out = act(x) elementwise through the epilogue's float32 functions (within 2 ulp of the
   * reference; subnormal sigmoid results flushed to zero). The bias they add is -0, which leaves
   * every x as it is, the sign of zero included.
   */
  activate(activation: Activation, x: Float32Array, out: Float32Array): void {
    const width = Math.ceil(x.length / 4) * 4;
    const mem = this.reserve(2 * width);
    mem.set(x, 0);
    mem.fill(-0, width, 2 * width);
    this.epilogues[activation](0, 1, width, width * 4, width * 4, 0);
    out.set(mem.subarray(0, x.length));
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

  /**
   * `n` columns of op(b) (k x n) as 8-column panels at `base`, two 4-column halves per panel, from
   * a compact copy at `scratch` (already there when `inMemory`). Stored rows are `ld` apart: b is
   * [n, ld] when transposed (a block of its rows), [k, ld] otherwise (a block of its columns,
   * copied row by row).
   */
  private packB(b: Float32Array, offset: number, trans: boolean, n: number, ld: number, k: number, base: number, scratch: number, inMemory = false): void {
    const view = this.view;
    if (!inMemory) {
      if (trans || ld === n) view.set(b.subarray(offset, offset + n * k), scratch);
      else for (let p = 0; p < k; p++) view.set(b.subarray(offset + p * ld, offset + p * ld + n), scratch + p * n);
    }
    const full = Math.floor(n / NR);
    for (let half = 0; half < 2 && full > 0; half++) {
      const dst = (base + half * 4) * 4;
      if (trans) this.transposePanels((scratch + half * 4 * k) * 4, k * 4, NR * k * 4, dst, NR * 4, NR * k * 4, full, k);
      else this.copyPanels((scratch + half * 4) * 4, n * 4, NR * 4, dst, NR * 4, NR * k * 4, full, k);
    }
    // op(b)^T is n x k, so its last columns are packed as rows of the transposed operand.
    if (full * NR < n) packEdge(view, scratch, !trans, n, k, NR, full, view, base + full * NR * k);
  }
}

/** The offset of each multi-index of `axes`, row-major. */
function offsetsOf({ shape, strides }: ViewAxes): Int32Array {
  const out = new Int32Array(shape.reduce((acc, d) => acc * d, 1));
  const counter = new Array<number>(shape.length).fill(0);
  let offset = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = offset;
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      counter[axis]++;
      offset += strides[axis];
      if (counter[axis] < shape[axis]) break;
      offset -= strides[axis] * shape[axis];
      counter[axis] = 0;
    }
  }
  return out;
}

/**
 * The last, partial panel of op(x) (rows x k, `width` rows per panel, row index fastest), with zeros
 * past the last row. For B it is called with op(b)^T, whose rows are op(b)'s columns.
 */
function packEdge(x: Float32Array, offset: number, trans: boolean, rows: number, k: number, width: number, panel: number, mem: Float32Array, base: number): void {
  const first = panel * width;
  mem.fill(0, base, base + k * width);
  for (let i = first; i < rows; i++) {
    const [from, step] = trans ? [offset + i, rows] : [offset + i * k, 1];
    for (let p = 0, q = base + i - first, s = from; p < k; p++, q += width, s += step) mem[q] = x[s];
  }
}
