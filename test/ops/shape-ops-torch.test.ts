import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

// PyTorch 1.13's numbers (scripts/torch/shape_fixtures.py, float64) for the indexing and shape ops
// whose semantics are subtle: each case's outputs, and the gradients of sum(output * grad) (over
// all pieces), compared within 1e-12 (these ops only move and add numbers).

interface Encoded { shape: number[]; data: number[] }
type Args = Record<string, unknown>;
interface Case { op: string; args: Args; input: Encoded; src?: Encoded; grads: Encoded[]; outputs: Encoded[]; inputGrad: Encoded; srcGrad?: Encoded }

const fixture = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'shape-ops.json'), 'utf8')) as { cases: Case[] };

const load = (e: Encoded) => nb.tensor(e.data, { shape: e.shape, dtype: 'float64' });
const int = (values: unknown) => nb.tensor(values as nb.NestedArray, { dtype: 'int32' });
const sliceSpec = (s: unknown): nb.SliceSpec => (s === 'newaxis' ? nb.newaxis : (s as nb.SliceSpec));

/** The nabla call for each op of the fixture, from the case's JSON arguments. */
const OPS: Record<string, (x: nb.Tensor, a: Args, src: nb.Tensor | undefined) => nb.Tensor | nb.Tensor[]> = {
  pad: (x, a) => nb.pad(x, a.pads as number[], a.mode as nb.PadMode, a.value as number | undefined),
  scatterAdd: (x, a, src) => nb.scatterAdd(x, a.dim as number, int(a.index), src!),
  scatter: (x, a, src) => nb.scatter(x, a.dim as number, int(a.index), src ?? (a.value as number)),
  indexSelect: (x, a) => nb.indexSelect(x, a.dim as number, int(a.index)),
  take: (x, a) => nb.take(x, int(a.index)),
  maskedSelect: (x, a) => nb.maskedSelect(x, int(a.mask)),
  maskedFill: (x, a) => nb.maskedFill(x, int(a.mask), a.value as number),
  split: (x, a) => nb.split(x, a.sizeOrSections as number | number[], a.dim as number),
  chunk: (x, a) => nb.chunk(x, a.chunks as number, a.dim as number),
  unbind: (x, a) => nb.unbind(x, a.dim as number),
  repeat: (x, a) => x.repeat(a.sizes as number[]),
  tile: (x, a) => nb.tile(x, a.dims as number[]),
  roll: (x, a) => (a.dims === undefined ? nb.roll(x, (a.shifts as number[])[0]) : nb.roll(x, a.shifts as number[], a.dims as number[])),
  slice: (x, a) => x.slice(...(a.spec as unknown[]).map(sliceSpec)),
  flip: (x, a) => nb.flip(x, a.dims as number[]),
};

describe('indexing and shape ops against PyTorch', () => {
  it('covers every op of the fixture', () => {
    expect(new Set(fixture.cases.map((c) => c.op))).toEqual(new Set(Object.keys(OPS)));
  });

  it.each(fixture.cases.map((c) => [`${c.op} ${JSON.stringify(c.args)} on [${c.input.shape.join(', ')}]`, c] as const))('%s', (_, c) => {
    const x = load(c.input).requiresGrad_();
    const src = c.src === undefined ? undefined : load(c.src).requiresGrad_();
    const result = OPS[c.op](x, c.args, src);
    const pieces = Array.isArray(result) ? result : [result];
    expect(pieces.length, 'number of outputs').toBe(c.outputs.length);
    pieces.forEach((p, i) => allclose(p, load(c.outputs[i]), 1e-12, 0));
    pieces.map((p, i) => p.mul(load(c.grads[i])).sum()).reduce((a, b) => a.add(b)).backward();
    allclose(x.grad!, load(c.inputGrad), 1e-12, 0);
    if (src !== undefined) allclose(src.grad!, load(c.srcGrad!), 1e-12, 0);
  });
});
