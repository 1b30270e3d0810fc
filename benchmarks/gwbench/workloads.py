"""The networks every implementation trains, the data they train on, and what a sample costs."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any, Dict, List

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_HOST = ROOT / "cli" / ".build" / "release" / "gradwell"
DIGITS_CSV = ROOT / "examples" / "data" / "digits.csv"
# The script every worker subprocess runs (`run --worker NAME`).
ENTRY_POINT = ROOT / "benchmarks" / "run"
LR = 1e-3
SEED = 1

# The networks: layer widths, output kind, data set, batch size.
WORKLOADS: Dict[str, Dict[str, Any]] = {
    "tiny": {"sizes": [2, 10, 5, 1], "output": "sigmoid", "batch": 64,
             "data": "300 moons points (noise 0.2, seed 0)"},
    "digits": {"sizes": [64, 128, 64, 10], "output": "softmax", "batch": 128,
               "data": "examples/data/digits.csv (1797 rows, pixels 0..16 as in the file)"},
    "mnist": {"sizes": [784, 256, 128, 10], "output": "softmax", "batch": 128,
              "data": "60000 synthetic rows: uniform [0,1) features, uniform labels 0..9 (seed 0)"},
}


def log(*parts: Any) -> None:
    print(*parts, file=sys.stderr, flush=True)


def macs_per_sample(sizes: List[int]) -> Dict[str, int]:
    """Useful multiply-adds per training sample: forward, weight gradients, and the input
    gradients that are needed (every layer's but the first's)."""
    pairs = list(zip(sizes[:-1], sizes[1:]))
    forward = sum(a * b for a, b in pairs)
    return {"forward": forward, "weight_gradients": forward,
            "input_gradients": sum(a * b for a, b in pairs[1:]),
            "total": 2 * forward + sum(a * b for a, b in pairs[1:])}


def flops_per_sample(workload: str) -> int:
    return 2 * macs_per_sample(WORKLOADS[workload]["sizes"])["total"]


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
    else:
        rng = np.random.RandomState(0)
        x = rng.random_sample((60000, 784)).astype(np.float32)
        y = rng.randint(0, 10, size=60000).astype(np.int64)
    np.save(x_path, np.ascontiguousarray(x))
    np.save(y_path, y)
    return {"x": str(x_path), "y": str(y_path), "n": int(x.shape[0]), "features": int(x.shape[1])}
