"""Without Optuna or Ray, what needs them says which extra of the package to install. The
library is hidden from a child Python (``sys.modules[name] = None`` makes its import fail), so
these run whether or not it is installed. No host is needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CLIENT = Path(__file__).resolve().parents[1]
SCALING = CLIENT.parents[1] / "examples" / "python" / "scaling.py"


def run_without(library: str, code: str) -> subprocess.CompletedProcess:
    hidden = f"import sys; sys.modules[{library!r}] = None\n"
    return subprocess.run([sys.executable, "-c", hidden + code], capture_output=True, text=True, timeout=120,
                          cwd=CLIENT)


@pytest.mark.parametrize("module, library, extra", [("gradwell.optuna", "optuna", "optuna"),
                                                    ("gradwell.ray", "ray", "ray")])
def test_the_tuning_modules_name_their_extra(module: str, library: str, extra: str) -> None:
    run = run_without(library, f"import {module}")
    assert run.returncode == 1
    assert f"ImportError: {module} needs" in run.stderr
    assert f"pip install 'gradwell[{extra}]'" in run.stderr


@pytest.mark.parametrize("driver, library, extra", [("optuna", "optuna", "optuna"),
                                                    ("optuna-2proc", "optuna", "optuna"),
                                                    ("ray", "ray", "ray"),
                                                    ("all", "ray", "ray")])
def test_the_scaling_example_names_the_extra_before_it_starts(driver: str, library: str, extra: str) -> None:
    if not SCALING.is_file():
        pytest.skip(f"{SCALING} is not there")
    run = run_without(library, f"import runpy; sys.argv = ['scaling.py', {driver!r}]\n"
                               f"runpy.run_path({str(SCALING)!r}, run_name='__main__')")
    assert run.returncode == 2, run.stderr
    assert f"pip install 'gradwell[{extra}]'" in run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""
