import type { CopyKernel } from '../kernels.js';
import { copy as jsCopy, forEachBlock, mergeAxes } from '../js/strided.js';
import { type Copy2d, copyModule } from './copy-kernel.js';

const PAGE = 65536;
/** Copies below this many elements stay in JavaScript: moving them in and out would cost more. */
const MIN_ELEMENTS = 1 << 14;
/** The most floats (64 MiB) the copy module holds at once; larger copies stay in JavaScript. */
const MAX_FLOATS = 1 << 24;

/**
 * Float32 strided copies (im2col, col2im, pooling windows, permutes) in WebAssembly: the spans of
 * both operands are moved into the module's memory, the copy runs there a 2-D block at a time
 * (forEachBlock), and the destination's span is moved back. Every element moves the same way as in the reference kernel, so results are identical.
 */
class WasmCopier {
  private readonly memory = new WebAssembly.Memory({ initial: 1 });
  private readonly copy2d: Copy2d;
  private readonly add2d: Copy2d;
  private view: Float32Array;

  constructor() {
    const exports = new WebAssembly.Instance(new WebAssembly.Module(copyModule()), { env: { memory: this.memory } }).exports;
    this.copy2d = exports.copy2d as Copy2d;
    this.add2d = exports.add2d as Copy2d;
    this.view = new Float32Array(this.memory.buffer);
  }

  /** False when the copy is too small or too large to pay; the caller runs the reference kernel. */
  run(kernel: CopyKernel, src: Float32Array, dst: Float32Array): boolean {
    const { shape, srcOffset, srcStrides, dstOffset, dstStrides, accumulate } = kernel;
    const merged = mergeAxes(shape, [srcStrides, dstStrides]);
    if (merged === null) return true;
    const { dims, dimStrides: [ss, ds] } = merged;
    const count = dims.reduce((a, b) => a * b, 1);
    const srcSpan = dims.reduce((acc, d, i) => acc + (d - 1) * ss[i], 0) + 1;
    const dstSpan = dims.reduce((acc, d, i) => acc + (d - 1) * ds[i], 0) + 1;
    if (count < MIN_ELEMENTS || ss.some((s) => s < 0) || ds.some((s) => s < 0)) return false;
    if (srcSpan + dstSpan > MAX_FLOATS) return this.inPieces(kernel, dims, ss, ds, src, dst, srcSpan + dstSpan);
    const view = this.reserve(srcSpan + dstSpan);
    view.set(src.subarray(srcOffset, srcOffset + srcSpan), 0);
    // A copy that writes every element of its span needs no copy of the destination first.
    if (accumulate || count !== dstSpan) view.set(dst.subarray(dstOffset, dstOffset + dstSpan), srcSpan);
    const block = accumulate ? this.add2d : this.copy2d;
    forEachBlock(dims, ss, ds, 0, srcSpan, (s0, d0, { rows, cols, srcRow, srcCol, dstRow, dstCol }) =>
      block(s0 * 4, d0 * 4, rows, cols, srcRow * 4, srcCol * 4, dstRow * 4, dstCol * 4));
    dst.set(view.subarray(srcSpan, srcSpan + dstSpan), dstOffset);
    return true;
  }

  /** A copy too large for the module's memory, as copies of slices of its first merged axis. */
  private inPieces(kernel: CopyKernel, dims: number[], ss: number[], ds: number[], src: Float32Array, dst: Float32Array, span: number): boolean {
    if (dims[0] === 1) return false;
    const step = Math.max(1, Math.floor((dims[0] * MAX_FLOATS) / span / 2));
    for (let i = 0; i < dims[0]; i += step) {
      const piece: CopyKernel = {
        ...kernel, shape: [Math.min(step, dims[0] - i), ...dims.slice(1)], srcStrides: ss, dstStrides: ds,
        srcOffset: kernel.srcOffset + i * ss[0], dstOffset: kernel.dstOffset + i * ds[0],
      };
      if (!this.run(piece, src, dst)) jsCopy(piece, [src], [dst]);
    }
    return true;
  }

  private reserve(floats: number): Float32Array {
    const needed = floats * 4 - this.memory.buffer.byteLength;
    if (needed > 0) this.memory.grow(Math.ceil(needed / PAGE));
    if (this.view.buffer !== this.memory.buffer) this.view = new Float32Array(this.memory.buffer);
    return this.view;
  }
}

let copier: WasmCopier | null = null;

/** The copy kernel of the wasm backend: float32 copies that pay run in WebAssembly, the rest in the reference kernel. */
export function copy(kernel: CopyKernel, inputs: readonly ArrayLike<number>[], outputs: readonly ArrayLike<number>[]): void {
  const [src] = inputs;
  const [dst] = outputs;
  if (src instanceof Float32Array && dst instanceof Float32Array && (copier ??= new WasmCopier()).run(kernel, src, dst)) return;
  jsCopy(kernel, inputs as never, outputs as never);
}
