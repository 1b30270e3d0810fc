"""Shared fixtures: every test runs against the real gradwell host executable."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator, Optional

import pytest

import gradwell


def _locate() -> Optional[str]:
    """The host's path, or None. A build folder without its binary is probably being rebuilt:
    wait a little for it to reappear."""
    deadline = time.monotonic() + 20.0
    while True:
        try:
            return gradwell.find_host()
        except gradwell.HostNotFound as error:
            rebuilding = any(Path(place).parent.parent.is_dir() for place in error.searched
                             if place.endswith("/gradwell"))
            if not rebuilding or time.monotonic() > deadline:
                return None
            time.sleep(0.5)


HOST_PATH = _locate()
SKIP_REASON = ("no gradwell host executable found (build it with `cd cli && swift build -c release`, "
               "or set GRADWELL_HOST)")

TINY_LAYERS = [
    {"type": "dense", "units": 8, "activation": "relu"},
    {"type": "dense", "units": 1, "activation": "sigmoid"},
]


def require_host() -> str:
    if HOST_PATH is None:
        pytest.skip(SKIP_REASON, allow_module_level=True)
    return HOST_PATH


@pytest.fixture
def host() -> Iterator[gradwell.Host]:
    with gradwell.Host(require_host(), timeout=30) as h:
        yield h


@pytest.fixture
def tiny(host: gradwell.Host) -> gradwell.Host:
    """A host holding data set "d" (moons, 200 rows) and model "m" (2-8-1, relu/sigmoid)."""
    host.generate("d", "moons", n=200, seed=1)
    host.create_model("m", input=2, layers=TINY_LAYERS)
    return host
