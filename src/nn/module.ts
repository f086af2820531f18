import { noGrad } from '../autograd/graph.js';
import { formatShape, shapesEqual, stridesOf } from '../base/shape.js';
import { copyKernel } from '../ops/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { run } from '../tensor/dispatch.js';
import { Parameter } from './parameter.js';

/**
 * Base class of layers and models, as in PyTorch: parameters and child modules are discovered from
 * the instance's fields (arrays of modules included), in declaration order, and named with dots
 * (`0.weight`, `encoder.layers.1.bias`) so state dicts exchange with PyTorch by name.
 */
export abstract class Module {
  training = true;

  /** The computation; modules may take several tensors (an input and a mask, an input and a state). */
  abstract forward(...inputs: Tensor[]): Tensor;

  /** One-line hyperparameters shown by toString(), like PyTorch's extra_repr. */
  extraRepr(): string {
    return '';
  }

  *namedChildren(): Generator<[string, Module]> {
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Module) yield [key, value];
      else if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (value[i] instanceof Module) yield [`${key}.${i}`, value[i]];
      }
    }
  }

  /**
   * Parameters with their dotted names. A parameter shared by several fields (tied weights) comes
   * once, under the first name it is reached by, unless `removeDuplicate` is false (as in PyTorch).
   */
  *namedParameters(prefix = '', removeDuplicate = true): Generator<[string, Parameter]> {
    const seen = new Set<Parameter>();
    for (const [name, p] of this.allNamedParameters(prefix)) {
      if (removeDuplicate && seen.has(p)) continue;
      seen.add(p);
      yield [name, p];
    }
  }

  private *allNamedParameters(prefix: string): Generator<[string, Parameter]> {
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Parameter) yield [prefix + key, value];
    }
    for (const [name, child] of this.namedChildren()) yield* child.allNamedParameters(`${prefix}${name}.`);
  }

  parameters(): Parameter[] {
    return [...this.namedParameters()].map(([, p]) => p);
  }

  /** Total number of scalar parameters. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  *modules(): Generator<Module> {
    yield this;
    for (const [, child] of this.namedChildren()) yield* child.modules();
  }

  /** Training mode (dropout active) or evaluation mode, for this module and all children. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Parameters by dotted name (shared storage, detached from the graph); tied weights under each of their names, as in PyTorch. */
  /**
   * This layer and `next` computed as one (Linear then an elementwise activation is one kernel), or
   * null, the default. Sequential asks each layer about the one after it.
   */
  fuseWith(_next: Module): ((input: Tensor) => Tensor) | null {
    return null;
  }

  stateDict(): Record<string, Tensor> {
    return Object.fromEntries([...this.namedParameters('', false)].map(([name, p]) => [name, p.detach()]));
  }

  /**
   * Copies values into the parameters; every name and shape must match (strict, as in PyTorch).
   * Everything is checked before anything is copied, so a failed load leaves the model unchanged.
   */
  loadStateDict(state: Record<string, Tensor>): void {
    const own = new Map(this.namedParameters('', false));
    const missing = [...own.keys()].filter((k) => !(k in state));
    const unexpected = Object.keys(state).filter((k) => !own.has(k));
    if (missing.length > 0 || unexpected.length > 0) {
      const parts = [];
      if (missing.length > 0) parts.push(`missing keys: ${missing.join(', ')}`);
      if (unexpected.length > 0) parts.push(`unexpected keys: ${unexpected.join(', ')}`);
      throw new Error(`loadStateDict: ${parts.join('; ')}`);
    }
    for (const [name, p] of own) {
      const value = state[name];
      if (!shapesEqual(value.shape, p.shape)) {
        throw new Error(`loadStateDict: ${name} has shape ${formatShape(value.shape)} in the state dict but ${formatShape(p.shape)} in the model`);
      }
    }
    noGrad(() => {
      for (const [name, p] of own) copyInto(p, state[name]);
    });
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** PyTorch's layout: one line per child, nested; an array field prints as a ModuleList. */
  toString(): string {
    const entries: { label: string; text: string }[] = [];
    const lists = new Map<string, string[]>();
    for (const [name, child] of this.namedChildren()) {
      const [field, index] = name.split('.');
      if (index === undefined) {
        entries.push({ label: field, text: child.toString() });
        continue;
      }
      if (!lists.has(field)) {
        lists.set(field, []);
        entries.push({ label: field, text: '' });
      }
      lists.get(field)!.push(`(${index}): ${child.toString()}`);
    }
    const lines = entries.map(({ label, text }) => `(${label}): ${lists.has(label) ? block('ModuleList', '', lists.get(label)!) : text}`);
    return block(this.constructor.name, this.extraRepr(), lines);
  }
}

function block(name: string, extra: string, lines: readonly string[]): string {
  if (lines.length === 0) return `${name}(${extra})`;
  return `${name}(${extra}\n${lines.map((l) => '  ' + l.replace(/\n/g, '\n  ')).join('\n')}\n)`;
}

/** Overwrites dst's elements with src's (same size), converting the dtype and crossing backends as needed. */
function copyInto(dst: Tensor, src: Tensor): void {
  if (src.backend !== dst.backend) {
    dst.backend.write(dst.storage, src.dataSync());
    return;
  }
  const value = src.dtype === dst.dtype ? src : src.to(dst.dtype);
  const strides = stridesOf(dst.shape);
  run(copyKernel(dst.shape, 0, strides, 0, strides), [value], [dst]);
}
