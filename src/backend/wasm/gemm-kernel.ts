import { assemble, Code } from './assembler.js';

/** Rows and columns of the register block: 4 rows of A by 8 columns of B (two f32x4 per row). */
export const MR = 4;
export const NR = 8;

/**
 * The f32 micro-kernel, as a module that imports its memory:
 * `gemm(a, b, c, rowPanels, colPanels, k, accumulate)` computes, for every 4-row panel of packed A
 * (k x 4 floats each, row index fastest) and every 8-column panel of packed B (k x 8 floats each),
 * the 4x8 block of C (row-major, rowPanels*4 x colPanels*8) = (C if accumulate) + A_panel B_panel,
 * holding the block in eight f32x4 registers. `fused` uses relaxed-SIMD multiply-add.
 */
export function gemmModule(fused: boolean): Uint8Array {
  const code = new Code(7);
  const [a, b, c, rowPanels, colPanels, k, accumulate] = [0, 1, 2, 3, 4, 5, 6];
  const jp = code.local('i32');
  const ip = code.local('i32');
  const p = code.local('i32');
  const ap = code.local('i32');
  const bp = code.local('i32');
  const cp = code.local('i32');
  const ldc = code.local('i32');
  const bPanel = code.local('i32');
  const acc = Array.from({ length: MR * 2 }, () => code.local('v128'));
  const b0 = code.local('v128');
  const b1 = code.local('v128');
  const av = code.local('v128');

  // ldc = colPanels * 8 floats, in bytes
  code.get(colPanels).i32(NR * 4).i32Mul().set(ldc);
  code.i32(0).set(jp);
  code.block().loop(); // over column panels
  code.get(jp).get(colPanels).i32GeU().brIf(1);
  //   bPanel = b + jp * k * 32
  code.get(b).get(jp).get(k).i32Mul().i32(NR * 4).i32Mul().i32Add().set(bPanel);
  code.i32(0).set(ip);
  code.block().loop(); // over row panels
  code.get(ip).get(rowPanels).i32GeU().brIf(1);
  //     cp = c + ip * 4 * ldc + jp * 32
  code.get(c).get(ip).i32(MR).i32Mul().get(ldc).i32Mul().i32Add().get(jp).i32(NR * 4).i32Mul().i32Add().set(cp);
  //     the block starts at C or at zero
  for (let r = 0; r < MR; r++) {
    for (let h = 0; h < 2; h++) code.v128Zero().set(acc[r * 2 + h]);
  }
  code.block().get(accumulate).i32Eqz().brIf(0);
  for (let r = 0; r < MR; r++) {
    for (let h = 0; h < 2; h++) code.get(cp).get(ldc).i32(r).i32Mul().i32Add().v128Load(h * 16).set(acc[r * 2 + h]);
  }
  code.end();
  //     ap = a + ip * k * 16; bp = bPanel
  code.get(a).get(ip).get(k).i32Mul().i32(MR * 4).i32Mul().i32Add().set(ap);
  code.get(bPanel).set(bp);
  code.i32(0).set(p);
  code.block().loop(); // over k
  code.get(p).get(k).i32GeU().brIf(1);
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
  return assemble([{ name: 'gemm', params: ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], results: [], code }], { minimumPages: 1 });
}
