"""Writes test/fixtures/rnn.json: PyTorch's own numbers for RNN, GRU, LSTM and their cells, for
test/nn/rnn-torch.test.ts to compare nabla against.

Run with Debian's PyTorch (apt-get install python3-torch; generated with torch 1.13), from the
repository root (the `python3` on PATH may be a pyenv without torch):
    /usr/bin/python3 scripts/torch/rnn_fixtures.py

Everything is float64. Inputs, initial states, weights and upstream gradients come from one seeded
torch.Generator, rounded to 4 decimals, and are written into the JSON (the weights under their
PyTorch names) so that nabla uses exactly the same numbers. Each case runs one forward and the
backward of sum(output * gradOutput) + sum(hN * gradH) (+ sum(cN * gradC) for an LSTM); results
are written with 12 significant digits (the tests compare to 1e-10).
"""
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import fixtures_common
from fixtures_common import encode, fixture_path, rounded_sampler, setup, write_json

generator = setup(20240713)
rand = rounded_sampler(generator)
OUT = fixture_path("rnn.json")
T, N, INPUT, HIDDEN = 4, 3, 2, 3


def result(t):
    return fixtures_common.result(t, 12)


def build(module, args):
    """The PyTorch module for nabla's camelCase arguments, with fresh weights from the generator."""
    torch_args = {"bias": args.get("bias", True)}
    if module in ("RNN", "GRU", "LSTM"):
        torch_args.update(num_layers=args.get("numLayers", 1), batch_first=args.get("batchFirst", False), bidirectional=args.get("bidirectional", False))
    if "nonlinearity" in args:
        torch_args["nonlinearity"] = args["nonlinearity"]
    m = getattr(torch.nn, module)(args["inputSize"], args["hiddenSize"], **torch_args)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(rand(*p.shape, scale=0.6))
    return m


def layer_case(name, module, args, initial=False, unbatched=False, lengths=None):
    m = build(module, {"inputSize": INPUT, "hiddenSize": HIDDEN, **args})
    directions = 2 if args.get("bidirectional") else 1
    batch_first = args.get("batchFirst", False)
    state_shape = (args.get("numLayers", 1) * directions,) + (() if unbatched else (N,)) + (HIDDEN,)
    x_shape = (T, INPUT) if unbatched else (N, T, INPUT) if batch_first else (T, N, INPUT)
    x = rand(*x_shape).requires_grad_(True)
    names = ["h0", "c0"] if module == "LSTM" else ["h0"]
    states = [rand(*state_shape).requires_grad_(True) for _ in names] if initial else []
    hx = None if not initial else tuple(states) if module == "LSTM" else states[0]
    if lengths is None:
        out, final = m(x, hx)
    else:
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=False)
        out, final = m(packed, hx)
        out, _ = pad_packed_sequence(out, batch_first=batch_first, total_length=T)
    finals = list(final) if module == "LSTM" else [final]
    upstream = [rand(*out.shape)] + [rand(*f.shape) for f in finals]
    sum((t * g).sum() for t, g in zip([out] + finals, upstream)).backward()
    case = {
        "name": name, "module": module, "args": {"inputSize": INPUT, "hiddenSize": HIDDEN, **args},
        "weights": {k: encode(p) for k, p in m.named_parameters()},
        "input": encode(x), "initial": {k: encode(s) for k, s in zip(names, states)},
        "gradOutput": encode(upstream[0]), "gradFinal": {k: encode(g) for k, g in zip(["hN", "cN"], upstream[1:])},
        "output": result(out), "final": {k: result(f) for k, f in zip(["hN", "cN"], finals)},
        "grads": {"input": result(x.grad), **{k: result(s.grad) for k, s in zip(names, states)},
                  **{k: result(p.grad) for k, p in m.named_parameters()}},
    }
    if lengths is not None:
        case["lengths"] = lengths
    return case


def cell_case(name, module, args, initial=False, unbatched=False):
    m = build(module, {"inputSize": INPUT, "hiddenSize": HIDDEN, **args})
    x = rand(*((INPUT,) if unbatched else (N, INPUT))).requires_grad_(True)
    names = ["h", "c"] if module == "LSTMCell" else ["hx"]
    states = [rand(*((HIDDEN,) if unbatched else (N, HIDDEN))).requires_grad_(True) for _ in names] if initial else []
    hx = None if not initial else tuple(states) if module == "LSTMCell" else states[0]
    out = m(x, hx)
    outs = list(out) if module == "LSTMCell" else [out]
    upstream = [rand(*o.shape) for o in outs]
    sum((o * g).sum() for o, g in zip(outs, upstream)).backward()
    return {
        "name": name, "module": module, "args": {"inputSize": INPUT, "hiddenSize": HIDDEN, **args},
        "weights": {k: encode(p) for k, p in m.named_parameters()},
        "input": encode(x), "initial": {k: encode(s) for k, s in zip(names, states)},
        "gradOutputs": [encode(g) for g in upstream], "outputs": [result(o) for o in outs],
        "grads": {"input": result(x.grad), **{k: result(s.grad) for k, s in zip(names, states)},
                  **{k: result(p.grad) for k, p in m.named_parameters()}},
    }


layers = []
for module, extra in [("RNN", {"nonlinearity": "tanh"}), ("RNN", {"nonlinearity": "relu"}), ("GRU", {}), ("LSTM", {})]:
    label = f"{module} {extra['nonlinearity']}" if extra else module
    layers += [
        layer_case(f"{label} with initial state", module, {**extra}, initial=True),
        layer_case(f"{label} batchFirst with initial state", module, {**extra, "batchFirst": True}, initial=True),
        layer_case(f"{label} 2 layers bidirectional batchFirst with initial state", module, {**extra, "numLayers": 2, "bidirectional": True, "batchFirst": True}, initial=True),
        layer_case(f"{label} 2 layers without bias", module, {**extra, "numLayers": 2, "bias": False}),
        layer_case(f"{label} unbatched bidirectional with initial state", module, {**extra, "bidirectional": True}, initial=True, unbatched=True),
        layer_case(f"{label} packed lengths", module, {**extra}, lengths=[4, 2, 3]),
        layer_case(f"{label} packed lengths, 2 layers bidirectional batchFirst with initial state", module,
                   {**extra, "numLayers": 2, "bidirectional": True, "batchFirst": True}, initial=True, lengths=[2, 4, 1]),
    ]

cells = []
for module, extra in [("RNNCell", {"nonlinearity": "tanh"}), ("RNNCell", {"nonlinearity": "relu"}), ("GRUCell", {}), ("LSTMCell", {})]:
    label = f"{module} {extra['nonlinearity']}" if extra else module
    cells += [
        cell_case(f"{label}", module, {**extra}),
        cell_case(f"{label} with state", module, {**extra}, initial=True),
        cell_case(f"{label} unbatched with state, without bias", module, {**extra, "bias": False}, initial=True, unbatched=True),
    ]

CONFIGS = [
    ("LSTM", {"inputSize": 10, "hiddenSize": 20, "numLayers": 2, "bidirectional": True}),
    ("GRU", {"inputSize": 10, "hiddenSize": 20, "bias": False}),
    ("RNN", {"inputSize": 10, "hiddenSize": 20, "numLayers": 3, "nonlinearity": "relu", "bidirectional": True}),
    ("LSTMCell", {"inputSize": 10, "hiddenSize": 20}),
    ("GRUCell", {"inputSize": 10, "hiddenSize": 20, "bias": False}),
    ("RNNCell", {"inputSize": 10, "hiddenSize": 20}),
]
parameters = []
for module, args in CONFIGS:
    m = build(module, args)
    parameters.append({
        "module": module, "args": args, "names": [k for k, _ in m.named_parameters()],
        "shapes": [list(p.shape) for _, p in m.named_parameters()], "count": sum(p.numel() for p in m.parameters()),
    })

write_json(OUT, {"torch": torch.__version__, "layers": layers, "cells": cells, "parameters": parameters}, separators=(",", ":"))
