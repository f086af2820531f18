import { assemble, Code } from './assembler.js';

function validates(code: Code): boolean {
  try {
    return WebAssembly.validate(assemble([{ name: 'probe', params: ['i32'], results: [], code }], { minimumPages: 1 }));
  } catch {
    return false;
  }
}

/** Whether this runtime has WebAssembly with 128-bit SIMD (tried on a tiny module). */
export const HAS_SIMD: boolean = typeof WebAssembly === 'object' && validates(new Code(1).get(0).get(0).v128Load().v128Store());

/** Whether it also has relaxed SIMD's fused multiply-add (Node 22+ by default). */
export const HAS_RELAXED_SIMD: boolean =
  HAS_SIMD && validates(new Code(1).get(0).get(0).v128Load().get(0).v128Load().get(0).v128Load().f32x4RelaxedMadd().v128Store());
