import { describeValue } from '../../base/options.js';
import { type AnyModule, Module } from '../module.js';

/**
 * Holds modules by name, as PyTorch's nn.ModuleDict: their parameters are this module's, named by
 * key (`encoder.weight`, `heads.encoder.weight` when it is a field), in insertion order. The methods
 * are a Map's (get, set, has, delete, keys, values, entries, size, iteration over [key, module]).
 * It has no forward of its own.
 */
export class ModuleDict<M extends AnyModule = Module> extends Module<never[], never> {
  readonly #items = new Map<string, M>();

  /** From an object of modules by key, or from [key, module] pairs (another ModuleDict, a Map). */
  constructor(modules: Readonly<Record<string, M>> | Iterable<readonly [string, M]> = {}) {
    super();
    if (modules === null || typeof modules !== 'object') throw new TypeError(`ModuleDict: expected an object of modules by key or [key, module] pairs, got ${describeValue(modules)}`);
    const entries = Symbol.iterator in modules ? modules as Iterable<readonly [string, M]> : Object.entries(modules as Record<string, M>);
    for (const entry of entries) {
      if (!Array.isArray(entry) || entry.length !== 2) throw new TypeError(`ModuleDict: expected [key, module] pairs, got ${describeValue(entry)}`);
      this.set(entry[0], entry[1]);
    }
  }

  override *namedChildren(): Generator<[string, Module]> {
    for (const [key, module] of this.#items) yield [key, module as unknown as Module];
  }

  forward(): never {
    throw new Error('ModuleDict: a ModuleDict has no forward; call its modules in the forward of the module that holds it (this.heads.get(name).forward(x))');
  }

  get size(): number {
    return this.#items.size;
  }

  /** The module under `key`; a key that is not there is an error naming the keys that are (PyTorch's KeyError). */
  get(key: string): M {
    const module = this.#items.get(key);
    if (module === undefined) throw new RangeError(`ModuleDict.get: no module under ${describeValue(key)} (keys: ${[...this.#items.keys()].join(', ') || 'none'})`);
    return module;
  }

  has(key: string): boolean {
    return this.#items.has(key);
  }

  /** Adds or replaces (keeping its place) the module under `key`, which must be a non-empty string without '.'. */
  set(key: string, module: M): this {
    if (typeof key !== 'string' || key === '' || key.includes('.')) {
      throw new TypeError(`ModuleDict: a key must be a non-empty string without '.' (it names the module's parameters), got ${describeValue(key)}`);
    }
    if (!(module instanceof Module)) throw new TypeError(`ModuleDict: the value under '${key}' must be a Module, got ${describeValue(module)}`);
    this.#items.set(key, module);
    return this;
  }

  delete(key: string): boolean {
    return this.#items.delete(key);
  }

  keys(): IterableIterator<string> {
    return this.#items.keys();
  }

  values(): IterableIterator<M> {
    return this.#items.values();
  }

  entries(): IterableIterator<[string, M]> {
    return this.#items.entries();
  }

  [Symbol.iterator](): IterableIterator<[string, M]> {
    return this.#items.entries();
  }
}
