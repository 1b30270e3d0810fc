"""The example scripts of examples/python run against the real host and reproduce their figures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import gradwell
from conftest import require_host

HOST_PATH = require_host()  # skips this module when there is no host executable
REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples" / "python"


def run_example(script: str, timeout: float = 180) -> None:
    path = EXAMPLES / script
    if not path.is_file():
        pytest.skip(f"{path} is not there")
    run = subprocess.run([sys.executable, str(path)], cwd=REPO, capture_output=True, text=True, timeout=timeout,
                         env={**os.environ, "GRADWELL_HOST": HOST_PATH})
    assert run.returncode == 0, f"{script} exited {run.returncode}\n{run.stdout}\n{run.stderr}"
    assert "all figures as expected" in run.stdout


def host_layers() -> list:
    with gradwell.Host(HOST_PATH, timeout=30) as host:
        return [layer["type"] for layer in host.registry()["layers"]]


@pytest.mark.parametrize("script", ["initialization.py", "optimization.py"])
def test_example_reproduces_its_figures(script: str) -> None:
    run_example(script)


# mnist1d.py: the MNIST-1D paper's table (the CNN's median over 3 seeds >= 0.90), about 35 s;
# conv2d_digits.py: a conv2d network on the 8x8 digits (median test accuracy >= 0.98), about 15 s.
@pytest.mark.parametrize("script, layer", [("mnist1d.py", "conv1d"), ("conv2d_digits.py", "conv2d")])
def test_a_convolutional_example_reproduces_its_figures(script: str, layer: str) -> None:
    if layer not in host_layers():
        pytest.skip(f"the host at {HOST_PATH} has no {layer} layer in registry/list (it predates shaped "
                    f"layers): {script} needs one")
    run_example(script, timeout=300)


def test_the_large_arrays_example_sends_npy_files() -> None:
    pytest.importorskip("numpy")
    run = subprocess.run([sys.executable, str(EXAMPLES / "large_arrays.py"), "--rows", "2000", "--features", "100",
                          "--json-rows", "100"], cwd=REPO, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "GRADWELL_HOST": HOST_PATH})
    assert run.returncode == 0, f"large_arrays.py exited {run.returncode}\n{run.stdout}\n{run.stderr}"
    assert "'n': 2000, 'features': 100, 'classes': 10" in run.stdout
