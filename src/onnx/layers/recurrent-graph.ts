/**
 * The small graph pieces the recurrent exporters share: int64 constants, axis moves, a sequence cut
 * into its steps and put back together, and x W^T for a parameter W. Constants are int64 only: an
 * importer takes float initializers for parameters to train.
 */
import { attr, type OnnxGraphBuilder } from '../graph-builder.js';
import type { LayerExportContext } from '../layer-exporter.js';

/** What the recurrent exporters write through: a layer's export context, or exportRecurrentOnnx's for a layer on its own. */
export type GraphScope = Pick<LayerExportContext, 'graph' | 'parameter' | 'constant' | 'op' | 'ops'>;

/** Constants by graph and value, so the axes [0] of a hundred Unsqueeze nodes are one initializer. */
const constants = new WeakMap<OnnxGraphBuilder, Map<string, string>>();
/** Transposed weights by graph and weight, so a weight read at every step is transposed once. */
const transposedWeights = new WeakMap<OnnxGraphBuilder, Map<string, string>>();

function cached(cache: WeakMap<OnnxGraphBuilder, Map<string, string>>, scope: GraphScope, key: string, make: () => string): string {
  let entries = cache.get(scope.graph);
  if (entries === undefined) cache.set(scope.graph, (entries = new Map()));
  let name = entries.get(key);
  if (name === undefined) entries.set(key, (name = make()));
  return name;
}

/** A 1-D int64 initializer (axes, a shape, slice bounds), shared by every node that needs the same values. */
export function int64s(scope: GraphScope, values: readonly number[]): string {
  return cached(constants, scope, `[${values.join(',')}]`, () => scope.constant(`int64_${values.join('_').replace(/-/g, 'm')}`, values, [values.length], 'int64'));
}

/** A scalar int64 initializer (an index for Gather), shared. */
function int64Scalar(scope: GraphScope, value: number): string {
  return cached(constants, scope, `${value}`, () => scope.constant(`index_${value}`, [value], [], 'int64'));
}

export function unsqueeze(scope: GraphScope, x: string, axes: readonly number[]): string {
  return scope.op('Unsqueeze', [x, int64s(scope, axes)]);
}

export function squeeze(scope: GraphScope, x: string, axes: readonly number[]): string {
  return scope.op('Squeeze', [x, int64s(scope, axes)]);
}

export function transpose(scope: GraphScope, x: string, perm: readonly number[]): string {
  return scope.op('Transpose', [x], { perm: attr.ints(perm) });
}

export function concat(scope: GraphScope, parts: readonly string[], axis: number): string {
  return parts.length === 1 ? parts[0] : scope.op('Concat', parts, { axis: attr.int(axis) });
}

/** x[start:end] along `axis`. */
export function slice(scope: GraphScope, x: string, start: number, end: number, axis: number): string {
  return scope.op('Slice', [x, int64s(scope, [start]), int64s(scope, [end]), int64s(scope, [axis])]);
}

/** The steps of a time-major sequence x [T, ...] as T values [...]. */
export function unstack(scope: GraphScope, x: string, steps: number): string[] {
  return Array.from({ length: steps }, (_, t) => scope.op('Gather', [x, int64Scalar(scope, t)], { axis: attr.int(0) }));
}

/** The steps [...] back as one time-major sequence [T, ...]. */
export function stack(scope: GraphScope, steps: readonly string[]): string {
  return concat(scope, steps.map((step) => unsqueeze(scope, step, [0])), 0);
}

/** x W^T for the weight W [out, in] (an initializer) and x [..., in]: W is transposed once per graph. */
export function timesTransposed(scope: GraphScope, x: string, weight: string): string {
  const transposed = cached(transposedWeights, scope, weight, () => transpose(scope, weight, [1, 0]));
  return scope.op('MatMul', [x, transposed]);
}
