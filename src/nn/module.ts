import { noGrad } from '../autograd/graph.js';
import { checkOptions, describeValue } from '../base/options.js';
import { formatShape, shapesEqual, stridesOf } from '../base/shape.js';
import { copyKernel } from '../ops/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { run } from '../tensor/dispatch.js';
import { Parameter } from './parameter.js';

const BUFFER_OPTIONS = ['persistent'];

/** Any module, whatever its forward takes and returns (for what only needs its parameters and buffers). */
export type AnyModule = Module<never[], unknown>;

/**
 * Runs before the forward of module M (PyTorch's forward pre-hook); inputs it returns replace the
 * forward's arguments. (Typed as an array rather than the forward's tuple of arguments, which
 * TypeScript would not infer for a returned array literal.)
 */
export type ForwardPreHook<M extends AnyModule> = (module: M, inputs: Parameters<M['forward']>) => Parameters<M['forward']>[number][] | void;

/** Runs after the forward of module M (PyTorch's forward hook); an output it returns replaces the forward's result. */
export type ForwardHook<M extends AnyModule> = (module: M, inputs: Parameters<M['forward']>, output: ReturnType<M['forward']>) => ReturnType<M['forward']> | void;

/**
 * A hook as a module keeps it, untyped: were the hooks typed by Module's type arguments (in argument
 * and in result position), a Module<Tensor[], Tensor> would no longer be an AnyModule. Their types
 * come from the module they are registered on (`this: M`) instead.
 */
type StoredHook = (...args: never[]) => unknown;

/** What registering a hook returns: `remove()` unregisters it (a second call does nothing). */
export interface RemovableHandle {
  remove(): void;
}

/**
 * Base class of layers and models, as in PyTorch: parameters and child modules are discovered from
 * the instance's fields (arrays of modules included), in declaration order, and named with dots
 * (`0.weight`, `encoder.layers.1.bias`) so state dicts exchange with PyTorch by name. Buffers
 * (state that is not learned, such as running statistics) are declared with registerBuffer.
 */
export abstract class Module<Inputs extends unknown[] = Tensor[], Output = Tensor> {
  training = true;
  /** Registered buffers in registration order: state-dict name -> the field holding the tensor. */
  readonly #buffers = new Map<string, { field: string; persistent: boolean }>();
  /** Hooks by registration, each under a key of its own, so one function may be registered twice (as in PyTorch). */
  readonly #forwardPreHooks = new Map<object, StoredHook>();
  readonly #forwardHooks = new Map<object, StoredHook>();
  /** While hooks are registered: the own `forward` property (if any) that the hooked forward replaced. */
  #ownForward: PropertyDescriptor | undefined;

  /**
   * The computation; modules may take several tensors (an input and a mask, an input and a state).
   * A module whose forward takes or returns something else (a recurrent layer returns its output and
   * its final state) says so in the type arguments, and is then no `Module` that maps tensors to a
   * tensor (Sequential, fit).
   */
  abstract forward(...inputs: Inputs): Output;

  /**
   * Calls `hook(module, inputs)` before every forward of this module, however it is called (directly
   * or by a container); inputs it returns are passed to forward instead, as PyTorch's
   * register_forward_pre_hook. Hooks run in registration order.
   */
  registerForwardPreHook<M extends AnyModule>(this: M, hook: ForwardPreHook<M>): RemovableHandle {
    return this.#addHook(this.#forwardPreHooks, hook, 'registerForwardPreHook');
  }

  /**
   * Calls `hook(module, inputs, output)` after every forward of this module; an output it returns
   * replaces the forward's, as PyTorch's register_forward_hook. Hooks run in registration order.
   */
  registerForwardHook<M extends AnyModule>(this: M, hook: ForwardHook<M>): RemovableHandle {
    return this.#addHook(this.#forwardHooks, hook, 'registerForwardHook');
  }

  #addHook(hooks: Map<object, StoredHook>, hook: StoredHook, op: string): RemovableHandle {
    if (typeof hook !== 'function') throw new TypeError(`${op}: the hook must be a function, got ${describeValue(hook)}`);
    if (!this.#hooked()) this.#hookForward();
    const key = {};
    hooks.set(key, hook);
    return {
      remove: () => {
        if (hooks.delete(key) && !this.#hooked()) this.#unhookForward();
      },
    };
  }

  #hooked(): boolean {
    return this.#forwardPreHooks.size + this.#forwardHooks.size > 0;
  }

  /**
   * Users and containers call `forward` itself (there is no __call__), so hooks run from an own,
   * non-enumerable `forward` that wraps the class's: it stays out of the fields that name children,
   * parameters and state, and while it is there Sequential runs the module unfused.
   */
  #hookForward(): void {
    this.#ownForward = Object.getOwnPropertyDescriptor(this, 'forward');
    const forward = this.forward;
    const hooked = (...inputs: Inputs): Output => {
      let args = inputs;
      for (const hook of [...this.#forwardPreHooks.values()] as ((module: this, inputs: Inputs) => Inputs | void)[]) args = hook(this, args) ?? args;
      let output = forward.apply(this, args);
      for (const hook of [...this.#forwardHooks.values()] as ((module: this, inputs: Inputs, output: Output) => Output | void)[]) {
        const replaced = hook(this, args, output);
        if (replaced !== undefined) output = replaced;
      }
      return output;
    };
    Object.defineProperty(this, 'forward', { value: hooked, writable: true, configurable: true, enumerable: false });
  }

  #unhookForward(): void {
    if (this.#ownForward === undefined) delete (this as { forward?: unknown }).forward;
    else Object.defineProperty(this, 'forward', this.#ownForward);
    this.#ownForward = undefined;
  }

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

  /**
   * Declares a buffer, as PyTorch's register_buffer: a tensor that is part of the module's state
   * but not learned (running statistics), or null for one that is absent. `name` is its state-dict
   * name (`running_mean`); the tensor lives in the field of that name in camelCase
   * (`this.runningMean`; declare it as `declare runningMean: Tensor | null`), which may be
   * reassigned. Persistent buffers (the default) are saved by stateDict() and required by loadStateDict().
   */
  registerBuffer(name: string, tensor: Tensor | null, options: { persistent?: boolean } = {}): void {
    const { persistent = true } = checkOptions(options, BUFFER_OPTIONS, 'registerBuffer');
    if (typeof name !== 'string' || name === '') throw new TypeError(`registerBuffer: the buffer name must be a non-empty string, got ${describeValue(name)}`);
    if (name.includes('.')) throw new Error(`registerBuffer: buffer name '${name}' must not contain '.'`);
    if ((tensor !== null && !(tensor instanceof Tensor)) || tensor instanceof Parameter) {
      throw new TypeError(`registerBuffer: buffer '${name}' must be a Tensor (not a Parameter) or null, got ${describeValue(tensor)}`);
    }
    if (typeof persistent !== 'boolean') throw new TypeError(`registerBuffer: persistent must be a boolean, got ${describeValue(persistent)}`);
    const field = name.replace(/(?<=[A-Za-z0-9])_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    const fields = this as unknown as Record<string, unknown>;
    if (!this.#buffers.has(name) && fields[field] !== undefined) throw new Error(`registerBuffer: attribute '${field}' already exists`);
    this.#buffers.set(name, { field, persistent });
    fields[field] = tensor;
  }

  /** Buffers with their dotted names (null ones skipped); a tensor in several buffers comes once unless `removeDuplicate` is false. */
  *namedBuffers(prefix = '', removeDuplicate = true): Generator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    for (const [name, t] of this.allNamedBuffers(prefix)) {
      if (removeDuplicate && seen.has(t)) continue;
      seen.add(t);
      yield [name, t];
    }
  }

  private *allNamedBuffers(prefix: string): Generator<[string, Tensor]> {
    for (const [name, t] of this.ownBuffers(false)) yield [prefix + name, t];
    for (const [name, child] of this.namedChildren()) yield* child.allNamedBuffers(`${prefix}${name}.`);
  }

  private *ownBuffers(persistentOnly: boolean): Generator<[string, Tensor]> {
    const fields = this as unknown as Record<string, unknown>;
    for (const [name, { field, persistent }] of this.#buffers) {
      const value = fields[field];
      if (value instanceof Tensor && (persistent || !persistentOnly)) yield [name, value];
    }
  }

  buffers(): Tensor[] {
    return [...this.namedBuffers()].map(([, t]) => t);
  }

  /** Total number of scalar parameters. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  *modules(): Generator<Module> {
    yield this as Module;
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

  /**
   * This layer and `next` computed as one (Linear then an elementwise activation is one kernel), or
   * null, the default. Sequential asks each layer about the one after it.
   */
  fuseWith(_next: Module): ((input: Tensor) => Tensor) | null {
    return null;
  }

  /**
   * Parameters and persistent buffers by dotted name (shared storage, detached from the graph), in
   * PyTorch's order: each module's parameters, then its buffers, then its children's; tied weights
   * under each of their names, as in PyTorch.
   */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries([...this.stateEntries('')].map(([name, t]) => [name, t.detach()]));
  }

  private *stateEntries(prefix: string): Generator<[string, Tensor]> {
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Parameter) yield [prefix + key, value];
    }
    for (const [name, t] of this.ownBuffers(true)) yield [prefix + name, t];
    for (const [name, child] of this.namedChildren()) yield* child.stateEntries(`${prefix}${name}.`);
  }

  /**
   * Copies values into the parameters and persistent buffers, in place; every name and shape must
   * match (strict, as in PyTorch). Everything is checked before anything is copied, so a failed
   * load leaves the model unchanged.
   */
  loadStateDict(state: Record<string, Tensor>): void {
    const own = new Map(this.stateEntries(''));
    const missing = [...own.keys()].filter((k) => !(k in state));
    const unexpected = Object.keys(state).filter((k) => !own.has(k));
    if (missing.length > 0 || unexpected.length > 0) {
      const parts = [];
      if (missing.length > 0) parts.push(`missing keys: ${missing.join(', ')}`);
      if (unexpected.length > 0) parts.push(`unexpected keys: ${unexpected.join(', ')}`);
      throw new Error(`loadStateDict: ${parts.join('; ')}`);
    }
    for (const [name, t] of own) {
      const value = state[name];
      if (!shapesEqual(value.shape, t.shape)) {
        throw new Error(`loadStateDict: ${name} has shape ${formatShape(value.shape)} in the state dict but ${formatShape(t.shape)} in the model`);
      }
    }
    noGrad(() => {
      for (const [name, t] of own) copyInto(t, state[name]);
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
