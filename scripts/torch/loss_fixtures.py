"""Writes test/fixtures/losses.json: PyTorch's values and gradients for the losses, for
test/nn/losses-torch.test.ts to compare nabla against.

Run with Debian's PyTorch (apt-get install python3-torch; generated with torch 1.13), from the
repository root (the `python3` on PATH may be a pyenv without torch):
    /usr/bin/python3 scripts/torch/loss_fixtures.py

Everything is float64. Inputs come from one seeded torch.Generator, rounded to 4 decimals, and are
written into the JSON so that nabla uses exactly the same numbers. Each case's gradients are those
of sum(output * outGrad) (outGrad = 1 for a reduced, 0-d output). Results have 13 significant
digits; NaN is written as null (JSON has no NaN).
"""
import itertools
import warnings

import torch
import torch.nn.functional as F

import fixtures_common
from fixtures_common import encode, fixture_path, rounded_sampler, setup, write_json

warnings.filterwarnings("ignore")  # kl_div's advice about reduction='mean'
generator = setup(20261202)
randn = rounded_sampler(generator)  # normal
rand = rounded_sampler(generator, torch.rand)  # uniform on [0, 1)
OUT = fixture_path("losses.json")
REDUCTIONS = ["mean", "sum", "none"]


def result(t):
    return fixtures_common.result(t, 13, nan_as_null=True)


def run(fn, tensors, out_grad):
    """fn's output and the gradients of sum(output * out_grad) for each float tensor of `tensors`."""
    leaves = {k: v.clone().requires_grad_(True) for k, v in tensors.items()}
    out = fn(**leaves)
    upstream = out_grad if out.dim() > 0 else torch.tensor(1.0)
    (out * upstream).sum().backward()
    grads = {f"{k}Grad": result(v.grad) for k, v in leaves.items()}
    return {"output": result(out), **grads}


# crossEntropy and nllLoss with class-index targets. C = 3 classes; per layout one input, one
# upstream gradient for reduction 'none', and targets in four variants: all in range, some at the
# default ignoreIndex -100, some equal to ignoreIndex 1 (a real class), some at ignoreIndex 7 (outside).
C = 3
LAYOUTS = {"[C]": (C,), "[N, C]": (4, C), "[N, C, d1]": (2, C, 3), "[N, C, d1, d2]": (2, C, 2, 2)}
VARIANTS = {"plain": None, "ignoreDefault": -100, "ignoreClass": 1, "ignoreOutside": 7}
weight = rand(C) + 0.25
layouts = {}
for name, shape in LAYOUTS.items():
    loss_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    classes = torch.randint(0, C, loss_shape, generator=generator)
    flat = classes.flatten().clone()
    targets = {"plain": classes}
    for variant, index in VARIANTS.items():
        if index is None:
            continue
        t = flat.clone()
        if variant == "ignoreClass":
            t[0] = 1  # some targets equal the ignored class, others stay
        else:
            t[:: 2] = index
        targets[variant] = t.view(loss_shape)
    if name == "[C]":
        targets = {"plain": targets["plain"], "ignoreDefault": targets["ignoreDefault"]}  # one sample: kept, or ignored
    layouts[name] = {
        "input": randn(*shape, scale=2), "outGrad": randn(*loss_shape),
        "probs": torch.softmax(randn(*shape), dim=0 if len(shape) == 1 else 1).round(decimals=4),
        "targets": targets,
    }

index_cases = []
for (name, layout), loss, with_weight, smoothing, reduction in itertools.product(layouts.items(), ["crossEntropy", "nllLoss"], [False, True], [0.0, 0.15], REDUCTIONS):
    if loss == "nllLoss" and smoothing > 0:
        continue
    for variant, target in layout["targets"].items():
        ignore_index = VARIANTS[variant]
        kwargs = {"reduction": reduction, "weight": weight if with_weight else None, "ignore_index": -100 if ignore_index is None else ignore_index}
        if loss == "crossEntropy":
            fn = lambda input: F.cross_entropy(input, target, label_smoothing=smoothing, **kwargs)
        else:
            fn = lambda input: F.nll_loss(input, target, **kwargs)
        options = {"reduction": reduction, "weight": with_weight}
        if ignore_index not in (None, -100):
            options["ignoreIndex"] = ignore_index
        if smoothing > 0:
            options["labelSmoothing"] = smoothing
        index_cases.append({"loss": loss, "layout": name, "targets": variant, "options": options, **run(fn, {"input": layout["input"]}, layout["outGrad"])})

# crossEntropy with class-probability targets (the input's shape), with weights and smoothing.
probability_cases = []
for (name, layout), with_weight, smoothing, reduction in itertools.product(layouts.items(), [False, True], [0.0, 0.2], REDUCTIONS):
    fn = lambda input, target: F.cross_entropy(input, target, weight=weight if with_weight else None, label_smoothing=smoothing, reduction=reduction)
    options = {"reduction": reduction, "weight": with_weight}
    if smoothing > 0:
        options["labelSmoothing"] = smoothing
    probability_cases.append({"layout": name, "options": options, **run(fn, {"input": layout["input"], "target": layout["probs"]}, layout["outGrad"])})

classification = {
    "weight": encode(weight),
    "layouts": {
        name: {"input": encode(l["input"]), "outGrad": encode(l["outGrad"]), "probs": encode(l["probs"]), "targets": {k: encode(t) for k, t in l["targets"].items()}}
        for name, l in layouts.items()
    },
    "indexCases": index_cases,
    "probabilityCases": probability_cases,
}

# binaryCrossEntropyWithLogits: extreme and zero logits, weight and posWeight broadcast to the input.
bce_input = randn(3, 4, scale=3)
bce_input[0, 0], bce_input[1, 1], bce_input[2, 2] = 30.0, -30.0, 0.0
bce_target = rand(3, 4)
bce_target[0, 1], bce_target[1, 2] = 0.0, 1.0
bce_input_4d, bce_target_4d = randn(2, 3, 2, 2, scale=2), rand(2, 3, 2, 2)
bce_options = [
    ({}, bce_input, bce_target),
    ({"weight": rand(4) + 0.5}, bce_input, bce_target),
    ({"weight": rand(3, 1) + 0.5}, bce_input, bce_target),
    ({"posWeight": rand(4) * 3}, bce_input, bce_target),
    ({"posWeight": rand(3, 4) * 3, "weight": rand(4) + 0.5}, bce_input, bce_target),
    ({"posWeight": rand(3, 1, 1) * 3}, bce_input_4d, bce_target_4d),
]
bce_cases = []
for (extra, x, y), reduction in itertools.product(bce_options, REDUCTIONS):
    fn = lambda input, target: F.binary_cross_entropy_with_logits(input, target, weight=extra.get("weight"), pos_weight=extra.get("posWeight"), reduction=reduction)
    out_grad = randn(*x.shape)
    bce_cases.append({
        "input": encode(x), "target": encode(y), "reduction": reduction, **{k: encode(v) for k, v in extra.items()},
        "outGrad": encode(out_grad), **run(fn, {"input": x, "target": y}, out_grad),
    })

# The losses on input - target: differences of exactly 0, ±0.5, ±1 and ±2 (the thresholds) and others.
reg_target = randn(3, 4)
reg_diff = randn(3, 4, scale=2)
reg_diff.view(-1)[:6] = torch.tensor([0.0, 0.5, -1.0, 2.0, -0.5, 1.0])
reg_input = reg_target + reg_diff
reg_grad = randn(3, 4)
REGRESSION = [
    ("mseLoss", {}, lambda **kw: F.mse_loss(**kw)),
    ("l1Loss", {}, lambda **kw: F.l1_loss(**kw)),
    *[("huberLoss", {"delta": d}, lambda d=d, **kw: F.huber_loss(delta=d, **kw)) for d in [1.0, 0.5, 2.0]],
    *[("smoothL1Loss", {"beta": b}, lambda b=b, **kw: F.smooth_l1_loss(beta=b, **kw)) for b in [1.0, 0.5, 0.0]],
]
regression_cases = []
for (loss, params, torch_fn), reduction in itertools.product(REGRESSION, REDUCTIONS):
    fn = lambda input, target: torch_fn(input=input, target=target, reduction=reduction)
    regression_cases.append({"loss": loss, "options": {"reduction": reduction, **params}, **run(fn, {"input": reg_input, "target": reg_target}, reg_grad)})

# klDiv on log-probabilities, against probabilities (one of them 0, where PyTorch's target gradient
# is NaN, so only the input's is recorded) or positive ones, and against log-probabilities.
kl_input = torch.log_softmax(randn(3, 4), dim=1)
kl_probs = torch.softmax(randn(3, 4), dim=1).round(decimals=4)
kl_probs_with_zero = kl_probs.clone()
kl_probs_with_zero[1, 2] = 0.0
kl_log_target = torch.log_softmax(randn(3, 4), dim=1).round(decimals=4)
kl_grad = randn(3, 4)
kl_cases = []
for (target, log_target, target_grad), reduction in itertools.product(
        [(kl_probs, False, True), (kl_probs_with_zero, False, False), (kl_log_target, True, True)], ["mean", "sum", "none", "batchmean"]):
    tensors = {"input": kl_input, "target": target} if target_grad else {"input": kl_input}
    fn = lambda input, target=target: F.kl_div(input, target, reduction=reduction, log_target=log_target)
    kl_cases.append({"input": encode(kl_input), "target": encode(target), "options": {"reduction": reduction, "logTarget": log_target}, "outGrad": encode(kl_grad), **run(fn, tensors, kl_grad)})
kl_scalar = run(lambda input, target: F.kl_div(input, target, reduction="batchmean"), {"input": torch.tensor(-1.2), "target": torch.tensor(0.4)}, None)
kl_cases.append({"input": encode(torch.tensor(-1.2)), "target": encode(torch.tensor(0.4)), "options": {"reduction": "batchmean", "logTarget": False}, **kl_scalar})

regression = {"input": encode(reg_input), "target": encode(reg_target), "outGrad": encode(reg_grad), "cases": regression_cases}
write_json(OUT, {"torch": torch.__version__, "classification": classification, "binaryCrossEntropyWithLogits": bce_cases, "regression": regression, "klDiv": kl_cases},
           note=f"{len(index_cases)} class-index, {len(probability_cases)} probability, {len(bce_cases)} BCE, {len(regression_cases)} regression, {len(kl_cases)} klDiv cases",
           separators=(",", ":"))
