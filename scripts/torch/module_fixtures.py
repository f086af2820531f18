"""Writes test/fixtures/modules.json: PyTorch's own numbers for LayerNorm and Embedding, and the
state-dict names of ModuleList and ModuleDict, for test/nn/embedding-layernorm.test.ts and
test/nn/containers.test.ts to compare nabla against.

Run with Debian's PyTorch (generated with torch 1.13), from the repository root:
    /usr/bin/python3 scripts/torch/module_fixtures.py

Everything is float64. Inputs, weights and upstream gradients come from one seeded
torch.Generator, rounded to 4 decimals, and are written into the JSON so that nabla uses exactly
the same numbers. Results are written with 14 significant digits (the tests compare to 1e-10).
"""
import torch

from fixtures_common import encode, fixture_path, result, rounded_sampler, setup, write_json

generator = setup(20240615)
rand = rounded_sampler(generator)
OUT = fixture_path("modules.json")


# LayerNorm: forward and backward of sum(output * grad). torch 1.13's LayerNorm has no bias=False,
# so that case is F.layer_norm with a weight and no bias.
layer_norm = []
for shape, normalized, affine, bias, eps in [
    ((4, 5), [5], True, True, 1e-5),
    ((2, 3, 4), [3, 4], True, True, 1e-5),
    ((3, 6), [6], False, False, 1e-3),
    ((2, 2, 3), [3], True, False, 1e-5),
]:
    x, grad = rand(*shape), rand(*shape)
    weight = rand(*normalized).requires_grad_(True) if affine else None
    b = rand(*normalized).requires_grad_(True) if bias else None
    x.requires_grad_(True)
    out = torch.nn.functional.layer_norm(x, normalized, weight, b, eps)
    (out * grad).sum().backward()
    case = {"input": encode(x), "normalizedShape": normalized, "eps": eps, "grad": encode(grad), "output": result(out), "inputGrad": result(x.grad)}
    if weight is not None:
        case.update({"weight": encode(weight), "weightGrad": result(weight.grad)})
    if b is not None:
        case.update({"bias": encode(b), "biasGrad": result(b.grad)})
    layer_norm.append(case)

# Embedding: repeated indices and a padding row, whose gradient stays zero even where it is looked up.
embedding = []
for padding_idx, max_norm in [(None, None), (2, None), (-1, None), (None, 1.5)]:
    weight = rand(6, 3) * 2
    indices = torch.tensor([[0, 2, 1, 2], [5, 2, 0, 4]])
    grad = rand(2, 4, 3)
    module = torch.nn.Embedding(6, 3, padding_idx=padding_idx, max_norm=max_norm)
    with torch.no_grad():
        module.weight.copy_(weight)
    out = module(indices)
    (out * grad).sum().backward()
    embedding.append({
        "paddingIdx": padding_idx, "maxNorm": max_norm, "weight": encode(weight), "indices": encode(indices), "grad": encode(grad),
        "output": result(out), "weightGrad": result(module.weight.grad), "weightAfter": result(module.weight),
    })


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(10, 4, padding_idx=0)
        self.blocks = torch.nn.ModuleList([torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.LayerNorm(4)) for _ in range(2)])
        self.heads = torch.nn.ModuleDict({"cls": torch.nn.Linear(4, 3), "reg": torch.nn.Linear(4, 1)})
        self.norm = torch.nn.LayerNorm([2, 4], elementwise_affine=False)


state_dict_keys = {
    "Net": list(Net().state_dict().keys()),
    "ModuleList([Linear(2, 3), ModuleList([Linear(3, 1)])])": list(torch.nn.ModuleList([torch.nn.Linear(2, 3), torch.nn.ModuleList([torch.nn.Linear(3, 1)])]).state_dict().keys()),
}

inplace = {
    "fillInt": torch.zeros(3, dtype=torch.int32).fill_(2.7).tolist(),
    "fillIntNegative": torch.zeros(3, dtype=torch.int32).fill_(-2.7).tolist(),
}

# modules.json has always been written without a final newline; newline=False keeps its bytes.
write_json(OUT, {"torch": torch.__version__, "layerNorm": layer_norm, "embedding": embedding, "stateDictKeys": state_dict_keys, "inplace": inplace},
           newline=False)
