import { Code, type FunctionSpec } from './assembler.js';

/** `rowSums(src, dst, rows, cols)`: dst[r] = the sum of the float32 row src[r, 0 .. cols), in float64, rounded once. */
export type RowSumsKernel = (src: number, dst: number, rows: number, cols: number) => void;

/**
 * The reference's order exactly (src/backend/js/reduce.ts sumRun): four float64 partial sums a, b,
 * c, d over the elements 4i .. 4i + 3, the tail added to a, then ((a + b) + c) + d, so the sums are
 * identical bit for bit. The partial sums are the lanes of two f64x2 accumulators.
 */
export function rowSums(): FunctionSpec {
  const code = new Code(4);
  const [src, dst, rows, cols] = [0, 1, 2, 3];
  const row = code.local('i32');
  const at = code.local('i32');
  const end = code.local('i32');
  const vectorEnd = code.local('i32');
  const v = code.local('v128');
  const ab = code.local('v128');
  const cd = code.local('v128');
  const a = code.local('f64');
  code.get(src).set(at);
  code.i32(0).set(row);
  code.block().loop(); // over rows
  code.get(row).get(rows).i32GeU().brIf(1);
  code.get(at).get(cols).i32(2).i32Shl().i32Add().set(end);
  code.get(at).get(cols).i32(-4).i32And().i32(2).i32Shl().i32Add().set(vectorEnd);
  code.v128Zero().set(ab);
  code.v128Zero().set(cd);
  code.block().loop(); // four at a time
  code.get(at).get(vectorEnd).i32GeU().brIf(1);
  code.get(at).v128Load().set(v);
  code.get(ab).get(v).f64x2PromoteLowF32x4().f64x2Add().set(ab);
  code.get(cd).get(v).get(v).f32x4Shuffle([2, 3, 0, 1]).f64x2PromoteLowF32x4().f64x2Add().set(cd);
  code.get(at).i32(16).i32Add().set(at);
  code.br(0).end().end();
  code.get(ab).f64x2ExtractLane(0).set(a);
  code.block().loop(); // the rest, into a
  code.get(at).get(end).i32GeU().brIf(1);
  code.get(a).get(at).f32Load().f64PromoteF32().f64Add().set(a);
  code.get(at).i32(4).i32Add().set(at);
  code.br(0).end().end();
  code.get(dst).get(row).i32(2).i32Shl().i32Add();
  code.get(a).get(ab).f64x2ExtractLane(1).f64Add().get(cd).f64x2ExtractLane(0).f64Add().get(cd).f64x2ExtractLane(1).f64Add();
  code.f32DemoteF64().f32Store();
  code.get(row).i32(1).i32Add().set(row);
  code.br(0).end().end();
  return { name: 'rowSums', params: ['i32', 'i32', 'i32', 'i32'], results: [], code };
}
