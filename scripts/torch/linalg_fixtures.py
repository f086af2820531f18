"""Writes test/fixtures/linalg.json: PyTorch's own numbers for torch.linalg's solve, solve_triangular,
inv, det, slogdet, cholesky, qr and lstsq, and for closed-form ridge regression, for
test/linalg/torch.test.ts to compare nb.linalg and nb.ridge against.

Run with Debian's PyTorch (apt-get install python3-torch; generated with torch 1.13), from the
repository root (the `python3` on PATH may be a pyenv without torch):
    /usr/bin/python3 scripts/torch/linalg_fixtures.py

Everything is float64. Inputs and upstream gradients come from one seeded torch.Generator, rounded
to 4 decimals, and are written into the JSON so that nabla uses exactly the same numbers. Each case
holds the outputs and the gradients of sum(output * grad) (summed over the outputs) with respect to
each input. Results are written with 14 significant digits (the tests compare to 1e-9).
"""
import torch

from fixtures_common import encode, fixture_path, result, round4, rounded_sampler, setup, write_json

generator = setup(20240614)
rand = rounded_sampler(generator)
OUT = fixture_path("linalg.json")


def well_conditioned(*shape):
    """Square matrices with a dominant diagonal (of either sign), far from singular."""
    n = shape[-1]
    signs = torch.where(torch.arange(n) % 2 == 0, 1.0, -1.0)
    return rand(*shape) + 3 * torch.diag(signs)


def spd(*shape):
    m = rand(*shape)
    return round4(m @ m.mT + torch.eye(shape[-1]))


def case(fn, inputs, options=None, name=None):
    """fn(*inputs) -> dict of named outputs; gradients of sum(output * grad) over all outputs that carry one."""
    leaves = [x.clone().requires_grad_(True) for x in inputs]
    outputs = fn(*leaves)
    grads = {key: rand(*value.shape) for key, value in outputs.items() if value.requires_grad}
    sum(((outputs[key] * g).sum() for key, g in grads.items()), torch.zeros(())).backward()
    return {
        "name": name,
        "options": options or {},
        "inputs": [encode(x) for x in inputs],
        "outputs": {key: result(value) for key, value in outputs.items()},
        "grads": {key: encode(g) for key, g in grads.items()},
        "inputGrads": [result(x.grad) for x in leaves],
    }


def positive_qr(a):
    """torch.linalg.qr with the signs fixed so that diag(R) > 0, as nabla returns it."""
    q, r = torch.linalg.qr(a)
    signs = torch.sign(torch.diagonal(r, dim1=-2, dim2=-1)).detach()
    return {"Q": q * signs.unsqueeze(-2), "R": r * signs.unsqueeze(-1)}


def ridge(x, y, lam, fit_intercept):
    """The normal equations, (X^T X + lambda I)^-1 X^T y, with sklearn's centering for the intercept."""
    vector = y.dim() == 1
    y2 = y.unsqueeze(-1) if vector else y
    if fit_intercept:
        x_mean, y_mean = x.mean(0, keepdim=True), y2.mean(0, keepdim=True)
        x, y2 = x - x_mean, y2 - y_mean
    coef = torch.linalg.solve(x.mT @ x + lam * torch.eye(x.shape[1]), x.mT @ y2)
    out = {"coef": coef.squeeze(-1) if vector else coef}
    if fit_intercept:
        intercept = (y_mean - x_mean @ coef).squeeze(0)
        out["intercept"] = intercept.squeeze(-1) if vector else intercept
    return out


def upper(a):
    return torch.triu(a) + 2 * torch.eye(a.shape[-1])


fixture = {
    "torch": torch.__version__,
    "solve": [
        case(lambda a, b: {"X": torch.linalg.solve(a, b)}, [well_conditioned(2, 3, 3), rand(2, 3, 2)], name="batched"),
        case(lambda a, b: {"X": torch.linalg.solve(a, b)}, [well_conditioned(3, 3), rand(2, 3, 2)], name="A broadcast over B's batch"),
        case(lambda a, b: {"X": torch.linalg.solve(a, b)}, [well_conditioned(2, 4, 4), rand(4)], name="vector B"),
    ],
    "solveTriangular": [
        case(lambda a, b: {"X": torch.linalg.solve_triangular(a, b, upper=True)}, [upper(rand(2, 3, 3)), rand(2, 3, 2)], {"upper": True}, name="upper"),
        case(lambda a, b: {"X": torch.linalg.solve_triangular(a, b, upper=False)}, [upper(rand(2, 3, 3)).mT, rand(3, 1)], {"upper": False}, name="lower, B broadcast"),
    ],
    "inv": [
        case(lambda a: {"X": torch.linalg.inv(a)}, [well_conditioned(2, 3, 3)], name="batched"),
        case(lambda a: {"X": torch.linalg.inv(a)}, [well_conditioned(4, 4)], name="single"),
    ],
    "det": [
        case(lambda a: {"det": torch.linalg.det(a)}, [well_conditioned(2, 3, 3)], name="batched"),
        case(lambda a: {"det": torch.linalg.det(a)}, [well_conditioned(2, 2, 4, 4)], name="two batch dimensions"),
    ],
    "slogdet": [
        case(lambda a: dict(zip(["sign", "logabsdet"], torch.linalg.slogdet(a))), [well_conditioned(3, 3, 3)], name="batched"),
    ],
    "cholesky": [
        case(lambda a: {"L": torch.linalg.cholesky(a)}, [spd(2, 3, 3)], name="batched"),
        case(lambda a: {"U": torch.linalg.cholesky(a, upper=True)}, [spd(2, 4, 4)], {"upper": True}, name="upper"),
    ],
    "qr": [
        case(positive_qr, [rand(2, 4, 3)], name="tall, batched"),
        case(positive_qr, [rand(3, 3)], name="square"),
        case(positive_qr, [rand(2, 3, 5)], name="wide, batched"),
    ],
    "lstsq": [
        case(lambda a, b: {"solution": torch.linalg.lstsq(a, b).solution}, [rand(2, 5, 3), rand(2, 5, 2)], name="batched"),
        # torch 1.13's lstsq backward fails for a vector B, so it is solved as one column.
        case(lambda a, b: {"solution": torch.linalg.lstsq(a, b.unsqueeze(-1)).solution.squeeze(-1)}, [rand(6, 4), rand(6)], name="vector B"),
        case(lambda a, b: {"solution": torch.linalg.lstsq(a, b).solution}, [well_conditioned(3, 3), rand(3, 2)], name="square"),
    ],
    "ridge": [
        case(lambda x, y: ridge(x, y, 0.5, False), [rand(8, 3), rand(8)], {"lambda": 0.5, "fitIntercept": False}, name="vector y"),
        case(lambda x, y: ridge(x, y, 2.0, False), [rand(7, 4), rand(7, 2)], {"lambda": 2.0, "fitIntercept": False}, name="two targets"),
        case(lambda x, y: ridge(x, y, 0.5, True), [rand(8, 3), rand(8) + 3], {"lambda": 0.5, "fitIntercept": True}, name="intercept, vector y"),
        case(lambda x, y: ridge(x, y, 1.0, True), [rand(9, 3), rand(9, 2)], {"lambda": 1.0, "fitIntercept": True}, name="intercept, two targets"),
        case(lambda x, y: ridge(x, y, 0.0, False), [rand(6, 3), rand(6)], {"lambda": 0.0, "fitIntercept": False}, name="lambda 0"),
    ],
}

write_json(OUT, fixture)
