import { InvalidArgumentError } from 'commander';

/** Commander argument parsers that reject bad values with a message naming what was expected. */
export function integer(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}, got '${value}'.`);
    return n;
  };
}

export function number(min: number, max = Infinity, { inclusiveMin = true, inclusiveMax = true } = {}) {
  return (value: string): number => {
    const n = Number(value);
    const aboveMin = inclusiveMin ? n >= min : n > min;
    const belowMax = inclusiveMax ? n <= max : n < max;
    if (value.trim() === '' || !Number.isFinite(n) || !aboveMin || !belowMax) {
      const range = max === Infinity ? `${inclusiveMin ? '>=' : '>'} ${min}` : `in ${inclusiveMin ? '[' : '('}${min}, ${max}${inclusiveMax ? ']' : ')'}`;
      throw new InvalidArgumentError(`expected a number ${range}, got '${value}'.`);
    }
    return n;
  };
}

/** A non-negative integer, or 'inf' for Infinity. */
export function countOrInfinity(value: string): number {
  if (value.trim() === 'inf') return Infinity;
  if (!/^\s*\d+\s*$/.test(value)) throw new InvalidArgumentError(`expected an integer >= 0 or 'inf', got '${value}'.`);
  return Number(value);
}

/** A comma-separated list of positive integers; an empty string is an empty list. */
export function sizeList(value: string): number[] {
  if (value.trim() === '') return [];
  return value.split(',').map((part) => {
    if (!/^\s*\d+\s*$/.test(part) || Number(part) <= 0) {
      throw new InvalidArgumentError(`expected comma-separated positive integers like 40,30,20, got '${value}'.`);
    }
    return Number(part);
  });
}

/** The shape of one sample: comma-separated positive integers such as 1,28,28. */
export function shape(value: string): number[] {
  if (!/^\s*\d+\s*(,\s*\d+\s*)*$/.test(value) || value.split(',').some((part) => Number(part) <= 0)) {
    throw new InvalidArgumentError(`expected comma-separated positive integers like 1,28,28, got '${value}'.`);
  }
  return value.split(',').map(Number);
}
