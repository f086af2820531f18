"""Writes test/fixtures/math-ops.json: PyTorch's own numbers for the reductions, sorting, elementwise
math and activations whose semantics are subtle (zeros in prod/cumprod, norm orders and their
subgradients, sort stability and NaN order, topk ties, both GELU forms, softplus' threshold, SELU's
constants, var/std's correction), for test/ops/math-torch.test.ts to compare nabla against.

Run with Debian's PyTorch (apt-get install python3-torch; generated with torch 1.13), from the
repository root (the `python3` on PATH may be a pyenv without torch):
    /usr/bin/python3 scripts/torch/math_fixtures.py

Everything is float64. Each case holds the input, the upstream gradient `grad` (the gradient taken
is that of sum(output * grad)), the output and the input's gradient. Inputs and upstream gradients
come from one seeded torch.Generator, rounded to 4 decimals. NaN and infinities are written as the
strings "nan", "inf" and "-inf" (JSON has no such numbers); results with 14 significant digits.
"""
import math

import torch

from fixtures_common import fixture_path, rounded_sampler, setup, significant, write_json

generator = setup(20261202)
rand = rounded_sampler(generator)
OUT = fixture_path("math-ops.json")


# Unlike the shared encode, NaN and infinities become strings, and integer results stay integers.
def number(v, digits=None):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return significant(v, 14) if digits else v


def encode(t, digits=None):
    return {"shape": list(t.shape), "data": [number(float(v), digits) for v in t.detach().flatten().tolist()]}


def result(t):
    if t.dtype in (torch.int64, torch.bool):
        return {"shape": list(t.shape), "data": [int(v) for v in t.flatten().tolist()]}
    return encode(t, 14)


def case(name, fn, x, **extra):
    """Runs fn on a leaf copy of x; fn returns the differentiable output, or (output, indices)."""
    leaf = x.clone().requires_grad_(True)
    out = fn(leaf)
    indices = None
    if isinstance(out, tuple):
        out, indices = out
    grad = rand(*out.shape)
    if out.requires_grad:
        (out * grad).sum().backward()
    entry = {"name": name, "input": encode(x), "grad": encode(grad), "output": result(out),
             "inputGrad": result(leaf.grad if leaf.grad is not None else torch.zeros_like(x)), **extra}
    if indices is not None:
        entry["indices"] = result(indices)
    return entry


with_zeros = torch.tensor([[1.5, 0.0, -2.0, 0.5], [0.0, 3.0, 0.0, -1.25], [2.0, -0.5, 1.5, 0.75]])
cumulative = [
    case("prod", lambda t: t.prod(), with_zeros[2]),
    case("prod", lambda t: t.prod(), with_zeros[0], note="one zero"),
    case("prod", lambda t: t.prod(1), with_zeros, dim=1),
    case("prod", lambda t: t.prod(0, keepdim=True), with_zeros, dim=0, keepDims=True),
    case("prod", lambda t: t.prod(1), rand(3, 5), dim=1),
    case("cumprod", lambda t: t.cumprod(1), with_zeros, dim=1),
    case("cumprod", lambda t: t.cumprod(0), with_zeros, dim=0),
    case("cumprod", lambda t: t.cumprod(0), torch.tensor([2.0, 0.0, 3.0, 0.0, 0.5, -1.0]), dim=0),
    case("cumprod", lambda t: t.cumprod(-1), rand(2, 6), dim=-1),
    case("cumsum", lambda t: t.cumsum(0), rand(4, 3), dim=0),
    case("cumsum", lambda t: t.cumsum(1), rand(4, 3), dim=1),
]

# A zero row (norm 0), an exact zero element and tied maxima of |x| (1.5 and -1.5).
norm_input = torch.tensor([[1.5, -0.25, 0.0, -1.5], [0.0, 0.0, 0.0, 0.0], [-2.0, 0.5, 1.25, 0.75]])
norms = []
for p in [2, 1, 3, 1.5, 0.5, -1, 0, math.inf, -math.inf]:
    for dim, keepdim in [(None, False), (1, False), ((0, 1), True), (0, False)]:
        norms.append(case("norm", lambda t, p=p, dim=dim, keepdim=keepdim: torch.linalg.vector_norm(t, p, dim, keepdim), norm_input,
                          p=number(float(p)), dim=dim, keepDims=keepdim))
norms.append(case("norm", lambda t: torch.norm(t, "fro", (0, 1)), norm_input, p="fro", dim=[0, 1], keepDims=False))
norms.append(case("norm", lambda t: torch.norm(t, "fro", 1, True), norm_input, p="fro", dim=1, keepDims=True))
norms.append(case("norm", lambda t: torch.linalg.vector_norm(t, 2.5, 1), rand(3, 4), p=2.5, dim=1, keepDims=False))

nan = float("nan")
ties = torch.tensor([1.0, 3.0, 3.0, 2.0, 3.0, 0.0, nan, 1.0, -math.inf, math.inf, 1.0])
ties2d = torch.tensor([[2.0, 1.0, 2.0, 0.5], [0.0, 5.0, 5.0, 5.0], [nan, 1.0, nan, 1.0]])
sorting = []
for descending in [False, True]:
    sorting.append(case("sort", lambda t, d=descending: tuple(torch.sort(t, descending=d, stable=True)), ties, dim=-1, descending=descending))
    sorting.append(case("sort", lambda t, d=descending: tuple(torch.sort(t, dim=1, descending=d, stable=True)), ties2d, dim=1, descending=descending))
    sorting.append(case("sort", lambda t, d=descending: tuple(torch.sort(t, dim=0, descending=d, stable=True)), ties2d, dim=0, descending=descending))
for largest in [True, False]:
    sorting.append(case("topk", lambda t, l=largest: tuple(torch.topk(t, 4, largest=l)), ties, k=4, dim=-1, largest=largest))
    sorting.append(case("topk", lambda t, l=largest: tuple(torch.topk(t, 2, 1, largest=l)), ties2d[:2], k=2, dim=1, largest=largest))
for op in ["max", "min"]:
    sorting.append(case(op, lambda t, op=op: tuple(getattr(torch, op)(t, 1)), ties2d, dim=1, keepDims=False))
    sorting.append(case(op, lambda t, op=op: tuple(getattr(torch, op)(t, 0, keepdim=True)), ties2d[:2], dim=0, keepDims=True))
    sorting.append(case(op, lambda t, op=op: getattr(torch, op)(t), ties2d[:2]))

F = torch.nn.functional
grid = torch.tensor([-30.0, -8.0, -3.0, -1.0, -0.5, -1e-3, 0.0, 1e-3, 0.25, 1.0, 2.5, 4.0, 9.0, 30.0])
threshold_grid = torch.tensor([-6.0, -1.0, 0.0, 2.0, 2.4999, 2.5, 2.5001, 3.0, 10.0, 19.9, 20.0, 20.1, 50.0])
bounds_grid = torch.tensor([-3.0, -2.0, -1.0, -0.999, 0.0, 0.5, 0.999, 1.0, 1.5, 2.0])
activations = [
    case("gelu", lambda t: F.gelu(t), grid, approximate="none"),
    case("gelu", lambda t: F.gelu(t, approximate="tanh"), grid, approximate="tanh"),
    case("silu", F.silu, grid),
    case("elu", lambda t: F.elu(t), grid, alpha=1.0),
    case("elu", lambda t: F.elu(t, 0.5), grid, alpha=0.5),
    case("selu", F.selu, grid),
    case("softplus", lambda t: F.softplus(t), threshold_grid, beta=1.0, threshold=20.0),
    case("softplus", lambda t: F.softplus(t, 2.0, 5.0), threshold_grid, beta=2.0, threshold=5.0),
    case("softplus", lambda t: F.softplus(t, 0.5, 1.0), threshold_grid, beta=0.5, threshold=1.0),
    case("hardtanh", F.hardtanh, bounds_grid, minVal=-1.0, maxVal=1.0),
    case("hardtanh", lambda t: F.hardtanh(t, -2.0, 0.5), bounds_grid, minVal=-2.0, maxVal=0.5),
    case("mish", F.mish, grid),
    case("erf", torch.erf, grid),
    case("expm1", torch.expm1, torch.tensor([-30.0, -1.0, -1e-8, 0.0, 1e-10, 1e-3, 0.5, 3.0])),
]

variance_input = rand(3, 5)
variances = []
for op in ["var", "std"]:
    for correction, dim, keepdim in [(0, None, False), (1, None, False), (2, 1, False), (0, 0, True), (1, (0, 1), True), (3, 1, True)]:
        variances.append(case(op, lambda t, op=op, c=correction, d=dim, k=keepdim: getattr(torch, op)(t, d, correction=c, keepdim=k), variance_input,
                              correction=correction, dim=dim, keepDims=keepdim))
    variances.append(case(op, lambda t, op=op: getattr(torch, op)(t, 1, unbiased=False), variance_input, unbiased=False, dim=1, keepDims=False))

fixture = {"torch": torch.__version__, "cumulative": cumulative, "norms": norms, "sorting": sorting, "activations": activations,
           "variances": variances, # selu(1) is the scale and selu(-1000) is -scale * alpha, to all digits.
           "seluConstants": F.selu(torch.tensor([1.0, -1000.0])).tolist()}
write_json(OUT, fixture, allow_nan=False)
