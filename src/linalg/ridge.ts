import { checkOptions, describeValue } from '../base/options.js';
import { formatShape, ShapeError } from '../base/shape.js';
import { concat } from '../ops/shape.js';
import { assertTensor, Tensor } from '../tensor/tensor.js';
import { checkMatrix, checkSameDType } from './errors.js';
import { leastSquares } from './lstsq.js';
import { identity } from './matrix.js';

export interface RidgeOptions {
  /**
   * Fit an unpenalized intercept too, by centering X and y (sklearn's fit_intercept); default false:
   * the model is X theta, through the origin.
   */
  fitIntercept?: boolean;
}

export interface RidgeFit {
  /** The weights theta: [d], or [d, k]. */
  coef: Tensor;
  /** The intercept: [], or [k]. */
  intercept: Tensor;
}

/**
 * Closed-form ridge regression: theta* = argmin ||X theta - y||^2 + lambda ||theta||^2
 * = (X^T X + lambda I)^-1 X^T y, for X [n, d] and y [n] (theta [d]) or [n, k] (theta [d, k], one
 * column per target, the objective summed over them). Divided by n, the same theta minimizes
 * mean((X theta - y)^2) + (lambda / n) ||theta||^2 for y [n]. Solved stably, without forming X^T X
 * or an inverse, as the least-squares problem [X; sqrt(lambda) I] theta = [y; 0] by QR; lambda = 0
 * is ordinary least squares, which needs X of full column rank (lstsq).
 *
 * With { fitIntercept: true } it returns { coef, intercept } minimizing
 * ||X coef + intercept - y||^2 + lambda ||coef||^2, the intercept unpenalized, as
 * sklearn.linear_model.Ridge(alpha=lambda). Differentiable in X and y.
 */
export function ridge(X: Tensor, y: Tensor, lambda: number, options?: RidgeOptions & { fitIntercept?: false }): Tensor;
export function ridge(X: Tensor, y: Tensor, lambda: number, options: RidgeOptions & { fitIntercept: true }): RidgeFit;
export function ridge(X: Tensor, y: Tensor, lambda: number, options?: RidgeOptions): Tensor | RidgeFit;
export function ridge(X: Tensor, y: Tensor, lambda: number, options: RidgeOptions = {}): Tensor | RidgeFit {
  const op = 'ridge';
  const { fitIntercept = false } = checkOptions(options, ['fitIntercept'], op);
  if (typeof fitIntercept !== 'boolean') throw new TypeError(`${op}: options.fitIntercept must be true or false, got ${describeValue(fitIntercept)}`);
  checkMatrix(op, X, 'X');
  if (X.ndim !== 2) throw new ShapeError(`${op}: X must be [n, d] (one row per sample), got shape ${formatShape(X.shape)}`);
  assertTensor(y, op, 'y');
  checkSameDType(op, X, y, ['X', 'y']);
  if ((y.ndim !== 1 && y.ndim !== 2) || y.shape[0] !== X.shape[0]) {
    throw new ShapeError(`${op}: y must be [n] or [n, k] with the n = ${X.shape[0]} rows of X ${formatShape(X.shape)}, got shape ${formatShape(y.shape)}`);
  }
  if (typeof lambda !== 'number' || !(lambda >= 0 && lambda < Infinity)) {
    throw new RangeError(`${op}: lambda must be a finite number >= 0, got ${describeValue(lambda)}`);
  }
  if (!fitIntercept) return penalizedLeastSquares(X, y, lambda);
  const xMean = X.mean(0, true);
  const yMean = y.mean(0, true);
  const coef = penalizedLeastSquares(X.sub(xMean), y.sub(yMean), lambda);
  return { coef, intercept: yMean.squeeze(0).sub(xMean.matmul(coef).squeeze(0)) };
}

/** argmin ||X theta - y||^2 + lambda ||theta||^2 = argmin ||[X; sqrt(lambda) I] theta - [y; 0]||^2. */
function penalizedLeastSquares(X: Tensor, y: Tensor, lambda: number): Tensor {
  const rhs = y.ndim === 1 ? y.unsqueeze(1) : y;
  let theta: Tensor;
  if (lambda === 0) {
    // The added rows would all be zero.
    theta = leastSquares('ridge', 'X', X, rhs);
  } else {
    const d = X.shape[1];
    const augmented = concat([X, identity(d, X).mul(Math.sqrt(lambda))]);
    theta = leastSquares('ridge', '[X; sqrt(lambda) I]', augmented, concat([rhs, Tensor.full([d, rhs.shape[1]], 0, rhs.dtype, rhs.backend)]));
  }
  return y.ndim === 1 ? theta.squeeze(1) : theta;
}
