import { noGrad } from '../autograd/graph.js';
import type { Storage } from '../backend/storage.js';
import { isFloat, type FloatDType } from '../base/dtype.js';
import { checkChoice, checkOptions, describeValue, isPlainObject } from '../base/options.js';
import { formatShape, shapesEqual } from '../base/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { Parameter } from './parameter.js';

const BUFFER_OPTIONS = ['persistent'];
const FLOAT_DTYPES: readonly FloatDType[] = ['float32', 'float64'];

export interface LoadStateDictOptions {
  /** Every name must match both ways (default true, as in PyTorch); shapes must match either way. */
  strict?: boolean;
}

/** What loadStateDict found missing from the state dict and what it did not expect, by name (PyTorch's result). */
export interface IncompatibleKeys {
  missingKeys: string[];
  unexpectedKeys: string[];
}

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
 * the instance's fields, in declaration order, and named with dots (`0.weight`,
 * `encoder.layers.1.bias`) so state dicts exchange with PyTorch by name. Modules in arrays, plain
 * objects and Maps count too (see modulesIn), as in a ModuleList or ModuleDict. Buffers (state that
 * is not learned, such as running statistics) are declared with registerBuffer.
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
    for (const [key, value] of Object.entries(this)) yield* modulesIn(value, key);
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

  /**
   * Calls fn on every module below this one and then on this one, children before their parent, as
   * PyTorch's apply (custom initialization: `model.apply((m) => { if (m instanceof nb.Linear) ... })`).
   */
  apply(fn: (module: AnyModule) => void): this {
    if (typeof fn !== 'function') throw new TypeError(`apply: expected a function of the module, got ${describeValue(fn)}`);
    for (const child of new Set([...this.namedChildren()].map(([, c]) => c))) child.apply(fn);
    fn(this as AnyModule);
    return this;
  }

  /**
   * Converts the floating-point parameters (with their gradients) and buffers to `dtype`, as
   * PyTorch's module.to(dtype); int32 ones stay. Parameters keep their identity (PyTorch's
   * `param.data = ...`), so an optimizer made before still updates them; its state, made at its first
   * step, is not converted. A graph that recorded a parameter can no longer backward (its version
   * moves on).
   */
  to(dtype: FloatDType): this {
    checkChoice(dtype, FLOAT_DTYPES, 'Module.to', 'dtype');
    noGrad(() => {
      for (const p of this.parameters()) {
        if (!isFloat(p.dtype) || p.dtype === dtype) continue;
        replaceElements(p, p.to(dtype));
        if (p.grad !== null) p.grad = p.grad.to(dtype);
      }
      for (const module of this.modules()) {
        const fields = module as unknown as Record<string, unknown>;
        for (const { field } of module.#buffers.values()) {
          const t = fields[field];
          if (t instanceof Tensor && isFloat(t.dtype)) fields[field] = t.to(dtype);
        }
      }
    });
    return this;
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
   * Copies values into the parameters and persistent buffers, in place (converting the dtype, from
   * another backend too), as PyTorch's load_state_dict: with `strict` (the default) every name must
   * match both ways; without it, the names that match are loaded. Shapes must match either way.
   * Every problem is named in one error, and everything is checked before anything is copied, so a
   * failed load leaves the model unchanged. Returns the missing and unexpected keys.
   */
  loadStateDict(state: Record<string, Tensor>, options: LoadStateDictOptions = {}): IncompatibleKeys {
    const { strict = true } = checkOptions(options, ['strict'], 'loadStateDict');
    if (typeof strict !== 'boolean') throw new TypeError(`loadStateDict: strict must be a boolean, got ${describeValue(strict)}`);
    if (state === null || typeof state !== 'object') throw new TypeError(`loadStateDict: expected an object of tensors by name, as stateDict() returns, got ${describeValue(state)}`);
    const own = new Map(this.stateEntries(''));
    const given = (name: string) => Object.prototype.hasOwnProperty.call(state, name);
    const missingKeys = [...own.keys()].filter((k) => !given(k));
    const unexpectedKeys = Object.keys(state).filter((k) => !own.has(k));
    const problems: string[] = [];
    if (strict && missingKeys.length > 0) problems.push(`missing keys: ${missingKeys.join(', ')}`);
    if (strict && unexpectedKeys.length > 0) problems.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
    for (const [name, t] of own) {
      if (!given(name)) continue;
      const value = state[name];
      if (!(value instanceof Tensor)) problems.push(`${name} is ${describeValue(value)} in the state dict, not a Tensor`);
      else if (!shapesEqual(value.shape, t.shape)) problems.push(`${name} has shape ${formatShape(value.shape)} in the state dict but ${formatShape(t.shape)} in the model`);
    }
    if (problems.length > 0) throw new Error(`loadStateDict: ${problems.join('; ')}`);
    noGrad(() => {
      for (const [name, t] of own) if (given(name)) t.copy_(state[name]);
    });
    return { missingKeys, unexpectedKeys };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /**
   * PyTorch's layout: one line per child, nested; modules held in an array print as a ModuleList,
   * in a plain object or a Map as a ModuleDict.
   */
  toString(): string {
    const tree: ChildTree = new Map();
    for (const [name, child] of this.namedChildren()) {
      const path = name.split('.');
      let node = tree;
      for (const key of path.slice(0, -1)) {
        let next = node.get(key);
        if (!(next instanceof Map)) node.set(key, (next = new Map()));
        node = next;
      }
      node.set(path[path.length - 1], child);
    }
    return block(this.constructor.name, this.extraRepr(), childLines(tree));
  }
}

/** A module's children by the parts of their dotted names. */
type ChildTree = Map<string, Module | ChildTree>;

function childLines(tree: ChildTree): string[] {
  return [...tree].map(([key, item]) => {
    if (item instanceof Module) return `(${key}): ${item.toString()}`;
    const list = [...item.keys()].every((k, i) => k === String(i));
    return `(${key}): ${block(list ? 'ModuleList' : 'ModuleDict', '', childLines(item))}`;
  });
}

function block(name: string, extra: string, lines: readonly string[]): string {
  if (lines.length === 0) return `${name}(${extra})`;
  return `${name}(${extra}\n${lines.map((l) => '  ' + l.replace(/\n/g, '\n  ')).join('\n')}\n)`;
}

/**
 * The modules a field's value holds, named by their path (`blocks.0`, `heads.encoder`): the value
 * itself, or what an array, a plain object or a Map with string keys holds, at any depth, named as
 * PyTorch names the entries of a ModuleList and a ModuleDict. PyTorch ignores modules kept in a
 * plain dict, so that they silently miss parameters(), the optimizer and the state dict; what such
 * code means is a ModuleDict, so nabla registers them as one. Where no name can be given (a Set, a
 * Map key that is not a string, a key with a dot or empty) the module is refused, never dropped.
 */
function* modulesIn(value: unknown, path: string): Generator<[string, Module]> {
  if (value instanceof Module) {
    yield [path, value];
    return;
  }
  if (value instanceof Set) {
    for (const item of value) {
      for (const [name] of modulesIn(item, path)) throw new TypeError(`Module: field path '${name}' is a Set holding a module, which gives it no name for parameters and the state dict; use an array, a plain object, a Map, a ModuleList or a ModuleDict`);
    }
    return;
  }
  const entries: Iterable<[unknown, unknown]> | null = Array.isArray(value) ? value.entries()
    : value instanceof Map ? value.entries()
    : isPlainObject(value) ? Object.entries(value) : null;
  if (entries === null) return;
  for (const [key, item] of entries) {
    for (const found of modulesIn(item, `${path}.${String(key)}`)) {
      if (!Array.isArray(value) && (typeof key !== 'string' || key === '' || key.includes('.'))) {
        throw new TypeError(`Module: '${path}' holds a module under the key ${describeValue(key)}, which cannot name it in the state dict (keys must be non-empty strings without '.')`);
      }
      yield found;
    }
  }
}


/**
 * Gives a parameter the elements of `value` (another dtype) while it stays the same object, as
 * PyTorch's `param.data = value`. The old storage's version moves on, as an in-place write would.
 */
function replaceElements(p: Parameter, value: Tensor): void {
  value.storage.version = ++p.storage.version;
  const fields = p as unknown as { storage: Storage; dtype: FloatDType };
  fields.storage = value.storage;
  fields.dtype = value.dtype as FloatDType;
}
