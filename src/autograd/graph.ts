import type { CopyKernel } from '../backend/kernels.js';
import { ReleasingScope, releaseStorage, type Storage } from '../backend/storage.js';
import { formatShape, shapesEqual } from '../base/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { run } from '../tensor/dispatch.js';

/**
 * The gradient of an input that only a part of it received (a slice's): zero except where `place`
 * (a copy kernel whose destination is the input's layout) puts `value`. The engine adds it into
 * the input's gradient in place, so that T slices of one tensor cost T slices, not T tensors.
 */
export class PartialGradient {
  constructor(readonly value: Tensor, readonly place: CopyKernel) {}
}

/** How an op's output was made: its inputs and the rule that maps the output's gradient to theirs. */
export interface GradFn {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  /** Gradients for each input, in order; null where an input does not require one. */
  backward(gradOutput: Tensor): readonly (Tensor | PartialGradient | null)[];
  /** The storages of the inputs and of the output with their versions when the op was recorded (see record); absent for a node that reads none. */
  readonly saved?: SavedVersions;
}

export interface SavedVersions {
  readonly storages: readonly Storage[];
  readonly versions: readonly number[];
}

export interface BackwardOptions {
  /** Keep the graph's saved tensors, so that backward() can run through it again (default: createGraph). */
  retainGraph?: boolean;
  /**
   * Record the backward rules as operations, so that the gradients are themselves differentiable
   * (PyTorch's create_graph): second derivatives, Hessians, Jacobian-vector products (default false).
   */
  createGraph?: boolean;
}

/** What a node's gradFn becomes after backward() released its saved tensors. */
function released(name: string): GradFn {
  return {
    name,
    inputs: [],
    backward() {
      throw new Error(
        `backward: trying to backward through the graph a second time (at ${name}): its saved tensors were freed by the first backward(); ` +
          'call the first backward with { retainGraph: true } to keep them',
      );
    },
  };
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Runs `fn` without recording operations for autodiff (evaluation, optimizer updates). Synchronous
 * code only: the recording switch cannot follow an async function across its awaits.
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn, 'noGrad');
}

/** Runs `fn` with recording on, even inside noGrad (PyTorch's enable_grad). Synchronous code only. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn, 'enableGrad');
}

function withGradMode<T>(enabled: boolean, fn: () => T, owner: string): T {
  const previous = gradEnabled;
  gradEnabled = enabled;
  let result: T;
  try {
    result = fn();
  } finally {
    gradEnabled = previous;
  }
  if (typeof (result as { then?: unknown } | null)?.then === 'function') {
    throw new TypeError(`${owner}: the function returned a Promise; ${owner} covers synchronous code only (call it inside the async function, around the tensor work)`);
  }
  return result;
}

/**
 * Attaches the backward rule to an op's output when any input requires a gradient. The versions of
 * the inputs' and the output's storages are noted too, and checked before the rule runs (PyTorch's
 * version counter): a rule computes with the values those tensors have then, so an in-place op
 * that changed one since would make its gradient silently wrong. PyTorch checks only the tensors a
 * rule saved; nabla's rules do not declare theirs, so every input and the output count as saved.
 * That refuses slightly more than PyTorch (changing a matmul's output in place, which its rule does
 * not read), never less.
 */
export function record(output: Tensor, name: string, inputs: readonly Tensor[], backward: GradFn['backward']): Tensor {
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    output.requiresGrad = true;
    output.gradFn = { name, inputs, backward, saved: versionsOf(inputs, output) };
  }
  return output;
}

function versionsOf(inputs: readonly Tensor[], output: Tensor): SavedVersions {
  const storages = new Array<Storage>(inputs.length + 1);
  const versions = new Array<number>(inputs.length + 1);
  for (let k = 0; k < inputs.length; k++) {
    storages[k] = inputs[k].storage;
    versions[k] = storages[k].version;
  }
  storages[inputs.length] = output.storage;
  versions[inputs.length] = output.storage.version;
  return { storages, versions };
}

/** Throws when an in-place op changed a tensor that `node`'s rule computes with (see record). */
function checkVersions(owner: string, node: Tensor, gradFn: GradFn): void {
  const saved = gradFn.saved;
  if (saved === undefined) return;
  for (let k = 0; k < saved.storages.length; k++) {
    const version = saved.storages[k].version;
    if (version === saved.versions[k]) continue;
    const isInput = k < gradFn.inputs.length;
    const shape = isInput ? gradFn.inputs[k].shape : node.shape;
    throw new Error(
      `${owner}: one of the variables needed for gradient computation has been modified by an inplace operation: ` +
        `${gradFn.name}'s saved tensor of shape ${formatShape(shape)} (its ${isInput ? `input ${k}` : 'output'}) is at version ${version}; expected version ${saved.versions[k]}. ` +
        'Compute it out of place (x.add(y) rather than x.add_(y)), or change it after backward',
    );
  }
}

/**
 * Reverse-mode differentiation from `root`: visits the graph in reverse topological order, so each
 * node's gradient is complete before it is pushed to its inputs. Leaves accumulate into `.grad`.
 */
export function backward(root: Tensor, gradient?: Tensor, options: BackwardOptions = {}): void {
  propagate('backward', root, gradient, options, null);
}

/**
 * The gradients of `root` with respect to `inputs` (leaves or not), returned instead of accumulated
 * into `.grad`, as PyTorch's torch.autograd.grad: no tensor's .grad changes, and backward runs only
 * through the part of the graph that leads to the inputs. null for an input that root does not depend on.
 */
export function gradients(root: Tensor, inputs: readonly Tensor[], gradient?: Tensor, options: BackwardOptions = {}): (Tensor | null)[] {
  inputs.forEach((input, k) => {
    if (!(input instanceof Tensor) || !input.requiresGrad) throw new Error(`gradients: input ${k} must be a tensor that requires grad, to take a gradient with respect to it`);
  });
  const found = propagate('gradients', root, gradient, options, new Set(inputs));
  return inputs.map((input) => found.get(input) ?? null);
}

/** The engine behind backward (targets null: leaves accumulate into .grad) and gradients (the targets' gradients are returned). */
function propagate(owner: string, root: Tensor, gradient: Tensor | undefined, options: BackwardOptions, targets: ReadonlySet<Tensor> | null): Map<Tensor, Tensor> {
  const { createGraph = false, retainGraph = createGraph } = options;
  if (!root.requiresGrad) {
    throw new Error(`${owner}: this tensor does not require grad (no input had requiresGrad: true, or it was computed under noGrad)`);
  }
  const implicitGradient = gradient === undefined;
  if (gradient === undefined) {
    if (root.size !== 1) {
      throw new Error(`${owner}: gradient can be implicitly created only for a scalar output, but the output has shape ${formatShape(root.shape)}; pass the upstream gradient`);
    }
    gradient = Tensor.full(root.shape, 1, root.dtype, root.backend);
  } else if (!shapesEqual(gradient.shape, root.shape)) {
    throw new Error(`${owner}: gradient shape ${formatShape(gradient.shape)} does not match output shape ${formatShape(root.shape)}`);
  }
  const order = topologicalOrder(root);
  const reach = targets === null ? null : reaching(order, targets);
  const seed = gradient;
  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  const found = new Map<Tensor, Tensor>();
  // Gradients the engine itself allocated: nothing else refers to them, so they may be added to in
  // place. Not under createGraph, where every gradient may be part of the recorded graph.
  const owned = new Set<Tensor>();
  const visit = () => {
    for (let i = order.length - 1; i >= 0; i--) {
      const node = order[i];
      const g = grads.get(node);
      if (g === undefined) continue;
      grads.delete(node);
      if (targets?.has(node)) found.set(node, g);
      const gradFn = node.gradFn;
      if (gradFn === null) {
        if (targets === null) {
          node.grad = accumulateLeaf(node.grad, g, createGraph);
          leafGrads.push(node.grad);
        }
        continue;
      }
      if (reach !== null && !gradFn.inputs.some((input) => reach.has(input))) continue;
      checkVersions(owner, node, gradFn);
      const inputGrads = gradFn.backward(g);
      // Dropping the closure frees everything the op saved: a loss kept in a list no longer holds its graph.
      if (!retainGraph) node.gradFn = released(gradFn.name);
      gradFn.inputs.forEach((input, k) => {
        let raw = inputGrads[k];
        if (raw === null || raw === undefined || !input.requiresGrad || (reach !== null && !reach.has(input))) return;
        const previous = grads.get(input);
        if (raw instanceof PartialGradient) {
          if (createGraph) raw = placed(raw, input.shape);
          else {
            let target = previous;
            if (target === undefined || !owned.has(target)) {
              target = previous === undefined ? Tensor.empty(input.shape, input.dtype, raw.value.backend) : previous.clone();
              owned.add(target);
              grads.set(input, target);
            }
            const value = raw.value.dtype === input.dtype ? raw.value : raw.value.to(input.dtype);
            run({ ...raw.place, accumulate: true }, [value], [target]);
            return;
          }
        }
        if (createGraph && g.requiresGrad && !raw.requiresGrad) {
          // A gradient is linear in g: one that does not depend on it was computed by raw kernels.
          throw new Error(`${owner}: createGraph: the backward of '${gradFn.name}' is not differentiable (it computes the gradient of its input ${k} without recording), so higher derivatives through it are not available`);
        }
        // Mixed-precision ops (float32 * float64) give a gradient in the wider type; keep the input's.
        const ig = raw.dtype === input.dtype ? raw : raw.to(input.dtype);
        if (!shapesEqual(ig.shape, input.shape)) {
          throw new Error(`${owner}: ${gradFn.name} produced a gradient of shape ${formatShape(ig.shape)} for an input of shape ${formatShape(input.shape)}`);
        }
        if (previous === undefined) grads.set(input, ig);
        else if (owned.has(previous)) accumulate(previous, ig);
        else {
          const sum = previous.add(ig);
          if (!createGraph) owned.add(sum);
          grads.set(input, sum);
        }
      });
    }
  };
  // What a plain backward allocates is the engine's own (the gradients of inner nodes, the rules'
  // temporaries, the implicit 1 it starts from) but for the leaves' new .grad tensors: freed when
  // it ends, so that their memory serves the next step instead of waiting for the garbage
  // collector. Not under createGraph or retainGraph, whose gradients and rules may be used again.
  const leafGrads: Tensor[] = [];
  const ownsItsAllocations = targets === null && !createGraph && !retainGraph;
  withGradMode(createGraph, () => {
    if (!ownsItsAllocations) return visit();
    new ReleasingScope(() => leafGrads.map((t) => t.storage)).run(visit);
    if (implicitGradient) releaseStorage(seed.storage);
  }, owner);
  return found;
}

/** A leaf's new .grad: added in place, unless the old one may be part of a recorded graph. */
function accumulateLeaf(existing: Tensor | null, g: Tensor, createGraph: boolean): Tensor {
  if (existing === null) return g.clone();
  return createGraph || existing.requiresGrad ? existing.add(g) : accumulate(existing, g);
}

/** The nodes from which one of `targets` can be reached (themselves included): the only ones worth visiting. */
function reaching(order: readonly Tensor[], targets: ReadonlySet<Tensor>): Set<Tensor> {
  const reach = new Set<Tensor>();
  // order lists every node after its inputs.
  for (const node of order) {
    if (targets.has(node) || node.gradFn?.inputs.some((input) => reach.has(input))) reach.add(node);
  }
  return reach;
}

/**
 * A PartialGradient as a whole tensor of `shape`, for createGraph: zero but for the placed value,
 * recorded so that its gradient (the same part taken back out) flows on to the value.
 */
function placed({ value, place }: PartialGradient, shape: readonly number[]): Tensor {
  const out = Tensor.empty(shape, value.dtype, value.backend);
  run({ ...place, accumulate: true }, [value], [out]);
  return record(out, 'placeGradient', [value], (g) => [taken(g, place, value.shape)]);
}

/** The adjoint of placed: the part of g that `place` wrote to, as a tensor of the value's shape. */
function taken(g: Tensor, place: CopyKernel, shape: readonly number[]): Tensor {
  const out = Tensor.empty(shape, g.dtype, g.backend);
  const back: CopyKernel = { ...place, srcOffset: place.dstOffset, srcStrides: place.dstStrides, dstOffset: place.srcOffset, dstStrides: place.srcStrides, accumulate: false };
  run(back, [g], [out]);
  return record(out, 'takeGradient', [g], (gOut) => [new PartialGradient(gOut, place)]);
}

function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length > 0) {
    const [node, expanded] = stack.pop()!;
    if (expanded) {
      order.push(node);
      continue;
    }
    if (visited.has(node)) continue;
    visited.add(node);
    stack.push([node, true]);
    for (const input of node.gradFn?.inputs ?? []) {
      if (input.requiresGrad && !visited.has(input)) stack.push([input, false]);
    }
  }
  return order;
}

/** In-place `existing += g`, keeping the .grad tensor's identity and dtype. */
function accumulate(existing: Tensor, g: Tensor): Tensor {
  run({ op: 'binary', fn: 'add', aShape: existing.shape, bShape: g.shape, outShape: existing.shape }, [existing, g], [existing]);
  return existing;
}
