import type { MaxPoolKernel } from '../kernels.js';
import { type MaxPoolKernel as MaxPoolFunction, poolModule } from './pool-kernel.js';

const PAGE = 65536;
/** Inputs above this many floats (64 MiB) stay in JavaScript rather than grow the module's memory further. */
const MAX_FLOATS = 1 << 24;

/** Whether every window lies inside its plane (no padding reached, no ceil-mode window past the edge). */
function windowsInside({ inSize, outSize, kernel, stride, dilation, padding }: MaxPoolKernel): boolean {
  return [0, 1].every((i) => padding[i] === 0 && (outSize[i] - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1 <= inSize[i]);
}

/**
 * Float32 max pooling in WebAssembly, four outputs at a time without a branch per tap (the
 * reference's compare-and-branch mispredicts on most windows), for poolings whose windows lie
 * inside the input; the others (padding, ceil mode's last windows) run in the reference kernel.
 * Both follow one rule, so the values and the indices are identical.
 */
class WasmMaxPool {
  private readonly memory = new WebAssembly.Memory({ initial: 1 });
  private readonly kernel: MaxPoolFunction;

  constructor() {
    this.kernel = new WebAssembly.Instance(new WebAssembly.Module(poolModule()), { env: { memory: this.memory } }).exports.maxPool as MaxPoolFunction;
  }

  /** False when the pooling is not one it runs; the caller runs the reference kernel. */
  run(kernel: MaxPoolKernel, x: Float32Array, values: Float32Array, indices: Int32Array): boolean {
    if (!windowsInside(kernel) || x.length > MAX_FLOATS) return false;
    const { planes, inSize: [, width], outSize: [outH, outW], kernel: [kh, kw], stride: [sh, sw], dilation: [dh, dw] } = kernel;
    const tapCount = kh * kw;
    const outputs = planes * outH * outW;
    // Floats: the input and the reads past its end, both outputs with a vector's slack, the tap tables and the lane steps.
    const srcFloats = x.length + 4 * sw;
    const outFloats = outputs + 4;
    const [src, vals, idx, taps] = [0, srcFloats, srcFloats + outFloats, srcFloats + 2 * outFloats];
    const tapIndices = taps + tapCount;
    const laneSteps = Math.ceil((tapIndices + tapCount) / 4) * 4;
    const bytes = (laneSteps + 4) * 4;
    if (bytes > this.memory.buffer.byteLength) this.memory.grow(Math.ceil((bytes - this.memory.buffer.byteLength) / PAGE));
    const floats = new Float32Array(this.memory.buffer);
    const ints = new Int32Array(this.memory.buffer);
    floats.set(x, src);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const index = i * dh * width + j * dw;
        ints[taps + i * kw + j] = index * 4;
        ints[tapIndices + i * kw + j] = index;
      }
    }
    for (let lane = 0; lane < 4; lane++) ints[laneSteps + lane] = lane * sw;
    const planeFloats = x.length / planes;
    this.kernel(src * 4, vals * 4, idx * 4, planes, outH, outW, planeFloats * 4, sh * width * 4, sw * 4, taps * 4, tapIndices * 4, tapCount, sh * width, sw, laneSteps * 4);
    values.set(floats.subarray(vals, vals + outputs));
    indices.set(ints.subarray(idx, idx + outputs));
    return true;
  }
}

let pool: WasmMaxPool | null = null;

export function wasmMaxPool(kernel: MaxPoolKernel, x: Float32Array, values: Float32Array, indices: Int32Array): boolean {
  return (pool ??= new WasmMaxPool()).run(kernel, x, values, indices);
}
