"""The networks every implementation trains, the data they train on, and what a sample costs."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_HOST = ROOT / "cli" / ".build" / "release" / "gradwell"
DIGITS_CSV = ROOT / "examples" / "data" / "digits.csv"
# MNIST-1D's training set (Greydanus & Kobak 2020), kept in the repository (examples/data/README.md).
MNIST1D_X = ROOT / "examples" / "data" / "mnist1d_train_x.npy"
MNIST1D_Y = ROOT / "examples" / "data" / "mnist1d_train_y.npy"
# The script every worker subprocess runs (`run --worker NAME`).
ENTRY_POINT = ROOT / "benchmarks" / "run"
LR = 1e-3
SEED = 1

# The networks: layer widths (or, for a convolutional network, its input shape, its conv1d
# layers as (filters, kernel size) with a common stride and padding, then a dense layer of
# `classes` on the flattened maps), output kind, data set, batch size; `lr` and `dtypes` when
# they are not LR and both float32 and float64.
WORKLOADS: Dict[str, Dict[str, Any]] = {
    "tiny": {"sizes": [2, 10, 5, 1], "output": "sigmoid", "batch": 64,
             "data": "300 moons points (noise 0.2, seed 0)"},
    "digits": {"sizes": [64, 128, 64, 10], "output": "softmax", "batch": 128,
               "data": "examples/data/digits.csv (1797 rows, pixels 0..16 as in the file)"},
    "mnist": {"sizes": [784, 256, 128, 10], "output": "softmax", "batch": 128,
              "data": "60000 synthetic rows: uniform [0,1) features, uniform labels 0..9 (seed 0)"},
    # The CNN of the MNIST-1D paper, trained as it is there (Adam lr 1e-2, batches of 100).
    "mnist1d-cnn": {"input": [1, 40], "conv": [(25, 5), (25, 3), (25, 3)], "stride": 2, "padding": 1,
                    "classes": 10, "output": "softmax", "batch": 100, "lr": 1e-2, "dtypes": ["float32"],
                    "data": "MNIST-1D's 4000 training signals of 40 (examples/data/mnist1d_train_*.npy)"},
}


def log(*parts: Any) -> None:
    print(*parts, file=sys.stderr, flush=True)


def learning_rate(workload: str) -> float:
    return WORKLOADS[workload].get("lr", LR)


def is_convolutional(workload: str) -> bool:
    return "conv" in WORKLOADS[workload]


def conv_shapes(workload: str) -> List[Tuple[int, int]]:
    """(channels, length) after each conv1d layer of a convolutional workload."""
    spec = WORKLOADS[workload]
    channels, length = spec["input"]
    shapes = []
    for filters, kernel in spec["conv"]:
        channels, length = filters, (length + 2 * spec["padding"] - kernel) // spec["stride"] + 1
        shapes.append((channels, length))
    return shapes


def layer_macs(workload: str) -> List[int]:
    """Multiply-adds of each weighted layer's forward pass, per sample."""
    spec = WORKLOADS[workload]
    if not is_convolutional(workload):
        return [a * b for a, b in zip(spec["sizes"][:-1], spec["sizes"][1:])]
    macs, channels = [], spec["input"][0]
    for (filters, kernel), (_, length) in zip(spec["conv"], conv_shapes(workload)):
        macs.append(filters * length * channels * kernel)
        channels = filters
    last_channels, last_length = conv_shapes(workload)[-1]
    return macs + [last_channels * last_length * spec["classes"]]


def macs_per_sample(workload: str) -> Dict[str, int]:
    """Useful multiply-adds per training sample: forward, weight gradients, and the input
    gradients that are needed (every layer's but the first's)."""
    macs = layer_macs(workload)
    return {"forward": sum(macs), "weight_gradients": sum(macs), "input_gradients": sum(macs[1:]),
            "total": 2 * sum(macs) + sum(macs[1:])}


def flops_per_sample(workload: str) -> int:
    return 2 * macs_per_sample(workload)["total"]


# Data: made once by the parent, in a temporary folder, as .npy files the peers load.


def make_moons(n: int, noise: float, seed: int):
    import numpy as np
    rng = np.random.RandomState(seed)
    outer = n // 2
    inner = n - outer
    t_out = np.linspace(0, math.pi, outer)
    t_in = np.linspace(0, math.pi, inner)
    x = np.vstack([np.append(np.cos(t_out), 1 - np.cos(t_in)),
                   np.append(np.sin(t_out), 1 - np.sin(t_in) - 0.5)]).T
    y = np.hstack([np.zeros(outer, dtype=np.int64), np.ones(inner, dtype=np.int64)])
    order = rng.permutation(n)
    x, y = x[order], y[order]
    x = x + rng.normal(scale=noise, size=x.shape)
    return x.astype(np.float64), y


def prepare_data(workload: str, folder: Path) -> Dict[str, Any]:
    import numpy as np
    x_path, y_path = folder / f"{workload}_x.npy", folder / f"{workload}_y.npy"
    if workload == "tiny":
        x, y = make_moons(300, 0.2, 0)
    elif workload == "digits":
        table = np.loadtxt(DIGITS_CSV, delimiter=",", skiprows=1)
        x, y = table[:, :-1].astype(np.float64), table[:, -1].astype(np.int64)
    elif workload == "mnist1d-cnn":
        x, y, note = mnist1d_data()
    else:
        rng = np.random.RandomState(0)
        x = rng.random_sample((60000, 784)).astype(np.float32)
        y = rng.randint(0, 10, size=60000).astype(np.int64)
    np.save(x_path, np.ascontiguousarray(x))
    np.save(y_path, y)
    data = {"x": str(x_path), "y": str(y_path), "n": int(x.shape[0]), "features": int(x.shape[1])}
    if workload == "mnist1d-cnn" and note:
        data["note"] = note
    return data


def mnist1d_data():
    """MNIST-1D's training set: the repository's copy, else made by the mnist1d package, else
    random data of its shape (as fast to train on; the costs mean nothing) with a note saying so."""
    import numpy as np
    if MNIST1D_X.is_file() and MNIST1D_Y.is_file():
        return np.load(MNIST1D_X), np.load(MNIST1D_Y), None
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError:
        rng = np.random.RandomState(0)
        x = rng.standard_normal((4000, 40)).astype(np.float32)
        return x, rng.randint(0, 10, size=4000).astype(np.int64), (
            f"mnist1d-cnn trains on random data of MNIST-1D's shape (4000 x 40, normal features, uniform labels): "
            f"{MNIST1D_X} is missing and the mnist1d package is not installed (pip install mnist1d)")
    made = make_dataset(get_dataset_args())
    return made["x"].astype(np.float32), made["y"].astype(np.int64), (
        f"mnist1d-cnn trains on MNIST-1D made by the mnist1d package ({MNIST1D_X} is missing)")
