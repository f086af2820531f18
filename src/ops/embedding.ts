import { noGrad, record } from '../autograd/graph.js';
import { isFloat } from '../base/dtype.js';
import { checkOptions, describeValue } from '../base/options.js';
import { formatShape, ShapeError } from '../base/shape.js';
import { run } from '../tensor/dispatch.js';
import { assertTensor, Tensor } from '../tensor/tensor.js';
import { where } from './compare.js';
import { checkIndices, indexSelect, indexSelectAdjoint } from './indexing.js';

export interface EmbeddingOptions {
  /** The row whose gradient is always zero (a padding token); negative counts from the end. */
  paddingIdx?: number | null;
  /** Rescale, in place in the weight, each row the input looks up whose normType-norm exceeds maxNorm, to that norm. */
  maxNorm?: number | null;
  /** The p of the p-norm for maxNorm (default 2). */
  normType?: number;
}

const EMBEDDING_OPTIONS = ['paddingIdx', 'maxNorm', 'normType'];

/**
 * Looks up rows of `weight` ([numEmbeddings, embeddingDim]) by the int32 indices of `input`, any
 * shape: the result is [...input.shape, embeddingDim], as PyTorch's F.embedding. The gradient adds
 * each looked-up row's gradient into that row (repeated indices add up), except the paddingIdx row,
 * whose gradient stays zero. With maxNorm the rows looked up are renormalized in the weight first,
 * under noGrad, as PyTorch does (a change to the weight a graph may have recorded).
 */
export function embedding(input: Tensor, weight: Tensor, options: EmbeddingOptions = {}): Tensor {
  const { paddingIdx = null, maxNorm = null, normType = 2 } = checkOptions(options, EMBEDDING_OPTIONS, 'embedding');
  assertTensor(input, 'embedding', 'input');
  assertTensor(weight, 'embedding', 'weight');
  if (weight.ndim !== 2) throw new ShapeError(`embedding: weight must be 2-D [numEmbeddings, embeddingDim], got ${formatShape(weight.shape)}`);
  if (!isFloat(weight.dtype)) throw new TypeError(`embedding: weight must be float32 or float64, got ${weight.dtype}`);
  const [rows, dim] = weight.shape;
  const padding = paddingIdx === null ? null : checkPaddingIdx(paddingIdx, rows, 'embedding');
  checkMaxNorm(maxNorm, normType, 'embedding');
  const flat = input.reshape([input.size]);
  checkIndices(flat, rows, 'embedding', `index into an embedding of ${rows} rows:`);
  if (maxNorm !== null && flat.size > 0) renormalize(weight, flat, maxNorm, normType);
  const out = noGrad(() => indexSelect(weight, 0, flat).reshape([...input.shape, dim]));
  return record(out, 'embedding', [weight], (g) => {
    const rowsOfG = g.reshape([flat.size, dim]);
    const kept = padding === null ? rowsOfG : where(flat.ne(padding).reshape([flat.size, 1]), rowsOfG, 0);
    return [indexSelectAdjoint(kept, 0, flat, weight.shape)];
  });
}

/** paddingIdx as a row index in [0, rows), from one in [-rows, rows) (PyTorch's rule). */
export function checkPaddingIdx(paddingIdx: unknown, rows: number, owner: string): number {
  if (!Number.isInteger(paddingIdx) || (paddingIdx as number) < -rows || (paddingIdx as number) >= rows) {
    throw new RangeError(`${owner}: paddingIdx must be an integer in [-${rows}, ${rows}) (numEmbeddings = ${rows}) or null, got ${describeValue(paddingIdx)}`);
  }
  return (paddingIdx as number) < 0 ? (paddingIdx as number) + rows : (paddingIdx as number);
}

export function checkMaxNorm(maxNorm: unknown, normType: unknown, owner: string): void {
  if (maxNorm !== null && (typeof maxNorm !== 'number' || !(maxNorm > 0 && maxNorm < Infinity))) throw new RangeError(`${owner}: maxNorm must be a positive finite number or null, got ${describeValue(maxNorm)}`);
  if (typeof normType !== 'number' || !(normType > 0)) throw new RangeError(`${owner}: normType must be a positive number, got ${describeValue(normType)}`);
}

/** PyTorch's embedding_renorm_: each distinct row looked up whose norm exceeds maxNorm is scaled by maxNorm / (norm + 1e-7), in place. */
function renormalize(weight: Tensor, indices: Tensor, maxNorm: number, normType: number): void {
  noGrad(() => {
    const distinct = [...new Set(indices.dataSync())].sort((a, b) => a - b);
    const index = Tensor.fromValues(distinct, [distinct.length], 'int32', weight.backend);
    const rows = indexSelect(weight, 0, index);
    const norms = rows.abs().pow(normType).sum(1, true).pow(1 / normType);
    const scale = norms.gt(maxNorm).to(weight.dtype).mul(norms.add(1e-7).reciprocal().mul(maxNorm).sub(1)).add(1);
    const dim = weight.shape[1];
    const perElement = Tensor.fromValues(Int32Array.from({ length: distinct.length * dim }, (_, i) => distinct[Math.floor(i / dim)]), [distinct.length, dim], 'int32', weight.backend);
    // Two additions that are exact: the rows become zero, then their scaled values.
    const layout = { outer: 1, axisLength: weight.shape[0], inner: dim, indexAxisLength: distinct.length };
    run({ op: 'scatterAdd', ...layout }, [rows.neg(), perElement], [weight]);
    run({ op: 'scatterAdd', ...layout }, [rows.mul(scale), perElement], [weight]);
    weight.storage.version++;
  });
}
