/** Loss names accepted by the CLI. */
export type LossName = 'mse' | 'bce' | 'cross-entropy';

export const LOSS_NAMES: readonly LossName[] = Object.freeze(['mse', 'bce', 'cross-entropy']);
