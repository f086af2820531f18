import type { Tensor } from './tensor.js';
import { formatShape, sizeOf } from '../base/shape.js';

const SUMMARIZE_ABOVE = 1000;
const EDGE_ITEMS = 3;

/** A nested list of the element offsets that will be printed; null marks an elided run ('...'). */
type Layout = number | (Layout | null)[];

/**
 * PyTorch-style printing: aligned columns, 4 decimals (scientific notation when the magnitudes call
 * for it), and for tensors of more than 1000 elements only the first and last 3 entries of each
 * dimension. Only the printed elements are visited, so printing a huge tensor is cheap.
 */
export function formatTensor(t: Tensor): string {
  const summarize = t.size > SUMMARIZE_ABOVE;
  const layout = (axis: number, offset: number): Layout => {
    if (axis === t.ndim) return offset;
    const length = t.shape[axis];
    const stride = sizeOf(t.shape.slice(axis + 1));
    const shown: (number | null)[] = summarize && length > 2 * EDGE_ITEMS
      ? [...range(0, EDGE_ITEMS), null, ...range(length - EDGE_ITEMS, length)]
      : range(0, length);
    return shown.map((i) => (i === null ? null : layout(axis + 1, offset + i * stride)));
  };
  const root = layout(0, 0);
  const offsets: number[] = [];
  const collect = (node: Layout | null): void => {
    if (typeof node === 'number') offsets.push(node);
    else if (node !== null) node.forEach(collect);
  };
  collect(root);

  const isInt = t.dtype === 'int32';
  const data = t.dataSync();
  const values = offsets.map((o) => data[o]);
  const useExponent = !isInt && values.some((v) => Number.isFinite(v) && v !== 0 && (Math.abs(v) >= 1e8 || Math.abs(v) < 1e-4));
  const formatNumber = (v: number): string => {
    if (isInt) return String(v);
    if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
    return useExponent ? v.toExponential(4) : v.toFixed(4);
  };
  const width = values.reduce((w, v) => Math.max(w, formatNumber(v).length), 1);
  const prefix = 'tensor(';

  const render = (node: Layout, axis: number, indent: number): string => {
    if (typeof node === 'number') return formatNumber(data[node]).padStart(width);
    const parts = node.map((child) => (child === null ? '...' : render(child, axis + 1, indent + 1)));
    if (axis === t.ndim - 1) return `[${parts.join(', ')}]`;
    const separator = ',' + '\n'.repeat(t.ndim - axis - 1) + ' '.repeat(indent + 1);
    return `[${parts.join(separator)}]`;
  };

  const body = t.ndim === 0 ? formatNumber(data[0]) : render(root, 0, prefix.length);
  const extras = [`shape=${formatShape(t.shape)}`];
  if (t.dtype !== 'float32') extras.push(`dtype=${t.dtype}`);
  if (t.gradFn !== null) extras.push(`gradFn=${t.gradFn.name}`);
  else if (t.requiresGrad) extras.push('requiresGrad=true');
  return `${prefix}${body}, ${extras.join(', ')})`;
}

function range(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, i) => start + i);
}
