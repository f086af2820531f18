import { describeValue } from '../../base/options.js';
import { type AnyModule, Module } from '../module.js';

/**
 * Holds modules in a list, as PyTorch's nn.ModuleList: their parameters are this module's, named by
 * position (`0.weight`, `layers.1.bias` when it is a field), and an optimizer made from
 * model.parameters() sees them. It has no forward of its own: iterate over it in the forward of the
 * module that holds it. Inserting or removing renumbers the names after that position.
 */
export class ModuleList<M extends AnyModule = Module> extends Module<never[], never> {
  readonly #items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    this.extend(modules);
  }

  override *namedChildren(): Generator<[string, Module]> {
    for (let i = 0; i < this.#items.length; i++) yield [String(i), this.#items[i] as unknown as Module];
  }

  forward(): never {
    throw new Error('ModuleList: a ModuleList has no forward; call its modules in the forward of the module that holds it (for (const layer of this.layers) x = layer.forward(x))');
  }

  get length(): number {
    return this.#items.length;
  }

  /** The module at `index` (negative counts from the end); an index out of range is an error, as in PyTorch. */
  at(index: number): M {
    return this.#items[this.#position(index, 'at')];
  }

  /** Replaces the module at `index` (PyTorch's `list[index] = module`). */
  set(index: number, module: M): this {
    this.#items[this.#position(index, 'set')] = checked(module, 'set');
    return this;
  }

  append(module: M): this {
    this.#items.push(checked(module, 'append'));
    return this;
  }

  extend(modules: Iterable<M>): this {
    if (modules === null || typeof (modules as Partial<Iterable<M>>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`ModuleList: expected an iterable of modules, got ${describeValue(modules)}`);
    }
    const items = [...modules].map((m, i) => checked(m, `extend (item ${i})`));
    this.#items.push(...items);
    return this;
  }

  /** Inserts before `index` (negative counts from the end; clamped to the list, as Python's list.insert). */
  insert(index: number, module: M): this {
    if (!Number.isInteger(index)) throw new TypeError(`ModuleList.insert: index must be an integer, got ${describeValue(index)}`);
    const n = this.#items.length;
    const at = index < 0 ? Math.max(0, n + index) : Math.min(index, n);
    this.#items.splice(at, 0, checked(module, 'insert'));
    return this;
  }

  /** Removes and returns the module at `index` (the last by default). */
  pop(index = -1): M {
    return this.#items.splice(this.#position(index, 'pop'), 1)[0];
  }

  [Symbol.iterator](): Iterator<M> {
    return this.#items[Symbol.iterator]();
  }

  #position(index: number, method: string): number {
    const n = this.#items.length;
    if (!Number.isInteger(index) || index < -n || index >= n) {
      throw new RangeError(`ModuleList.${method}: index ${describeValue(index)} is out of range for a list of ${n} module${n === 1 ? '' : 's'}`);
    }
    return index < 0 ? index + n : index;
  }
}

function checked<M>(module: M, method: string): M {
  if (!(module instanceof Module)) throw new TypeError(`ModuleList.${method}: expected a Module, got ${describeValue(module)}`);
  return module;
}
