import type { CopyKernel } from '../backend/kernels.js';
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
}

export interface BackwardOptions {
  /** Keep the graph's saved tensors, so that backward() can run through it again (default false). */
  retainGraph?: boolean;
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
  const previous = gradEnabled;
  gradEnabled = false;
  let result: T;
  try {
    result = fn();
  } finally {
    gradEnabled = previous;
  }
  if (typeof (result as { then?: unknown } | null)?.then === 'function') {
    throw new TypeError('noGrad: the function returned a Promise; noGrad covers synchronous code only (call it inside the async function, around the tensor work)');
  }
  return result;
}

/** Attaches the backward rule to an op's output when any input requires a gradient. */
export function record(output: Tensor, name: string, inputs: readonly Tensor[], backward: GradFn['backward']): Tensor {
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    output.requiresGrad = true;
    output.gradFn = { name, inputs, backward };
  }
  return output;
}

/**
 * Reverse-mode differentiation from `root`: visits the graph in reverse topological order, so each
 * node's gradient is complete before it is pushed to its inputs. Leaves accumulate into `.grad`.
 */
export function backward(root: Tensor, gradient?: Tensor, options: BackwardOptions = {}): void {
  const { retainGraph = false } = options;
  if (!root.requiresGrad) {
    throw new Error('backward: this tensor does not require grad (no input had requiresGrad: true, or it was computed under noGrad)');
  }
  if (gradient === undefined) {
    if (root.size !== 1) {
      throw new Error(`backward: gradient can be implicitly created only for a scalar output, but the output has shape ${formatShape(root.shape)}; pass the upstream gradient`);
    }
    gradient = Tensor.full(root.shape, 1, root.dtype, root.backend);
  } else if (!shapesEqual(gradient.shape, root.shape)) {
    throw new Error(`backward: gradient shape ${formatShape(gradient.shape)} does not match output shape ${formatShape(root.shape)}`);
  }
  const order = topologicalOrder(root);
  const grads = new Map<Tensor, Tensor>([[root, gradient]]);
  // Gradients the engine itself allocated: nothing else refers to them, so they may be added to in place.
  const owned = new Set<Tensor>();
  noGrad(() => {
    for (let i = order.length - 1; i >= 0; i--) {
      const node = order[i];
      const g = grads.get(node);
      if (g === undefined) continue;
      grads.delete(node);
      if (node.gradFn === null) {
        node.grad = node.grad === null ? g.clone() : accumulate(node.grad, g);
        continue;
      }
      const gradFn = node.gradFn;
      const inputGrads = gradFn.backward(g);
      // Dropping the closure frees everything the op saved: a loss kept in a list no longer holds its graph.
      if (!retainGraph) node.gradFn = released(gradFn.name);
      gradFn.inputs.forEach((input, k) => {
        const raw = inputGrads[k];
        if (raw === null || raw === undefined || !input.requiresGrad) return;
        const previous = grads.get(input);
        if (raw instanceof PartialGradient) {
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
        // Mixed-precision ops (float32 * float64) give a gradient in the wider type; keep the input's.
        const ig = raw.dtype === input.dtype ? raw : raw.to(input.dtype);
        if (!shapesEqual(ig.shape, input.shape)) {
          throw new Error(`backward: ${gradFn.name} produced a gradient of shape ${formatShape(ig.shape)} for an input of shape ${formatShape(input.shape)}`);
        }
        if (previous === undefined) grads.set(input, ig);
        else if (owned.has(previous)) accumulate(previous, ig);
        else {
          const sum = previous.add(ig);
          owned.add(sum);
          grads.set(input, sum);
        }
      });
    }
  });
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
