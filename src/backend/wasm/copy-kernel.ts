import { assemble, Code, type FunctionSpec } from './assembler.js';

/**
 * A block of a strided float32 copy: `copy2d(src, dst, rows, cols, srcRow, srcCol, dstRow, dstCol)`
 * sets dst[r * dstRow + c * dstCol] = src[r * srcRow + c * srcCol] (byte addresses and byte
 * strides); `add2d` adds instead. Rows that are contiguous on both sides move four floats at a time.
 */
export type Copy2d = (src: number, dst: number, rows: number, cols: number, srcRow: number, srcCol: number, dstRow: number, dstCol: number) => void;

function block(name: string, accumulate: boolean): FunctionSpec {
  const code = new Code(8);
  const [src, dst, rows, cols, srcRow, srcCol, dstRow, dstCol] = [0, 1, 2, 3, 4, 5, 6, 7];
  const r = code.local('i32');
  const c = code.local('i32');
  const s = code.local('i32');
  const d = code.local('i32');
  const vectorCols = code.local('i32');
  // Four at a time only where both rows are contiguous: vectorCols = cols & ~3 then, else 0.
  code.i32(0).set(vectorCols);
  code.block().get(srcCol).i32(4).i32Ne().brIf(0).get(dstCol).i32(4).i32Ne().brIf(0);
  code.get(cols).i32(-4).i32And().set(vectorCols).end();
  code.i32(0).set(r);
  code.block().loop(); // over rows
  code.get(r).get(rows).i32GeU().brIf(1);
  code.get(src).get(r).get(srcRow).i32Mul().i32Add().set(s);
  code.get(dst).get(r).get(dstRow).i32Mul().i32Add().set(d);
  code.i32(0).set(c);
  code.block().loop(); // four floats at a time
  code.get(c).get(vectorCols).i32GeU().brIf(1);
  code.get(d);
  if (accumulate) code.get(d).v128Load().get(s).v128Load().f32x4Add();
  else code.get(s).v128Load();
  code.v128Store();
  code.get(s).i32(16).i32Add().set(s);
  code.get(d).i32(16).i32Add().set(d);
  code.get(c).i32(4).i32Add().set(c);
  code.br(0).end().end();
  code.block().loop(); // the rest, one float at a time
  code.get(c).get(cols).i32GeU().brIf(1);
  code.get(d);
  if (accumulate) code.get(d).f32Load().get(s).f32Load().f32Add();
  else code.get(s).f32Load();
  code.f32Store();
  code.get(s).get(srcCol).i32Add().set(s);
  code.get(d).get(dstCol).i32Add().set(d);
  code.get(c).i32(1).i32Add().set(c);
  code.br(0).end().end();
  code.get(r).i32(1).i32Add().set(r);
  code.br(0).end().end();
  return { name, params: new Array<'i32'>(8).fill('i32'), results: [], code };
}

/** The module (its own, unshared memory): copy2d and add2d. */
export function copyModule(): Uint8Array<ArrayBuffer> {
  return assemble([block('copy2d', false), block('add2d', true)], { minimumPages: 1 });
}
