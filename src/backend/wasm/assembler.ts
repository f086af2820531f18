/*
 * A small WebAssembly binary assembler: enough to emit kernels at run time (as jax-js does), so
 * no compiler enters `npm ci` and kernels can be specialised. Only what the kernels use is here.
 */

export type ValType = 'i32' | 'f32' | 'f64' | 'v128';

const VALTYPE: Record<ValType, number> = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b };

function unsigned(value: number, out: number[]): void {
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
}

function signed(value: number, out: number[]): void {
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

function bytesOf(text: string): number[] {
  return [...new TextEncoder().encode(text)];
}

function vector(items: readonly number[][], out: number[]): void {
  unsigned(items.length, out);
  for (const item of items) out.push(...item);
}

function withSize(body: number[]): number[] {
  const out: number[] = [];
  unsigned(body.length, out);
  out.push(...body);
  return out;
}

/** The instructions of one function body; each method appends one instruction and returns this. */
export class Code {
  readonly bytes: number[] = [];
  private readonly locals: ValType[] = [];

  constructor(private readonly paramCount: number) {}

  /** A new local of `type`; returns its index. */
  local(type: ValType): number {
    this.locals.push(type);
    return this.paramCount + this.locals.length - 1;
  }

  private op(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }

  private simd(opcode: number, ...rest: number[]): this {
    this.bytes.push(0xfd);
    unsigned(opcode, this.bytes);
    this.bytes.push(...rest);
    return this;
  }

  private memarg(align: number, offset: number): number[] {
    const out: number[] = [];
    unsigned(align, out);
    unsigned(offset, out);
    return out;
  }

  get(index: number): this { this.bytes.push(0x20); unsigned(index, this.bytes); return this; }
  set(index: number): this { this.bytes.push(0x21); unsigned(index, this.bytes); return this; }
  tee(index: number): this { this.bytes.push(0x22); unsigned(index, this.bytes); return this; }
  i32(value: number): this { this.bytes.push(0x41); signed(value | 0, this.bytes); return this; }
  f32(value: number): this {
    this.bytes.push(0x43, ...new Uint8Array(new Float32Array([value]).buffer));
    return this;
  }

  /** block ... end (a `br` to it jumps past its end). */
  block(): this { return this.op(0x02, 0x40); }
  /** loop ... end (a `br` to it jumps back to its start). */
  loop(): this { return this.op(0x03, 0x40); }
  end(): this { return this.op(0x0b); }
  br(depth: number): this { return this.op(0x0c, depth); }
  brIf(depth: number): this { return this.op(0x0d, depth); }

  /** The first of two values (any type, v128 too) if the i32 on top is not 0, else the second. */
  select(): this { return this.op(0x1b); }

  i32Add(): this { return this.op(0x6a); }
  i32Sub(): this { return this.op(0x6b); }
  i32Mul(): this { return this.op(0x6c); }
  i32Shl(): this { return this.op(0x74); }
  i32GeU(): this { return this.op(0x4f); }
  i32LtU(): this { return this.op(0x49); }
  i32GtU(): this { return this.op(0x4b); }
  i32Eqz(): this { return this.op(0x45); }
  i32Ne(): this { return this.op(0x47); }
  i32And(): this { return this.op(0x71); }

  i32Load(offset = 0): this { return this.op(0x28, ...this.memarg(2, offset)); }
  f32Load(offset = 0): this { return this.op(0x2a, ...this.memarg(2, offset)); }
  f32Store(offset = 0): this { return this.op(0x38, ...this.memarg(2, offset)); }
  f32Add(): this { return this.op(0x92); }
  f64Add(): this { return this.op(0xa0); }
  f32DemoteF64(): this { return this.op(0xb6); }
  f64PromoteF32(): this { return this.op(0xbb); }
  f32Mul(): this { return this.op(0x94); }

  v128Load(offset = 0): this { return this.simd(0x00, ...this.memarg(4, offset)); }
  v128Store(offset = 0): this { return this.simd(0x0b, ...this.memarg(4, offset)); }
  /** v128.load32_splat: one f32 from memory into all four lanes. */
  v128Load32Splat(offset = 0): this { return this.simd(0x09, ...this.memarg(2, offset)); }
  f32x4Splat(): this { return this.simd(0x13); }
  f32x4ReplaceLane(lane: number): this { return this.simd(0x20, lane); }
  /** i8x16.shuffle, given as four f32 lanes of the pair (0-3 the first operand's, 4-7 the second's). */
  f32x4Shuffle(lanes: readonly [number, number, number, number]): this {
    return this.simd(0x0d, ...lanes.flatMap((lane) => [0, 1, 2, 3].map((byte) => lane * 4 + byte)));
  }
  /** The low two f32 lanes as f64. */
  f64x2PromoteLowF32x4(): this { return this.simd(0x5f); }
  f64x2Add(): this { return this.simd(0xf0); }
  f64x2ExtractLane(lane: number): this { return this.simd(0x21, lane); }
  f32x4Abs(): this { return this.simd(0xe0); }
  f32x4Neg(): this { return this.simd(0xe1); }
  f32x4Add(): this { return this.simd(0xe4); }
  f32x4Sub(): this { return this.simd(0xe5); }
  f32x4Mul(): this { return this.simd(0xe6); }
  f32x4Div(): this { return this.simd(0xe7); }
  /** NaN in either operand gives NaN. */
  f32x4Max(): this { return this.simd(0xe9); }
  /** Rounds to the nearest integer, ties to even. */
  f32x4Nearest(): this { return this.simd(0x6a); }
  /** True where the lanes differ (or either is NaN). */
  f32x4Ne(): this { return this.simd(0x42); }
  f32x4Lt(): this { return this.simd(0x43); }
  f32x4Gt(): this { return this.simd(0x44); }
  f32x4Ge(): this { return this.simd(0x46); }
  v128And(): this { return this.simd(0x4e); }
  /** a & ~b */
  v128AndNot(): this { return this.simd(0x4f); }
  v128Or(): this { return this.simd(0x50); }
  /** Lanes of the first operand where the mask (top) is set, of the second elsewhere. */
  v128Bitselect(): this { return this.simd(0x52); }
  i32x4Splat(): this { return this.simd(0x11); }
  i32x4Add(): this { return this.simd(0xae); }
  i32x4Shl(): this { return this.simd(0xab); }
  i32x4TruncSatF32x4S(): this { return this.simd(0xf8); }
  /** Relaxed SIMD: a * b + c, fused where the hardware has it. */
  f32x4RelaxedMadd(): this { return this.simd(0x105); }
  v128Zero(): this { return this.simd(0x0c, ...new Array<number>(16).fill(0)); }

  /** The encoded body: locals, instructions, end. */
  encode(): number[] {
    const body: number[] = [];
    const groups: number[][] = this.locals.map((type) => [1, VALTYPE[type]]);
    vector(groups, body);
    body.push(...this.bytes, 0x0b);
    return withSize(body);
  }
}

export interface FunctionSpec {
  name: string;
  params: readonly ValType[];
  results: readonly ValType[];
  code: Code;
}

/** A module that imports its memory as env.memory (shared when `shared`) and exports `functions`. */
export function assemble(functions: readonly FunctionSpec[], memory: { minimumPages: number; maximumPages?: number; shared?: boolean }): Uint8Array<ArrayBuffer> {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const section = (id: number, content: number[]) => out.push(id, ...withSize(content));

  const types: number[] = [];
  vector(functions.map((f) => {
    const t = [0x60];
    vector(f.params.map((p) => [VALTYPE[p]]), t);
    vector(f.results.map((r) => [VALTYPE[r]]), t);
    return t;
  }), types);
  section(1, types);

  const imports: number[] = [];
  const limits: number[] = [];
  const { minimumPages, maximumPages, shared = false } = memory;
  if (maximumPages === undefined) {
    limits.push(0x00);
    unsigned(minimumPages, limits);
  } else {
    limits.push(shared ? 0x03 : 0x01);
    unsigned(minimumPages, limits);
    unsigned(maximumPages, limits);
  }
  const name = (text: string) => withSize(bytesOf(text));
  vector([[...name('env'), ...name('memory'), 0x02, ...limits]], imports);
  section(2, imports);

  const declarations: number[] = [];
  vector(functions.map((_, i) => { const d: number[] = []; unsigned(i, d); return d; }), declarations);
  section(3, declarations);

  const exports: number[] = [];
  vector(functions.map((f, i) => { const e = [...name(f.name), 0x00]; unsigned(i, e); return e; }), exports);
  section(7, exports);

  const code: number[] = [];
  vector(functions.map((f) => f.code.encode()), code);
  section(10, code);
  return new Uint8Array(out);
}
