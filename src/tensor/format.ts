import type { Tensor } from './tensor.js';
import { formatShape, sizeOf } from './shape.js';

const SUMMARIZE_ABOVE = 1000;
const EDGE_ITEMS = 3;

/** PyTorch-style printing: aligned columns, 4 decimals, '...' for large tensors. */
export function formatTensor(t: Tensor): string {
  const summarize = t.size > SUMMARIZE_ABOVE;
  const isInt = t.dtype === 'int32';
  const values = Array.from(t.data as ArrayLike<number>);
  const useExponent = !isInt && values.some((v) => Number.isFinite(v) && v !== 0 && (Math.abs(v) >= 1e8 || Math.abs(v) < 1e-4));
  const formatNumber = (v: number): string => {
    if (isInt) return String(v);
    if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
    return useExponent ? v.toExponential(4) : v.toFixed(4);
  };
  const width = Math.max(1, ...values.map((v) => formatNumber(v).length));
  const prefix = 'tensor(';

  const render = (axis: number, offset: number, indent: number): string => {
    if (axis === t.ndim) return formatNumber(t.data[offset]).padStart(width);
    const length = t.shape[axis];
    const stride = sizeOf(t.shape.slice(axis + 1));
    const shown: (number | null)[] = summarize && length > 2 * EDGE_ITEMS
      ? [...range(0, EDGE_ITEMS), null, ...range(length - EDGE_ITEMS, length)]
      : range(0, length);
    const parts = shown.map((i) => (i === null ? '...' : render(axis + 1, offset + i * stride, indent + 1)));
    if (axis === t.ndim - 1) return `[${parts.join(', ')}]`;
    const separator = ',' + '\n'.repeat(t.ndim - axis - 1) + ' '.repeat(indent + 1);
    return `[${parts.join(separator)}]`;
  };

  const body = t.ndim === 0 ? formatNumber(t.data[0]) : render(0, 0, prefix.length);
  const extras = [`shape=${formatShape(t.shape)}`];
  if (t.dtype !== 'float32') extras.push(`dtype=${t.dtype}`);
  if (t.gradFn !== null) extras.push(`gradFn=${t.gradFn.name}`);
  else if (t.requiresGrad) extras.push('requiresGrad=true');
  return `${prefix}${body}, ${extras.join(', ')})`;
}

function range(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, i) => start + i);
}
