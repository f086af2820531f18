import type { FloatDType } from '../../base/dtype.js';
import { checkChoice, checkOptions, describeValue } from '../../base/options.js';
import { checkMaxNorm, checkPaddingIdx, embedding } from '../../ops/embedding.js';
import { run } from '../../tensor/dispatch.js';
import { defaultGenerator, type Generator } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { normal_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

export interface EmbeddingLayerOptions {
  /** The row that stays zero and gets no gradient (a padding token); negative counts from the end. */
  paddingIdx?: number | null;
  /** Renormalize looked-up rows whose norm exceeds this, in place (see nb.embedding). */
  maxNorm?: number | null;
  /** The p of the p-norm for maxNorm (default 2). */
  normType?: number;
  dtype?: FloatDType;
  generator?: Generator;
}

const EMBEDDING_OPTIONS = ['paddingIdx', 'maxNorm', 'normType', 'dtype', 'generator'];
const FLOAT_DTYPES: readonly FloatDType[] = ['float32', 'float64'];

/**
 * A lookup table of numEmbeddings vectors of size embeddingDim, as PyTorch's nn.Embedding: int32
 * indices of any shape give [...shape, embeddingDim]. The weight starts N(0, 1), with the paddingIdx
 * row zero.
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** As a row index in [0, numEmbeddings), or null. */
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingLayerOptions = {}) {
    super();
    for (const [name, value] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      if (!Number.isInteger(value) || value <= 0) throw new RangeError(`Embedding: ${name} must be a positive integer, got ${describeValue(value)}`);
    }
    const { paddingIdx = null, maxNorm = null, normType = 2, dtype = 'float32', generator = defaultGenerator } = checkOptions(options, EMBEDDING_OPTIONS, 'Embedding');
    checkChoice(dtype, FLOAT_DTYPES, 'Embedding', 'dtype');
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = paddingIdx === null ? null : checkPaddingIdx(paddingIdx, numEmbeddings, 'Embedding');
    checkMaxNorm(maxNorm, normType, 'Embedding');
    this.maxNorm = maxNorm;
    this.normType = normType;
    this.weight = new Parameter(Tensor.empty([numEmbeddings, embeddingDim], dtype));
    normal_(this.weight, 0, 1, { generator });
    if (this.paddingIdx !== null) run({ op: 'fill', value: 0, offset: this.paddingIdx * embeddingDim, stride: 1, count: embeddingDim }, [], [this.weight]);
  }

  forward(input: Tensor): Tensor {
    return embedding(input, this.weight, this.#options());
  }

  #options() {
    return { paddingIdx: this.paddingIdx, maxNorm: this.maxNorm, normType: this.normType };
  }

  override extraRepr(): string {
    const extra = [`${this.numEmbeddings}, ${this.embeddingDim}`];
    if (this.paddingIdx !== null) extra.push(`paddingIdx=${this.paddingIdx}`);
    if (this.maxNorm !== null) extra.push(`maxNorm=${this.maxNorm}`);
    if (this.normType !== 2) extra.push(`normType=${this.normType}`);
    return extra.join(', ');
  }
}
