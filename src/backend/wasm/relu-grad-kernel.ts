import { Code, type FunctionSpec } from './assembler.js';

/** `reluGrad(g, y, bytes)`: g[i] = y[i] > 0 ? g[i] : 0 in place, over `bytes` (a multiple of 16) of each. */
export type ReluGradKernel = (g: number, y: number, bytes: number) => void;

/** ReLU's backward, exactly the reference's rule (a NaN output passes no gradient): g & (y > 0). */
export function reluGrad(): FunctionSpec {
  const code = new Code(3);
  const [g, y, bytes] = [0, 1, 2];
  const i = code.local('i32');
  code.i32(0).set(i);
  code.block().loop();
  code.get(i).get(bytes).i32GeU().brIf(1);
  code.get(g).get(i).i32Add();
  code.get(g).get(i).i32Add().v128Load().get(y).get(i).i32Add().v128Load().v128Zero().f32x4Gt().v128And();
  code.v128Store();
  code.get(i).i32(16).i32Add().set(i);
  code.br(0).end().end();
  return { name: 'reluGrad', params: ['i32', 'i32', 'i32'], results: [], code };
}
