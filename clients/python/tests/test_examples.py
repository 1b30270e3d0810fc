"""The example scripts of examples/python run against the real host and reproduce their figures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import require_host

HOST_PATH = require_host()  # skips this module when there is no host executable
REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples" / "python"


@pytest.mark.parametrize("script", ["initialization.py", "optimization.py"])
def test_example_reproduces_its_figures(script: str) -> None:
    path = EXAMPLES / script
    if not path.is_file():
        pytest.skip(f"{path} is not there")
    run = subprocess.run([sys.executable, str(path)], cwd=REPO, capture_output=True, text=True, timeout=180,
                         env={**os.environ, "GRADWELL_HOST": HOST_PATH})
    assert run.returncode == 0, f"{script} exited {run.returncode}\n{run.stdout}\n{run.stderr}"
    assert "all figures as expected" in run.stdout


def test_the_large_arrays_example_sends_npy_files() -> None:
    pytest.importorskip("numpy")
    run = subprocess.run([sys.executable, str(EXAMPLES / "large_arrays.py"), "--rows", "2000", "--features", "100",
                          "--json-rows", "100"], cwd=REPO, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "GRADWELL_HOST": HOST_PATH})
    assert run.returncode == 0, f"large_arrays.py exited {run.returncode}\n{run.stdout}\n{run.stderr}"
    assert "'n': 2000, 'features': 100, 'classes': 10" in run.stdout
