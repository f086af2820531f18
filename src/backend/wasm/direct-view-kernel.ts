import { Code, type FunctionSpec } from './assembler.js';

/**
 * Products with a strided view read in place, four adjacent columns as one vector, without packing
 * the view into panels: what a convolution with few channels needs (LeNet's 1 -> 6 and 6 -> 16),
 * where packing costs more than the multiply-adds it feeds. The view's columns are `runCount` runs
 * of `runLength` columns one float apart (a stride-1 convolution's output rows): run r starts at
 * byte runs[r] of the view, tap p at byte taps[p]. Blocks of four columns that pass a run's end
 * read up to 12 bytes past the view and are masked (`tailMask`: the i32x4 lanes still inside).
 *
 * - `directView<R>(aT, view, taps, runs, runCount, runLength, k, c, ldcBytes)`: C = A V for R rows,
 *   A tap-major (aT[p][r]), C row r at c + r ldcBytes, column run * runLength + x. The last block
 *   of a run writes up to 3 floats past it, into the next run's columns (written after it) or, for
 *   the last run, past the block (so a C row needs 3 floats of room after its last column).
 * - `directViewT<R>(g, ldgBytes, view, taps, runs, runCount, runLength, k, acc, tailMask)`: the
 *   transposed product's partial sums acc[p][r] (an f32x4 each, added to) of G V^T for R rows of G,
 *   row r at g + r ldgBytes.
 */
export type DirectViewKernel = (aT: number, view: number, taps: number, runs: number, runCount: number, runLength: number, k: number, c: number, ldcBytes: number) => void;
export type DirectViewTransposedKernel = (
  g: number, ldgBytes: number, view: number, taps: number, runs: number, runCount: number, runLength: number, k: number, acc: number, tailMask: number,
) => void;

/** The most rows one call keeps in registers: directView two f32x4 accumulators per row, directViewT one. */
export const DIRECT_VIEW_ROWS = 6;
export const DIRECT_VIEW_TRANSPOSED_ROWS = 8;

export const directViewName = (rows: number) => `directView${rows}`;
export const directViewTransposedName = (rows: number) => `directViewT${rows}`;

/** `loop` over the runs: perRun(base, runColumn, runBytes) with the run's view address, its first column's byte offset and its length in bytes. */
function forEachRun(code: Code, runs: number, runCount: number, runLength: number, view: number, perRun: (base: number, runColumn: number, runBytes: number) => void): void {
  const run = code.local('i32');
  const base = code.local('i32');
  const runColumn = code.local('i32');
  const runBytes = code.local('i32');
  code.get(runLength).i32(2).i32Shl().set(runBytes);
  code.i32(0).set(run);
  code.i32(0).set(runColumn);
  code.block().loop(); // over runs
  code.get(run).get(runCount).i32GeU().brIf(1);
  code.get(view).get(runs).get(run).i32(2).i32Shl().i32Add().i32Load().i32Add().set(base);
  perRun(base, runColumn, runBytes);
  code.get(runColumn).get(runBytes).i32Add().set(runColumn);
  code.get(run).i32(1).i32Add().set(run);
  code.br(0).end().end();
}

/**
 * `loop` over blocks of `vectors` x 4 columns of a run, from x on while a whole block fits (`vectors`
 * 2), or while x is inside the run (`vectors` 1: the last block may pass its end); the loop, not body, advances x.
 */
function blocksOfRun(code: Code, x: number, runBytes: number, vectors: 1 | 2, body: () => void): void {
  code.block().loop();
  if (vectors === 2) code.get(x).i32(32).i32Add().get(runBytes).i32GtU().brIf(1);
  else code.get(x).get(runBytes).i32GeU().brIf(1);
  body();
  code.get(x).i32(vectors * 16).i32Add().set(x);
  code.br(0).end().end();
}

/** `loop` over blocks of four columns of every run: body(base, column, x) with the run's view address, its first column's byte offset, and x in bytes. */
function forEachBlock(code: Code, runs: number, runCount: number, runLength: number, view: number, body: (base: number, runColumn: number, x: number) => void): void {
  const x = code.local('i32');
  forEachRun(code, runs, runCount, runLength, view, (base, runColumn, runBytes) => {
    code.i32(0).set(x);
    blocksOfRun(code, x, runBytes, 1, () => body(base, runColumn, x));
  });
}

/** Pushes the mask of a block: all lanes, or tailMask's for the block that passes the run's end. */
function blockMask(code: Code, x: number, runLength: number, tailMask: number): void {
  code.get(tailMask).v128Load();
  code.i32(-1).i32x4Splat();
  code.get(x).i32(16).i32Add().get(runLength).i32(2).i32Shl().i32GtU();
  code.select();
}

function directView(rows: number): FunctionSpec {
  const code = new Code(9);
  const [aT, view, taps, runs, runCount, runLength, k, c, ldc] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const x = code.local('i32');
  const ap = code.local('i32');
  const tp = code.local('i32');
  const tapsEnd = code.local('i32');
  const tapAddress = code.local('i32');
  const address = code.local('i32');
  const acc = Array.from({ length: rows * 2 }, () => code.local('v128'));
  const v = [code.local('v128'), code.local('v128')];
  const w = code.local('v128');
  /** One block of `vectors` x 4 columns at x of the run at `base`: C[r, block] = sum_p aT[p][r] V[p, block]. */
  const block = (vectors: 1 | 2, base: number, runColumn: number) => {
    for (let i = 0; i < rows * vectors; i++) code.v128Zero().set(acc[i]);
    code.get(aT).set(ap);
    code.get(taps).set(tp);
    code.block().loop(); // over taps
    code.get(tp).get(tapsEnd).i32GeU().brIf(1);
    code.get(base).get(tp).i32Load().i32Add().get(x).i32Add().set(tapAddress);
    for (let h = 0; h < vectors; h++) code.get(tapAddress).v128Load(h * 16).set(v[h]);
    for (let r = 0; r < rows; r++) {
      code.get(ap).v128Load32Splat(r * 4).set(w);
      for (let h = 0; h < vectors; h++) code.get(w).get(v[h]).f32x4Mul().get(acc[r * vectors + h]).f32x4Add().set(acc[r * vectors + h]);
    }
    code.get(ap).i32(rows * 4).i32Add().set(ap);
    code.get(tp).i32(4).i32Add().set(tp);
    code.br(0).end().end();
    code.get(c).get(runColumn).i32Add().get(x).i32Add().set(address);
    for (let r = 0; r < rows; r++) {
      for (let h = 0; h < vectors; h++) code.get(address).get(acc[r * vectors + h]).v128Store(h * 16);
      code.get(address).get(ldc).i32Add().set(address);
    }
  };
  code.get(taps).get(k).i32(2).i32Shl().i32Add().set(tapsEnd);
  forEachRun(code, runs, runCount, runLength, view, (base, runColumn, runBytes) => {
    code.i32(0).set(x);
    blocksOfRun(code, x, runBytes, 2, () => block(2, base, runColumn)); // eight columns at a time
    blocksOfRun(code, x, runBytes, 1, () => block(1, base, runColumn)); // then four (the last may pass the run's end)
  });
  return { name: directViewName(rows), params: new Array<'i32'>(9).fill('i32'), results: [], code };
}

function directViewTransposed(rows: number): FunctionSpec {
  const code = new Code(10);
  const [g, ldg, view, taps, runs, runCount, runLength, k, accumulators, tailMask] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const p = code.local('i32');
  const tapView = code.local('i32');
  const slot = code.local('i32');
  const gp = code.local('i32');
  const sums = Array.from({ length: rows }, () => code.local('v128'));
  const v = code.local('v128');
  const mask = code.local('v128');
  code.i32(0).set(p);
  code.get(accumulators).set(slot);
  code.block().loop(); // over taps
  code.get(p).get(k).i32GeU().brIf(1);
  code.get(view).get(taps).get(p).i32(2).i32Shl().i32Add().i32Load().i32Add().set(tapView);
  for (const s of sums) code.v128Zero().set(s);
  forEachBlock(code, runs, runCount, runLength, tapView, (base, runColumn, x) => {
    blockMask(code, x, runLength, tailMask);
    code.set(mask);
    code.get(base).get(x).i32Add().v128Load().set(v);
    code.get(g).get(runColumn).i32Add().get(x).i32Add().set(gp);
    sums.forEach((s) => {
      code.get(gp).v128Load().get(v).f32x4Mul().get(mask).v128And().get(s).f32x4Add().set(s);
      code.get(gp).get(ldg).i32Add().set(gp);
    });
  });
  sums.forEach((s, r) => code.get(slot).get(slot).v128Load(r * 16).get(s).f32x4Add().v128Store(r * 16));
  code.get(slot).i32(rows * 16).i32Add().set(slot);
  code.get(p).i32(1).i32Add().set(p);
  code.br(0).end().end();
  return { name: directViewTransposedName(rows), params: new Array<'i32'>(10).fill('i32'), results: [], code };
}

/** The functions of this file, for the GEMM module. */
export function directViewKernels(): FunctionSpec[] {
  const counts = (most: number) => Array.from({ length: most }, (_, i) => i + 1);
  return [...counts(DIRECT_VIEW_ROWS).map(directView), ...counts(DIRECT_VIEW_TRANSPOSED_ROWS).map(directViewTransposed)];
}
