"""The implementations Gradwell is compared with, as one plain list.

Gradwell itself is driven by the harness through its pipe (`peers.gradwell`). Every other peer
runs in a worker subprocess of its own, one per configuration (`peers.worker`), so it has its
own environment, thread settings and peak memory. A peer's module has a `Trainer(workload,
dtype, threads, data, variant)` with `train(epochs) -> cost` and `describe() -> dict`, and may
have `environment(env, threads) -> env` for the worker's environment. JAX runs in two variants;
both are measured and the faster one counts for JAX (`family`).
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from dataclasses import dataclass
from typing import List, Optional, Tuple

TORCH_WHEEL_HINT = "pip install /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"
JAX_HINT = "pip install 'jax[cpu]' optax"


@dataclass(frozen=True)
class PythonPeer:
    """An implementation run in a worker subprocess."""
    name: str                      # its rows' name in the table and the JSON
    family: str                    # what it counts as in ratios and targets
    module: str                    # the module under gwbench.peers holding its Trainer
    probe: str                     # Python that imports what it needs and prints its version
    install: str                   # how to install what it needs
    variant: Optional[str] = None  # passed to its Trainer
    convolutions: bool = True      # whether it trains the convolutional workloads (mnist1d-cnn)


PYTHON_PEERS: List[PythonPeer] = [
    # The course's dense layers only: no convolution written by hand.
    PythonPeer("numpy", "numpy", "numpy_course", "import numpy, threadpoolctl; print(numpy.__version__)",
               "pip install numpy threadpoolctl", convolutions=False),
    PythonPeer("pytorch", "pytorch", "pytorch", "import torch; print(torch.__version__)", TORCH_WHEEL_HINT),
    # One jit-compiled epoch (permutation, gather, lax.scan over the full batches, the last partial one).
    PythonPeer("jax-scan", "jax", "jax_optax", "import jax, optax; print(jax.__version__, 'optax', optax.__version__)",
               JAX_HINT, variant="scan"),
    # A jit-compiled step called from a Python loop.
    PythonPeer("jax-step", "jax", "jax_optax", "import jax, optax; print(jax.__version__, 'optax', optax.__version__)",
               JAX_HINT, variant="step"),
]

# The ratio columns, in order, and how the report names them.
FAMILIES = {"gradwell": "Gradwell", "numpy": "NumPy", "pytorch": "PyTorch", "jax": "JAX"}


def find(name: str) -> PythonPeer:
    for peer in PYTHON_PEERS:
        if peer.name == name:
            return peer
    raise KeyError(f"no peer named {name!r} ({', '.join(p.name for p in PYTHON_PEERS)})")


def load(peer: PythonPeer):
    """The peer's module (it imports its library only when a Trainer is made)."""
    return importlib.import_module(f"{__name__}.{peer.module}")


def probe(peer: PythonPeer) -> Tuple[bool, str]:
    """Whether the peer's libraries import in a fresh interpreter: (True, version) or (False, why)."""
    found = subprocess.run([sys.executable, "-c", peer.probe], capture_output=True, text=True)
    if found.returncode == 0:
        return True, found.stdout.strip()
    return False, (found.stderr.strip().splitlines() or [f"{peer.probe} failed"])[-1]
