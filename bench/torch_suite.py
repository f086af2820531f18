#!/usr/bin/env python3
"""PyTorch (CPU) contender of bench/suite.mjs, and a standalone runner of the same workloads.

The workloads are those of the suite (see bench/README.md):
  W1  784-40-30-20-10 sigmoid MLP, batch 100, SGD lr 0.1 momentum 0.9, glorot-uniform weights
  W2  784-512-512-10 relu MLP, batch 128, SGD lr 0.05 momentum 0.9, he-uniform weights
  W3  LeNet-5 training (torch.nn: Conv2d 1->6 5x5 pad 2, ReLU, MaxPool2d 2, Conv2d 6->16 5x5, ReLU,
      MaxPool2d 2, Flatten, Linear 400->120->84->10 with ReLUs), batch 64, SGD lr 0.05 momentum 0.9,
      PyTorch's default initialization
  W4  Elman RNN classifier (torch.nn.RNN(28, 128, batch_first=True), tanh, over the 28 rows of each
      image, then torch.nn.Linear(128, 10) on the last state), batch 100, SGD lr 0.05 momentum 0.9,
      torch.nn.utils.clip_grad_norm_(parameters, 1.0) before each step, PyTorch's default
      initialization (or the weights of `weightsFile`)
  W5  n x n float32 matmul (torch.mm), GFLOPS
  W6  LeNet-5 forward under torch.no_grad() on the 10,000 test images, batch 1000, images/s, with
      the weights of a safetensors file (`weightsFile`, written by the suite; standalone: the
      default initialization)
W1, W2, W3 and W4 train on Fashion-MNIST, read here from the IDX gzip files with gzip, struct and numpy
(pixels scaled to [0, 1] exactly as nabla does: the float32 nearest to v / 255), softmax
cross-entropy on the logits, torch.optim.SGD (v = m v + g, p -= lr v); the MLPs' biases are zero.

  python3 bench/torch_suite.py --serve
      What bench/suite.mjs runs: JSON requests on stdin, one per line, each answered with one JSON
      line on stdout (the same requests as bench/lib/suite-worker.mjs: init, run, accuracy, finish).
      The batch order comes from a file of int32 indices (`orderFile`, one row of 60,000 per epoch)
      that the suite draws with nabla's DataLoader generator, so these are the same batches as the
      other contenders'.
  python3 bench/torch_suite.py [--data-dir DIR] [--workloads W1,W2,W3,W4,W5,W6] [--warmup B] [--batches B]
                               [--sizes 256,512,1024] [--min-seconds S] [--threads N] [--accuracy]
      Standalone: runs the workloads in turn and prints one JSON line per measurement (batch order
      from numpy's generator, not nabla's).

Threads: torch.set_num_threads(threads), 2 by default; the suite passes nabla's all-threads count
(and 1 for its pytorch-1t contender).
"""
import argparse
import gzip
import json
import os
import resource
import struct
import sys
import time
import traceback

import numpy as np

try:
    import torch
    import torch.nn.functional as F
    from torch import nn
except ImportError as err:  # the suite checks for torch before starting this script
    print(json.dumps({'ok': False, 'error': f'torch is not importable: {err}'}), flush=True)
    sys.exit(1)

MB = 1024 * 1024
DEFAULT_DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared', 'datasets', 'fashion-mnist')


def read_idx(path):
    """An IDX file (gzip or raw) as a numpy uint8 array of its shape."""
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack('>HBB', data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f'{path}: not an unsigned-byte IDX file')
    dims = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(data_dir, stem):
    for name in (stem + '.gz', stem):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f'{stem}(.gz) not found in {data_dir}')


# nabla's scaling: the float32 nearest to v / 255 (computed in double precision), by lookup.
SCALE = (np.arange(256, dtype=np.float64) / 255).astype(np.float32)


def load_split(images_path, labels_path, nchw=False):
    """Images as [N, 784] float32, or [N, 1, 28, 28] with nchw (LeNet); labels as int64 [N]."""
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    x = torch.from_numpy(SCALE[images.reshape(images.shape[0], 1, *images.shape[1:]) if nchw else images.reshape(images.shape[0], -1)])
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def uniform_bound(init, fan_in, fan_out, i, layers):
    """As bench/lib/init.mjs: nabla's xavier-uniform (gain 1) or kaiming-uniform (relu gain, output gain 1)."""
    if init == 'xavier-uniform':
        return (6 / (fan_in + fan_out)) ** 0.5
    if init == 'kaiming-uniform':
        return ((6 if i + 1 < layers else 3) / fan_in) ** 0.5
    raise ValueError(f'unsupported init {init!r}')


def build(sizes, activation, init, seed):
    torch.manual_seed(seed)
    act = {'sigmoid': nn.Sigmoid, 'relu': nn.ReLU}[activation]
    layers = []
    count = len(sizes) - 1
    for i in range(count):
        linear = nn.Linear(sizes[i], sizes[i + 1])
        bound = uniform_bound(init, sizes[i], sizes[i + 1], i, count)
        with torch.no_grad():
            linear.weight.uniform_(-bound, bound)
            linear.bias.zero_()
        layers.append(linear)
        if i + 1 < count:
            layers.append(act())
    return nn.Sequential(*layers)


def build_lenet(seed):
    """LeNet-5 with torch.nn's modules and their default initialization (U(+-1/sqrt(fanIn)) for weights and biases)."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


class RNNClassifier(nn.Module):
    """W4: nn.RNN over the 28 rows of each image (28 pixels a step), nn.Linear on its last state."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(28, 128, batch_first=True)  # tanh, one layer, h0 = 0
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        _, h = self.rnn(x.view(x.shape[0], 28, 28))
        return self.fc(h[0])


def build_rnn(seed):
    """The RNN classifier with torch.nn's default initialization (U(+-1/sqrt(hidden)) for the RNN, U(+-1/sqrt(fanIn)) for the Linear)."""
    torch.manual_seed(seed)
    return RNNClassifier()


def load_safetensors(path):
    """A safetensors file of float32 tensors as a state dict (the format is an 8-byte little-endian
    header length, a JSON header of dtype, shape and data_offsets, then the raw bytes)."""
    with open(path, 'rb') as f:
        data = f.read()
    (length,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + length])
    state = {}
    for name, entry in header.items():
        if name == '__metadata__':
            continue
        if entry['dtype'] != 'F32':
            raise ValueError(f'{path}: {name} is {entry["dtype"]}, expected F32')
        begin, end = entry['data_offsets']
        array = np.frombuffer(data, dtype='<f4', count=(end - begin) // 4, offset=8 + length + begin)
        state[name] = torch.from_numpy(array.copy()).reshape(entry['shape'])
    return state


class Trainer:
    def __init__(self, config):
        if config.get('model') in ('lenet', 'rnn'):
            self.model = (build_lenet if config['model'] == 'lenet' else build_rnn)(config['seed'])
            if config.get('weightsFile'):
                self.model.load_state_dict(load_safetensors(config['weightsFile']))
        else:
            self.model = build(config['sizes'], config['activation'], config['init'], config['seed'])
        self.num_parameters = sum(p.numel() for p in self.model.parameters())
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=config['lr'], momentum=config['momentum'])
        self.clip = config.get('clip')  # W4: the global L2 norm of the gradients is clipped to this

    def step(self, x, y):
        self.optimizer.zero_grad()
        loss = F.cross_entropy(self.model(x), y)
        loss.backward()
        if self.clip is not None:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
        self.optimizer.step()
        return loss.item()

    def infer(self, x):
        """The logits of a batch as a numpy array."""
        with torch.no_grad():
            return self.model(x).numpy()

    def count_correct(self, x, y):
        with torch.no_grad():
            return int((self.model(x).argmax(1) == y).sum().item())


def batch_stream(x, y, orders, batch):
    """Epoch after epoch (one row of `orders` each, cycling), last batch of an epoch possibly short, as nabla's DataLoader."""
    n = x.shape[0]
    epoch = 0
    while True:
        order = torch.from_numpy(orders[epoch % len(orders)].astype(np.int64))
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            yield x.index_select(0, idx), y.index_select(0, idx)
        epoch += 1


def test_stream(x, y, batch):
    """Test batches in order, pass after pass (W6)."""
    while True:
        for start in range(0, x.shape[0], batch):
            yield x[start:start + batch], y[start:start + batch]


def score_logits(logits, labels):
    """Sum of softmax cross-entropies and correct argmaxes, in float64, as scoreLogits in bench/lib/init.mjs."""
    z = logits.astype(np.float64)
    m = z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z - m).sum(axis=1)) + m[:, 0]
    labels = labels.numpy()
    loss_sum = float((lse - z[np.arange(len(labels)), labels]).sum())
    correct = int((logits.argmax(axis=1) == labels).sum())
    return loss_sum, correct


def rss_mb():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / MB


def reset_peak():
    """Resets Linux's high-water mark of the resident set (VmHWM) to the current RSS, as suite-worker.mjs does."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return True
    except OSError:
        return False


def peak_rss_mb():
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class Contender:
    """The requests of the suite (see bench/lib/suite-worker.mjs), for PyTorch."""

    def __init__(self):
        self.state = None
        self.peak_reset = False

    def init(self, msg):
        threads = int(msg.get('threads') or 2)
        torch.set_num_threads(threads)
        n = torch.get_num_threads()
        info = {'library': 'pytorch', 'version': torch.__version__, 'backend': f'cpu, {n} thread{"" if n == 1 else "s"}',
                'baseRSSMB': rss_mb(), 'notes': []}
        if msg['workload'] == 'W5':
            self.peak_reset = reset_peak()
            self.state = {'workload': 'W5', 'current': None}
            return {**info, 'rssMB': rss_mb()}
        config = msg['config']
        data_dir = msg.get('dataDir') or DEFAULT_DATA_DIR
        files = msg.get('files') or {  # the suite sends the paths nabla found
            'trainImages': find(data_dir, 'train-images-idx3-ubyte'), 'trainLabels': find(data_dir, 'train-labels-idx1-ubyte'),
            'testImages': find(data_dir, 't10k-images-idx3-ubyte'), 'testLabels': find(data_dir, 't10k-labels-idx1-ubyte'),
        }
        start = time.perf_counter()
        nchw = config.get('model') == 'lenet'
        train = load_split(files['trainImages'], files['trainLabels'], nchw)
        test = load_split(files['testImages'], files['testLabels'], nchw)
        load_seconds = time.perf_counter() - start
        data_rss = rss_mb()
        self.peak_reset = reset_peak()
        if msg.get('orderFile'):
            n = train[0].shape[0]
            orders = np.fromfile(msg['orderFile'], dtype='<i4').reshape(-1, n)
        else:
            rng = np.random.default_rng(config['seed'])
            orders = np.stack([rng.permutation(train[0].shape[0]) for _ in range(2)]).astype(np.int32)
        trainer = Trainer(config)
        infer = config.get('mode') == 'infer'
        batches = test_stream(*test, config['batch']) if infer else batch_stream(*train, orders, config['batch'])
        for _ in range(config['warmup']):
            x, y = next(batches)
            if infer:
                trainer.infer(x)
            else:
                trainer.step(x, y)
        self.state = {'workload': msg['workload'], 'config': config, 'trainer': trainer, 'train': train, 'test': test,
                      'orders': orders, 'batches': batches}
        return {**info, 'loadSeconds': load_seconds, 'dataRSSMB': data_rss, 'rssMB': rss_mb(), 'numParameters': trainer.num_parameters}

    def run(self, msg):
        if self.state['workload'] == 'W5':
            return self.run_matmul(msg)
        if self.state['config'].get('mode') == 'infer':
            return self.run_infer(msg)
        trainer, batches = self.state['trainer'], self.state['batches']
        samples, loss_sum, losses = 0, 0.0, []
        start = time.perf_counter()
        for _ in range(msg['batches']):
            x, y = next(batches)
            losses.append(trainer.step(x, y))
            loss_sum += losses[-1] * x.shape[0]
            samples += x.shape[0]
        seconds = time.perf_counter() - start
        return {'batches': msg['batches'], 'samples': samples, 'seconds': seconds, 'value': samples / seconds,
                'loss': loss_sum / samples, 'losses': losses, 'rssMB': rss_mb()}

    def run_infer(self, msg):
        """W6: timed forward passes (batch to numpy logits), scored outside the timing."""
        trainer, batches = self.state['trainer'], self.state['batches']
        samples, seconds, loss_sum, correct = 0, 0.0, 0.0, 0
        for _ in range(msg['batches']):
            x, y = next(batches)
            start = time.perf_counter()
            logits = trainer.infer(x)
            seconds += time.perf_counter() - start
            batch_loss, batch_correct = score_logits(logits, y)
            loss_sum += batch_loss
            correct += batch_correct
            samples += x.shape[0]
        return {'batches': msg['batches'], 'samples': samples, 'seconds': seconds, 'value': samples / seconds,
                'loss': loss_sum / samples, 'accuracy': correct / samples, 'rssMB': rss_mb()}

    def run_matmul(self, msg):
        n = msg['n']
        current = self.state['current']
        if current is None or current['n'] != n:
            generator = torch.Generator().manual_seed(msg.get('seed', 1))
            current = {'n': n, 'a': torch.randn(n, n, generator=generator), 'b': torch.randn(n, n, generator=generator)}
            self.state['current'] = current
            torch.mm(current['a'], current['b'])  # untimed, once per size
        a, b = current['a'], current['b']
        reps = 0
        start = time.perf_counter()
        while True:
            torch.mm(a, b)  # eager and synchronous on the CPU
            reps += 1
            seconds = time.perf_counter() - start
            if seconds >= msg['minSeconds']:
                break
        return {'n': n, 'reps': reps, 'seconds': seconds, 'value': 2 * n ** 3 * reps / seconds / 1e9, 'rssMB': rss_mb()}

    def accuracy(self, msg):
        config, (x_train, y_train), (x_test, y_test) = self.state['config'], self.state['train'], self.state['test']
        trainer = Trainer(config)
        batches = batch_stream(x_train, y_train, self.state['orders'][:1], config['batch'])
        per_epoch = -(-x_train.shape[0] // config['batch'])
        samples, loss_sum = 0, 0.0
        start = time.perf_counter()
        for _ in range(per_epoch):
            x, y = next(batches)
            loss_sum += trainer.step(x, y) * x.shape[0]
            samples += x.shape[0]
        seconds = time.perf_counter() - start
        correct = sum(trainer.count_correct(x_test[i:i + 1000], y_test[i:i + 1000]) for i in range(0, x_test.shape[0], 1000))
        return {'samples': samples, 'seconds': seconds, 'value': samples / seconds, 'loss': loss_sum / samples,
                'accuracy': correct / x_test.shape[0], 'rssMB': rss_mb()}

    def finish(self, msg):
        self.state = None
        return {'rssMB': rss_mb(), 'peakRSSMB': peak_rss_mb(), 'peakReset': self.peak_reset}


def serve():
    contender = Contender()
    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        try:
            answer = {'ok': True, **getattr(contender, msg['type'])(msg)}
        except Exception:
            answer = {'ok': False, 'error': traceback.format_exc()}
        print(json.dumps(answer), flush=True)
        if msg['type'] == 'finish':
            break


WORKLOADS = {
    'W1': {'sizes': [784, 40, 30, 20, 10], 'activation': 'sigmoid', 'init': 'xavier-uniform', 'lr': 0.1, 'batch': 100},
    'W2': {'sizes': [784, 512, 512, 10], 'activation': 'relu', 'init': 'kaiming-uniform', 'lr': 0.05, 'batch': 128},
    'W3': {'model': 'lenet', 'lr': 0.05, 'batch': 64},
    'W4': {'model': 'rnn', 'lr': 0.05, 'batch': 100, 'clip': 1.0},
    'W6': {'model': 'lenet', 'mode': 'infer', 'lr': 0.05, 'batch': 1000},
}


def standalone(args):
    for workload in args.workloads.split(','):
        contender = Contender()
        if workload == 'W5':
            info = contender.init({'workload': 'W5', 'threads': args.threads})
            for n in (int(s) for s in args.sizes.split(',')):
                result = contender.run({'n': n, 'minSeconds': args.min_seconds, 'seed': 1})
                print(json.dumps({'workload': f'W5 n={n}', **info, **result, 'unit': 'GFLOPS'}), flush=True)
        elif workload in WORKLOADS:
            config = {**WORKLOADS[workload], 'momentum': 0.9, 'seed': 1234, 'warmup': args.warmup}
            info = contender.init({'workload': workload, 'config': config, 'dataDir': args.data_dir, 'threads': args.threads})
            result = contender.run({'batches': args.batches})
            unit = 'images/s' if config.get('mode') == 'infer' else 'samples/s'
            print(json.dumps({'workload': workload, **info, **result, 'unit': unit}), flush=True)
            if args.accuracy and config.get('mode') != 'infer':
                print(json.dumps({'workload': workload, 'phase': 'accuracy', **contender.accuracy({})}), flush=True)
        else:
            raise SystemExit(f'unknown workload {workload!r} (W1, W2, W3, W4, W5, W6)')
        print(json.dumps({'workload': workload, **contender.finish({})}), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--serve', action='store_true', help='answer the requests of bench/suite.mjs on stdin')
    parser.add_argument('--data-dir', default=DEFAULT_DATA_DIR)
    parser.add_argument('--workloads', default='W1,W2,W3,W4,W5,W6')
    parser.add_argument('--warmup', type=int, default=10)
    parser.add_argument('--batches', type=int, default=100)
    parser.add_argument('--sizes', default='256,512,1024')
    parser.add_argument('--min-seconds', type=float, default=0.5)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--accuracy', action='store_true')
    args = parser.parse_args()
    if args.serve:
        serve()
    else:
        standalone(args)


if __name__ == '__main__':
    main()
