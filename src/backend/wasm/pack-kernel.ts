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
 * compactly for copyPanels. Four columns that are adjacent in src (a window row's run along a
 * contiguous axis) move as one vector.
 */
export type ColumnGatherer = (src: number, taps: number, columns: number, dst: number, k: number, n: number) => void;

export function gatherColumns(): FunctionSpec {
  return columnsWalk('gatherColumns', false);
}

/**
 * `scatterColumns(dst, taps, columns, src, k, n, ldcBytes)`: dst[taps[p] + columns[j]] += src[p, j]
 * for the k x n block at src (rows ldcBytes apart), the byte-offset tables as in gatherColumns: a
 * block of a product added into a strided view's elements (col2im), overlapping windows summed.
 */
export type ColumnScatterer = (dst: number, taps: number, columns: number, src: number, k: number, n: number, ldcBytes: number) => void;

export function scatterColumns(): FunctionSpec {
  return columnsWalk('scatterColumns', true);
}

/**
 * The walk both share: for each tap p, the view's elements at taps[p] + columns[j] and the compact
 * block's row p. Where columns[j + 3] - columns[j] is 12 bytes, the four are adjacent and move (or
 * add) as one vector; elsewhere one at a time. Each element is read and written once in either
 * case, so the results are those of the scalar walk.
 */
function columnsWalk(name: string, scatter: boolean): FunctionSpec {
  const code = new Code(scatter ? 7 : 6);
  // gatherColumns(src, taps, columns, dst, k, n) and scatterColumns(dst, taps, columns, src, k, n, ldc): the view, then the block.
  const [view, taps, columns, block, k, n, ldc] = [0, 1, 2, 3, 4, 5, 6];
  const p = code.local('i32');
  const j = code.local('i32');
  const row = code.local('i32');
  const at = code.local('i32');
  const compact = code.local('i32');
  const column = code.local('i32');
  const vectorEnd = code.local('i32');
  code.get(n).i32(3).i32GeU().set(vectorEnd); // 1 when there are at least 4 columns
  code.get(vectorEnd).get(n).i32(3).i32Sub().i32Mul().set(vectorEnd); // j < n - 3 may start a vector
  if (!scatter) code.get(block).set(compact);
  code.i32(0).set(p);
  code.block().loop(); // over taps
  code.get(p).get(k).i32GeU().brIf(1);
  code.get(view).get(taps).get(p).i32(2).i32Shl().i32Add().i32Load().i32Add().set(row);
  if (scatter) code.get(block).get(p).get(ldc).i32Mul().i32Add().set(compact);
  code.i32(0).set(j);
  code.get(columns).set(column);
  code.block().loop(); // over columns
  code.get(j).get(n).i32GeU().brIf(1);
  code.get(row).get(column).i32Load().i32Add().set(at);
  code.block(); // four adjacent columns at once, when they are
  code.get(j).get(vectorEnd).i32GeU().brIf(0);
  code.get(column).i32Load(12).get(column).i32Load().i32Sub().i32(12).i32Ne().brIf(0);
  if (scatter) code.get(at).get(at).v128Load().get(compact).v128Load().f32x4Add().v128Store();
  else code.get(compact).get(at).v128Load().v128Store();
  code.get(compact).i32(16).i32Add().set(compact);
  code.get(column).i32(16).i32Add().set(column);
  code.get(j).i32(4).i32Add().set(j);
  code.br(1).end();
  if (scatter) code.get(at).get(at).f32Load().get(compact).f32Load().f32Add().f32Store();
  else code.get(compact).get(at).f32Load().f32Store();
  code.get(compact).i32(4).i32Add().set(compact);
  code.get(column).i32(4).i32Add().set(column);
  code.get(j).i32(1).i32Add().set(j);
  code.br(0).end().end();
  code.get(p).i32(1).i32Add().set(p);
  code.br(0).end().end();
  return { name, params: new Array<'i32'>(scatter ? 7 : 6).fill('i32'), results: [], code };
}

/**
 * `gatherPanels(src, taps, columns, dst, k, panels)`: the first `panels` full 8-column panels of a
 * strided view's columns (as gatherColumns reads them) written straight in copyPanels' layout:
 * group p of panel q is src[taps[p] + columns[8q + h]] for h = 0 .. 7, two halves of four. A half
 * whose four columns are adjacent in src loads as one vector.
 */
export type PanelGatherer = (src: number, taps: number, columns: number, dst: number, k: number, panels: number) => void;

export function gatherPanels(): FunctionSpec {
  const code = new Code(6);
  const [src, taps, columns, dst, k, panels] = [0, 1, 2, 3, 4, 5];
  const panel = code.local('i32');
  const p = code.local('i32');
  const d = code.local('i32');
  const row = code.local('i32');
  const offsets = Array.from({ length: 8 }, () => code.local('i32'));
  const adjacent = [code.local('i32'), code.local('i32')];
  const v = code.local('v128');
  code.get(dst).set(d);
  code.i32(0).set(panel);
  code.block().loop(); // over panels
  code.get(panel).get(panels).i32GeU().brIf(1);
  offsets.forEach((offset, h) => code.get(columns).get(panel).i32(5).i32Shl().i32Add().i32Load(4 * h).set(offset));
  adjacent.forEach((flag, half) => code.get(offsets[4 * half + 3]).get(offsets[4 * half]).i32Sub().i32(12).i32Ne().i32Eqz().set(flag));
  code.i32(0).set(p);
  code.block().loop(); // over taps
  code.get(p).get(k).i32GeU().brIf(1);
  code.get(src).get(taps).get(p).i32(2).i32Shl().i32Add().i32Load().i32Add().set(row);
  for (let half = 0; half < 2; half++) {
    code.block().block(); // adjacent: one load; else four
    code.get(adjacent[half]).i32Eqz().brIf(0);
    code.get(row).get(offsets[4 * half]).i32Add().v128Load().set(v);
    code.br(1).end();
    code.get(row).get(offsets[4 * half]).i32Add().f32Load().f32x4Splat();
    for (let lane = 1; lane < 4; lane++) code.get(row).get(offsets[4 * half + lane]).i32Add().f32Load().f32x4ReplaceLane(lane);
    code.set(v).end();
    code.get(d).get(v).v128Store(16 * half);
  }
  code.get(d).i32(32).i32Add().set(d);
  code.get(p).i32(1).i32Add().set(p);
  code.br(0).end().end();
  code.get(panel).i32(1).i32Add().set(panel);
  code.br(0).end().end();
  return { name: 'gatherPanels', params: PARAMS.slice(0, 6), results: [], code };
}
