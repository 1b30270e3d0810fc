"""Shared by test_optuna.py and test_ray.py: a small moons problem and a host that crashes."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Any, Dict

#: Moons, a 2-N-1 network, a few epochs of Adam: a trial takes milliseconds.
TEMPLATE: Dict[str, Any] = {
    "datasets": {
        "train": {"generator": "moons", "n": 200, "noise": 0.25, "seed": 1},
        "dev": {"generator": "moons", "n": 200, "noise": 0.25, "seed": 2},
    },
    "model": {"input": 2, "layers": [
        {"type": "dense", "units": 8, "activation": "relu"},
        {"type": "dense", "units": 1, "activation": "sigmoid"},
    ]},
    "train": {"data": "train", "epochs": 12, "batch_size": 32, "optimizer": {"type": "adam"}},
}

SPACE: Dict[str, Any] = {
    "train.optimizer.lr": {"type": "log_uniform", "low": 1e-4, "high": 0.3},
    "train.optimizer.beta1": {"type": "one_minus_log_uniform", "low": 0.5, "high": 0.99},
    "model.layers.0.units": {"type": "int", "low": 2, "high": 16},
}

CRASH_MESSAGE = "gradwell: fatal error: simulated crash in train (a test double)"


def crashing_host(folder: Path, real_host: str, above_lr: float = 0.1) -> str:
    """Writes an executable that passes every line to the real host, except a ``train`` whose
    optimizer ``lr`` is above ``above_lr``: then it writes :data:`CRASH_MESSAGE` (after a line
    of context) to stderr and dies by SIGKILL, like a host that crashed mid-request."""
    script = folder / "crashing-gradwell"
    script.write_text(f"""#!{sys.executable}
import json, os, signal, subprocess, sys

child = subprocess.Popen([{real_host!r}, *sys.argv[1:]], stdin=subprocess.PIPE)  # stdout, stderr shared
for line in sys.stdin.buffer:
    try:
        message = json.loads(line)
    except ValueError:
        message = None
    if isinstance(message, dict) and message.get("method") == "train":
        optimizer = (message.get("params") or {{}}).get("optimizer") or {{}}
        if isinstance(optimizer, dict) and optimizer.get("lr", 0.01) > {above_lr!r}:
            sys.stderr.write("gradwell: training model 'trial'\\n")
            sys.stderr.write({CRASH_MESSAGE!r} + "\\n")
            sys.stderr.flush()
            os.kill(os.getpid(), signal.SIGKILL)
    child.stdin.write(line)
    child.stdin.flush()
child.stdin.close()
sys.exit(child.wait())
""")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return str(script)


def environment_without(*names: str) -> Dict[str, str]:
    return {key: value for key, value in os.environ.items() if key not in names}
