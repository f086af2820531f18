"""Writes test/fixtures/batchnorm.json: PyTorch's own numbers for BatchNorm1d and BatchNorm2d, for
test/nn/batchnorm.test.ts to compare nabla against.

Run with Debian's PyTorch (apt-get install python3-torch; generated with torch 1.13), from the
repository root (the `python3` on PATH may be a pyenv without torch):
    /usr/bin/python3 scripts/torch/batchnorm_fixtures.py

Everything is float64. Inputs, weights, biases and upstream gradients come from one seeded
torch.Generator, rounded to 4 decimals, and are written into the JSON so that nabla uses exactly
the same numbers. Results are written with 14 significant digits (the tests compare to 1e-10).
"""
import torch

from fixtures_common import encode, fixture_path, result, rounded_sampler, setup, write_json

generator = setup(20240613)
rand = rounded_sampler(generator)
OUT = fixture_path("batchnorm.json")


MODULES = {"BatchNorm1d": torch.nn.BatchNorm1d, "BatchNorm2d": torch.nn.BatchNorm2d}

# One training-mode forward and backward of sum(output * grad), with a non-trivial weight and bias.
training = []
for layer, shape in [("BatchNorm1d", (4, 3)), ("BatchNorm1d", (2, 3, 4)), ("BatchNorm2d", (2, 2, 2, 3))]:
    channels = shape[1]
    module = MODULES[layer](channels)
    x, weight, bias, grad = rand(*shape), rand(channels), rand(channels), rand(*shape)
    with torch.no_grad():
        module.weight.copy_(weight)
        module.bias.copy_(bias)
    x.requires_grad_(True)
    out = module(x)
    (out * grad).sum().backward()
    training.append({
        "layer": layer, "input": encode(x), "weight": encode(weight), "bias": encode(bias), "grad": encode(grad),
        "output": result(out), "inputGrad": result(x.grad), "weightGrad": result(module.weight.grad), "biasGrad": result(module.bias.grad),
        "runningMean": result(module.running_mean), "runningVar": result(module.running_var),
    })

# Three training steps, then evaluation, with the default momentum and with a cumulative average.
steps_inputs = [rand(3, 2, 2, 2) for _ in range(3)]
eval_input = rand(2, 2, 2, 2)
running = {"inputs": [encode(x) for x in steps_inputs], "evalInput": encode(eval_input), "cases": []}
for momentum in [0.1, None]:
    module = torch.nn.BatchNorm2d(2, momentum=momentum)
    for x in steps_inputs:
        module(x)
    module.eval()
    running["cases"].append({
        "momentum": momentum,
        "runningMean": result(module.running_mean),
        "runningVar": result(module.running_var),
        "numBatchesTracked": int(module.num_batches_tracked),
        "evalOutput": result(module(eval_input)),
    })

state_dict_keys = {
    "BatchNorm1d(3)": list(torch.nn.BatchNorm1d(3).state_dict().keys()),
    "BatchNorm2d(3, affine=False)": list(torch.nn.BatchNorm2d(3, affine=False).state_dict().keys()),
    "BatchNorm1d(3, track_running_stats=False)": list(torch.nn.BatchNorm1d(3, track_running_stats=False).state_dict().keys()),
    "Sequential(Linear(3, 4), BatchNorm1d(4))": list(torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4)).state_dict().keys()),
}

write_json(OUT, {"torch": torch.__version__, "training": training, "running": running, "stateDictKeys": state_dict_keys})
