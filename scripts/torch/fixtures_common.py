"""Helpers shared by the scripts in scripts/torch/ that write PyTorch reference fixtures into
test/fixtures/. Not a script itself: each *_fixtures.py imports it (`import fixtures_common`
works because Python puts a script's own directory first on sys.path), e.g.

    from fixtures_common import encode, fixture_path, result, rounded_sampler, setup, write_json

    generator = setup(20240613)
    rand = rounded_sampler(generator)
    OUT = fixture_path("batchnorm.json")

Every script's fixture must stay byte for byte the same: after an edit here, copy test/fixtures/
aside, re-run every script and `diff -r` the fixtures against the copy.
"""
import json
import math
import os

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "test", "fixtures")


def setup(seed):
    """Makes float64 PyTorch's default dtype and returns a torch.Generator seeded with `seed`."""
    torch.set_default_dtype(torch.float64)
    return torch.Generator().manual_seed(seed)


def fixture_path(*parts):
    """The path of a file under test/fixtures/, e.g. fixture_path("conv", "pool.json")."""
    return os.path.join(FIXTURES, *parts)


def round4(t):
    """`t` rounded to 4 decimals: short in JSON, and the same doubles once JavaScript parses them."""
    return torch.round(t * 1e4) / 1e4


def rounded_sampler(generator, sample=torch.randn):
    """rand(*shape, scale=1.0): `sample` (torch.randn, or torch.rand) of that shape from `generator`,
    times `scale`, rounded to 4 decimals."""
    def rand(*shape, scale=1.0):
        return round4(sample(shape, generator=generator) * scale)
    return rand


def significant(v, digits):
    """The float `v` rounded to `digits` significant digits."""
    return float(f"{v:.{digits}g}")


def values(t, digits=None, nan_as_null=False):
    """t's elements as a flat list, optionally rounded to `digits` significant digits and with NaN
    written as None (null in JSON, which has no NaN)."""
    data = t.detach().flatten().tolist()
    if digits is not None:
        data = [significant(v, digits) for v in data]
    if nan_as_null:
        data = [None if math.isnan(v) else v for v in data]
    return data


def encode(t, digits=None, nan_as_null=False):
    """{"shape", "data"} of a tensor, exact unless `digits` is given (for inputs nabla must reuse)."""
    return {"shape": list(t.shape), "data": values(t, digits, nan_as_null)}


def result(t, digits=14, nan_as_null=False):
    """{"shape", "data"} of a computed tensor, with `digits` significant digits."""
    return encode(t, digits, nan_as_null)


def write_json(path, fixture, note=None, newline=True, **dump_options):
    """Writes `fixture` to `path` with json.dump(**dump_options), then a newline unless told not to,
    and prints the path and its size (and `note`)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(fixture, f, **dump_options)
        if newline:
            f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes{', ' + note if note else ''})")
