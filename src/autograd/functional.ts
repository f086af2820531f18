/**
 * Derivatives of functions rather than of tensors (PyTorch's torch.autograd.functional, JAX's grad):
 * grad, vjp, jvp and jacobian take any function built from nabla ops, models included, and call
 * it on fresh leaves, detached copies of the inputs that require grad. Gradients are taken with
 * respect to those leaves only (gradients(), not backward()), so neither the caller's tensors nor
 * any parameter's .grad change. An input that the output does not depend on gets zeros (PyTorch's
 * strict=False). With createGraph the results are differentiable, in the inputs too, so that the
 * functions nest: jacobian(grad(f, { createGraph: true }), x) is the Hessian of f.
 */
import { isFloat } from '../base/dtype.js';
import { checkOptions, describeValue } from '../base/options.js';
import { formatShape, shapesEqual, ShapeError } from '../base/shape.js';
import { stack } from '../ops/shape.js';
import { assertTensor, Tensor } from '../tensor/tensor.js';
import { enableGrad, gradients, record } from './graph.js';

export interface FunctionalOptions {
  /** Record the backward pass, so that the results can be differentiated again (default false). */
  createGraph?: boolean;
}

export interface GradOptions extends FunctionalOptions {
  /**
   * Which arguments of f to differentiate (JAX's argnums): an index (default 0) gives one gradient,
   * an array of indices one gradient per index, in that order. The other arguments are passed as they are.
   */
  argnums?: number | readonly number[];
}

const FUNCTIONAL_OPTIONS = ['createGraph'];
const GRAD_OPTIONS = ['argnums', 'createGraph'];

/**
 * The gradient of a scalar function: grad(f)(x) is df/dx, of x's shape. With `argnums` an array,
 * grad(f, { argnums: [0, 1] })(x, y) is [df/dx, df/dy].
 */
export function grad<A extends Tensor[]>(f: (...args: A) => Tensor, options?: GradOptions & { argnums?: number }): (...args: A) => Tensor;
export function grad<A extends Tensor[]>(f: (...args: A) => Tensor, options: GradOptions & { argnums: readonly number[] }): (...args: A) => Tensor[];
export function grad(f: (...args: Tensor[]) => Tensor, options: GradOptions = {}): (...args: Tensor[]) => Tensor | Tensor[] {
  const { argnums = 0, createGraph = false } = checkOptions(options, GRAD_OPTIONS, 'grad');
  const positions = typeof argnums === 'number' ? [argnums] : [...argnums];
  return (...args) => {
    positions.forEach((p, i) => {
      if (!Number.isInteger(p) || p < 0 || p >= args.length || positions.indexOf(p) !== i) {
        throw new RangeError(`grad: argnums must be distinct indices of f's ${args.length} argument(s), got ${describeValue(argnums)}`);
      }
    });
    const leaves = positions.map((p) => leafOf(args[p], 'grad', `argument ${p}`, createGraph));
    const call = [...args];
    positions.forEach((p, i) => (call[p] = leaves[i]));
    const output = evaluate('grad', f, call);
    if (output.size !== 1) {
      throw new ShapeError(`grad: f must return a scalar (one element), got shape ${formatShape(output.shape)}; use nb.jacobian or nb.vjp for a tensor-valued function`);
    }
    const grads = gradientsOf(output, leaves, undefined, createGraph);
    return typeof argnums === 'number' ? grads[0] : grads;
  };
}

/**
 * The vector-Jacobian product v^T J of f at `inputs` (torch.autograd.functional.vjp): the output
 * f(inputs) and, for each input, sum_i v_i d out_i / d input, of the input's shape. v has the
 * output's shape; it may be left out when the output has one element. An array of inputs is passed
 * to f as separate arguments and gives an array of products.
 */
export function vjp(f: (x: Tensor) => Tensor, inputs: Tensor, v?: Tensor, options?: FunctionalOptions): { output: Tensor; vjp: Tensor };
export function vjp(f: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], v?: Tensor, options?: FunctionalOptions): { output: Tensor; vjp: Tensor[] };
export function vjp(f: (...inputs: Tensor[]) => Tensor, inputs: Tensor | readonly Tensor[], v?: Tensor, options: FunctionalOptions = {}): { output: Tensor; vjp: Tensor | Tensor[] } {
  const { createGraph = false } = checkOptions(options, FUNCTIONAL_OPTIONS, 'vjp');
  const leaves = leavesOf('vjp', inputs, createGraph);
  const output = evaluate('vjp', f, leaves);
  let cotangent: Tensor;
  if (v === undefined) {
    if (output.size !== 1) throw new ShapeError(`vjp: v can be left out only for a one-element output, but f returned shape ${formatShape(output.shape)}`);
    cotangent = Tensor.full(output.shape, 1, output.dtype, output.backend);
  } else {
    assertTensor(v, 'vjp', 'v');
    if (!shapesEqual(v.shape, output.shape)) {
      throw new ShapeError(`vjp: v has shape ${formatShape(v.shape)} but the output of f has shape ${formatShape(output.shape)}; v must have the output's shape`);
    }
    cotangent = v.dtype === output.dtype ? v : v.to(output.dtype);
  }
  const grads = gradientsOf(output, leaves, cotangent, createGraph);
  return { output: createGraph ? output : output.detach(), vjp: inputs instanceof Tensor ? grads[0] : grads };
}

/**
 * The Jacobian-vector product J v of f at `inputs` (torch.autograd.functional.jvp): the output and
 * sum_k J_k v_k, of the output's shape, with v (one tensor per input, each of its input's shape)
 * the direction. Computed in reverse mode by the double-vjp trick: g(u) = J^T u is linear in u, so
 * the gradient of <g(u), v> with respect to u is J v. It needs every backward rule on the way to be
 * differentiable in its incoming gradient, as for createGraph; the engine throws, naming the op, where one is not.
 */
export function jvp(f: (x: Tensor) => Tensor, inputs: Tensor, v: Tensor, options?: FunctionalOptions): { output: Tensor; jvp: Tensor };
export function jvp(f: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], v: readonly Tensor[], options?: FunctionalOptions): { output: Tensor; jvp: Tensor };
export function jvp(f: (...inputs: Tensor[]) => Tensor, inputs: Tensor | readonly Tensor[], v: Tensor | readonly Tensor[], options: FunctionalOptions = {}): { output: Tensor; jvp: Tensor } {
  const { createGraph = false } = checkOptions(options, FUNCTIONAL_OPTIONS, 'jvp');
  const leaves = leavesOf('jvp', inputs, createGraph);
  const tangents = inputs instanceof Tensor ? [v as Tensor] : (v as readonly Tensor[]);
  if (!Array.isArray(tangents) || tangents.length !== leaves.length) {
    throw new TypeError(`jvp: v must be ${inputs instanceof Tensor ? 'a tensor' : `an array of ${leaves.length} tensors`}, one per input, got ${describeValue(v)}`);
  }
  tangents.forEach((t, k) => {
    assertTensor(t, 'jvp', inputs instanceof Tensor ? 'v' : `v[${k}]`);
    if (!shapesEqual(t.shape, leaves[k].shape)) {
      throw new ShapeError(`jvp: v${inputs instanceof Tensor ? '' : `[${k}]`} has shape ${formatShape(t.shape)} but input ${k} has shape ${formatShape(leaves[k].shape)}; v must have the input's shape`);
    }
  });
  const output = evaluate('jvp', f, leaves);
  const product = enableGrad(() => {
    if (!output.requiresGrad) return null;
    const u = Tensor.empty(output.shape, output.dtype, output.backend).requiresGrad_(true);
    const grads = gradients(output, leaves, u, { createGraph: true });
    let inner: Tensor | null = null;
    for (let k = 0; k < grads.length; k++) {
      const g = grads[k];
      if (g === null) continue;
      const term = g.mul(tangents[k]).sum();
      inner = inner === null ? term : inner.add(term);
    }
    return inner !== null && inner.requiresGrad ? gradients(inner, [u], undefined, { createGraph })[0] : null;
  });
  return {
    output: createGraph ? output : output.detach(),
    jvp: product ?? Tensor.empty(output.shape, output.dtype, output.backend),
  };
}

/**
 * The Jacobian of f at `inputs` (torch.autograd.functional.jacobian), one reverse pass per output
 * element: for a tensor input, d out[i...] / d x[j...] as a tensor of shape [...out.shape, ...x.shape];
 * for an array of inputs, one such block per input.
 */
export function jacobian(f: (x: Tensor) => Tensor, inputs: Tensor, options?: FunctionalOptions): Tensor;
export function jacobian(f: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options?: FunctionalOptions): Tensor[];
export function jacobian(f: (...inputs: Tensor[]) => Tensor, inputs: Tensor | readonly Tensor[], options: FunctionalOptions = {}): Tensor | Tensor[] {
  const { createGraph = false } = checkOptions(options, FUNCTIONAL_OPTIONS, 'jacobian');
  const leaves = leavesOf('jacobian', inputs, createGraph);
  const output = evaluate('jacobian', f, leaves);
  const n = output.size;
  const rows: Tensor[][] = leaves.map(() => []);
  if (output.requiresGrad) {
    for (let i = 0; i < n; i++) {
      const basis = Tensor.empty(output.shape, output.dtype, output.backend);
      basis.backend.write(basis.storage, [1], i);
      gradientsOf(output, leaves, basis, createGraph, createGraph || i < n - 1).forEach((g, k) => rows[k].push(g));
    }
  }
  const blocks = leaves.map((leaf, k) => {
    const shape = [...output.shape, ...leaf.shape];
    if (rows[k].length === 0) return Tensor.empty(shape, leaf.dtype, leaf.backend);
    return enableGrad(() => stack(rows[k]).reshape(shape));
  });
  return inputs instanceof Tensor ? blocks[0] : blocks;
}

/** f on the leaves, recorded whatever the caller's grad mode. */
function evaluate(owner: string, f: (...inputs: Tensor[]) => Tensor, leaves: readonly Tensor[]): Tensor {
  if (typeof f !== 'function') throw new TypeError(`${owner}: f must be a function, got ${describeValue(f)}`);
  const output = enableGrad(() => f(...leaves));
  assertTensor(output, owner, 'the value f returned');
  return output;
}

function leavesOf(owner: string, inputs: Tensor | readonly Tensor[], createGraph: boolean): Tensor[] {
  if (inputs instanceof Tensor) return [leafOf(inputs, owner, 'the input', createGraph)];
  if (!Array.isArray(inputs)) throw new TypeError(`${owner}: inputs must be a Tensor or an array of tensors, got ${describeValue(inputs)}`);
  return inputs.map((x, k) => leafOf(x, owner, `input ${k}`, createGraph));
}

/**
 * The tensor f is called with in place of x: a detached copy that requires grad, so that f's graph
 * starts there. Under createGraph an x that requires grad (a leaf of an enclosing grad or jacobian)
 * is aliased instead, by a recorded identity, so that the results stay differentiable in x.
 */
function leafOf(x: Tensor, owner: string, what: string, createGraph: boolean): Tensor {
  assertTensor(x, owner, what);
  if (!isFloat(x.dtype)) throw new TypeError(`${owner}: ${what} must be a float tensor to be differentiated, got ${x.dtype}`);
  if (createGraph && x.requiresGrad) return enableGrad(() => record(x.detach(), 'alias', [x], (g) => [g]));
  return x.detach().requiresGrad_(true);
}

/** d output / d leaf for each leaf, zeros where the output does not depend on it. */
function gradientsOf(output: Tensor, leaves: readonly Tensor[], gradient: Tensor | undefined, createGraph: boolean, retainGraph = createGraph): Tensor[] {
  const found = output.requiresGrad ? gradients(output, leaves, gradient, { createGraph, retainGraph }) : leaves.map(() => null);
  return found.map((g, k) => g ?? Tensor.empty(leaves[k].shape, leaves[k].dtype, leaves[k].backend));
}
