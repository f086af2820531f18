import type { Shape } from '../base/shape.js';

/*
 * Kernel descriptors: plain, serializable objects that say what to compute, never where the data is.
 * They are what crosses the backend seam in `Backend.run(kernel, inputs, outputs)`, so they can key a
 * compile cache or be posted to a worker. Inputs are only read; outputs are written (and read too
 * where a kernel accumulates). Element counts come from the storages themselves.
 */

export type UnaryOp =
  | 'neg' | 'abs' | 'exp' | 'log' | 'sqrt' | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'relu' | 'leakyRelu'
  | 'sign' | 'square' | 'reciprocal' | 'log1p' | 'floor' | 'ceil' | 'round'
  | 'erf' | 'expm1';

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

export type ReduceOp = 'sum' | 'max' | 'min';

export type Activation = 'none' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu';

/** out[offset + i * stride] = value for i < count. Outputs: [out]. */
export interface FillKernel { op: 'fill'; value: number; offset: number; stride: number; count: number }
/** out[i] = start + i * step. Outputs: [out]. */
export interface ArangeKernel { op: 'arange'; start: number; step: number }
/** out[i] = x[i] converted to out's dtype (truncating toward zero into int32). Inputs: [x]; outputs: [out]. */
export interface CastKernel { op: 'cast' }
/** out[i] = fn(x[i]); `param` is leakyRelu's slope. Inputs: [x]; outputs: [out]. */
export interface UnaryKernel { op: 'unary'; fn: UnaryOp; param: number }
/** out = g * f'(.), from the activation's output y (or its input, for relu-like ones). Inputs: [g, y]; outputs: [out]. */
export interface ActivationGradKernel { op: 'activationGrad'; activation: Activation; alpha: number }
/** out = a fn b with NumPy broadcasting to outShape. Inputs: [a, b]; outputs: [out] (may be a itself). */
export interface BinaryKernel { op: 'binary'; fn: BinaryOp; aShape: Shape; bShape: Shape; outShape: Shape }
/** out = cond ? a : b, broadcast. Inputs: [cond, a, b]; outputs: [out]. */
export interface WhereKernel { op: 'where'; condShape: Shape; aShape: Shape; bShape: Shape; outShape: Shape }
/** Copies (or adds) `shape` elements between two strided layouts. Inputs: [src]; outputs: [dst]. */
export interface CopyKernel {
  op: 'copy'; shape: Shape; srcOffset: number; srcStrides: Shape; dstOffset: number; dstStrides: Shape; accumulate: boolean;
}
/** out (x reduced over `axes`, contiguous) = fn over those axes. Inputs: [x]; outputs: [out]. */
export interface ReduceKernel { op: 'reduce'; fn: ReduceOp; shape: Shape; axes: readonly number[] }
/** int32 index of the extreme along the middle axis of x viewed as [outer, axisLength, inner]. Inputs: [x]; outputs: [out]. */
export interface ArgReduceKernel { op: 'argReduce'; fn: 'argmax' | 'argmin'; outer: number; axisLength: number; inner: number }
/** out[0] = 1 when every element of x is finite, else 0 (int32). Inputs: [x]; outputs: [out]. */
export interface AllFiniteKernel { op: 'allFinite' }
/**
 * out[batch, m, n] (+)= op(a)[m, k] @ op(b)[k, n] for every batch index: a is stored [k, m] when
 * transA, b is stored [n, k] when transB. `batch` gives the batch shape and each operand's element
 * stride per batch dimension (0 where it is broadcast); out is contiguous. Inputs: [a, b]; outputs: [out].
 */
export interface MatmulKernel {
  op: 'matmul'; m: number; n: number; k: number; transA: boolean; transB: boolean; accumulate: boolean;
  batch?: { shape: Shape; aStrides: Shape; bStrides: Shape };
}
/** The leading (taps) or trailing (columns) axes of a strided view: their sizes and element strides. */
export interface ViewAxes { shape: Shape; strides: Shape }
/**
 * A product whose right operand is a strided view, never materialized (im2col without the
 * columns): out[outOffset + i n + j] = sum_p a[aOffset + i k + p] * b[viewOffset + tap(p) + column(j)],
 * with tap(p) and column(j) the offsets of the p-th and j-th multi-index of `taps` and `columns`
 * (row-major; k and n are their sizes). Inputs: [a, b]; outputs: [out].
 */
export interface ViewMatmulKernel {
  op: 'viewMatmul'; m: number; aOffset: number; outOffset: number; viewOffset: number; taps: ViewAxes; columns: ViewAxes;
  /**
   * The product with the view transposed instead, out = a[m, n] @ V^T for the view V[k, n] (a
   * convolution's weight gradient, the columns never materialized): out[outOffset + i k + p] =
   * sum_j a[aOffset + i n + j] * b[viewOffset + tap(p) + column(j)].
   */
  transposeView: boolean;
  /**
   * A convolution's bias and activation, applied to the product (not with transposeView):
   * out[i, j] = act(product[i, j] + bias[biasOffset + i]), the bias (when biasOffset is not null)
   * the third input.
   */
  epilogue?: { activation: Activation; alpha: number; biasOffset: number | null };
  /**
   * The product written channels-first instead (not with transposeView): its columns are `samples`
   * runs of `length` (a convolution's output positions per sample), so element (i, j) goes to
   * out[outOffset + i length + floor(j / length) stride + j mod length] ([N, C, L] with stride C L).
   */
  outSamples?: { length: number; stride: number };
}
/**
 * The adjoint of viewMatmul in its view, for `groups` products at once (a convolution's input
 * gradient: col2im of W^T g without the columns): for each group q,
 * b[viewOffset + q viewGroupStride + tap(p) + column(j)] += sum_i a[q m k + i k + p] g[q m n + i n + j],
 * a [groups, m, k], g [groups, m, n]; overlapping windows add up. Inputs: [a, g]; outputs: [b].
 */
export interface ViewScatterKernel { op: 'viewScatter'; groups: number; m: number; viewOffset: number; viewGroupStride: number; taps: ViewAxes; columns: ViewAxes }
/** out[rows, outF] = activation(x[rows, inF] @ weight[outF, inF]^T + bias). Inputs: [x, weight, bias?]; outputs: [out]. */
export interface LinearKernel {
  op: 'linear'; rows: number; inFeatures: number; outFeatures: number; activation: Activation; alpha: number; bias: boolean;
}
/** (Log-)softmax along the middle axis of x viewed as [outer, axisLength, inner]. Inputs: [x]; outputs: [out]. */
export interface SoftmaxKernel { op: 'softmax'; outer: number; axisLength: number; inner: number; log: boolean }
/**
 * Softmax cross-entropy per row of logits[rows, classes] against int32 class indices [rows] or
 * probability rows [rows, classes]. Inputs: [logits, targets]; outputs: [probs, losses].
 */
export interface SoftmaxCrossEntropyKernel { op: 'softmaxCrossEntropy'; rows: number; classes: number; targets: 'indices' | 'probabilities' }
/** out[o, j, i] = x[o, index[o, j, i], i], x viewed as [outer, axisLength, inner]. Inputs: [x, index]; outputs: [out]. */
export interface GatherKernel { op: 'gather'; outer: number; axisLength: number; inner: number; indexAxisLength: number }
/** The adjoint of gather: out[o, index[o, j, i], i] += g[o, j, i]. Inputs: [g, index]; outputs: [out]. */
export interface ScatterAddKernel { op: 'scatterAdd'; outer: number; axisLength: number; inner: number; indexAxisLength: number }
/** out[o, j, :] = x[o, index[j], :], x viewed as [outer, axisLength, inner]. Inputs: [x, index]; outputs: [out]. */
export interface IndexSelectKernel { op: 'indexSelect'; outer: number; axisLength: number; inner: number }
/** out[i, labels[i]] = 1 over a zeroed out[labels, classes]. Inputs: [labels]; outputs: [out]. */
export interface OneHotKernel { op: 'oneHot'; classes: number }
/**
 * Inverted-dropout mask: out[i] = scale where a counter-based uniform draw u(seed, i) >= p, else 0,
 * so any backend (and any thread) draws the same mask for the same seed. Outputs: [out].
 */
export interface DropoutMaskKernel { op: 'dropoutMask'; p: number; scale: number; seed: readonly [number, number] }
/** PyTorch's SGD update, in place. Inputs: [grad]; outputs: [param] or [param, momentumBuffer]. */
export interface SgdStepKernel {
  op: 'sgdStep'; lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean;
  /** The first step initializes the momentum buffer with the gradient, as PyTorch does. */
  firstStep: boolean;
}
/** Adam/AdamW update, in place. Inputs: [grad]; outputs: [param, m, v], or [param, m, v, max v] for AMSGrad. */
export interface AdamStepKernel {
  op: 'adamStep'; lr: number; beta1: number; beta2: number; eps: number; weightDecay: number;
  /** AdamW: weight decay applied to the parameter directly instead of added to the gradient. */
  decoupledWeightDecay: boolean;
  /** 1-based step count, for bias correction. */
  step: number;
}

/**
 * PyTorch's RMSprop update, in place. Inputs: [grad]; outputs: [param, squareAvg], then the
 * momentum buffer when momentum > 0, then the gradient average when centered.
 */
export interface RmspropStepKernel { op: 'rmspropStep'; lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean }
/** PyTorch's Adagrad update, in place, at `lr` already decayed for this step. Inputs: [grad]; outputs: [param, sum]. */
export interface AdagradStepKernel { op: 'adagradStep'; lr: number; eps: number; weightDecay: number }

/**
 * Max pooling over `planes` planes of inSize = [height, width] (1-D pooling: height 1), PyTorch's
 * rule: each window's largest element, over its taps inside the plane (padding never wins; the
 * first maximum wins a tie, the last NaN wins over everything), and that element's flat index in
 * its plane. Inputs: [x]; outputs: [values, indices (int32)], both [planes, outSize].
 */
export interface MaxPoolKernel {
  op: 'maxPool'; planes: number; inSize: Shape; outSize: Shape; kernel: Shape; stride: Shape; dilation: Shape; padding: Shape;
}

/*
 * Dense linear algebra on a batch of matrices stored one after another (row-major), LAPACK's
 * getrf/getrs, potrf, trtrs and geqrf. Each kernel computes in float64 whatever the storage dtype:
 * the matrix it factors or solves for is copied into a Float64Array and written back once.
 */

/**
 * LU factorization with partial pivoting, P A = L U, of each a[batch, n, n]: lu holds U on and
 * above the diagonal and L's multipliers below it (L has a unit diagonal); pivots[batch, n] (int32)
 * the row swapped with row i at step i; info[batch] (int32) 0, or 1 + the first i where U[i, i] is
 * exactly zero (the factorization still completes). Inputs: [a]; outputs: [lu, pivots, info].
 */
export interface LuFactorKernel { op: 'luFactor'; batch: number; n: number }
/** x = A^-1 b, or A^-T b when transpose, from luFactor's factors of A, for b[batch, n, k]. Inputs: [lu, pivots, b]; outputs: [x]. */
export interface LuSolveKernel { op: 'luSolve'; batch: number; n: number; k: number; transpose: boolean }
/**
 * det A per matrix from luFactor's factors, or (log) its sign and log |det A|, which are 0 and
 * -Infinity for a singular matrix. Inputs: [lu, pivots]; outputs: [det] or [sign, logabsdet].
 */
export interface LuDeterminantKernel { op: 'luDeterminant'; batch: number; n: number; log: boolean }
/**
 * Cholesky factorization A = L L^T of each a[batch, n, n], from its lower triangle only: out is L
 * (zero above the diagonal), or U = L^T when upper; info[batch] (int32) 0, or the order of the first
 * leading minor that is not positive-definite. Inputs: [a]; outputs: [out, info].
 */
export interface CholeskyKernel { op: 'cholesky'; batch: number; n: number; upper: boolean }
/**
 * x = T^-1 b, or T^-T b when transpose, by substitution with t[batch, n, n], reading only its upper
 * or lower triangle, for b[batch, n, k]. Inputs: [t, b]; outputs: [x].
 */
export interface TriangularSolveKernel { op: 'triangularSolve'; batch: number; n: number; k: number; upper: boolean; transpose: boolean }
/**
 * Reduced QR by Householder reflections, a[batch, m, n] = q[batch, m, p] r[batch, p, n] with
 * p = min(m, n), q's columns orthonormal, r upper triangular with diag(r) >= 0 (each reflection maps
 * its column to +norm, so there are no signs to fix afterwards). Inputs: [a]; outputs: [q, r].
 */
export interface HouseholderQrKernel { op: 'householderQr'; batch: number; m: number; n: number }

/**
 * Inclusive running sum or product along the middle axis of x viewed as [outer, axisLength, inner]
 * (toward the start instead when `reverse`): out has x's shape. Inputs: [x]; outputs: [out].
 */
export interface ScanKernel { op: 'scan'; fn: 'sum' | 'prod'; outer: number; axisLength: number; inner: number; reverse: boolean }
/**
 * A stable sort along the middle axis of x viewed as [outer, axisLength, inner], NaN above every
 * number (last ascending, first descending): the sorted values and their int32 positions in x.
 * Inputs: [x]; outputs: [values, indices].
 */
export interface SortKernel { op: 'sort'; outer: number; axisLength: number; inner: number; descending: boolean }

export type Kernel =
  | FillKernel | ArangeKernel | CastKernel | UnaryKernel | ActivationGradKernel | BinaryKernel | WhereKernel
  | CopyKernel | ReduceKernel | ArgReduceKernel | AllFiniteKernel | MatmulKernel | ViewMatmulKernel | ViewScatterKernel | LinearKernel | SoftmaxKernel
  | SoftmaxCrossEntropyKernel | MaxPoolKernel | GatherKernel | ScatterAddKernel | IndexSelectKernel | OneHotKernel
  | DropoutMaskKernel | SgdStepKernel | AdamStepKernel
  | LuFactorKernel | LuSolveKernel | LuDeterminantKernel | CholeskyKernel | TriangularSolveKernel | HouseholderQrKernel
  | RmspropStepKernel | AdagradStepKernel
  | ScanKernel | SortKernel;

export type KernelName = Kernel['op'];

/**
 * One implementation per kernel, keyed by op name: a backend whose table misses a kernel does not
 * compile. `B` is the backend's buffer type (a typed array for the JS backend).
 */
export type KernelTable<B> = {
  [K in KernelName]: (kernel: Extract<Kernel, { op: K }>, inputs: readonly B[], outputs: readonly B[]) => void;
};
