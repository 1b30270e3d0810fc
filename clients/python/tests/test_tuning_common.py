"""What gradwell.optuna and gradwell.ray share, without Optuna, Ray or a host: the core client
stays free of them, errors cross processes, the space and the template are read as the host's
``search`` reads them."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import gradwell
from gradwell import _tuning
from gradwell.errors import error_from_response

PACKAGE_ROOT = str(Path(gradwell.__file__).resolve().parents[1])


def test_import_gradwell_imports_neither_optuna_nor_ray() -> None:
    code = ("import sys, gradwell; "
            "assert not {'optuna', 'ray'} & set(sys.modules), sorted({'optuna', 'ray'} & set(sys.modules)); "
            "print(gradwell.__file__)")
    environment = dict(os.environ, PYTHONPATH=PACKAGE_ROOT)
    output = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True,
                            timeout=60)
    assert output.returncode == 0, output.stderr
    assert output.stdout.strip() == gradwell.__file__


@pytest.mark.parametrize("error", [
    gradwell.HostCrashed(-9, "gradwell: training\nfatal: out of memory"),
    gradwell.HostNotFound("no gradwell host", ["/a/gradwell", "/b/gradwell"]),
    gradwell.CallTimeout("train", 7, 2.5),
    error_from_response({"code": -32602, "message": "params.x is bad", "data": {"path": "params.x"}}, "train", 3),
    error_from_response({"code": -32005, "message": "cancelled", "data": {"epochs": 4, "steps": 9}}, "train", 3),
], ids=lambda error: type(error).__name__)
def test_errors_pickle_with_their_attributes(error: gradwell.GradwellError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)


def test_set_path_follows_the_hosts_search() -> None:
    template = {"train": {"optimizer": "adam", "regularizers": [{"type": "l2"}]}, "model": {"layers": [{"units": 1}]}}
    assert _tuning.set_path(template, "train.optimizer.lr", 0.1)["train"]["optimizer"] == {"type": "adam", "lr": 0.1}
    assert _tuning.set_path(template, "train.regularizers.0.lambda", 0.7)["train"]["regularizers"] == [
        {"type": "l2", "lambda": 0.7}]
    assert _tuning.set_path(template, "model.layers.0.units", 4)["model"]["layers"] == [{"units": 4}]
    assert template["train"]["optimizer"] == "adam"  # the original is left alone
    with pytest.raises(ValueError, match="the template has no 'train.schedule'"):
        _tuning.set_path(template, "train.schedule.decay_rate", 1.0)
    with pytest.raises(ValueError, match="is not an index"):
        _tuning.set_path(template, "model.layers.3.units", 1)


def test_prepare_template_makes_load_paths_absolute_and_checks_validation(tmp_path: Path) -> None:
    template = {"datasets": {"d": {"path": "data/x.csv", "label": "y"}}, "model": {"input": 2, "layers": []},
                "train": {"data": "d"}}
    prepared, data = _tuning.prepare_template(template, None, base_dir=str(tmp_path))
    assert prepared["datasets"]["d"]["path"] == str(tmp_path / "data/x.csv") and data == "d"
    with pytest.raises(ValueError, match=r"template\['train'\]\['validation'\] is 'v' but the objective is measured on 'dev'"):
        _tuning.prepare_template(dict(template, train={"data": "d", "validation": "v"}), "dev")
    with pytest.raises(ValueError, match="'extra' is not a part of a template"):
        _tuning.prepare_template(dict(template, extra=1), None)


def test_trial_seeds_are_stable_and_in_range() -> None:
    seeds = [_tuning.trial_seed(0, index) for index in range(1000)]
    assert len(set(seeds)) == 1000 and all(0 <= seed <= 0xFFFFFFFF for seed in seeds)
    assert _tuning.trial_seed(0, 0) == 74434689  # the same in every process, on every machine
    assert _tuning.trial_seed(1, 0) != _tuning.trial_seed(0, 0)


@pytest.mark.parametrize("spec, message", [
    ({"type": "normal"}, "type 'normal' cannot be expressed"),
    ({"type": "uniform", "low": 1}, "'high' is required"),
    ({"type": "uniform", "low": 1, "high": 1}, "high \\(1\\) must be greater than low \\(1\\)"),
    ({"type": "int", "low": 1.5, "high": 3}, "int needs integer bounds"),
    ({"type": "choice", "values": []}, "a choice needs 'values'"),
    ({"type": "uniform", "low": 0, "high": 1, "step": 0.1}, "'step' is not a field of a uniform dimension"),
    ({"type": "log_uniform", "low": 0, "high": 1}, "log_uniform needs low > 0"),
])
def test_bad_space_entries_name_their_key(spec: dict, message: str) -> None:
    with pytest.raises(ValueError, match=r"space\['train.optimizer.lr'\]: " + message):
        _tuning.parse_space({"train.optimizer.lr": spec})


def test_templates_take_paths_and_numpy_values_and_name_their_data_sets(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    template = {"datasets": {"train": {"path": tmp_path / "x.npy", "labels": Path("y.npy")}},
                "model": {"input": 2, "layers": [{"type": "dense", "units": np.int64(8)}]},
                "train": {"data": "train"}}
    prepared, data = _tuning.prepare_template(template, None, base_dir=str(tmp_path))
    assert prepared["datasets"]["train"]["path"] == str(tmp_path / "x.npy")
    assert prepared["datasets"]["train"]["labels"] == str(tmp_path / "y.npy")
    assert prepared["model"]["layers"][0]["units"] == 8 and data == "train"
    # A data-set name the template does not build is refused once, before any trial runs.
    for key, value in (("data", "dve"), ("validation", "dve")):
        bad = {**template, "train": {"data": "train", **({"validation": value} if key == "validation" else {})}}
        with pytest.raises(ValueError, match="'dve'.*not one of template"):
            _tuning.prepare_template(bad, value if key == "data" else "dve", base_dir=str(tmp_path))


def test_a_relative_gradwell_host_is_made_absolute_for_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADWELL_HOST", "cli/.build/release/gradwell")
    spec = _tuning.TrialSpec({"datasets": {"d": {"generator": "moons", "n": 10}}, "model": {"input": 2, "layers": []},
                              "train": {"data": "d"}}, None, "accuracy", None, None, None, None, 0, None)
    assert spec.host_path == os.path.abspath("cli/.build/release/gradwell")
