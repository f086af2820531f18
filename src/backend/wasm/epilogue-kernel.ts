import type { Activation } from '../kernels.js';
import { Code, type FunctionSpec } from './assembler.js';

/**
 * The fused linear layer's epilogue, run on the product while it is still in the module's memory:
 * `epilogue_<activation>(c, rows, width, ldcBytes, bias, alpha)` sets c[r, j] = act(c[r, j] + bias[j])
 * for `rows` rows of `width` floats (a multiple of 4); `rowEpilogue_<activation>` adds bias[r] instead. sigmoid and tanh use a float32 exponential
 * (Cephes' expf: range reduction by ln 2 and a degree-5 polynomial, within 2 ulp), as vectorised
 * CPU libraries do; NaN propagates, tanh keeps the sign of zero, and sigmoid's results below
 * 2^-126 (inputs below -87.34) are flushed to zero.
 */
export type EpilogueKernel = (c: number, rows: number, width: number, ldcBytes: number, bias: number, alpha: number) => void;

export const epilogueName = (activation: Activation, perRow = false): string => `${perRow ? 'rowEpilogue' : 'epilogue'}_${activation}`;

const LOG2E = 1.44269504088896341;
const LN2_HI = 0.693359375;
const LN2_LO = -2.12194440e-4;
const EXP_POLY = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
/** ln(2^-126): exp of anything below is a float32 subnormal; clamping there keeps 2^n a normal number. */
const EXP_MIN = -87.33654;

/**
 * Emits code that turns the non-positive argument in local `x` into exp(x) in local `out` (or
 * exp(x) - 1 with `minusOne`, accurate near zero, which tanh needs), using `n`, `r`, `q` as
 * temporaries: x = n ln2 + r, |r| <= ln2 / 2, e^r - 1 = r + r^2 P(r), exp(x) = 2^n (1 + (e^r - 1))
 * and expm1(x) = 2^n (e^r - 1) + (2^n - 1).
 */
function exp(code: Code, x: number, out: number, [n, r, q]: readonly [number, number, number], minusOne: boolean): void {
  code.get(x).f32(EXP_MIN).f32x4Splat().f32x4Max().set(r);
  code.get(r).f32(LOG2E).f32x4Splat().f32x4Mul().f32x4Nearest().set(n);
  code.get(r).get(n).f32(LN2_HI).f32x4Splat().f32x4Mul().f32x4Sub().get(n).f32(LN2_LO).f32x4Splat().f32x4Mul().f32x4Sub().set(r);
  code.f32(EXP_POLY[0]).f32x4Splat();
  for (const c of EXP_POLY.slice(1)) code.get(r).f32x4Mul().f32(c).f32x4Splat().f32x4Add();
  code.get(r).f32x4Mul().get(r).f32x4Mul().get(r).f32x4Add().set(q); // q = e^r - 1
  code.get(n).i32x4TruncSatF32x4S().i32(127).i32x4Splat().i32x4Add().i32(23).i32x4Shl().set(n); // n = 2^n
  if (minusOne) code.get(n).get(q).f32x4Mul().get(n).f32(1).f32x4Splat().f32x4Sub().f32x4Add().set(out);
  else {
    // Below EXP_MIN the result would be subnormal: 0 there (flushed), NaN kept.
    code.get(n).get(q).f32(1).f32x4Splat().f32x4Add().f32x4Mul();
    code.get(x).f32(EXP_MIN).f32x4Splat().f32x4Lt().v128AndNot().set(out);
  }
}

type Body = (code: Code, v: number, alpha: number, temps: readonly number[]) => void;

/** act(v) in place on local v (the sum with the bias). */
const BODIES: Record<Activation, Body> = {
  none: () => {},
  relu: (code, v) => {
    code.get(v).v128Zero().f32x4Max().set(v); // max keeps NaN
  },
  leakyRelu: (code, v, alpha) => {
    code.get(v).get(v).get(alpha).f32x4Splat().f32x4Mul().get(v).v128Zero().f32x4Gt().v128Bitselect().set(v);
  },
  sigmoid: (code, v, _alpha, [e, s, n, r, q]) => {
    // e = exp(-|v|) in (0, 1]; 1 / (1 + e) for v >= 0, e / (1 + e) below.
    code.get(v).f32x4Abs().f32x4Neg().set(e);
    exp(code, e, e, [n, r, q], false);
    code.f32(1).f32x4Splat().get(e).f32(1).f32x4Splat().f32x4Add().f32x4Div().set(s);
    code.get(s).get(e).get(s).f32x4Mul().get(v).v128Zero().f32x4Ge().v128Bitselect().set(v);
  },
  tanh: (code, v, _alpha, [e, s, n, r, q]) => {
    // tanh|v| = -m / (2 + m) with m = expm1(-2|v|), then v's sign bit.
    code.get(v).f32x4Abs().f32(-2).f32x4Splat().f32x4Mul().set(e);
    exp(code, e, e, [n, r, q], true);
    code.get(e).f32x4Neg().get(e).f32(2).f32x4Splat().f32x4Add().f32x4Div().f32x4Abs().set(s); // |.| turns -0 into 0
    code.get(s).get(v).f32(-0).f32x4Splat().v128And().v128Or().set(v);
  },
};

function epilogue(activation: Activation, perRow: boolean): FunctionSpec {
  const code = new Code(6);
  const [c, rows, width, ldc, bias, alpha] = [0, 1, 2, 3, 4, 5];
  const row = code.local('i32');
  const j = code.local('i32');
  const v = code.local('v128');
  const rowBias = code.local('v128');
  const temps = Array.from({ length: 5 }, () => code.local('v128'));
  code.i32(0).set(row);
  code.block().loop(); // over rows
  code.get(row).get(rows).i32GeU().brIf(1);
  if (perRow) code.get(bias).get(row).i32(2).i32Shl().i32Add().v128Load32Splat().set(rowBias);
  code.i32(0).set(j);
  code.block().loop(); // four columns at a time
  code.get(j).get(width).i32GeU().brIf(1);
  code.get(c).get(j).i32(2).i32Shl().i32Add().v128Load();
  if (perRow) code.get(rowBias);
  else code.get(bias).get(j).i32(2).i32Shl().i32Add().v128Load();
  code.f32x4Add().set(v);
  BODIES[activation](code, v, alpha, temps);
  code.get(c).get(j).i32(2).i32Shl().i32Add().get(v).v128Store();
  code.get(j).i32(4).i32Add().set(j);
  code.br(0).end().end();
  code.get(c).get(ldc).i32Add().set(c);
  code.get(row).i32(1).i32Add().set(row);
  code.br(0).end().end();
  return { name: epilogueName(activation, perRow), params: ['i32', 'i32', 'i32', 'i32', 'i32', 'f32'], results: [], code };
}

export const ACTIVATIONS: readonly Activation[] = ['none', 'sigmoid', 'tanh', 'relu', 'leakyRelu'];

/** Two epilogue functions per activation: with a bias per column (a linear layer's) and per row (a convolution's, per output channel). */
export function epilogues(): FunctionSpec[] {
  return ACTIVATIONS.flatMap((activation) => [epilogue(activation, false), epilogue(activation, true)]);
}
