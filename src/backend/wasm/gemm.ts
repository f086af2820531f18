import { gemmModule, MAX_PAGES, MR, multiplyColumns, NR, type PackedProduct, type PanelGather, type ThreadKernels } from './gemm-kernel.js';
import type { Activation, ViewAxes, ViewMatmulKernel, ViewScatterKernel } from '../kernels.js';
import { ACTIVATIONS, type EpilogueKernel, epilogueName } from './epilogue-kernel.js';
import type { ColumnGatherer, ColumnScatterer, PanelGatherer, PanelPacker } from './pack-kernel.js';
import type { ReluGradKernel } from './relu-grad-kernel.js';
import type { RowSumsKernel } from './row-sums-kernel.js';
import {
  DIRECT_VIEW_ROWS, DIRECT_VIEW_TRANSPOSED_ROWS, type DirectViewKernel, type DirectViewTransposedKernel, directViewName, directViewTransposedName,
} from './direct-view-kernel.js';
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
/**
 * Products of at most this many rows with a view whose columns come in runs of adjacent floats go
 * through the direct kernels (direct-view-kernel.ts) instead of packed panels: with so few rows,
 * packing costs more than the multiply-adds it feeds. Measured on LeNet's convolutions: 2.3 and 1.8
 * times faster forward and for the weight gradient with 6 channels, slower with 16.
 */
const DIRECT_MAX_ROWS = 8;
/** The direct kernels take the upstream gradient (or write the product) this many floats (64 KiB) at a time, so that it stays in L2 across the taps. */
const DIRECT_BLOCK_FLOATS = 1 << 14;

/** What a fused layer does to its product: act(product + bias), the bias per column (linear) or per row (convolution). */
export interface Epilogue {
  bias: Float32Array | null;
  perRow: boolean;
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
  private readonly kernels: ThreadKernels;
  private readonly transposePanels: PanelPacker;
  private readonly copyPanels: PanelPacker;
  private readonly gatherColumns: ColumnGatherer;
  private readonly scatterColumns: ColumnScatterer;
  private readonly epilogues: Record<Activation, EpilogueKernel>;
  private readonly rowEpilogues: Record<Activation, EpilogueKernel>;
  private readonly reluGradKernel: ReluGradKernel;
  private readonly rowSumsKernel: RowSumsKernel;
  private readonly pool: ThreadPool | null;
  private readonly directViews: DirectViewKernel[];
  private readonly directViewsTransposed: DirectViewTransposedKernel[];
  private view: Float32Array;

  constructor(fused: boolean, threads: number) {
    const shared = threads > 1;
    const module = new WebAssembly.Module(gemmModule(fused, shared));
    this.memory = new WebAssembly.Memory(shared ? { initial: 1, maximum: MAX_PAGES, shared: true } : { initial: 1 });
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.transposePanels = instance.exports.transposePanels as PanelPacker;
    this.copyPanels = instance.exports.copyPanels as PanelPacker;
    this.gatherColumns = instance.exports.gatherColumns as ColumnGatherer;
    this.kernels = { gemm: instance.exports.gemm as ThreadKernels['gemm'], gatherPanels: instance.exports.gatherPanels as PanelGatherer };
    this.scatterColumns = instance.exports.scatterColumns as ColumnScatterer;
    this.epilogues = Object.fromEntries(ACTIVATIONS.map((name) => [name, instance.exports[epilogueName(name)]])) as Record<Activation, EpilogueKernel>;
    this.rowEpilogues = Object.fromEntries(ACTIVATIONS.map((name) => [name, instance.exports[epilogueName(name, true)]])) as Record<Activation, EpilogueKernel>;
    this.reluGradKernel = instance.exports.reluGrad as ReluGradKernel;
    this.rowSumsKernel = instance.exports.rowSums as RowSumsKernel;
    const upTo = (most: number) => Array.from({ length: most }, (_, i) => i + 1);
    this.directViews = upTo(DIRECT_VIEW_ROWS).map((rows) => instance.exports[directViewName(rows)] as DirectViewKernel);
    this.directViewsTransposed = upTo(DIRECT_VIEW_TRANSPOSED_ROWS).map((rows) => instance.exports[directViewTransposedName(rows)] as DirectViewTransposedKernel);
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
   * out = a[m, k] @ B, B[p, j] = b[viewOffset + tap(p) + column(j)], or a[m, n] @ B^T with
   * transposeView (see ViewMatmulKernel): the view's span of b is copied into memory once and each
   * block of the right operand gathered from it there.
   */
  multiplyView(a: Float32Array, aOffset: number, b: Float32Array, view: Omit<ViewMatmulKernel, 'op'>, out: Float32Array, epilogue?: Epilogue): void {
    const { m, outOffset, viewOffset, taps, columns, transposeView, outSamples } = view;
    const runs = m <= DIRECT_MAX_ROWS ? columnRuns(columns) : null;
    if (runs !== null && sizeOfAxes(taps) > 0) {
      if (transposeView) this.multiplyViewTransposedDirect(a, aOffset, b, view, runs, out);
      else this.multiplyViewDirect(a, aOffset, b, view, runs, out, epilogue);
      return;
    }
    const tapBytes = byteOffsetsOf(taps);
    const columnBytes = byteOffsetsOf(columns);
    const k = tapBytes.length;
    const n = columnBytes.length;
    const span = (k === 0 || n === 0 ? 0 : (tapBytes[k - 1] + columnBytes[n - 1]) / 4) + 1;
    // The right operand's rows (the product's depth) and columns: gathered from the same tables, swapped when transposed.
    const [depth, width, depthBytes, widthBytes] = transposeView ? [n, k, columnBytes, tapBytes] : [k, n, tapBytes, columnBytes];
    this.product(a, aOffset, false, out, outOffset, m, width, depth, false, epilogue, span + k + n, (j0, cols, base, scratch, extra) => {
      if (j0 === 0) {
        this.view.set(b.subarray(viewOffset, viewOffset + span), extra);
        const tables = new Int32Array(this.view.buffer, (extra + span) * 4, k + n);
        tables.set(depthBytes);
        tables.set(widthBytes, depth);
      }
      const depthTable = (extra + span) * 4;
      const widthTable = depthTable + (depth + j0) * 4;
      if (transposeView) {
        // Gathered along the view's columns, its contiguous direction, as B^T's rows, then transposed by the packing.
        this.gatherColumns(extra * 4, widthTable, depthTable, scratch * 4, cols, depth);
        this.packB(this.view, scratch, true, cols, depth, depth, base, scratch, true);
        return null;
      }
      // The last, partial panel through a compact copy; the full ones are gathered in place by whichever thread multiplies them.
      const full = Math.floor(cols / NR);
      if (full * NR < cols) {
        const rest = cols - full * NR;
        this.gatherColumns(extra * 4, depthTable, widthTable + full * NR * 4, scratch * 4, depth, rest);
        this.packB(this.view, scratch, false, rest, rest, depth, base + full * NR * depth, scratch, true);
      }
      return { src: extra * 4, taps: depthTable, columns: widthTable, panels: full };
    }, outSamples === undefined ? undefined : (j0, cols, cBase, ldc) => this.copyOutChannelsFirst(out, outOffset, outSamples, m, j0, cols, cBase, ldc));
  }

  /** Rows of a block of the product (columns j0 .. j0 + cols) to their channels-first places (see ViewMatmulKernel.outSamples). */
  private copyOutChannelsFirst(out: Float32Array, offset: number, { length, stride }: { length: number; stride: number }, rows: number, j0: number, cols: number, cBase: number, ldc: number): void {
    for (let j = j0; j < j0 + cols;) {
      const sample = Math.floor(j / length);
      const position = j - sample * length;
      const run = Math.min(length - position, j0 + cols - j);
      this.copyOut(out, offset + sample * stride + position, length, rows, run, cBase + j - j0, ldc, false);
      j += run;
    }
  }

  /**
   * b[view] += a^T g for each group (see ViewScatterKernel): the span of b that the groups' views
   * cover is copied into memory once, each block of each product is added into it there
   * (scatterColumns), and the span is copied back.
   */
  multiplyScatter(a: Float32Array, g: Float32Array, kernel: Omit<ViewScatterKernel, 'op'>, b: Float32Array): void {
    const { groups, m, viewOffset, viewGroupStride, taps, columns } = kernel;
    const tapBytes = byteOffsetsOf(taps);
    const columnBytes = byteOffsetsOf(columns);
    const k = tapBytes.length;
    const n = columnBytes.length;
    if (k === 0 || n === 0 || m === 0 || groups === 0) return;
    const span = (groups - 1) * viewGroupStride + (tapBytes[k - 1] + columnBytes[n - 1]) / 4 + 1;
    let spanBase = 0;
    for (let q = 0; q < groups; q++) {
      this.product(a, q * m * k, true, b, 0, k, n, m, false, undefined, span + k + n, (j0, cols, base, scratch, extra) => {
        if (q === 0 && j0 === 0) {
          spanBase = extra;
          this.view.set(b.subarray(viewOffset, viewOffset + span), extra);
          const tables = new Int32Array(this.view.buffer, (extra + span) * 4, k + n);
          tables.set(tapBytes);
          tables.set(columnBytes, k);
        }
        this.packB(g, q * m * n + j0, false, cols, n, m, base, scratch);
      }, (j0, cols, cBase, ldc, extra) => {
        const tapTable = (extra + span) * 4;
        this.scatterColumns((extra + q * viewGroupStride) * 4, tapTable, tapTable + (k + j0) * 4, cBase * 4, k, cols, ldc * 4);
      });
    }
    b.set(this.view.subarray(spanBase, spanBase + span), viewOffset);
  }

  /**
   * The span of b that a view covers copied to the start of memory (with 4 floats of room past it,
   * which the direct kernels' last blocks touch), then the tap and run tables and the tail mask;
   * `floats` more are reserved after them, from `free` on (16-byte aligned).
   */
  private placeView(b: Float32Array, viewOffset: number, span: number, tapBytes: Int32Array, { runs, length }: ColumnRuns, floats: number) {
    const tapTable = align4(span + 4);
    const runTable = align4(tapTable + tapBytes.length);
    const tailMask = align4(runTable + runs.length);
    const free = tailMask + 4;
    const mem = this.reserve(free + floats);
    mem.set(b.subarray(viewOffset, viewOffset + span), 0);
    const tables = new Int32Array(mem.buffer);
    tables.set(tapBytes, tapTable);
    tables.set(runs, runTable);
    for (let lane = 0; lane < 4; lane++) tables[tailMask + lane] = lane < length % 4 ? -1 : 0;
    return { mem, tapTable, runTable, tailMask, free };
  }

  /** multiplyView through directView (see DIRECT_MAX_ROWS): blocks of runs, each with the epilogue applied and copied out. */
  private multiplyViewDirect(a: Float32Array, aOffset: number, b: Float32Array, view: Omit<ViewMatmulKernel, 'op'>, runs: ColumnRuns, out: Float32Array, epilogue?: Epilogue): void {
    const { m, outOffset, viewOffset, outSamples } = view;
    const { tapBytes, k, length, runCount, n, runsPerBlock, rowFloats: ldc } = directBlocks(view, runs);
    const biasBase = align4(m * k);
    const cBase = biasBase + align4(m);
    const { mem, tapTable, runTable, free } = this.placeView(b, viewOffset, spanOf(tapBytes, runs), tapBytes, runs, cBase + m * ldc);
    this.placeTapMajor(a, aOffset, m, k, free, DIRECT_VIEW_ROWS);
    if (epilogue !== undefined) {
      mem.fill(0, free + biasBase, free + biasBase + m);
      if (epilogue.bias !== null) mem.set(epilogue.bias.subarray(0, m), free + biasBase);
    }
    for (let run0 = 0; run0 < runCount; run0 += runsPerBlock) {
      const count = Math.min(runsPerBlock, runCount - run0);
      for (let r0 = 0; r0 < m; r0 += DIRECT_VIEW_ROWS) {
        const rows = Math.min(DIRECT_VIEW_ROWS, m - r0);
        this.directViews[rows - 1]((free + r0 * k) * 4, 0, tapTable * 4, (runTable + run0) * 4, count, length, k, (free + cBase + r0 * ldc) * 4, ldc * 4);
      }
      if (epilogue !== undefined) this.rowEpilogues[epilogue.activation]((free + cBase) * 4, m, ldc, ldc * 4, (free + biasBase) * 4, epilogue.alpha);
      const j0 = run0 * length;
      const cols = count * length;
      if (outSamples === undefined) this.copyOut(out, outOffset + j0, n, m, cols, free + cBase, ldc, false);
      else this.copyOutChannelsFirst(out, outOffset, outSamples, m, j0, cols, free + cBase, ldc);
    }
  }

  /** multiplyView with transposeView through directViewT: out[i, p] = the sum of the four lanes of its partial sums. */
  private multiplyViewTransposedDirect(a: Float32Array, aOffset: number, b: Float32Array, view: Omit<ViewMatmulKernel, 'op'>, runs: ColumnRuns, out: Float32Array): void {
    const { m, outOffset, viewOffset } = view;
    const { tapBytes, k, length, runCount, n, runsPerBlock, rowFloats: ldg } = directBlocks(view, runs);
    const gBase = m * k * 4;
    const { mem, tapTable, runTable, tailMask, free } = this.placeView(b, viewOffset, spanOf(tapBytes, runs), tapBytes, runs, gBase + m * ldg);
    mem.fill(0, free, free + gBase);
    for (let run0 = 0; run0 < runCount; run0 += runsPerBlock) {
      const count = Math.min(runsPerBlock, runCount - run0);
      this.placeRows(a, aOffset + run0 * length, n, m, count * length, free + gBase, ldg);
      for (let r0 = 0; r0 < m; r0 += DIRECT_VIEW_TRANSPOSED_ROWS) {
        const rows = Math.min(DIRECT_VIEW_TRANSPOSED_ROWS, m - r0);
        this.directViewsTransposed[rows - 1]((free + gBase + r0 * ldg) * 4, ldg * 4, 0, tapTable * 4, (runTable + run0) * 4, count, length, k, (free + r0 * k * 4) * 4, tailMask * 4);
      }
    }
    for (let r0 = 0; r0 < m; r0 += DIRECT_VIEW_TRANSPOSED_ROWS) {
      const rows = Math.min(DIRECT_VIEW_TRANSPOSED_ROWS, m - r0);
      for (let p = 0; p < k; p++) {
        for (let r = 0; r < rows; r++) {
          const s = free + (r0 * k + p * rows + r) * 4;
          out[outOffset + (r0 + r) * k + p] = mem[s] + mem[s + 1] + (mem[s + 2] + mem[s + 3]);
        }
      }
    }
  }

  /** a[m, k] in chunks of `chunk` rows, each tap-major (chunk c's element (p, r) at base + c k chunk + p rows + r). */
  private placeTapMajor(a: Float32Array, offset: number, m: number, k: number, base: number, chunk: number): void {
    const mem = this.view;
    for (let r0 = 0; r0 < m; r0 += chunk) {
      const rows = Math.min(chunk, m - r0);
      for (let r = 0; r < rows; r++) {
        const row = offset + (r0 + r) * k;
        for (let p = 0, q = base + r0 * k + r; p < k; p++, q += rows) mem[q] = a[row + p];
      }
    }
  }

  /** `cols` columns of x's `rows` rows (`ld` apart from `offset`) to memory at `base`, rows `ldm` apart. */
  private placeRows(x: Float32Array, offset: number, ld: number, rows: number, cols: number, base: number, ldm: number): void {
    for (let i = 0; i < rows; i++) this.view.set(x.subarray(offset + i * ld, offset + i * ld + cols), base + i * ldm);
  }

  /**
   * The blocked product the entry points share: op(a) packed once, then for each block of columns
   * `packBlock` packs op(b)'s block at `base` (using `scratch`; `extra` is the caller's own region of
   * `extraFloats`), the kernel runs, and `emit` takes the block (m rows `ldc` apart at `cBase`),
   * by default copying it out to out[m, n] at outOffset (adding to it when accumulating).
   */
  private product(
    a: Float32Array, aOffset: number, transA: boolean, out: Float32Array, outOffset: number, m: number, n: number, k: number,
    accumulate: boolean, epilogue: Epilogue | undefined, extraFloats: number,
    packBlock: (j0: number, cols: number, base: number, scratch: number, extra: number) => PanelGather | null | void,
    emit: (j0: number, cols: number, cBase: number, ldc: number, extra: number) => void = (j0, cols, cBase, ldc) => this.copyOut(out, outOffset + j0, n, m, cols, cBase, ldc, accumulate),
  ): void {
    const rowPanels = Math.ceil(m / MR);
    const blockCols = Math.min(Math.ceil(n / NR), Math.max(1, Math.floor(BLOCK_FLOATS / (NR * Math.max(k, 1))))) * NR;
    const aSize = rowPanels * MR * k;
    const bSize = blockCols * k;
    const cBase = aSize + bSize;
    const scratch = cBase + rowPanels * MR * blockCols;
    const biasBase = scratch + k * Math.max(rowPanels * MR, blockCols);
    const extra = biasBase + (epilogue === undefined ? 0 : Math.max(blockCols, m));
    const mem = this.reserve(extra + extraFloats);
    this.packA(a, aOffset, transA, m, k, scratch);
    const parallel = this.pool !== null && m * n * k >= PARALLEL_WORK;
    for (let j0 = 0; j0 < n; j0 += blockCols) {
      const cols = Math.min(blockCols, n - j0);
      const colPanels = Math.ceil(cols / NR);
      const ldc = colPanels * NR;
      const gather = packBlock(j0, cols, aSize, scratch, extra) ?? null;
      const product: PackedProduct = { a: 0, b: aSize * 4, c: cBase * 4, rowPanels, colPanels, k, gather };
      if (k === 0) mem.fill(0, cBase, scratch);
      else if (parallel && colPanels > 1) this.pool!.run(product, this.kernels);
      else multiplyColumns(this.kernels, product, 0, colPanels);
      if (epilogue !== undefined) {
        const { bias, perRow, activation, alpha } = epilogue;
        const biasFloats = perRow ? m : ldc;
        mem.fill(0, biasBase, biasBase + biasFloats);
        if (bias !== null) mem.set(perRow ? bias.subarray(0, m) : bias.subarray(j0, j0 + cols), biasBase);
        (perRow ? this.rowEpilogues : this.epilogues)[activation](cBase * 4, m, ldc, ldc * 4, biasBase * 4, alpha);
      }
      emit(j0, cols, cBase, ldc, extra);
    }
  }

  /** Rows of a block of the product (`ldc` apart at `cBase`) to out, whose rows are `n` apart. */
  private copyOut(out: Float32Array, offset: number, n: number, rows: number, cols: number, cBase: number, ldc: number, accumulate: boolean): void {
    const mem = this.view;
    for (let i = 0; i < rows; i++) {
      const c = cBase + i * ldc;
      const o = offset + i * n;
      if (accumulate) for (let j = 0; j < cols; j++) out[o + j] += mem[c + j];
      else if (cols < SHORT_ROW) for (let j = 0; j < cols; j++) out[o + j] = mem[c + j];
      else out.set(mem.subarray(c, c + cols), o);
    }
  }

  /**
   * out = act(x) elementwise through the epilogue's float32 functions (within 2 ulp of the
   * reference; subnormal sigmoid results flushed to zero), as one row. The bias they add is -0,
   * which leaves every x as it is, the sign of zero included.
   */
  activate(activation: Activation, x: Float32Array, out: Float32Array, alpha = 0): void {
    const width = Math.ceil(x.length / 4) * 4;
    const mem = this.reserve(width + 1);
    mem.set(x, 0);
    mem[width] = -0;
    this.rowEpilogues[activation](0, 1, width, width * 4, width * 4, alpha);
    out.set(mem.subarray(0, x.length));
  }

  /** out = y > 0 ? g : 0 elementwise (ReLU's backward from its output), exactly as the reference. */
  reluGrad(g: Float32Array, y: Float32Array, out: Float32Array): void {
    const width = Math.ceil(g.length / 4) * 4;
    const mem = this.reserve(2 * width);
    mem.set(g, 0);
    mem.set(y, width);
    this.reluGradKernel(0, width * 4, width * 4);
    out.set(mem.subarray(0, g.length));
  }

  /** out[r] = the sum of row r of x[rows, cols], exactly as the reference sums (see row-sums-kernel.ts). */
  sumRows(x: Float32Array, out: Float32Array, rows: number, cols: number): void {
    const mem = this.reserve(rows * cols + rows);
    mem.set(x, 0);
    this.rowSumsKernel(0, rows * cols * 4, rows, cols);
    out.set(mem.subarray(rows * cols, rows * cols + rows));
  }

  /** op(a) (m x k) as 4-row panels at the start of memory, the full ones from a copy of a at `scratch`. */
  private packA(a: Float32Array, offset: number, trans: boolean, m: number, k: number, scratch: number): void {
    // Untransposed, the rows past the last are zeros appended to the copy, so every panel is a full one.
    const full = trans ? Math.floor(m / MR) : Math.ceil(m / MR);
    if (full > 0) {
      this.view.set(a.subarray(offset, offset + m * k), scratch);
      if (!trans) this.view.fill(0, scratch + m * k, scratch + full * MR * k);
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
    // Transposed, the columns past the last are zero rows appended to the copy, so every panel is a full one.
    const full = trans ? Math.ceil(n / NR) : Math.floor(n / NR);
    if (trans) view.fill(0, scratch + n * k, scratch + full * NR * k);
    for (let half = 0; half < 2 && full > 0; half++) {
      const dst = (base + half * 4) * 4;
      if (trans) this.transposePanels((scratch + half * 4 * k) * 4, k * 4, NR * k * 4, dst, NR * 4, NR * k * 4, full, k);
      else this.copyPanels((scratch + half * 4) * 4, n * 4, NR * 4, dst, NR * 4, NR * k * 4, full, k);
    }
    // op(b)^T is n x k, so its last columns are packed as rows of the transposed operand.
    if (full * NR < n) packEdge(view, scratch, !trans, n, k, NR, full, view, base + full * NR * k);
  }
}

/** A view's columns as runs of adjacent floats: the byte offset of each run, and their length. */
interface ColumnRuns {
  runs: Int32Array;
  length: number;
}

/**
 * The columns as runs, when the last axis has stride 1 and is long enough that blocks of four
 * waste little past its end (4, 8, ... or at least 6); else null (and for an empty view).
 */
function columnRuns({ shape, strides }: ViewAxes): ColumnRuns | null {
  const last = shape.length - 1;
  if (last < 0 || strides[last] !== 1 || shape.some((size) => size === 0)) return null;
  const length = shape[last];
  if (length % 4 !== 0 && length < 6) return null;
  return { runs: byteOffsetsOf({ shape: shape.slice(0, last), strides: strides.slice(0, last) }), length };
}

/**
 * How the direct kernels walk a view product: its taps, its runs of columns, how many runs make one
 * block (DIRECT_BLOCK_FLOATS for all m rows) and the floats a row of a block takes in memory (with
 * the room the last vector of a run reads or writes past it).
 */
function directBlocks({ m, taps }: Omit<ViewMatmulKernel, 'op'>, { runs, length }: ColumnRuns) {
  const tapBytes = byteOffsetsOf(taps);
  const runCount = runs.length;
  const runsPerBlock = Math.max(1, Math.floor(DIRECT_BLOCK_FLOATS / (m * length)));
  return { tapBytes, k: tapBytes.length, length, runCount, n: runCount * length, runsPerBlock, rowFloats: align4(Math.min(runsPerBlock, runCount) * length) + 4 };
}

/** How many floats of b a view with these taps and runs covers, from its offset. */
function spanOf(tapBytes: Int32Array, { runs, length }: ColumnRuns): number {
  return (tapBytes[tapBytes.length - 1] + runs[runs.length - 1]) / 4 + length;
}

const align4 = (floats: number) => Math.ceil(floats / 4) * 4;

const sizeOfAxes = ({ shape }: ViewAxes) => shape.reduce((acc, d) => acc * d, 1);

/** byteOffsetsOf's tables of the views seen recently (a training loop asks for the same few every step). */
const offsetTables = new Map<string, Int32Array>();
const MAX_OFFSET_TABLES = 64;

/** The byte offset (4 per float) of each multi-index of `axes`, row-major; shared, so read-only. */
function byteOffsetsOf(axes: ViewAxes): Int32Array {
  const key = `${axes.shape.join(',')}/${axes.strides.join(',')}`;
  let table = offsetTables.get(key);
  if (table === undefined) {
    if (offsetTables.size >= MAX_OFFSET_TABLES) offsetTables.clear();
    table = offsetsOf(axes).map((offset) => offset * 4);
    offsetTables.set(key, table);
  }
  return table;
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
