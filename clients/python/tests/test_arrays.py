"""Large arrays: the host's limits checked before encoding, .npy files instead of JSON, and
``dataset/drop``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, List

import pytest

import gradwell
from conftest import require_host
from gradwell import _arrays

np = pytest.importorskip("numpy")
HOST_PATH = require_host()  # skips this module when there is no host executable

RANDOM = np.random.default_rng(0)
X = RANDOM.random((40, 3))
XS = {
    "float64": X,
    "float32": X.astype(np.float32),
    "fortran order": np.asfortranarray(X),
    "big-endian": X.astype(">f8"),
    "strided": np.repeat(X, 2, axis=1)[:, ::2],
    "int16": (X * 100).astype(np.int16),
}
YS = {
    "int classes": RANDOM.integers(0, 3, 40),
    "booleans": RANDOM.random(40) > 0.5,
    "list of ints": [int(label) for label in RANDOM.integers(0, 2, 40)],
    "reals": RANDOM.random(40) - 0.5,
    "one column": RANDOM.integers(0, 2, (40, 1)),
    "two targets": RANDOM.random((40, 2)),
    "negative ints": RANDOM.integers(-1, 2, 40),
}


def requests(log: Path) -> List[Any]:
    """The requests of a run log (``--record``), as sent."""
    messages = [json.loads(line) for line in log.read_text().splitlines()]
    return [message for message in messages if "id" in message and "method" in message]


def methods(log: Path) -> List[str]:
    return [request["method"] for request in requests(log)]


@pytest.mark.parametrize("x_kind", XS)
def test_npy_files_give_the_answer_and_the_numbers_inline_gives(tmp_path: Path, x_kind: str) -> None:
    log = tmp_path / "run.jsonl"
    with gradwell.Host(HOST_PATH, record=log, timeout=30) as host:
        for y_kind, y in YS.items():
            as_json = host.inline("json", XS[x_kind], y, binary=False)
            as_npy = host.inline("npy", XS[x_kind], y, binary=True)
            assert {**as_json, "name": "npy"} == as_npy, y_kind
            # The same numbers: a linear model's squared error over each is the same, bit for bit.
            host.create_model("m", input=3, loss="mse", dtype="float64",
                              layers=[{"type": "dense", "units": as_npy["target_columns"], "activation": "linear"}])
            assert host.evaluate("m", "json") == host.evaluate("m", "npy"), y_kind
    assert methods(log).count("dataset/load") == len(YS)


def test_large_payloads_go_as_npy_files_small_ones_as_json(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    with gradwell.Host(HOST_PATH, record=log, timeout=30, inline_max_bytes=10_000) as host:
        assert host.inline("small", X[:10], YS["int classes"][:10])["n"] == 10   # about 800 bytes of JSON
        assert host.inline("large", np.tile(X, (5, 1)), np.tile(YS["int classes"], 5))["n"] == 200
    assert methods(log) == ["initialize", "dataset/inline", "dataset/load", "shutdown"]


def test_a_line_over_max_line_bytes_goes_as_npy_files(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    with gradwell.Host(HOST_PATH, args=["--max-line-bytes", "1500"], record=log, timeout=30,
                       inline_max_bytes=None) as host:
        assert host.inline("d", X, YS["int classes"])["n"] == 40
        with pytest.raises(gradwell.ResourceLimit):  # what JSON would have met
            host.inline("d", X, YS["int classes"], binary=False)
    assert methods(log) == ["initialize", "dataset/load", "shutdown"]


def test_npy_files_are_written_inside_the_data_root_and_removed(tmp_path: Path) -> None:
    root, log = tmp_path / "root", tmp_path / "run.jsonl"
    root.mkdir()
    with gradwell.Host(HOST_PATH, args=["--data-root", str(root)], record=log, timeout=30) as host:
        assert host.inline("d", X, YS["int classes"], binary=True)["n"] == 40
    load = [request for request in requests(log) if request["method"] == "dataset/load"][0]
    assert Path(load["params"]["path"]).parent.parent == root.resolve()
    assert list(root.iterdir()) == []


def test_more_elements_than_max_elements_are_refused_before_encoding(tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    with gradwell.Host(HOST_PATH, args=["--max-elements", "100"], record=log, timeout=30) as host:
        for x in (np.zeros((101, 1)), [[0.0]] * 101):
            with pytest.raises(gradwell.InvalidInput) as caught:
                host.inline("d", x, [0] * 101)
            assert (caught.value.path, caught.value.limit, caught.value.requested) == ("params.x", 100, 101)
            assert "max_elements" in str(caught.value) and "100" in str(caught.value)
        with pytest.raises(gradwell.InvalidInput) as caught:
            host.inline("d", np.zeros((50, 2)), np.zeros((101,)))
        assert caught.value.path == "params.y"
        with pytest.raises(gradwell.InvalidInput) as caught:
            host.predict("m", np.zeros((101, 1)))
        assert caught.value.path == "params.x" and str(caught.value).startswith("predict:")
        assert host.inline("d", np.zeros((50, 2)), np.zeros(50), binary=True)["n"] == 50  # at the limit
    assert methods(log) == ["initialize", "dataset/load", "shutdown"]


def test_nan_and_infinities_are_refused_naming_their_place(host: gradwell.Host,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(gradwell.InvalidInput) as caught:
        host.inline("d", bad, YS["int classes"], binary=True)
    assert caught.value.path == "params.x[3][1]" and "nan" in str(caught.value)
    with pytest.raises(gradwell.InvalidInput) as caught:
        host.inline("d", X, np.where(np.arange(40) == 7, np.inf, 1.0), binary=True)
    assert caught.value.path == "params.y[7]"
    # Should one get past the client, the host's refusal of the file is told as the argument's.
    monkeypatch.setattr(_arrays, "check_finite", lambda *args: None)
    with pytest.raises(gradwell.InvalidInput) as caught:
        host.inline("d", bad, YS["int classes"], binary=True)
    assert caught.value.path == "params.x" and "row 3, column 1 is not finite" in str(caught.value)
    assert isinstance(caught.value.__cause__, gradwell.HostIOError)


def test_arrays_the_npy_path_cannot_send_are_refused_naming_them(host: gradwell.Host) -> None:
    cases = [(X[:, 0], YS["int classes"], "params.x"),              # one dimension: no rows
             (X, YS["int classes"][:5], "params.y"),                # not one label per row
             (np.array([["a", "b"]]), [1], "params.x"),             # not numbers
             ([[1.0, 2.0], [3.0]], [0, 1], "params.x")]             # ragged rows
    for x, y, path in cases:
        with pytest.raises(gradwell.InvalidInput) as caught:
            host.inline("d", x, y, binary=True)
        assert caught.value.path == path, (x, y)


def test_drop_forgets_a_data_set(host: gradwell.Host) -> None:
    if "dataset/drop" not in host.initialize()["methods"]:
        pytest.skip("this host has no dataset/drop")
    host.inline("d", X, YS["int classes"])
    assert host.drop("d") == {"name": "d", "dropped": True}
    host.create_model("m", input=3, layers=[{"type": "dense", "units": 1, "activation": "linear"}], loss="mse")
    with pytest.raises(gradwell.NotFound):
        host.evaluate("m", "d")
    with pytest.raises(gradwell.NotFound) as caught:
        host.drop("d")
    assert (caught.value.kind, caught.value.name, caught.value.path) == ("data set", "d", "params.name")


def test_shaped_numpy_rows_are_flattened_channel_first(host) -> None:
    """A (N, C, L) array for a model whose input is [C, L] goes as N flat rows, channel first,
    on both paths, and predicts the same as its flat form."""
    numpy = pytest.importorskip("numpy")
    shaped = numpy.arange(4 * 2 * 5, dtype=numpy.float64).reshape(4, 2, 5) / 10
    labels = numpy.array([0, 1, 0, 1])
    inline = host.inline("shaped", shaped, labels, binary=False)
    files = host.inline("shaped_files", shaped, labels, binary=True)
    assert inline["features"] == files["features"] == 10 and inline["n"] == 4
    host.create_model("conv", input=[2, 5], layers=[{"type": "conv1d", "filters": 3, "kernel_size": 3},
                                                    {"type": "flatten"}, {"type": "dense", "units": 1, "activation": "sigmoid"}])
    assert host.predict("conv", shaped)["probabilities"].tolist() == \
        host.predict("conv", shaped.reshape(4, -1))["probabilities"].tolist()
