"""Writes test/fixtures/conv/*.json: PyTorch's own outputs and gradients of its convolutions and
poolings, for test/ops/conv-torch.test.ts to compare nabla against.

Run with Debian's PyTorch (apt-get install python3-torch; generated with torch 1.13), from the
repository root (the `python3` on PATH may be a pyenv without torch):
    /usr/bin/python3 scripts/torch/conv_fixtures.py

Everything is float64. Inputs, weights, biases and the upstream gradient come from one seeded
torch.Generator, rounded to 4 decimals (short JSON, and the same doubles once parsed by
JavaScript), and are written into the JSON so that nabla uses exactly the same numbers. Each case
names nabla's function and its options (camelCase); the PyTorch call is built from them here.
Results are written with 14 significant digits (the tests compare to 1e-10). NaN is written as null.
"""
import warnings

import torch
import torch.nn.functional as F

import fixtures_common
from fixtures_common import fixture_path, rounded_sampler, setup, write_json

warnings.filterwarnings("ignore", message="Using padding='same'")
generator = setup(20240612)
randn = rounded_sampler(generator)


def rand(shape, relu=False):
    x = randn(*shape)
    # "After a ReLU": relu(x - 0.5), so that about 70% are zeros and many windows are all zeros (ties).
    return (x - 0.5).clamp_min(0) if relu else x


def encode(t):
    return fixtures_common.encode(t, nan_as_null=True)


def result(t):
    return fixtures_common.result(t, 14, nan_as_null=True)


def torch_options(options, rename):
    return {rename.get(k, k): (tuple(v) if isinstance(v, list) else v) for k, v in options.items()}


def side_pads_torch(padding, d):
    """nabla's per-side padding ([left, right] / [top, bottom, left, right]) in F.pad's order (last axis first)."""
    pads = []
    for axis in reversed(range(d)):
        pads += [padding[2 * axis], padding[2 * axis + 1]]
    return pads


CONV_FUNCTIONS = {"conv1d": (F.conv1d, 1), "conv2d": (F.conv2d, 2)}
TRANSPOSE_FUNCTIONS = {"convTranspose1d": (F.conv_transpose1d, 1), "convTranspose2d": (F.conv_transpose2d, 2)}


def conv_case(name, op, input_shape, weight_shape, bias=True, **options):
    transposed = op in TRANSPOSE_FUNCTIONS
    fn, d = (TRANSPOSE_FUNCTIONS if transposed else CONV_FUNCTIONS)[op]
    x = rand(input_shape).requires_grad_()
    w = rand(weight_shape).requires_grad_()
    groups = options.get("groups", 1)
    out_channels = weight_shape[1] * groups if transposed else weight_shape[0]
    b = rand([out_channels]).requires_grad_() if bias else None
    padding = options.get("padding")
    if not transposed and isinstance(padding, list) and len(padding) == 2 * d:
        # PyTorch has no per-side padding in its convolutions: pad first, then convolve.
        rest = {k: v for k, v in options.items() if k != "padding"}
        y = fn(F.pad(x, side_pads_torch(padding, d)), w, b, **torch_options(rest, {}))
    else:
        y = fn(x, w, b, **torch_options(options, {"outputPadding": "output_padding"}))
    g = rand(y.shape)
    y.backward(g)
    case = {
        "name": name, "op": op, "options": options,
        "input": encode(x), "weight": encode(w), "bias": encode(b) if bias else None,
        "gradOutput": encode(g), "output": result(y),
        "grads": {"input": result(x.grad), "weight": result(w.grad), **({"bias": result(b.grad)} if bias else {})},
    }
    return case


POOL_RENAME = {"kernelSize": "kernel_size", "ceilMode": "ceil_mode", "countIncludePad": "count_include_pad", "divisorOverride": "divisor_override"}


def pool_call(op, x, options):
    kwargs = torch_options(options, POOL_RENAME)
    if op == "maxPool1d":
        return F.max_pool1d(x, **kwargs)
    if op == "maxPool2d":
        return F.max_pool2d(x, **kwargs)
    if op == "avgPool1d":
        if "divisor_override" in kwargs:
            # F.avg_pool1d has no divisor_override: the same pooling as a 2-D one over a height-1 image.
            first = {"kernel_size": 1, "stride": 1, "padding": 0}
            kw2 = {key: ((first[key], *(v if isinstance(v, tuple) else (v,))) if key in first else v) for key, v in kwargs.items()}
            return F.avg_pool2d(x.unsqueeze(-2), **kw2).squeeze(-2)
        return F.avg_pool1d(x, **kwargs)
    if op == "avgPool2d":
        return F.avg_pool2d(x, **kwargs)
    if op == "adaptiveAvgPool1d":
        return F.adaptive_avg_pool1d(x, kwargs["outputSize"])
    if op == "adaptiveAvgPool2d":
        return F.adaptive_avg_pool2d(x, kwargs["outputSize"])
    raise ValueError(op)


def pool_case(name, op, input_shape, relu=False, nan_at=(), **options):
    x = rand(input_shape, relu=relu)
    for index in nan_at:
        x[index] = float("nan")
    x.requires_grad_()
    y = pool_call(op, x, options)
    g = rand(y.shape)
    y.backward(g)
    return {
        "name": name, "op": op, "options": options,
        "input": encode(x), "gradOutput": encode(g), "output": result(y), "grads": {"input": result(x.grad)},
    }


conv = [
    # conv1d: input [N, C_in, L], weight [C_out, C_in/groups, k]
    conv_case("1d basic", "conv1d", [2, 3, 8], [2, 3, 3]),
    conv_case("1d stride 2, padding 1", "conv1d", [2, 3, 8], [2, 3, 3], stride=2, padding=1),
    conv_case("1d stride 3, padding [2] per axis, no bias", "conv1d", [2, 2, 9], [3, 2, 4], bias=False, stride=3, padding=[2]),
    conv_case("1d dilation 2, stride 2", "conv1d", [2, 2, 11], [2, 2, 3], stride=2, dilation=2),
    conv_case("1d same, even kernel", "conv1d", [2, 2, 7], [3, 2, 4], padding="same"),
    conv_case("1d same, dilation 2", "conv1d", [1, 2, 7], [2, 2, 3], padding="same", dilation=2),
    conv_case("1d same, even dilated kernel (odd total)", "conv1d", [1, 2, 8], [2, 2, 2], padding="same", dilation=3),
    conv_case("1d valid", "conv1d", [2, 2, 6], [2, 2, 3], padding="valid"),
    conv_case("1d groups 2", "conv1d", [2, 4, 7], [6, 2, 3], groups=2, padding=1),
    conv_case("1d depthwise", "conv1d", [2, 3, 7], [3, 1, 3], groups=3),
    conv_case("1d depthwise, multiplier 2", "conv1d", [2, 3, 7], [6, 1, 2], groups=3, stride=2),
    conv_case("1d unbatched", "conv1d", [3, 9], [2, 3, 3], padding=1, stride=2),
    conv_case("1d per-side padding [2, 0]", "conv1d", [2, 2, 7], [2, 2, 3], padding=[2, 0], stride=2),
    conv_case("1d per-side padding [0, 3], dilation 2", "conv1d", [1, 2, 6], [2, 2, 3], padding=[0, 3], dilation=2),
    conv_case("1d kernel 1", "conv1d", [2, 3, 5], [4, 3, 1]),
    conv_case("1d padding larger than the kernel", "conv1d", [1, 2, 4], [2, 2, 2], padding=3, stride=2),
    # conv2d: input [N, C_in, H, W], weight [C_out, C_in/groups, k_h, k_w]
    conv_case("2d basic", "conv2d", [2, 3, 5, 6], [2, 3, 3, 3]),
    conv_case("2d stride 2, padding 1", "conv2d", [2, 2, 6, 5], [3, 2, 3, 3], stride=2, padding=1),
    conv_case("2d rectangular kernel, stride [2, 1], padding [1, 2]", "conv2d", [1, 2, 6, 5], [2, 2, 2, 3], stride=[2, 1], padding=[1, 2]),
    conv_case("2d dilation [2, 1]", "conv2d", [2, 2, 7, 5], [2, 2, 3, 2], dilation=[2, 1]),
    conv_case("2d stride 2, dilation 2, padding 2, no bias", "conv2d", [1, 2, 7, 6], [2, 2, 3, 3], bias=False, stride=2, dilation=2, padding=2),
    conv_case("2d same, kernel [3, 4], dilation [1, 2]", "conv2d", [1, 2, 5, 6], [2, 2, 3, 4], padding="same", dilation=[1, 2]),
    conv_case("2d same, kernel 2", "conv2d", [2, 1, 4, 5], [2, 1, 2, 2], padding="same"),
    conv_case("2d valid, stride 3", "conv2d", [1, 2, 7, 8], [2, 2, 2, 3], padding="valid", stride=3),
    conv_case("2d groups 2", "conv2d", [2, 4, 5, 5], [4, 2, 3, 3], groups=2, padding=1),
    conv_case("2d depthwise, no bias", "conv2d", [2, 3, 5, 5], [3, 1, 3, 3], bias=False, groups=3),
    conv_case("2d depthwise, multiplier 2, stride 2", "conv2d", [1, 3, 6, 6], [6, 1, 3, 3], groups=3, stride=2, padding=1),
    conv_case("2d unbatched", "conv2d", [3, 5, 5], [2, 3, 3, 3], padding=1),
    conv_case("2d per-side padding [1, 0, 2, 1], stride 2", "conv2d", [2, 2, 5, 5], [2, 2, 3, 3], padding=[1, 0, 2, 1], stride=2),
    conv_case("2d per-side padding [0, 2, 0, 0], groups 2", "conv2d", [1, 4, 4, 4], [2, 2, 3, 2], padding=[0, 2, 0, 0], groups=2),
    conv_case("2d 1x1 kernel, stride 2", "conv2d", [2, 3, 5, 4], [4, 3, 1, 1], stride=2),
    conv_case("2d kernel as large as the padded input", "conv2d", [1, 2, 3, 4], [2, 2, 5, 4], padding=[1, 0]),
]

conv_transpose = [
    # convTranspose1d: input [N, C_in, L], weight [C_in, C_out/groups, k]
    conv_case("t1d basic", "convTranspose1d", [2, 3, 5], [3, 2, 3]),
    conv_case("t1d stride 2", "convTranspose1d", [2, 2, 4], [2, 3, 3], stride=2),
    conv_case("t1d stride 2, padding 1, outputPadding 1", "convTranspose1d", [2, 2, 4], [2, 2, 3], stride=2, padding=1, outputPadding=1),
    conv_case("t1d stride 3, padding 2, outputPadding 2, dilation 2", "convTranspose1d", [1, 2, 4], [2, 2, 3], stride=3, padding=2, outputPadding=2, dilation=2),
    conv_case("t1d dilation 2, outputPadding 1 (below the dilation)", "convTranspose1d", [1, 2, 4], [2, 2, 3], dilation=2, outputPadding=1),
    conv_case("t1d outputPadding above the padding", "convTranspose1d", [2, 2, 3], [2, 2, 2], stride=2, outputPadding=1),
    conv_case("t1d groups 2", "convTranspose1d", [2, 4, 4], [4, 3, 3], groups=2, stride=2, padding=1),
    conv_case("t1d depthwise, unbatched, no bias", "convTranspose1d", [3, 5], [3, 1, 3], bias=False, groups=3, stride=2),
    # convTranspose2d: input [N, C_in, H, W], weight [C_in, C_out/groups, k_h, k_w]
    conv_case("t2d basic", "convTranspose2d", [2, 2, 3, 4], [2, 3, 3, 3]),
    conv_case("t2d stride 2, padding 1, outputPadding 1", "convTranspose2d", [1, 2, 3, 3], [2, 2, 3, 3], stride=2, padding=1, outputPadding=1),
    conv_case("t2d stride [2, 3], padding [0, 1], outputPadding [1, 2], kernel [3, 2]", "convTranspose2d", [2, 2, 3, 3], [2, 2, 3, 2], stride=[2, 3], padding=[0, 1], outputPadding=[1, 2]),
    conv_case("t2d dilation [2, 1], stride 2", "convTranspose2d", [1, 2, 3, 3], [2, 2, 2, 3], dilation=[2, 1], stride=2),
    conv_case("t2d groups 2, stride 2", "convTranspose2d", [1, 4, 3, 3], [4, 2, 2, 2], groups=2, stride=2),
    conv_case("t2d depthwise", "convTranspose2d", [2, 3, 3, 3], [3, 1, 3, 3], groups=3, padding=1),
    conv_case("t2d unbatched, no bias", "convTranspose2d", [2, 3, 3], [2, 2, 3, 3], bias=False, stride=2),
    conv_case("t2d kernel 5, padding 2", "convTranspose2d", [1, 2, 4, 3], [2, 2, 5, 5], padding=2),
]

pool = [
    pool_case("max1d kernel 2", "maxPool1d", [2, 3, 8], kernelSize=2),
    pool_case("max1d kernel 3, stride 2, padding 1", "maxPool1d", [2, 2, 9], kernelSize=3, stride=2, padding=1),
    pool_case("max1d kernel 3, stride 1, dilation 2", "maxPool1d", [2, 2, 9], kernelSize=3, stride=1, dilation=2),
    pool_case("max1d ceil mode", "maxPool1d", [1, 2, 8], kernelSize=3, stride=2, ceilMode=True),
    pool_case("max1d ceil mode, last window dropped (it would start in the padding)", "maxPool1d", [1, 2, 5], kernelSize=2, stride=2, padding=1, ceilMode=True),
    pool_case("max1d ceil mode, dilation 2, padding 1", "maxPool1d", [1, 2, 10], kernelSize=3, stride=3, padding=1, dilation=2, ceilMode=True),
    pool_case("max1d ties after ReLU, overlapping windows", "maxPool1d", [2, 3, 10], relu=True, kernelSize=3, stride=1),
    pool_case("max1d ties after ReLU, padding 1", "maxPool1d", [2, 3, 9], relu=True, kernelSize=3, stride=2, padding=1),
    pool_case("max1d NaN", "maxPool1d", [1, 2, 9], nan_at=[(0, 0, 1), (0, 1, 6)], kernelSize=3, stride=2),
    pool_case("max1d unbatched", "maxPool1d", [3, 7], kernelSize=2, stride=1),
    pool_case("max1d stride larger than the kernel, ceil mode", "maxPool1d", [1, 2, 10], kernelSize=2, stride=3, ceilMode=True),
    pool_case("max2d kernel 2", "maxPool2d", [2, 2, 6, 6], kernelSize=2),
    pool_case("max2d kernel 3, stride 2, padding 1", "maxPool2d", [2, 2, 7, 6], kernelSize=3, stride=2, padding=1),
    pool_case("max2d kernel [2, 3], stride [1, 2], dilation [2, 1]", "maxPool2d", [1, 2, 7, 7], kernelSize=[2, 3], stride=[1, 2], dilation=[2, 1]),
    pool_case("max2d ceil mode", "maxPool2d", [1, 2, 6, 7], kernelSize=3, stride=2, ceilMode=True),
    pool_case("max2d ceil mode, padding [1, 0], last row dropped", "maxPool2d", [1, 1, 5, 6], kernelSize=2, stride=2, padding=[1, 0], ceilMode=True),
    pool_case("max2d ties after ReLU, kernel 3, stride 1, padding 1", "maxPool2d", [2, 2, 6, 5], relu=True, kernelSize=3, stride=1, padding=1),
    pool_case("max2d ties after ReLU, kernel 2", "maxPool2d", [2, 2, 6, 6], relu=True, kernelSize=2),
    pool_case("max2d NaN", "maxPool2d", [1, 2, 6, 6], nan_at=[(0, 0, 1, 1), (0, 1, 4, 3)], kernelSize=3, stride=2, padding=1),
    pool_case("max2d unbatched", "maxPool2d", [2, 5, 5], kernelSize=2, stride=1),
    pool_case("avg1d kernel 3", "avgPool1d", [2, 3, 9], kernelSize=3),
    pool_case("avg1d kernel 3, stride 2, padding 1", "avgPool1d", [2, 2, 8], kernelSize=3, stride=2, padding=1),
    pool_case("avg1d padding 1, countIncludePad false", "avgPool1d", [2, 2, 8], kernelSize=3, stride=2, padding=1, countIncludePad=False),
    pool_case("avg1d ceil mode, padding 1", "avgPool1d", [1, 2, 8], kernelSize=3, stride=2, padding=1, ceilMode=True),
    pool_case("avg1d ceil mode, padding 1, countIncludePad false", "avgPool1d", [1, 2, 8], kernelSize=3, stride=2, padding=1, ceilMode=True, countIncludePad=False),
    pool_case("avg1d ceil mode, no padding", "avgPool1d", [1, 2, 7], kernelSize=3, stride=2, ceilMode=True),
    pool_case("avg1d divisorOverride", "avgPool1d", [1, 2, 7], kernelSize=3, stride=2, padding=1, divisorOverride=2),
    pool_case("avg1d unbatched", "avgPool1d", [3, 6], kernelSize=2),
    pool_case("avg2d kernel 2", "avgPool2d", [2, 2, 6, 6], kernelSize=2),
    pool_case("avg2d kernel 3, stride 2, padding 1", "avgPool2d", [1, 2, 7, 6], kernelSize=3, stride=2, padding=1),
    pool_case("avg2d padding 1, countIncludePad false", "avgPool2d", [1, 2, 7, 6], kernelSize=3, stride=2, padding=1, countIncludePad=False),
    pool_case("avg2d ceil mode, padding 1", "avgPool2d", [1, 2, 6, 7], kernelSize=3, stride=2, padding=1, ceilMode=True),
    pool_case("avg2d ceil mode, padding 1, countIncludePad false", "avgPool2d", [1, 2, 6, 7], kernelSize=3, stride=2, padding=1, ceilMode=True, countIncludePad=False),
    pool_case("avg2d kernel [2, 3], stride [1, 2], padding [1, 1]", "avgPool2d", [1, 2, 5, 6], kernelSize=[2, 3], stride=[1, 2], padding=[1, 1]),
    pool_case("avg2d divisorOverride 5, padding 1", "avgPool2d", [1, 2, 5, 5], kernelSize=3, stride=2, padding=1, divisorOverride=5),
    pool_case("avg2d unbatched, ceil mode", "avgPool2d", [2, 5, 5], kernelSize=2, ceilMode=True),
    pool_case("avg2d stride larger than the kernel, ceil mode, padding 1", "avgPool2d", [1, 1, 7, 8], kernelSize=2, stride=3, padding=1, ceilMode=True, countIncludePad=False),
    pool_case("adaptive1d 7 -> 3", "adaptiveAvgPool1d", [2, 2, 7], outputSize=3),
    pool_case("adaptive1d 7 -> 4", "adaptiveAvgPool1d", [2, 2, 7], outputSize=4),
    pool_case("adaptive1d 3 -> 5 (larger than the input)", "adaptiveAvgPool1d", [1, 2, 3], outputSize=5),
    pool_case("adaptive1d unbatched, 5 -> [2]", "adaptiveAvgPool1d", [3, 5], outputSize=[2]),
    pool_case("adaptive2d [7, 6] -> [3, 4]", "adaptiveAvgPool2d", [1, 2, 7, 6], outputSize=[3, 4]),
    pool_case("adaptive2d [5, 7] -> [null, 3]", "adaptiveAvgPool2d", [2, 2, 5, 7], outputSize=[None, 3]),
    pool_case("adaptive2d [5, 6] -> [4, null]", "adaptiveAvgPool2d", [1, 2, 5, 6], outputSize=[4, None]),
    pool_case("adaptive2d [6, 6] -> 2", "adaptiveAvgPool2d", [1, 3, 6, 6], outputSize=2),
    pool_case("adaptive2d [3, 2] -> [5, 3], unbatched", "adaptiveAvgPool2d", [2, 3, 2], outputSize=[5, 3]),
]

for file, cases in [("conv.json", conv), ("conv_transpose.json", conv_transpose), ("pool.json", pool)]:
    write_json(fixture_path("conv", file), {"torch_version": torch.__version__, "cases": cases}, note=f"{len(cases)} cases",
               separators=(",", ":"), allow_nan=False)
