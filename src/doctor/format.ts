/** Numbers as the doctor writes them in its sentences. */

/** Four significant digits, without exponent for ordinary magnitudes; NaN and Infinity by name. */
export function num(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

/** A fraction as a percentage with one decimal: 0.1234 -> "12.3%". */
export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}
