import { expect } from 'vitest';
import { Tensor, type NestedArray } from '../src/index.js';

export type Values = Tensor | NestedArray | ArrayLike<number>;

function shapeAndValues(v: Values): { shape: number[]; values: number[] } {
  if (v instanceof Tensor) return { shape: [...v.shape], values: Array.from(v.toTypedArray()) };
  if (typeof v === 'number') return { shape: [], values: [v] };
  if (!Array.isArray(v)) return { shape: [(v as ArrayLike<number>).length], values: Array.from(v as ArrayLike<number>) };
  const shape: number[] = [];
  for (let level: NestedArray = v as NestedArray; Array.isArray(level); level = (level as NestedArray[])[0]) shape.push(level.length);
  return { shape, values: (v as unknown[]).flat(Infinity) as number[] };
}

/**
 * Asserts same shape and |actual - expected| <= atol + rtol * |expected| elementwise
 * (NaN matches NaN, infinities must match exactly). Reports the first mismatches.
 */
export function allclose(actual: Values, expected: Values, atol = 1e-6, rtol = 1e-5): void {
  const a = shapeAndValues(actual);
  const e = shapeAndValues(expected);
  expect(a.shape, 'shape').toEqual(e.shape);
  const bad: string[] = [];
  e.values.forEach((ev, i) => {
    const av = a.values[i];
    const ok = Number.isNaN(ev) ? Number.isNaN(av) : !Number.isFinite(ev) ? av === ev : Math.abs(av - ev) <= atol + rtol * Math.abs(ev);
    if (!ok && bad.length < 5) bad.push(`[${i}] ${av} vs expected ${ev}`);
  });
  expect(bad, `allclose (atol ${atol}, rtol ${rtol})`).toEqual([]);
}
