"""gradwell.optuna against the real host and the real Optuna (skipped when either is missing)."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict

import pytest

optuna = pytest.importorskip("optuna", reason="Optuna is not installed: pip install -e 'clients/python[optuna]'")

import gradwell  # noqa: E402
from conftest import require_host  # noqa: E402
from _tuning_helpers import CRASH_MESSAGE, SPACE, TEMPLATE, crashing_host  # noqa: E402
from gradwell.optuna import objective, replay  # noqa: E402

HOST_PATH = require_host()  # skips this module when there is no host executable

optuna.logging.set_verbosity(optuna.logging.ERROR)

TrialState = optuna.trial.TrialState


def _study(storage: Any, name: str = "moons", **options: Any) -> "optuna.Study":
    return optuna.create_study(study_name=name, storage=storage, direction="maximize",
                               sampler=optuna.samplers.TPESampler(seed=0), **options)


def test_median_pruner_study_on_sqlite(tmp_path: Path) -> None:
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    study = _study(storage, pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=2))
    started = time.monotonic()
    study.optimize(objective(TEMPLATE, SPACE, metric="accuracy", data="dev", host_path=HOST_PATH, timeout=60),
                   n_trials=12)
    elapsed = time.monotonic() - started

    trials = study.trials
    states = [trial.state for trial in trials]
    assert len(trials) == 12
    assert states.count(TrialState.PRUNED) >= 1, states
    assert states.count(TrialState.COMPLETE) >= 1, states
    assert TrialState.FAIL not in states
    seeds = [trial.user_attrs["seed"] for trial in trials]
    assert len(set(seeds)) == 12 and all(0 <= seed <= 0xFFFFFFFF for seed in seeds)
    for trial in trials:
        assert set(trial.params) == {"train.optimizer.lr", "1-train.optimizer.beta1", "model.layers.0.units"}
        beta1 = trial.user_attrs["train.optimizer.beta1"]  # the one_minus_log_uniform value, 1 - drawn
        assert beta1 == 1 - trial.params["1-train.optimizer.beta1"] and 0.5 <= beta1 <= 0.99
        assert trial.intermediate_values, "every trial reports its epochs"
        assert max(trial.intermediate_values) <= 11
    for trial in trials:
        if trial.state == TrialState.COMPLETE:
            assert sorted(trial.intermediate_values) == list(range(12))
            assert trial.value == trial.intermediate_values[11]  # evaluate on dev == the last val_accuracy

    # The best trial, alone in a new host, from its params and seed: the same score, bit for bit.
    best = study.best_trial
    again = replay(TEMPLATE, best, data="dev", host_path=HOST_PATH)
    assert again["accuracy"] == best.value
    assert again["seed"] == best.user_attrs["seed"]

    # Everything is in the storage: another process (here another Study object) sees it all.
    loaded = optuna.load_study(study_name="moons", storage=storage)
    assert [trial.state for trial in loaded.trials] == states
    assert loaded.best_trial.user_attrs["seed"] == best.user_attrs["seed"]
    print(f"\noptuna: 12 trials, {states.count(TrialState.PRUNED)} pruned, best {best.value} "
          f"(trial {best.number}), {elapsed:.2f} s")


class _PruneAtOnce(optuna.pruners.BasePruner):
    def prune(self, study: "optuna.Study", trial: "optuna.trial.FrozenTrial") -> bool:
        return True


def test_pruning_cancels_the_running_train(tmp_path: Path) -> None:
    template = json.loads(json.dumps(TEMPLATE))
    template["train"]["epochs"] = 1_000_000  # minutes of training unless the cancel stops it
    study = _study(f"sqlite:///{tmp_path / 'prune.db'}", pruner=_PruneAtOnce())
    started = time.monotonic()
    study.optimize(objective(template, {"train.optimizer.lr": {"type": "log_uniform", "low": 1e-3, "high": 1e-2}},
                             data="dev", host_path=HOST_PATH, timeout=60), n_trials=1)
    trial = study.trials[0]
    assert trial.state == TrialState.PRUNED
    assert list(trial.intermediate_values) == [0]
    assert trial.user_attrs["epochs"] < 1_000_000
    assert time.monotonic() - started < 30


def test_objective_pickles_and_a_journal_shared_by_two_processes(tmp_path: Path) -> None:
    made = objective(TEMPLATE, SPACE, data="dev", host_path=HOST_PATH)
    copy = pickle.loads(pickle.dumps(made))
    assert copy.spec.template == made.spec.template and copy.spec.data == "dev"

    journal = tmp_path / "journal.log"
    script = f"""
import optuna, sys
from gradwell.optuna import objective
optuna.logging.set_verbosity(optuna.logging.ERROR)
storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend({str(journal)!r}))
study = optuna.create_study(study_name="shared", storage=storage, direction="maximize", load_if_exists=True,
                            pruner=optuna.pruners.NopPruner())
study.optimize(objective({TEMPLATE!r}, {SPACE!r}, data="dev", host_path={HOST_PATH!r}), n_trials=3)
"""
    workers = [subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for worker in workers:
        _, errors = worker.communicate(timeout=120)
        assert worker.returncode == 0, errors
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(journal)))
    study = optuna.load_study(study_name="shared", storage=storage)
    assert [trial.state for trial in study.trials] == [TrialState.COMPLETE] * 6
    assert sorted(trial.number for trial in study.trials) == list(range(6))
    assert len({trial.user_attrs["seed"] for trial in study.trials}) == 6


@pytest.mark.parametrize("space, message", [
    ({"train.optimizer.lr": {"type": "normal", "low": 0, "high": 1}}, r"space\['train.optimizer.lr'\]: type 'normal'"),
    ({"model.layers": {"type": "choice", "values": [[{"type": "dense", "units": 1}]]}},
     r"space\['model.layers'\]: Optuna's suggest_categorical takes only JSON scalars"),
    ({"train.optimizer.lr": {"type": "log_uniform", "low": 0, "high": 1}}, r"space\['train.optimizer.lr'\]: log_uniform needs low > 0"),
    ({"train.nothing.lr": {"type": "uniform", "low": 0, "high": 1}}, r"space\['train.nothing.lr'\]: the template has no"),
    ({"model.layers.5.units": {"type": "int", "low": 1, "high": 4}}, r"space\['model.layers.5.units'\]"),
    ({"train.optimizer.beta1": {"type": "one_minus_log_uniform", "low": 0.5, "high": 1}},
     r"space\['train.optimizer.beta1'\]: one_minus_log_uniform needs"),
])
def test_a_space_optuna_cannot_express_is_a_value_error_naming_the_key(space: Dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        objective(TEMPLATE, space, data="dev")


def test_a_missing_host_binary_fails_the_trial_and_the_study_goes_on(tmp_path: Path) -> None:
    missing = tmp_path / "bin" / "gradwell"
    study = _study(None)
    study.optimize(objective(TEMPLATE, SPACE, data="dev", host_path=missing), n_trials=2,
                   catch=(gradwell.GradwellError,))
    assert [trial.state for trial in study.trials] == [TrialState.FAIL] * 2
    for trial in study.trials:
        assert trial.user_attrs["error"].startswith("HostNotFound: trial ")
        assert str(missing) in trial.user_attrs["error"]
    # Without catch=, the error stops the study, and the trial is still recorded as failed.
    with pytest.raises(gradwell.HostNotFound, match="no gradwell host on"):
        study.optimize(objective(TEMPLATE, SPACE, data="dev", host_path=missing), n_trials=5)
    assert [trial.state for trial in study.trials] == [TrialState.FAIL] * 3
    # The same study goes on with a host that exists.
    study.optimize(objective(TEMPLATE, SPACE, data="dev", host_path=HOST_PATH), n_trials=1)
    assert study.trials[-1].state == TrialState.COMPLETE


def test_a_crashing_host_fails_its_trial_with_the_hosts_last_stderr_lines(tmp_path: Path) -> None:
    fake = crashing_host(tmp_path, HOST_PATH, above_lr=0.1)
    study = _study(f"sqlite:///{tmp_path / 'crash.db'}")
    study.enqueue_trial({"train.optimizer.lr": 0.2})   # crashes in train
    study.enqueue_trial({"train.optimizer.lr": 0.01})  # trains
    started = time.monotonic()
    study.optimize(objective(TEMPLATE, {"train.optimizer.lr": {"type": "log_uniform", "low": 1e-3, "high": 0.3}},
                             data="dev", host_path=fake, timeout=60),
                   n_trials=2, catch=(gradwell.GradwellError,))
    assert time.monotonic() - started < 30  # not a hung study
    crashed, trained = study.trials
    assert crashed.state == TrialState.FAIL
    assert crashed.user_attrs["error"].startswith("HostCrashed: the gradwell host exited killed by signal 9")
    assert CRASH_MESSAGE in crashed.user_attrs["stderr_tail"]
    assert crashed.user_attrs["stderr_tail"].splitlines()[-2:] == ["gradwell: training model 'trial'", CRASH_MESSAGE]
    assert crashed.user_attrs["returncode"] == -9
    assert trained.state == TrialState.COMPLETE and trained.value > 0.5


def test_goal_is_checked_against_the_study_direction() -> None:
    study = optuna.create_study(direction="minimize")
    with pytest.raises(ValueError, match="the study is set to minimize but the objective's accuracy should be maximized"):
        study.optimize(objective(TEMPLATE, SPACE, data="dev", goal="maximize", host_path=HOST_PATH), n_trials=1)
    cost_study = optuna.create_study(direction="minimize")
    cost_study.optimize(objective(TEMPLATE, SPACE, metric="cost", data="dev", host_path=HOST_PATH), n_trials=2)
    assert all(trial.state == TrialState.COMPLETE and trial.value > 0 for trial in cost_study.trials)
