import { assemble, Code } from './assembler.js';

/**
 * `maxPool(src, values, indices, planes, outH, outW, planeBytes, rowBytes, colBytes, taps, tapIndices,
 * tapCount, rowIndex, colIndex, laneSteps)`: max pooling of windows that lie inside their planes,
 * four outputs of a row at a time. Window (oy, ox) of a plane starts at byte oy * rowBytes + ox *
 * colBytes of it; `taps` holds each tap's byte offset from there (i32), `tapIndices` its flat index
 * offset, and the winner's index in its plane is that plus oy * rowIndex + ox * colIndex (laneSteps:
 * the i32x4 [0, 1, 2, 3] * colIndex). The rule is the reference's: a strictly larger value or a NaN
 * takes over, starting from -Infinity at the first tap. Rows are written four outputs at a time, so
 * the memory past the last row of `src` (4 * colBytes) and of both outputs (16 bytes) must exist.
 */
export type MaxPoolKernel = (
  src: number, values: number, indices: number, planes: number, outH: number, outW: number, planeBytes: number,
  rowBytes: number, colBytes: number, taps: number, tapIndices: number, tapCount: number, rowIndex: number, colIndex: number, laneSteps: number,
) => void;

export function poolModule(): Uint8Array<ArrayBuffer> {
  const code = new Code(15);
  const [src, values, indices, planes, outH, outW, planeBytes, rowBytes, colBytes, taps, tapIndices, tapCount, rowIndex, colIndex, laneSteps] =
    Array.from({ length: 15 }, (_, i) => i);
  const plane = code.local('i32');
  const oy = code.local('i32');
  const ox = code.local('i32');
  const t = code.local('i32');
  const planeStart = code.local('i32');
  const rowStart = code.local('i32');
  const window = code.local('i32');
  const address = code.local('i32');
  const out = code.local('i32');
  const origin = code.local('i32');
  const best = code.local('v128');
  const winner = code.local('v128');
  const v = code.local('v128');
  const mask = code.local('v128');

  code.get(values).set(out);
  code.get(src).set(planeStart);
  code.i32(0).set(plane);
  code.block().loop(); // over planes
  code.get(plane).get(planes).i32GeU().brIf(1);
  code.get(planeStart).set(rowStart);
  code.i32(0).set(oy);
  code.block().loop(); // over output rows
  code.get(oy).get(outH).i32GeU().brIf(1);
  code.get(rowStart).set(window);
  code.get(oy).get(rowIndex).i32Mul().set(origin);
  code.i32(0).set(ox);
  code.block().loop(); // four outputs at a time
  code.get(ox).get(outW).i32GeU().brIf(1);
  code.f32(-Infinity).f32x4Splat().set(best);
  code.i32(0).i32x4Splat().set(winner);
  code.i32(0).set(t);
  code.block().loop(); // over the taps
  code.get(t).get(tapCount).i32GeU().brIf(1);
  code.get(window).get(taps).get(t).i32(2).i32Shl().i32Add().i32Load().i32Add().set(address);
  code.get(address).f32Load().f32x4Splat();
  for (let lane = 1; lane < 4; lane++) code.get(address).get(colBytes).i32(lane).i32Mul().i32Add().f32Load().f32x4ReplaceLane(lane);
  code.set(v);
  code.get(v).get(best).f32x4Gt().get(v).get(v).f32x4Ne().v128Or().set(mask);
  code.get(v).get(best).get(mask).v128Bitselect().set(best);
  code.get(tapIndices).get(t).i32(2).i32Shl().i32Add().i32Load().i32x4Splat().get(winner).get(mask).v128Bitselect().set(winner);
  code.get(t).i32(1).i32Add().set(t);
  code.br(0).end().end();
  code.get(out).get(ox).i32(2).i32Shl().i32Add().get(best).v128Store();
  code.get(out).get(ox).i32(2).i32Shl().i32Add().get(values).i32Sub().get(indices).i32Add();
  code.get(winner).get(origin).i32x4Splat().i32x4Add().get(laneSteps).v128Load().i32x4Add().v128Store();
  code.get(window).get(colBytes).i32(2).i32Shl().i32Add().set(window);
  code.get(origin).get(colIndex).i32(2).i32Shl().i32Add().set(origin);
  code.get(ox).i32(4).i32Add().set(ox);
  code.br(0).end().end();
  code.get(out).get(outW).i32(2).i32Shl().i32Add().set(out);
  code.get(rowStart).get(rowBytes).i32Add().set(rowStart);
  code.get(oy).i32(1).i32Add().set(oy);
  code.br(0).end().end();
  code.get(planeStart).get(planeBytes).i32Add().set(planeStart);
  code.get(plane).i32(1).i32Add().set(plane);
  code.br(0).end().end();
  return assemble([{ name: 'maxPool', params: new Array<'i32'>(15).fill('i32'), results: [], code }], { minimumPages: 1 });
}
