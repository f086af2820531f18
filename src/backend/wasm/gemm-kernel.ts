import { assemble, Code } from './assembler.js';
import { epilogues } from './epilogue-kernel.js';
import { copyPanels, gatherColumns, gatherPanels, type PanelGatherer, scatterColumns, transposePanels } from './pack-kernel.js';
import { directViewKernels } from './direct-view-kernel.js';
import { reluGrad } from './relu-grad-kernel.js';
import { rowSums } from './row-sums-kernel.js';

/** Rows and columns of the register block: 4 rows of A by 8 columns of B (two f32x4 per row). */
export const MR = 4;
export const NR = 8;
/** The most a shared memory may grow to (it must declare a maximum): 2 GiB in 64 KiB pages. */
export const MAX_PAGES = 32768;
/** Depth of one pass over k: a 4 x 256 panel of A and an 8 x 256 panel of B (12 KiB) stay in L1. */
const KC = 256;

/** The exported kernel: gemm(a, b, c, rowPanels, colPanels, k, ldcBytes), byte addresses in memory. */
export type GemmKernel = (a: number, b: number, c: number, rowPanels: number, colPanels: number, k: number, ldcBytes: number) => void;

/**
 * The first `panels` panels of B, left for the threads to gather from a strided view themselves
 * (gatherPanels, with its byte addresses) before they multiply them, so that im2col runs in parallel too.
 */
export interface PanelGather {
  src: number;
  taps: number;
  columns: number;
  panels: number;
}

/** Where a packed product lies in memory (byte addresses) and its size in panels. */
export interface PackedProduct {
  a: number;
  b: number;
  c: number;
  rowPanels: number;
  colPanels: number;
  k: number;
  gather: PanelGather | null;
}

/** What a thread runs: the micro-kernel and the view gatherer of one instance of the module. */
export interface ThreadKernels {
  gemm: GemmKernel;
  gatherPanels: PanelGatherer;
}

/** Column panels [from, to) of a packed product, gathered first where they are left to gather: one thread's share. */
export function multiplyColumns({ gemm, gatherPanels }: ThreadKernels, product: PackedProduct, from: number, to: number): void {
  const { a, b, c, rowPanels, colPanels, k, gather } = product;
  if (gather !== null && from < gather.panels) {
    gatherPanels(gather.src, gather.taps, gather.columns + from * NR * 4, b + from * k * NR * 4, k, Math.min(to, gather.panels) - from);
  }
  gemm(a, b + from * k * NR * 4, c + from * NR * 4, rowPanels, to - from, k, colPanels * NR * 4);
}

/**
 * The f32 micro-kernel, as a module that imports its memory (shared when `shared`):
 * `gemm(a, b, c, rowPanels, colPanels, k, ldcBytes)` computes C = A B for packed A (4-row panels,
 * k x 4 floats each, row index fastest) and packed B (8-column panels, k x 8 floats each) into C
 * (row-major, rows ldcBytes apart), one 4x8 block at a time in eight f32x4 registers, in depth
 * passes of KC so that a block's panels stay in L1. A thread gives B and C already offset to its
 * share of the column panels. `fused` uses relaxed-SIMD multiply-add. The module also exports the
 * packing functions of pack-kernel.ts and the epilogues of epilogue-kernel.ts.
 */
export function gemmModule(fused: boolean, shared: boolean): Uint8Array<ArrayBuffer> {
  const code = new Code(7);
  const [a, b, c, rowPanels, colPanels, k, ldc] = [0, 1, 2, 3, 4, 5, 6];
  const p0 = code.local('i32');
  const kc = code.local('i32');
  const aPanelBytes = code.local('i32');
  const bPanelBytes = code.local('i32');
  const jp = code.local('i32');
  const ip = code.local('i32');
  const p = code.local('i32');
  const ap = code.local('i32');
  const bp = code.local('i32');
  const cp = code.local('i32');
  const bPanel = code.local('i32');
  const acc = Array.from({ length: MR * 2 }, () => code.local('v128'));
  const b0 = code.local('v128');
  const b1 = code.local('v128');
  const av = code.local('v128');

  code.get(k).i32(MR * 4).i32Mul().set(aPanelBytes);
  code.get(k).i32(NR * 4).i32Mul().set(bPanelBytes);
  code.i32(0).set(p0);
  code.block().loop(); // over depth passes
  code.get(p0).get(k).i32GeU().brIf(1);
  //   kc = min(KC, k - p0)
  code.get(k).get(p0).i32Sub().set(kc);
  code.block().get(kc).i32(KC).i32LtU().brIf(0).i32(KC).set(kc).end();
  code.i32(0).set(jp);
  code.block().loop(); // over column panels
  code.get(jp).get(colPanels).i32GeU().brIf(1);
  //   bPanel = b + jp * bPanelBytes + p0 * 32
  code.get(b).get(jp).get(bPanelBytes).i32Mul().i32Add().get(p0).i32(NR * 4).i32Mul().i32Add().set(bPanel);
  code.i32(0).set(ip);
  code.block().loop(); // over row panels
  code.get(ip).get(rowPanels).i32GeU().brIf(1);
  //     cp = c + ip * 4 * ldc + jp * 32
  code.get(c).get(ip).i32(MR).i32Mul().get(ldc).i32Mul().i32Add().get(jp).i32(NR * 4).i32Mul().i32Add().set(cp);
  //     the block starts at C or at zero
  for (let r = 0; r < MR; r++) {
    for (let h = 0; h < 2; h++) code.v128Zero().set(acc[r * 2 + h]);
  }
  code.block().get(p0).i32Eqz().brIf(0);
  for (let r = 0; r < MR; r++) {
    for (let h = 0; h < 2; h++) code.get(cp).get(ldc).i32(r).i32Mul().i32Add().v128Load(h * 16).set(acc[r * 2 + h]);
  }
  code.end();
  //     ap = a + ip * aPanelBytes + p0 * 16; bp = bPanel
  code.get(a).get(ip).get(aPanelBytes).i32Mul().i32Add().get(p0).i32(MR * 4).i32Mul().i32Add().set(ap);
  code.get(bPanel).set(bp);
  code.i32(0).set(p);
  code.block().loop(); // over k
  code.get(p).get(kc).i32GeU().brIf(1);
  code.get(bp).v128Load(0).set(b0);
  code.get(bp).v128Load(16).set(b1);
  for (let r = 0; r < MR; r++) {
    code.get(ap).v128Load32Splat(r * 4).set(av);
    for (let h = 0; h < 2; h++) {
      const target = acc[r * 2 + h];
      if (fused) code.get(av).get(h === 0 ? b0 : b1).get(target).f32x4RelaxedMadd();
      else code.get(av).get(h === 0 ? b0 : b1).f32x4Mul().get(target).f32x4Add();
      code.set(target);
    }
  }
  code.get(ap).i32(MR * 4).i32Add().set(ap);
  code.get(bp).i32(NR * 4).i32Add().set(bp);
  code.get(p).i32(1).i32Add().set(p);
  code.br(0).end().end();
  //     store the block
  for (let r = 0; r < MR; r++) {
    for (let h = 0; h < 2; h++) code.get(cp).get(ldc).i32(r).i32Mul().i32Add().get(acc[r * 2 + h]).v128Store(h * 16);
  }
  code.get(ip).i32(1).i32Add().set(ip);
  code.br(0).end().end();
  code.get(jp).i32(1).i32Add().set(jp);
  code.br(0).end().end();
  code.get(p0).i32(KC).i32Add().set(p0);
  code.br(0).end().end();
  const memory = shared ? { minimumPages: 1, maximumPages: MAX_PAGES, shared: true } : { minimumPages: 1 };
  return assemble([{ name: 'gemm', params: new Array<'i32'>(7).fill('i32'), results: [], code }, transposePanels(), copyPanels(), gatherColumns(), gatherPanels(), scatterColumns(), ...epilogues(), reluGrad(), rowSums(), ...directViewKernels()], memory);
}
