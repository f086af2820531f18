"""Writes test/fixtures/optim.json: PyTorch's own numbers for RMSprop, Adagrad, Adam/AdamW with
amsgrad and the learning-rate schedules LambdaLR, ExponentialLR, OneCycleLR and ReduceLROnPlateau,
for test/optim/torch-optimizers.test.ts and torch-schedules.test.ts to compare nabla against.

Run with Debian's PyTorch (apt-get install python3-torch; generated with torch 1.13), from the
repository root (the `python3` on PATH may be a pyenv without torch):
    /usr/bin/python3 scripts/torch/optim_fixtures.py

Optimizers: two float64 parameters (shapes [2, 3] and [4]) and one gradient per step for each, from
one seeded torch.Generator, rounded to 4 decimals and written into the JSON, so that nabla sets
exactly the same gradients. Each case records the parameters after every step and the final
per-parameter state, under nabla's camelCase names of PyTorch's state keys (square_avg -> squareAvg).
Options are written with nabla's names. Results have 15 significant digits (the tests compare to 1e-12).
"""
import torch

import fixtures_common
from fixtures_common import fixture_path, rounded_sampler, setup, significant, write_json

generator = setup(20261202)
rand = rounded_sampler(generator)
OUT = fixture_path("optim.json")
STEPS = 6


def values(t):
    return fixtures_common.values(t, 15)


def camel(name):
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def torch_name(name):
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


INITIAL = [rand(2, 3), rand(4)]
# Gradients shrink over the steps, so that the second moment estimates fall and amsgrad's maximum matters.
GRADS = [[rand(2, 3) * (1.5 - 0.2 * t), rand(4) * (1.5 - 0.2 * t)] for t in range(STEPS)]

OPTIMIZERS = {"RMSprop": torch.optim.RMSprop, "Adagrad": torch.optim.Adagrad, "Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW}


def torch_options(options):
    out = {}
    for key, value in options.items():
        out[torch_name(key)] = tuple(value) if isinstance(value, list) else value
    return out


def optimizer_case(name, options, groups=None):
    params = [p.clone().requires_grad_(True) for p in INITIAL]
    if groups is None:
        optimizer = OPTIMIZERS[name](params, **torch_options(options))
    else:
        optimizer = OPTIMIZERS[name]([{"params": [params[i]], **torch_options(g)} for i, g in enumerate(groups)], **torch_options(options))
    trajectory = []
    for grads in GRADS:
        for p, g in zip(params, grads):
            p.grad = g.clone()
        optimizer.step()
        trajectory.append([values(p) for p in params])
    state = []
    for p in params:
        entries = {}
        for key, value in optimizer.state[p].items():
            entries[camel(key)] = float(value) if key == "step" else values(value)
        state.append(entries)
    case = {"optimizer": name, "options": options, "trajectory": trajectory, "state": state}
    if groups is not None:
        case["groups"] = groups
    return case


optimizer_cases = [
    optimizer_case("RMSprop", {}),
    optimizer_case("RMSprop", {"lr": 0.05, "alpha": 0.9, "eps": 1e-6}),
    optimizer_case("RMSprop", {"lr": 0.02, "weightDecay": 0.1}),
    optimizer_case("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    optimizer_case("RMSprop", {"lr": 0.01, "centered": True}),
    optimizer_case("RMSprop", {"lr": 0.03, "alpha": 0.95, "momentum": 0.5, "centered": True, "weightDecay": 0.05, "eps": 1e-4}),
    optimizer_case("RMSprop", {"lr": 0.01}, groups=[{"momentum": 0.8}, {"lr": 0.1, "centered": True}]),
    optimizer_case("Adagrad", {}),
    optimizer_case("Adagrad", {"lr": 0.1, "lrDecay": 0.1}),
    optimizer_case("Adagrad", {"lr": 0.1, "weightDecay": 0.1}),
    optimizer_case("Adagrad", {"lr": 0.1, "initialAccumulatorValue": 0.5}),
    optimizer_case("Adagrad", {"lr": 0.1, "eps": 1e-3}),
    optimizer_case("Adagrad", {"lr": 0.2, "lrDecay": 0.05, "weightDecay": 0.02, "initialAccumulatorValue": 0.1, "eps": 1e-6}),
    optimizer_case("Adagrad", {"lr": 0.1, "initialAccumulatorValue": 0.2}, groups=[{"lrDecay": 0.5}, {"lr": 0.3, "weightDecay": 0.1}]),
    optimizer_case("Adam", {"lr": 0.1}),
    optimizer_case("Adam", {"lr": 0.1, "amsgrad": True}),
    optimizer_case("Adam", {"lr": 0.05, "betas": [0.8, 0.9], "eps": 1e-4, "weightDecay": 0.1, "amsgrad": True}),
    optimizer_case("AdamW", {"lr": 0.1}),
    optimizer_case("AdamW", {"lr": 0.1, "amsgrad": True}),
    optimizer_case("AdamW", {"lr": 0.05, "betas": [0.8, 0.9], "weightDecay": 0.2, "amsgrad": True}),
    optimizer_case("Adam", {"lr": 0.1}, groups=[{"amsgrad": True}, {"amsgrad": False}]),
]
amsgrad = next(c for c in optimizer_cases if c["optimizer"] == "Adam" and c["options"] == {"lr": 0.1, "amsgrad": True})
plain = next(c for c in optimizer_cases if c["optimizer"] == "Adam" and c["options"] == {"lr": 0.1})
assert amsgrad["trajectory"][-1] != plain["trajectory"][-1], "the gradients should make amsgrad differ from Adam"


def sgd(lr=0.1, momentum=0.9):
    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr, momentum=momentum)


def adam(lr=0.1, betas=(0.9, 0.999)):
    return torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=lr, betas=betas)


def rmsprop(lr=0.1, momentum=0.5):
    return torch.optim.RMSprop([torch.zeros(1, requires_grad=True)], lr=lr, momentum=momentum)


def momentum_of(optimizer):
    group = optimizer.param_groups[0]
    return group["betas"][0] if "betas" in group else group["momentum"]


def sequence(optimizer, scheduler, steps, momentum=False):
    """The learning rate (and momentum) at epochs 0..steps: right after construction, then after each step()."""
    lrs, momenta = [], []
    for e in range(steps + 1):
        if e > 0:
            optimizer.step()
            scheduler.step()
        lrs.append(significant(optimizer.param_groups[0]["lr"], 15))
        momenta.append(significant(momentum_of(optimizer), 15))
    return {"lr": lrs, "momentum": momenta} if momentum else {"lr": lrs}


# LambdaLR's functions, by the names the test gives them.
LAMBDAS = {"0.95^e": lambda e: 0.95 ** e, "1/(e+1)": lambda e: 1 / (e + 1), "e<3 ? 1 : 0.1": lambda e: 1.0 if e < 3 else 0.1}
lambda_cases = []
for name, fn in LAMBDAS.items():
    o = sgd()
    lambda_cases.append({"lambda": name, **sequence(o, torch.optim.lr_scheduler.LambdaLR(o, fn), 8)})

exponential_cases = []
for gamma in [0.9, 0.5]:
    o = sgd()
    exponential_cases.append({"gamma": gamma, **sequence(o, torch.optim.lr_scheduler.ExponentialLR(o, gamma), 8)})

# OneCycleLR: the optimizer, its lr and momentum before the schedule, and the schedule's options (nabla's names).
ONE_CYCLE = [
    ("SGD", {"momentum": 0.9}, {"maxLr": 1.0, "totalSteps": 20}),
    ("SGD", {"momentum": 0.9}, {"maxLr": 0.5, "totalSteps": 15, "annealStrategy": "linear"}),
    ("SGD", {"momentum": 0.9}, {"maxLr": 0.5, "totalSteps": 20, "threePhase": True}),
    ("SGD", {"momentum": 0.9}, {"maxLr": 0.5, "totalSteps": 17, "threePhase": True, "annealStrategy": "linear", "pctStart": 0.4}),
    ("SGD", {"momentum": 0.9}, {"maxLr": 2.0, "epochs": 3, "stepsPerEpoch": 4, "pctStart": 0.25, "divFactor": 10, "finalDivFactor": 100}),
    ("SGD", {"momentum": 0.9}, {"maxLr": 1.0, "totalSteps": 10, "cycleMomentum": False}),
    ("SGD", {"momentum": 0.9}, {"maxLr": 1.0, "totalSteps": 12, "baseMomentum": 0.8, "maxMomentum": 0.9}),
    ("Adam", {"betas": [0.9, 0.999]}, {"maxLr": 0.01, "totalSteps": 20}),
    ("RMSprop", {"momentum": 0.5}, {"maxLr": 0.01, "totalSteps": 10}),
]
one_cycle_cases = []
for optimizer_name, optimizer_options, options in ONE_CYCLE:
    o = {"SGD": sgd, "Adam": adam, "RMSprop": rmsprop}[optimizer_name](**{k: tuple(v) if isinstance(v, list) else v for k, v in optimizer_options.items()})
    scheduler = torch.optim.lr_scheduler.OneCycleLR(o, **torch_options(options))
    total = scheduler.total_steps
    one_cycle_cases.append({"optimizer": optimizer_name, "optimizerOptions": optimizer_options, "options": options, "totalSteps": total, **sequence(o, scheduler, total, momentum=True)})

# ReduceLROnPlateau: a metric sequence and the lr after each step(metric).
# 0.881 after a best of 0.9 is an improvement by a relative threshold of 0.02 (0.882) but not by an absolute one (0.88).
METRICS = [1.0, 0.9, 0.95, 0.881, 0.95, 0.9, 0.91, 0.89999, 0.92, 0.93, 0.94, 0.95, 0.8, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.91, 0.92] + [0.8] * 12
PLATEAU = [
    {},
    {"patience": 2},
    {"patience": 1, "factor": 0.5, "cooldown": 2},
    {"patience": 1, "factor": 0.5, "minLr": 0.02},
    {"patience": 0, "factor": 0.5, "minLr": 0.0124, "eps": 1e-3},
    {"patience": 1, "threshold": 0.02},
    {"patience": 1, "threshold": 0.02, "thresholdMode": "abs"},
    {"mode": "max", "patience": 1, "factor": 0.5},
    {"mode": "max", "patience": 1, "factor": 0.5, "threshold": 0.02, "thresholdMode": "abs", "cooldown": 1},
]
plateau_cases = []
for options in PLATEAU:
    o = sgd()
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(o, **torch_options(options))
    lrs = []
    for metric in METRICS:
        scheduler.step(metric)
        lrs.append(significant(o.param_groups[0]["lr"], 15))
    plateau_cases.append({"options": options, "lr": lrs, "best": scheduler.best, "numBadEpochs": scheduler.num_bad_epochs, "cooldownCounter": scheduler.cooldown_counter})

fixture = {
    "torch": torch.__version__,
    "initial": [values(p) for p in INITIAL],
    "shapes": [list(p.shape) for p in INITIAL],
    "grads": [[values(g) for g in step] for step in GRADS],
    "optimizers": optimizer_cases,
    "schedules": {"LambdaLR": lambda_cases, "ExponentialLR": exponential_cases, "OneCycleLR": one_cycle_cases},
    "plateau": {"metrics": METRICS, "cases": plateau_cases},
}
write_json(OUT, fixture)
