/**
 * Run-time checks of options objects and string choices. TypeScript checks them at compile time,
 * but JavaScript callers (and JSON configs) get no such help: without these a misspelt key is
 * silently ignored and a misspelt string fails deep inside a kernel, or not at all. Errors name the
 * function and the option and list what is accepted, in the optimizers' wording:
 *
 *     linear: options has an unknown option "activaton" (known: activation, alpha)
 *     mseLoss: reduction must be one of 'mean', 'sum', 'none', got 'avg'
 *
 * A known key whose value is undefined means "the default"; an unknown key is an error whatever its value.
 */

/**
 * Throws unless `options` is a plain object (`{ ... }`) whose keys are all in `known`; returns it.
 * `owner` names the function or class, `what` the argument ('options', 'config').
 */
export function checkOptions<T>(options: T, known: readonly string[], owner: string, what = 'options'): T {
  if (!isPlainObject(options)) {
    throw new TypeError(`${owner}: ${what} must be an object such as { ${known[0] ?? 'key'}: ... }, got ${describeValue(options)} (known options: ${known.join(', ')})`);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const suggestion = suggest(key, known);
    throw new Error(`${owner}: ${what} has an unknown option "${key}" (known: ${known.join(', ')})${suggestion === undefined ? '' : `; did you mean "${suggestion}"?`}`);
  }
  return options;
}

/**
 * Returns `value` when it is one of `choices`, the canonical name when it is one of `aliases`
 * (alias -> canonical), and throws a RangeError listing the accepted values otherwise.
 */
export function checkChoice<T extends string>(
  value: unknown,
  choices: readonly T[],
  owner: string,
  optionName: string,
  aliases: Readonly<Record<string, T>> = {},
): T {
  if ((choices as readonly unknown[]).includes(value)) return value as T;
  if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(aliases, value)) return aliases[value];
  throw new RangeError(`${owner}: ${optionName} must be ${listChoices(choices)}${describeAliases(aliases)}, got ${describeValue(value)}`);
}

/** 'a' or 'b'; one of 'a', 'b', 'c'. */
export function listChoices(choices: readonly string[]): string {
  const quoted = choices.map((c) => `'${c}'`);
  if (quoted.length === 1) return quoted[0];
  if (quoted.length === 2) return `${quoted[0]} or ${quoted[1]}`;
  return `one of ${quoted.join(', ')}`;
}

/** " (or 'leaky-relu' for 'leakyRelu')", or '' without aliases. */
export function describeAliases(aliases: Readonly<Record<string, string>>): string {
  const entries = Object.entries(aliases);
  return entries.length === 0 ? '' : ` (or ${entries.map(([alias, name]) => `'${alias}' for '${name}'`).join(', ')})`;
}

/** A short description of any value for an error message: 'text', 12, null, an array, a Tensor. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? 'a function' : String(value);
  if (Array.isArray(value)) return 'an array';
  if (isPlainObject(value)) return 'an object';
  const name = (value as { constructor?: { name?: string } }).constructor?.name;
  return name ? `a ${name}` : 'an object';
}

/** An object literal (or Object.create(null)), from any realm: not an array, a class instance or a typed array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** The known key a misspelt one probably meant: the same up to case, '_' and '-', or the only key it begins. */
function suggest(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  const k = norm(key);
  const same = known.find((name) => norm(name) === k);
  if (same !== undefined) return same;
  const prefixed = k.length >= 3 ? known.filter((name) => norm(name).startsWith(k)) : [];
  return prefixed.length === 1 ? prefixed[0] : undefined;
}
