"""PyTorch state dicts both ways between PyTorch and nabla, through safetensors files.

Debian's python3-torch has no `safetensors` package, so this script reads and writes the format by
hand (https://github.com/huggingface/safetensors); files it writes are what
`safetensors.torch.save_file(model.state_dict(), path)` writes, and it reads theirs:

    [8 bytes]  N, the header's length: unsigned 64-bit little-endian
    [N bytes]  a UTF-8 JSON object, padded with spaces to a multiple of 8 bytes:
               {"<name>": {"dtype": "F32", "shape": [6, 1, 5, 5], "data_offsets": [begin, end]}, ...,
                "__metadata__": {"<key>": "<string>", ...}}  (optional)
    [rest]     the tensors' bytes, little-endian and row-major; offsets count from the header's end

Networks are described by nabla's model specs (PyTorch's class names and snake_case arguments, see
src/nn/model-spec.ts), so the same JSON builds the PyTorch and the nabla model, with the same
state-dict names (`0.weight`, `2.body.0.bias`, `rnn.weight_ih_l0_reverse`, `fc.weight`).

Run with Debian's PyTorch, from the repository root (the `python3` on PATH may be a pyenv without it):

    /usr/bin/python3 scripts/torch/safetensors_roundtrip.py export MODEL OUT [--seed N]
        PyTorch -> nabla: builds MODEL (lenet, mlp, or a model-spec .json file) in PyTorch with its
        default initialization and writes its state dict to OUT, with the spec in the metadata as
        nabla's saveModel stores it, so `npx nabla eval --load OUT --dataset mnist` reads it.
    /usr/bin/python3 scripts/torch/safetensors_roundtrip.py load FILE [-o STATE_DICT.pt]
        nabla -> PyTorch: rebuilds the model of a file written by nabla (`nabla train --save FILE`,
        `nb.saveModel`) from the config in its metadata, loads the weights strictly (a missing or
        unexpected name or a wrong shape is an error naming it) and prints the module, optionally
        saving the state dict with torch.save.
    /usr/bin/python3 scripts/torch/safetensors_roundtrip.py fixtures
        Rewrites test/fixtures/pytorch/ for test/io/pytorch-roundtrip.test.ts. For each model of
        test/fixtures/pytorch/models.json: its PyTorch state dict (torch.manual_seed(seed)) as
        <name>.safetensors, and in outputs.json a seeded input, PyTorch's output with those weights,
        and PyTorch's output with the weights nabla writes for the same spec and seed (made by
        `node scripts/torch/nabla_weights.mjs DIR`, which needs `npx tsc -p tsconfig.build.json`
        first) with the SHA-256 of nabla's file, so the test can tell that it regenerated the same
        weights. Outputs are float32, written with 9 significant digits (exact for float32).
"""
import argparse
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile

import torch
from torch import nn

from fixtures_common import ROOT, encode, fixture_path, result, round4, write_json

if sys.byteorder != "little":
    raise SystemExit("safetensors_roundtrip.py: safetensors data is little-endian; this host is not")

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I32": torch.int32, "I64": torch.int64}
SAFETENSORS_DTYPES = {dtype: name for name, dtype in DTYPES.items()}
METADATA = "__metadata__"
OPTIMIZER_PREFIX = "optimizer.state."
MODELS = fixture_path("pytorch", "models.json")
OUTPUTS = fixture_path("pytorch", "outputs.json")


# ---------------------------------------------------------------------------
# The file format
# ---------------------------------------------------------------------------

def write_safetensors(path, tensors, metadata=None):
    """Writes `tensors` ({name: torch.Tensor}) and the string `metadata` as a safetensors file."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header[METADATA] = {key: str(value) for key, value in metadata.items()}
    for name, tensor in tensors.items():
        if tensor.dtype not in SAFETENSORS_DTYPES:
            raise ValueError(f"{path}: tensor {name!r} has dtype {tensor.dtype}; this script writes {', '.join(map(str, DTYPES.values()))}")
        data = tensor.detach().contiguous().cpu().numpy().tobytes()  # numpy comes with python3-torch
        header[name] = {"dtype": SAFETENSORS_DTYPES[tensor.dtype], "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for chunk in chunks:
            f.write(chunk)


def read_safetensors(path):
    """({name: torch.Tensor}, {key: str}) from a safetensors file, or a ValueError naming the file and the problem."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: {len(data)} bytes, shorter than the 8-byte header length")
    (length,) = struct.unpack("<Q", data[:8])
    if 8 + length > len(data):
        raise ValueError(f"{path}: not a safetensors file (header length {length} is beyond the file's {len(data)} bytes)")
    try:
        header = json.loads(data[8:8 + length].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: the header is not UTF-8 JSON ({error})") from None
    metadata = header.pop(METADATA, {})
    body = data[8 + length:]
    tensors = {}
    for name, info in header.items():
        if info["dtype"] not in DTYPES:
            raise ValueError(f"{path}: tensor {name!r} has dtype {info['dtype']}; this script reads {', '.join(DTYPES)}")
        begin, end = info["data_offsets"]
        dtype = DTYPES[info["dtype"]]
        count = torch.Size(info["shape"]).numel()
        if end > len(body) or end - begin != count * torch.empty((), dtype=dtype).element_size():
            raise ValueError(f"{path}: tensor {name!r}: data_offsets {info['data_offsets']} do not hold {info['dtype']} {info['shape']}")
        # The bytearray is a private, writable copy for the tensor to keep (frombuffer shares its buffer).
        data = torch.frombuffer(bytearray(body[begin:end]), dtype=dtype) if count else torch.empty(0, dtype=dtype)
        tensors[name] = data.reshape(info["shape"])
    return tensors, metadata


# ---------------------------------------------------------------------------
# nabla's networks in PyTorch
# ---------------------------------------------------------------------------

class Residual(nn.Module):
    """nabla's Residual: body(x) + projection(x), or body(x) + x without a projection."""

    def __init__(self, body, projection=None):
        super().__init__()
        self.body = body
        self.projection = projection

    def forward(self, x):
        return self.body(x) + (x if self.projection is None else self.projection(x))


class ParallelSum(nn.Module):
    """nabla's ParallelSum: the sum of its branches' outputs."""

    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        return sum(branch(x) for branch in self.branches)


class SequenceClassifier(nn.Module):
    """nabla's SequenceClassifier for rnn, gru and lstm: a Linear layer on the last layer's final
    state (both directions: the forward one's after the last step beside the backward one's after
    the first), reading images [N, 1, T, F] as T steps of F values. `truncate` (nabla's truncated
    backpropagation through time) changes only the gradients, so it is accepted and not used."""

    CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}

    def __init__(self, cell, input_size, hidden_size, num_classes, num_layers=1, bidirectional=False, truncate=None):
        super().__init__()
        if cell not in self.CELLS:
            raise ValueError(f"SequenceClassifier: cell {cell!r} has no PyTorch module here (only {', '.join(self.CELLS)})")
        self.rnn = self.CELLS[cell](input_size, hidden_size, num_layers, batch_first=True, bidirectional=bidirectional)
        self.fc = nn.Linear((2 if bidirectional else 1) * hidden_size, num_classes)

    def forward(self, x):
        if x.dim() == 4 and x.shape[1] == 1:
            x = x.squeeze(1)
        _, state = self.rnn(x)
        h_n = state[0] if isinstance(self.rnn, nn.LSTM) else state
        return self.fc(torch.cat([h_n[-2], h_n[-1]], 1) if self.rnn.bidirectional else h_n[-1])


def positional(cls, *names):
    """A builder of `cls` from a spec's arguments: those `names` in order, the rest by keyword."""
    def build(args):
        leading = [args.pop(name) for name in names]
        return cls(*leading, **args)
    return build


CONV = ("in_channels", "out_channels", "kernel_size")
# PyTorch's classes whose arguments the spec names as PyTorch does: these first, the rest by keyword.
POSITIONAL = {
    "Linear": ("in_features", "out_features"),
    **{kind: CONV for kind in ("Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d")},
    **{kind: ("kernel_size",) for kind in ("MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d")},
    **{kind: ("output_size",) for kind in ("AdaptiveAvgPool1d", "AdaptiveAvgPool2d")},
    **{kind: ("num_features",) for kind in ("BatchNorm1d", "BatchNorm2d")},
    "LayerNorm": ("normalized_shape",),
    "Embedding": ("num_embeddings", "embedding_dim"),
    **{kind: () for kind in ("Flatten", "Dropout", "Dropout2d", "Identity", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU",
                             "SiLU", "ELU", "SELU", "Softplus", "Hardtanh", "Mish", "Softmax", "LogSoftmax")},
}

LAYERS = {
    **{kind: positional(getattr(nn, kind), *names) for kind, names in POSITIONAL.items()},
    "Residual": lambda args: Residual(build_layers(args["body"]), build_layers(args["projection"]) if "projection" in args else None),
    "ParallelSum": lambda args: ParallelSum(*(build_layers(branch) for branch in args["branches"])),
    "SequenceClassifier": positional(SequenceClassifier, "cell", "input_size", "hidden_size", "num_classes"),
}


def build_layer(spec):
    args = dict(spec)
    kind = args.pop("type", None)
    if kind not in LAYERS:
        raise ValueError(f"layer type {kind!r} has no PyTorch counterpart in this script (known: {', '.join(LAYERS)})")
    try:
        return LAYERS[kind](args)
    except TypeError as error:
        raise ValueError(f"layer {kind}: {error}") from None


def build_layers(specs):
    return nn.Sequential(*(build_layer(spec) for spec in specs))


def build_network(spec):
    """The PyTorch module for a nabla network spec ({"layers": [...]}, or one layer such as a
    SequenceClassifier) or mlp config ({"inputSize", "hiddenSizes", "outputSize", "activation"})."""
    if "layers" in spec:
        return build_layers(spec["layers"])
    if "type" in spec:
        return build_layer(spec)
    return build_layers(mlp_layers(spec))


MLP_ACTIVATIONS = {"sigmoid": {"type": "Sigmoid"}, "relu": {"type": "ReLU"}, "tanh": {"type": "Tanh"},
                   "leakyRelu": {"type": "LeakyReLU", "negative_slope": 0.01}, "leaky-relu": {"type": "LeakyReLU", "negative_slope": 0.01}}


def mlp_layers(config):
    """The layers of nabla's mlp(config): Linear, activation (and Dropout) per hidden size, then a Linear."""
    if config.get("activation") not in MLP_ACTIVATIONS:
        raise ValueError(f"mlp config: activation {config.get('activation')!r} is not one of {', '.join(MLP_ACTIVATIONS)}")
    sizes = [config["inputSize"], *config["hiddenSizes"], config["outputSize"]]
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        layers.append({"type": "Linear", "in_features": fan_in, "out_features": fan_out})
        if i + 2 < len(sizes):
            layers.append(MLP_ACTIVATIONS[config["activation"]])
            if config.get("dropout", 0) > 0:
                layers.append({"type": "Dropout", "p": config["dropout"]})
    return layers


DEFAULT_MLP = {"inputSize": 784, "hiddenSizes": [40, 30, 20], "outputSize": 10, "activation": "sigmoid"}


def builtin_spec(model):
    """The spec of `lenet`, the mlp config of `mlp` (what `nabla train` builds by default), or a .json file's spec."""
    if model == "lenet":
        with open(os.path.join(ROOT, "examples", "lenet.json")) as f:
            return json.load(f)
    if model == "mlp":
        return DEFAULT_MLP
    with open(model) as f:
        return json.load(f)


def load_into(module, tensors, path):
    """load_state_dict(strict=True), with the file named in the error."""
    try:
        module.load_state_dict(tensors, strict=True)
    except RuntimeError as error:
        raise SystemExit(f"{path}: the weights do not fit the PyTorch model: {error}") from None
    return module.eval()


def nabla_config(metadata, path):
    if "config" not in metadata:
        raise SystemExit(f"{path}: no model config in the metadata (not written by nabla's saveModel?)")
    return json.loads(metadata["config"])


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------

def export_command(args):
    spec = builtin_spec(args.model)
    torch.manual_seed(args.seed)
    module = build_network(spec)
    write_safetensors(args.out, module.state_dict(), {"config": json.dumps(spec)})
    print(f"wrote {args.out}: {len(module.state_dict())} tensors of the PyTorch {type(module).__name__}, the spec in the metadata")


def model_tensors(tensors, metadata):
    """The model's tensors of a nabla file: a --checkpoint file also holds the optimizer's buffers
    (`optimizer.state.0.momentum_buffer`), with its state in the metadata's "optimizer"."""
    if "optimizer" not in metadata:
        return tensors
    return {name: t for name, t in tensors.items() if not name.startswith(OPTIMIZER_PREFIX)}


def load_command(args):
    tensors, metadata = read_safetensors(args.file)
    tensors = model_tensors(tensors, metadata)
    module = load_into(build_network(nabla_config(metadata, args.file)), tensors, args.file)
    print(module)
    print(f"loaded {len(tensors)} tensors ({sum(p.numel() for p in module.parameters())} parameters) from {args.file}, strictly")
    if args.out:
        torch.save(module.state_dict(), args.out)
        print(f"wrote {args.out} (torch.save of the state dict)")


def with_running_statistics(module, input_shape):
    """`module` in eval mode after three batches in training mode (from torch's global generator),
    so that its BatchNorm layers hold running statistics other than their initial 0 and 1."""
    module.train()
    with torch.no_grad():
        for _ in range(3):
            module(torch.rand(input_shape) * 2)
    return module.eval()


def fixtures_command(_args):
    with open(MODELS) as f:
        models = json.load(f)
    outputs = {}
    with tempfile.TemporaryDirectory() as nabla_dir:
        subprocess.run(["node", os.path.join(ROOT, "scripts", "torch", "nabla_weights.mjs"), nabla_dir], check=True)
        for name, model in models.items():
            # Four decimals in the JSON, which nabla's float32 tensor rounds as .float() does.
            x64 = round4(torch.rand(model["input_shape"], dtype=torch.float64, generator=torch.Generator().manual_seed(model["seed"])))
            x = x64.float()
            torch.manual_seed(model["seed"])
            module = with_running_statistics(build_network(model["spec"]), model["input_shape"])
            write_safetensors(fixture_path("pytorch", f"{name}.safetensors"), module.state_dict())
            nabla_file = os.path.join(nabla_dir, f"{name}.safetensors")
            tensors, metadata = read_safetensors(nabla_file)
            if nabla_config(metadata, nabla_file) != model["spec"]:
                raise SystemExit(f"{nabla_file}: its config is not the spec of {name} in {MODELS}")
            from_nabla = load_into(build_network(model["spec"]), tensors, nabla_file)
            with open(nabla_file, "rb") as f:
                sha256 = hashlib.sha256(f.read()).hexdigest()
            with torch.no_grad():
                outputs[name] = {
                    "input": encode(x64),
                    "pytorch_weights": {"file": f"{name}.safetensors", "output": result(module(x), 9)},
                    "nabla_weights": {"sha256": sha256, "output": result(from_nabla(x), 9)},
                }
            print(f"{name}: {len(tensors)} tensors both ways")
    write_json(OUTPUTS, outputs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="a PyTorch model's state dict as a safetensors file nabla loads")
    export.add_argument("model", help="lenet, mlp, or a model-spec .json file")
    export.add_argument("out")
    export.add_argument("--seed", type=int, default=0, help="torch.manual_seed before building the model (0)")
    export.set_defaults(run=export_command)
    load = commands.add_parser("load", help="a safetensors file nabla wrote, loaded strictly into the PyTorch model")
    load.add_argument("file")
    load.add_argument("-o", dest="out", help="also torch.save the state dict to this file")
    load.set_defaults(run=load_command)
    commands.add_parser("fixtures", help="rewrite test/fixtures/pytorch/").set_defaults(run=fixtures_command)
    args = parser.parse_args()
    try:
        args.run(args)
    except (OSError, ValueError) as error:
        raise SystemExit(f"safetensors_roundtrip.py {args.command}: {error}") from None


if __name__ == "__main__":
    main()
