import { gemmModule, MR, NR } from './gemm-kernel.js';

/** Depth of one pass over k: a 4 x 256 panel of A and an 8 x 256 panel of B (12 KiB) stay in L1. */
const KC = 256;
const PAGE = 65536;

/**
 * Float32 GEMM through the WebAssembly micro-kernel: out[m, n] (+)= op(a)[m, k] op(b)[k, n]. The
 * operands are packed into the module's memory in panels (which also applies the transposes and
 * pads the edges with zeros), multiplied in depth passes of KC, and the product copied out.
 */
export class WasmGemm {
  private readonly memory = new WebAssembly.Memory({ initial: 1 });
  private readonly kernel: (a: number, b: number, c: number, rowPanels: number, colPanels: number, k: number, accumulate: number) => void;
  private view = new Float32Array(this.memory.buffer);

  constructor(fused: boolean) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(gemmModule(fused)), { env: { memory: this.memory } });
    this.kernel = instance.exports.gemm as WasmGemm['kernel'];
  }

  /** A view of at least `floats` floats of memory (memory grows as needed; views are renewed then). */
  private reserve(floats: number): Float32Array {
    const needed = floats * 4 - this.memory.buffer.byteLength;
    if (needed > 0) this.memory.grow(Math.ceil(needed / PAGE));
    if (this.view.buffer !== this.memory.buffer) this.view = new Float32Array(this.memory.buffer);
    return this.view;
  }

  multiply(
    a: Float32Array, aOffset: number, transA: boolean, b: Float32Array, bOffset: number, transB: boolean,
    out: Float32Array, outOffset: number, m: number, n: number, k: number, accumulate: boolean,
  ): void {
    const rowPanels = Math.ceil(m / MR);
    const colPanels = Math.ceil(n / NR);
    const depth = Math.min(KC, k);
    const aSize = rowPanels * MR * depth;
    const bSize = colPanels * NR * depth;
    const ldc = colPanels * NR;
    const mem = this.reserve(aSize + bSize + rowPanels * MR * ldc);
    const aBase = 0;
    const bBase = aSize;
    const cBase = aSize + bSize;
    if (k === 0) mem.fill(0, cBase, cBase + rowPanels * MR * ldc);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      packA(a, aOffset, transA, m, k, p0, kc, mem, aBase);
      packB(b, bOffset, transB, n, k, p0, kc, mem, bBase);
      this.kernel(aBase * 4, bBase * 4, cBase * 4, rowPanels, colPanels, kc, p0 > 0 ? 1 : 0);
    }
    for (let i = 0; i < m; i++) {
      const c = cBase + i * ldc;
      const o = outOffset + i * n;
      if (accumulate) for (let j = 0; j < n; j++) out[o + j] += mem[c + j];
      else out.set(mem.subarray(c, c + n), o);
    }
  }
}

/** op(a)[:, p0 : p0 + kc] as 4-row panels, kc x 4 each (rows past m are zeros). */
function packA(a: Float32Array, offset: number, trans: boolean, m: number, k: number, p0: number, kc: number, mem: Float32Array, base: number): void {
  let q = base;
  for (let i0 = 0; i0 < m; i0 += MR) {
    const rows = Math.min(MR, m - i0);
    if (!trans && rows === MR) {
      const r0 = offset + i0 * k;
      for (let p = p0; p < p0 + kc; p++, q += MR) {
        mem[q] = a[r0 + p];
        mem[q + 1] = a[r0 + k + p];
        mem[q + 2] = a[r0 + 2 * k + p];
        mem[q + 3] = a[r0 + 3 * k + p];
      }
      continue;
    }
    for (let p = p0; p < p0 + kc; p++) {
      for (let r = 0; r < MR; r++, q++) {
        const i = i0 + r;
        mem[q] = r < rows ? (trans ? a[offset + p * m + i] : a[offset + i * k + p]) : 0;
      }
    }
  }
}

/** op(b)[p0 : p0 + kc, :] as 8-column panels, kc x 8 each (columns past n are zeros). */
function packB(b: Float32Array, offset: number, trans: boolean, n: number, k: number, p0: number, kc: number, mem: Float32Array, base: number): void {
  let q = base;
  for (let j0 = 0; j0 < n; j0 += NR) {
    const cols = Math.min(NR, n - j0);
    if (trans && cols === NR) {
      const r0 = offset + j0 * k;
      for (let p = p0; p < p0 + kc; p++, q += NR) {
        for (let c = 0, from = r0 + p; c < NR; c++, from += k) mem[q + c] = b[from];
      }
      continue;
    }
    for (let p = p0; p < p0 + kc; p++) {
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
