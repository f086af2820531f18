import { Code, type FunctionSpec } from './assembler.js';

/**
 * Packing in WebAssembly: the GEMM's operands arrive in memory as copies of the tensors (row-major)
 * and are laid out here in the micro-kernel's panels, four floats at a time. Both functions fill
 * `panels` panels of `k` groups; group p of a panel is four floats, `dstGroupBytes` after group p-1,
 * and panels start `dstPanelBytes` apart. An 8-column panel of B is two calls, one per half.
 */
export type PanelPacker = (
  src: number, srcStrideBytes: number, srcPanelBytes: number,
  dst: number, dstGroupBytes: number, dstPanelBytes: number, panels: number, k: number,
) => void;

const PARAMS = new Array<'i32'>(8).fill('i32');

/**
 * `transposePanels`: group p is element p of four source rows, `srcStrideBytes` apart (a row-major
 * A's rows, or a transposed B's). Four groups at a time through a 4x4 transpose in registers.
 */
export function transposePanels(): FunctionSpec {
  const code = new Code(8);
  const [src, rowBytes, srcPanelBytes, dst, group, dstPanelBytes, panels, k] = [0, 1, 2, 3, 4, 5, 6, 7];
  const panel = code.local('i32');
  const p = code.local('i32');
  const d = code.local('i32');
  const rows = [code.local('i32'), code.local('i32'), code.local('i32'), code.local('i32')];
  const v = [code.local('v128'), code.local('v128'), code.local('v128'), code.local('v128')];
  const t = [code.local('v128'), code.local('v128'), code.local('v128'), code.local('v128')];

  code.i32(0).set(panel);
  code.block().loop(); // over panels
  code.get(panel).get(panels).i32GeU().brIf(1);
  code.get(src).get(panel).get(srcPanelBytes).i32Mul().i32Add().set(rows[0]);
  for (let r = 1; r < 4; r++) code.get(rows[r - 1]).get(rowBytes).i32Add().set(rows[r]);
  code.get(dst).get(panel).get(dstPanelBytes).i32Mul().i32Add().set(d);
  code.i32(0).set(p);
  code.block().loop(); // four groups at a time
  code.get(p).i32(4).i32Add().get(k).i32GtU().brIf(1);
  for (let r = 0; r < 4; r++) code.get(rows[r]).v128Load().set(v[r]);
  // [a0 b0 a1 b1], [a2 b2 a3 b3], [c0 d0 c1 d1], [c2 d2 c3 d3]
  code.get(v[0]).get(v[1]).f32x4Shuffle([0, 4, 1, 5]).set(t[0]);
  code.get(v[0]).get(v[1]).f32x4Shuffle([2, 6, 3, 7]).set(t[1]);
  code.get(v[2]).get(v[3]).f32x4Shuffle([0, 4, 1, 5]).set(t[2]);
  code.get(v[2]).get(v[3]).f32x4Shuffle([2, 6, 3, 7]).set(t[3]);
  // [a0 b0 c0 d0], [a1 b1 c1 d1], [a2 b2 c2 d2], [a3 b3 c3 d3]
  const halves: [number, readonly [number, number, number, number]][] = [[0, [0, 1, 4, 5]], [0, [2, 3, 6, 7]], [1, [0, 1, 4, 5]], [1, [2, 3, 6, 7]]];
  for (const [i, [pair, lanes]] of halves.entries()) {
    code.get(d).get(group).i32(i).i32Mul().i32Add();
    code.get(t[pair]).get(t[pair + 2]).f32x4Shuffle(lanes).v128Store();
  }
  for (let r = 0; r < 4; r++) code.get(rows[r]).i32(16).i32Add().set(rows[r]);
  code.get(d).get(group).i32(4).i32Mul().i32Add().set(d);
  code.get(p).i32(4).i32Add().set(p);
  code.br(0).end().end();
  code.block().loop(); // the last k % 4 groups, one float at a time
  code.get(p).get(k).i32GeU().brIf(1);
  for (let r = 0; r < 4; r++) {
    code.get(d).get(rows[r]).f32Load().f32Store(r * 4);
    code.get(rows[r]).i32(4).i32Add().set(rows[r]);
  }
  code.get(d).get(group).i32Add().set(d);
  code.get(p).i32(1).i32Add().set(p);
  code.br(0).end().end();
  code.get(panel).i32(1).i32Add().set(panel);
  code.br(0).end().end();
  return { name: 'transposePanels', params: PARAMS, results: [], code };
}

/**
 * `copyPanels`: group p is four consecutive floats of source row p, rows `srcStrideBytes` apart
 * (a transposed A's, or a row-major B's).
 */
export function copyPanels(): FunctionSpec {
  const code = new Code(8);
  const [src, depthBytes, srcPanelBytes, dst, group, dstPanelBytes, panels, k] = [0, 1, 2, 3, 4, 5, 6, 7];
  const panel = code.local('i32');
  const p = code.local('i32');
  const s = code.local('i32');
  const d = code.local('i32');

  code.i32(0).set(panel);
  code.block().loop(); // over panels
  code.get(panel).get(panels).i32GeU().brIf(1);
  code.get(src).get(panel).get(srcPanelBytes).i32Mul().i32Add().set(s);
  code.get(dst).get(panel).get(dstPanelBytes).i32Mul().i32Add().set(d);
  code.i32(0).set(p);
  code.block().loop(); // over groups
  code.get(p).get(k).i32GeU().brIf(1);
  code.get(d).get(s).v128Load().v128Store();
  code.get(s).get(depthBytes).i32Add().set(s);
  code.get(d).get(group).i32Add().set(d);
  code.get(p).i32(1).i32Add().set(p);
  code.br(0).end().end();
  code.get(panel).i32(1).i32Add().set(panel);
  code.br(0).end().end();
  return { name: 'copyPanels', params: PARAMS, results: [], code };
}

/**
 * `gatherColumns(src, taps, columns, dst, k, n)`: dst[p n + j] = src[taps[p] + columns[j]], with
 * byte offsets in the two int32 tables: a block of a strided view's columns (im2col), written
 * compactly for copyPanels.
 */
export type ColumnGatherer = (src: number, taps: number, columns: number, dst: number, k: number, n: number) => void;

export function gatherColumns(): FunctionSpec {
  const code = new Code(6);
  const [src, taps, columns, dst, k, n] = [0, 1, 2, 3, 4, 5];
  const p = code.local('i32');
  const j = code.local('i32');
  const row = code.local('i32');
  const d = code.local('i32');
  code.get(dst).set(d);
  code.i32(0).set(p);
  code.block().loop(); // over taps
  code.get(p).get(k).i32GeU().brIf(1);
  code.get(src).get(taps).get(p).i32(2).i32Shl().i32Add().i32Load().i32Add().set(row);
  code.i32(0).set(j);
  code.block().loop(); // over columns
  code.get(j).get(n).i32GeU().brIf(1);
  code.get(d).get(row).get(columns).get(j).i32(2).i32Shl().i32Add().i32Load().i32Add().f32Load().f32Store();
  code.get(d).i32(4).i32Add().set(d);
  code.get(j).i32(1).i32Add().set(j);
  code.br(0).end().end();
  code.get(p).i32(1).i32Add().set(p);
  code.br(0).end().end();
  return { name: 'gatherColumns', params: PARAMS.slice(0, 6), results: [], code };
}

/**
 * `scatterColumns(dst, taps, columns, src, k, n, ldcBytes)`: dst[taps[p] + columns[j]] += src[p, j]
 * for the k x n block at src (rows ldcBytes apart), the byte-offset tables as in gatherColumns: a
 * block of a product added into a strided view's elements (col2im), overlapping windows summed.
 */
export type ColumnScatterer = (dst: number, taps: number, columns: number, src: number, k: number, n: number, ldcBytes: number) => void;

export function scatterColumns(): FunctionSpec {
  const code = new Code(7);
  const [dst, taps, columns, src, k, n, ldc] = [0, 1, 2, 3, 4, 5, 6];
  const p = code.local('i32');
  const j = code.local('i32');
  const row = code.local('i32');
  const address = code.local('i32');
  const from = code.local('i32');
  code.i32(0).set(p);
  code.block().loop(); // over taps
  code.get(p).get(k).i32GeU().brIf(1);
  code.get(dst).get(taps).get(p).i32(2).i32Shl().i32Add().i32Load().i32Add().set(row);
  code.get(src).get(p).get(ldc).i32Mul().i32Add().set(from);
  code.i32(0).set(j);
  code.block().loop(); // over columns
  code.get(j).get(n).i32GeU().brIf(1);
  code.get(row).get(columns).get(j).i32(2).i32Shl().i32Add().i32Load().i32Add().set(address);
  code.get(address).get(address).f32Load().get(from).f32Load().f32Add().f32Store();
  code.get(from).i32(4).i32Add().set(from);
  code.get(j).i32(1).i32Add().set(j);
  code.br(0).end().end();
  code.get(p).i32(1).i32Add().set(p);
  code.br(0).end().end();
  return { name: 'scatterColumns', params: new Array<'i32'>(7).fill('i32'), results: [], code };
}
