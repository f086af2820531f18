"""Writes test/fixtures/shape-ops.json: PyTorch's own numbers for the indexing and shape ops whose
semantics are easy to get subtly wrong (reflect/replicate/circular padding, scatter with repeated
indices, split with uneven sections, chunk's piece sizes, repeat against tile, roll over several
dims, masked ops with broadcasting, Ellipsis and None in slicing), for
test/ops/shape-ops-torch.test.ts to compare nabla against.

Run with Debian's PyTorch (apt-get install python3-torch; generated with torch 1.13), from the
repository root (the `python3` on PATH may be a pyenv without torch):
    /usr/bin/python3 scripts/torch/shape_fixtures.py

Everything is float64. Each case holds its op's arguments, its inputs and an upstream gradient
(rounded to 4 decimals, so nabla uses exactly the same numbers), the outputs, and the gradients of
sum(output * grad) (summed over the pieces for ops that return several) for every float input.
"""
import torch

from fixtures_common import encode, fixture_path, rounded_sampler, setup, write_json

generator = setup(20261202)
rand = rounded_sampler(generator)
OUT = fixture_path("shape-ops.json")


def index_tensor(values):
    return torch.tensor(values, dtype=torch.int64)


def slice_key(spec):
    """The Python index for a JSON slice spec: '...', 'newaxis', integers and 'start:end:step' strings."""
    def one(s):
        if s == "...":
            return Ellipsis
        if s == "newaxis":
            return None
        if isinstance(s, int):
            return s
        parts = [int(p) if p.strip() else None for p in s.split(":")]
        return slice(*parts)
    return tuple(one(s) for s in spec)


def case(op, shape, args, fn, src_shape=None, integer=None):
    """Runs fn(x, src) on fresh inputs; integer: int32 tensors the op also needs (indices, masks), by name."""
    x = rand(*shape).requires_grad_(True)
    src = rand(*src_shape).requires_grad_(True) if src_shape else None
    out = fn(x, src)
    pieces = list(out) if isinstance(out, (tuple, list)) else [out]
    grads = [rand(*p.shape) for p in pieces]
    sum((p * g).sum() for p, g in zip(pieces, grads)).backward()
    entry = {
        "op": op, "args": args, "input": encode(x), "grads": [encode(g) for g in grads],
        "outputs": [encode(p) for p in pieces], "inputGrad": encode(x.grad),
    }
    if src is not None:
        entry["src"] = encode(src)
        entry["srcGrad"] = encode(src.grad)
    return entry


cases = []

# Padding, in F.pad's order (last dimension first).
for mode, shape, pads in [
    ("reflect", (1, 2, 4), [3, 1]),
    ("reflect", (1, 1, 3, 4), [1, 2, 2, 1]),
    ("replicate", (1, 2, 3, 4), [2, 0, 1, 3]),
    ("replicate", (2, 3), [4, 1]),
    ("circular", (1, 1, 3, 3), [1, 2, 3, 0]),
    ("constant", (2, 3, 4), [1, -2, 0, 2, 1, 0]),
]:
    cases.append(case("pad", shape, {"pads": pads, "mode": mode, **({"value": 1.5} if mode == "constant" else {})},
                      lambda x, _, pads=pads, mode=mode: torch.nn.functional.pad(x, pads, mode=mode, **({"value": 1.5} if mode == "constant" else {}))))

# scatter_add with repeated indices, and an index smaller than the input outside dim (torch 1.13 cannot
# differentiate a src larger than the index: that case is tested against plain loops instead).
for shape, dim, index, src_shape in [
    ((3, 4), 1, [[0, 0, 3], [1, 1, 1], [2, 0, 2]], (3, 3)),
    ((3, 4), 0, [[2, 2, 0, 2], [2, 1, 1, 2]], (2, 4)),
    ((4, 3, 2), -2, [[[0, 1], [0, 1], [0, 0], [2, 2]], [[1, 1], [1, 0], [2, 0], [0, 0]]], (2, 4, 2)),
]:
    cases.append(case("scatterAdd", shape, {"dim": dim, "index": index},
                      lambda x, s, dim=dim, index=index: torch.scatter_add(x, dim, index_tensor(index), s), src_shape=src_shape))

# scatter with distinct indices (PyTorch leaves repeated ones undefined), from a tensor and a value.
for shape, dim, index, src_shape in [
    ((3, 4), 1, [[3, 0], [1, 2], [0, 3]], (3, 2)),
    ((3, 5), 0, [[2, 0, 1], [0, 2, 0]], (2, 3)),
]:
    cases.append(case("scatter", shape, {"dim": dim, "index": index},
                      lambda x, s, dim=dim, index=index: torch.scatter(x, dim, index_tensor(index), s), src_shape=src_shape))
cases.append(case("scatter", (2, 4), {"dim": 1, "index": [[1, 3], [0, 0]], "value": -2.5},
                  lambda x, _: torch.scatter(x, 1, index_tensor([[1, 3], [0, 0]]), -2.5)))

for shape, dim, index in [((3, 4), 1, [3, 0, 3, 1, 0]), ((4, 2, 3), 0, [2]), ((2, 3), -2, [1, 1, 0])]:
    cases.append(case("indexSelect", shape, {"dim": dim, "index": index},
                      lambda x, _, dim=dim, index=index: torch.index_select(x, dim, index_tensor(index))))
cases.append(case("take", (3, 4), {"index": [[-1, 0, 5], [11, -12, 5]]}, lambda x, _: torch.take(x, index_tensor([[-1, 0, 5], [11, -12, 5]]))))

# Masks broadcast: the mask against the input for masked_fill, both ways for masked_select.
for shape, mask in [((3, 4), [1, 0, 0, 1]), ((2, 1, 3), [[[1, 0, 1]], [[0, 0, 1]]]), ((2, 1, 4), [[0, 1, 1, 0], [1, 0, 0, 1], [1, 1, 1, 1]])]:
    cases.append(case("maskedSelect", shape, {"mask": mask}, lambda x, _, mask=mask: torch.masked_select(x, torch.tensor(mask, dtype=torch.bool))))
for shape, mask in [((3, 4), [1, 0, 0, 1]), ((2, 3, 2), [[1], [0], [1]])]:
    cases.append(case("maskedFill", shape, {"mask": mask, "value": 7.25}, lambda x, _, mask=mask: x.masked_fill(torch.tensor(mask, dtype=torch.bool), 7.25)))

for shape, size, dim in [((5, 3), 2, 0), ((5, 3), [1, 3, 1], 0), ((2, 7), 3, 1), ((2, 4), [0, 4], -1)]:
    cases.append(case("split", shape, {"sizeOrSections": size, "dim": dim}, lambda x, _, size=size, dim=dim: torch.split(x, size, dim)))
for shape, chunks, dim in [((5,), 4, 0), ((6,), 4, 0), ((3, 7), 3, 1), ((2, 3), 5, 0), ((10,), 4, 0)]:
    cases.append(case("chunk", shape, {"chunks": chunks, "dim": dim}, lambda x, _, chunks=chunks, dim=dim: torch.chunk(x, chunks, dim)))
cases.append(case("unbind", (2, 3, 2), {"dim": 1}, lambda x, _: torch.unbind(x, 1)))

for shape, sizes in [((2, 3), [2, 1, 2]), ((3,), [2, 2]), ((2, 1), [1, 3])]:
    cases.append(case("repeat", shape, {"sizes": sizes}, lambda x, _, sizes=sizes: x.repeat(*sizes)))
for shape, dims in [((2, 3), [2]), ((2, 3), [2, 1, 2]), ((3,), [2, 2])]:
    cases.append(case("tile", shape, {"dims": dims}, lambda x, _, dims=dims: torch.tile(x, dims)))

for shape, shifts, dims in [((3, 4, 2), [1, -2], [0, 1]), ((3, 4), [5], None), ((3, 4), [1, 1], [0, 0]), ((2, 5), [-7, 3], [1, -2])]:
    cases.append(case("roll", shape, {"shifts": shifts, **({"dims": dims} if dims is not None else {})},
                      lambda x, _, shifts=shifts, dims=dims: torch.roll(x, shifts[0] if dims is None else shifts, dims)))

for spec in [["...", 1], ["newaxis", "...", "1:3"], [1, "...", "newaxis"], [":", "newaxis", "::2"], ["..."], ["0:2", "...", "newaxis", -1], ["newaxis"]]:
    cases.append(case("slice", (3, 2, 4), {"spec": spec}, lambda x, _, spec=spec: x[slice_key(spec)]))
for dims in [[0], [1, 2], [-1, 0]]:
    cases.append(case("flip", (2, 3, 2), {"dims": dims}, lambda x, _, dims=dims: torch.flip(x, dims)))

write_json(OUT, {"torch": torch.__version__, "cases": cases}, note=f"{len(cases)} cases")
