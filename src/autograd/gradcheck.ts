import { getBackend } from '../backend/registry.js';
import { Generator } from '../tensor/random.js';
import { isFloat } from '../base/dtype.js';
import { checkOptions } from '../base/options.js';
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from './graph.js';

export interface GradcheckOptions {
  /** Finite-difference step. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw a GradcheckError describing the worst mismatch (default) instead of returning false. */
  raiseException?: boolean;
  seed?: number;
}

const GRADCHECK_OPTIONS = ['eps', 'atol', 'rtol', 'raiseException', 'seed'];

export class GradcheckError extends Error {
  override name = 'GradcheckError';
}

/**
 * Checks reverse-mode gradients of `fn` against central finite differences, in float64.
 * Float inputs are copied to float64 leaves; int32 inputs (labels, indices) are passed through.
 * A tensor-valued output is reduced to the scalar sum(output * v) with a fixed random v, so every
 * output element takes part with a different weight.
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): boolean {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, raiseException = true, seed = 0 } = checkOptions(options, GRADCHECK_OPTIONS, 'gradcheck');
  const backend = inputs[0]?.backend ?? getBackend();
  if (!backend.dtypes.includes('float64')) {
    throw new GradcheckError(`gradcheck: compares gradients in float64, which backend '${backend.name}' cannot store; run it on a backend with float64 (setBackend('js'))`);
  }
  const leaves = inputs.map((t) => (isFloat(t.dtype) ? t.detach().to('float64').clone().detach().requiresGrad_(true) : t));
  const probe = fn(...leaves);
  const generator = new Generator(seed);
  const weights = Tensor.fromValues(Float64Array.from({ length: probe.size }, () => 0.5 + generator.uniform()), probe.shape, 'float64', probe.backend);
  const objective = (out: Tensor) => (out.dtype === 'float64' ? out : out.to('float64')).mul(weights).sum();

  const scalar = objective(probe);
  if (!scalar.requiresGrad) throw new GradcheckError('gradcheck: the output does not depend on any float input');
  scalar.backward();

  let worst = { error: 0, message: '' };
  leaves.forEach((leaf, k) => {
    if (!leaf.requiresGrad) return;
    const analytic = leaf.grad?.toTypedArray() ?? new Float64Array(leaf.size);
    const values = leaf.toTypedArray();
    const perturb = (i: number, value: number) => leaf.backend.write(leaf.storage, [value], i);
    for (let i = 0; i < leaf.size; i++) {
      const original = values[i];
      perturb(i, original + eps);
      const plus = noGrad(() => objective(fn(...leaves)).item());
      perturb(i, original - eps);
      const minus = noGrad(() => objective(fn(...leaves)).item());
      perturb(i, original);
      const numeric = (plus - minus) / (2 * eps);
      const error = Math.abs(analytic[i] - numeric);
      const excess = error - (atol + rtol * Math.abs(numeric));
      if (excess > worst.error || Number.isNaN(analytic[i]) !== Number.isNaN(numeric)) {
        worst = {
          error: Number.isNaN(excess) ? Infinity : excess,
          message: `gradcheck: input ${k} element ${i}: analytic gradient ${analytic[i]} vs numeric ${numeric} (|diff| ${error})`,
        };
      }
    }
  });
  if (worst.error > 0) {
    if (raiseException) throw new GradcheckError(worst.message);
    return false;
  }
  return true;
}
