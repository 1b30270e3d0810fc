"""gradwell.ray against the real host and a real local Ray instance (skipped when either is missing)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

ray = pytest.importorskip("ray", reason="Ray Tune is not installed: pip install -e 'clients/python[ray]'")
tune = pytest.importorskip("ray.tune", reason="Ray Tune is not installed: pip install -e 'clients/python[ray]'")

import gradwell  # noqa: E402
import gradwell.ray as gray  # noqa: E402
from conftest import require_host  # noqa: E402
from _tuning_helpers import CRASH_MESSAGE, SPACE, TEMPLATE, crashing_host  # noqa: E402
from ray.tune.schedulers import ASHAScheduler  # noqa: E402
from ray.tune.search import BasicVariantGenerator  # noqa: E402

HOST_PATH = require_host()  # skips this module when there is no host executable
EPOCHS = TEMPLATE["train"]["epochs"]


@pytest.fixture(scope="module")
def local_ray(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A local Ray instance limited to 2 CPUs (the size of this machine), for the module."""
    saved = {name: os.environ.get(name) for name in ("RAY_AUTH_MODE",)}
    os.environ["RAY_AUTH_MODE"] = "disabled"  # no token file for a throwaway local instance
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        yield tmp_path_factory.mktemp("ray-results")
    finally:
        ray.shutdown()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _tuner(trainable: Any, param_space: Dict[str, Any], storage: Path, name: str, samples: int = 1,
           scheduler: Any = None) -> "tune.Tuner":
    return tune.Tuner(
        tune.with_resources(trainable, {"cpu": 1}),
        param_space=param_space,
        tune_config=tune.TuneConfig(metric="accuracy", mode="max", num_samples=samples, scheduler=scheduler,
                                    search_alg=BasicVariantGenerator(random_state=0), reuse_actors=True),
        run_config=tune.RunConfig(storage_path=str(storage), name=name, verbose=0),
    )


def test_asha_run_and_the_best_trial_rerun_alone(local_ray: Path) -> None:
    started = time.monotonic()
    tuner = _tuner(gray.trainable(TEMPLATE, metric="accuracy", data="dev", host_path=HOST_PATH, timeout=60),
                   gray.param_space(SPACE), local_ray, "asha", samples=8,
                   scheduler=ASHAScheduler(max_t=EPOCHS, grace_period=2, reduction_factor=2))
    results = tuner.fit()
    elapsed = time.monotonic() - started
    assert len(results) == 8
    assert not results.errors, results.errors
    trained = [result.metrics["epochs_trained"] for result in results]
    assert all(result.metrics["training_iteration"] == result.metrics["epochs_trained"] for result in results)
    assert min(trained) < EPOCHS, f"ASHA stopped no trial early: {trained}"
    assert max(trained) == EPOCHS
    seeds = [result.metrics["seed"] for result in results]
    assert len(set(seeds)) == 8
    for result in results:
        assert result.metrics["threads"] == 1  # one CPU per trial -> --threads 1
        beta1 = result.metrics["train.optimizer.beta1"]
        assert beta1 == 1 - result.config["1-train.optimizer.beta1"] and 0.5 <= beta1 <= 0.99
        assert result.checkpoint is not None

    best = results.get_best_result()
    score, epochs = best.metrics["accuracy"], best.metrics["epochs_trained"]

    # The best trial alone, without Ray, in one train request: the same score, bit for bit.
    again = gray.replay(TEMPLATE, best.config, seed=best.metrics["seed"], data="dev", host_path=HOST_PATH,
                        epochs=epochs, threads=best.metrics["threads"])
    assert again["accuracy"] == score and again["epochs"] == epochs

    # And alone under Tune, from its config with the seed in it.
    rerun = _tuner(gray.trainable(dict(TEMPLATE, train=dict(TEMPLATE["train"], epochs=epochs)), data="dev",
                                  host_path=HOST_PATH),
                   {**best.config, "seed": best.metrics["seed"]}, local_ray, "rerun").fit()
    assert not rerun.errors
    assert rerun[0].metrics["accuracy"] == score
    assert rerun[0].metrics["seed"] == best.metrics["seed"]

    # The checkpoint holds the trained model: loaded in a host, it scores the same.
    with best.checkpoint.as_directory() as directory, gradwell.Host(HOST_PATH) as host:
        host.generate("dev", "moons", n=200, noise=0.25, seed=2)
        loaded = host.load_model("best", os.path.join(directory, gray.MODEL_FILE))
        assert loaded["epochs_trained"] == epochs
        assert host.evaluate("best", "dev")["accuracy"] == score
    print(f"\nray: 8 trials, {sum(n < EPOCHS for n in trained)} stopped by ASHA, best {score} "
          f"after {epochs} epochs, {elapsed:.2f} s")


def test_pbt_clones_and_resumes_trials_from_their_checkpoints(local_ray: Path) -> None:
    from ray.tune.schedulers import PopulationBasedTraining
    pbt = PopulationBasedTraining(time_attr="training_iteration", perturbation_interval=3, quantile_fraction=0.5,
                                  hyperparam_mutations={"train.optimizer.lr": tune.loguniform(1e-3, 0.3)},
                                  resample_probability=0.5, synch=True)
    template = dict(TEMPLATE, train=dict(TEMPLATE["train"], epochs=6))
    results = _tuner(gray.trainable(template, data="dev", host_path=HOST_PATH, timeout=60),
                     {"train.optimizer.lr": tune.grid_search([0.002, 0.1])}, local_ray, "pbt",
                     scheduler=pbt).fit()
    assert not results.errors, results.errors
    assert [result.metrics["epochs_trained"] for result in results] == [6, 6]
    history = [row for result in results for row in result.metrics_dataframe.to_dict("records")]
    resumed = [row for row in history if row["resumed_from"] > 0]
    assert resumed, "PBT restored no trial from a checkpoint"
    for row in resumed:  # a restored trial goes on from the epoch its checkpoint holds
        assert row["resumed_from"] in (3, 6)  # PBT exploits at iterations 3 and 6
        assert row["epochs_trained"] > row["resumed_from"] or row["epochs_trained"] == row["resumed_from"] == 6


class _Stop(Exception):
    pass


def test_a_trial_resumed_from_its_checkpoint_goes_on_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What Tune does to a paused (HyperBand, PBT) or restored trial, with Tune's session replaced
    by stand-ins: run 5 epochs, keep the checkpoint, start again from it."""
    reports: List[Dict[str, Any]] = []
    kept = tmp_path / "kept"
    restore_from: List[Optional[str]] = [None]

    def report(metrics: Dict[str, Any], checkpoint_dir: Optional[str] = None) -> None:
        reports.append(dict(metrics))
        if checkpoint_dir and metrics["epochs_trained"] == 5 and restore_from[0] is None:
            shutil.copytree(checkpoint_dir, kept)
            raise _Stop

    monkeypatch.setattr(gray, "_report", report)
    monkeypatch.setattr(gray, "_get_checkpoint",
                        lambda: tune.Checkpoint.from_directory(restore_from[0]) if restore_from[0] else None)
    monkeypatch.setattr(gray, "_trial_context", lambda: {"id": "abcde_00003", "cpus": 1.0})

    config = {"train.optimizer.lr": 0.05, "1-train.optimizer.beta1": 0.1, "model.layers.0.units": 6}
    run = gray.trainable(TEMPLATE, data="dev", host_path=HOST_PATH)
    with pytest.raises(_Stop):
        run(config)
    assert [r["epochs_trained"] for r in reports] == [1, 2, 3, 4, 5]
    assert sorted(os.listdir(kept)) == [gray.STATE_FILE, gray.MODEL_FILE]

    restore_from[0] = str(kept)
    run(config)
    assert [r["epochs_trained"] for r in reports] == list(range(1, 6)) + list(range(6, EPOCHS + 1))
    seed = reports[0]["seed"]
    assert {r["seed"] for r in reports} == {seed}
    assert seed == gradwell._tuning.trial_seed(0, 3)  # the 4th trial of a run with seed 0
    again = gray.replay(TEMPLATE, config, seed=seed, data="dev", host_path=HOST_PATH, threads=1)
    assert reports[-1]["accuracy"] == again["accuracy"]
    assert reports[-1]["val_cost"] == again["cost"]


def test_param_space_maps_every_type() -> None:
    space = gray.param_space({
        "train.optimizer.lr": {"type": "log_uniform", "low": 1e-4, "high": 1},
        "train.optimizer.beta1": {"type": "one_minus_log_uniform", "low": 0.9, "high": 0.999},
        "train.optimizer.beta2": {"type": "uniform", "low": 0.9, "high": 0.99},
        "train.batch_size": {"type": "int", "low": 16, "high": 64},
        "model.layers.0.activation": {"type": "choice", "values": ["relu", "tanh"]},
    })
    assert set(space) == {"train.optimizer.lr", "1-train.optimizer.beta1", "train.optimizer.beta2",
                          "train.batch_size", "model.layers.0.activation"}
    assert (space["train.optimizer.lr"].lower, space["train.optimizer.lr"].upper) == (1e-4, 1)
    assert "LogUniform" in type(space["train.optimizer.lr"].sampler).__name__
    assert space["1-train.optimizer.beta1"].lower == pytest.approx(0.001)
    assert space["1-train.optimizer.beta1"].upper == pytest.approx(0.1)
    assert (space["train.batch_size"].lower, space["train.batch_size"].upper) == (16, 65)  # high inclusive
    assert space["model.layers.0.activation"].categories == ["relu", "tanh"]
    with pytest.raises(ValueError, match=r"space\['train.optimizer.lr'\]: type 'normal' cannot be expressed"):
        gray.param_space({"train.optimizer.lr": {"type": "normal", "low": 0, "high": 1}})


def test_a_config_key_outside_the_template_is_a_value_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gray, "_trial_context", lambda: {})
    with pytest.raises(ValueError, match=r"config\['train.optimiser.lr'\]"):
        gray.trainable(TEMPLATE, data="dev", host_path=HOST_PATH)({"train.optimiser.lr": 0.1})
    schedule = dict(TEMPLATE, train=dict(TEMPLATE["train"], schedule={"type": "exponential"}))
    with pytest.raises(ValueError, match=r"template\['train'\]\['schedule'\] cannot run 1 epoch"):
        gray.trainable(schedule, data="dev", host_path=HOST_PATH)({})


def test_a_missing_host_binary_fails_the_trial_and_the_run_goes_on(local_ray: Path, tmp_path: Path) -> None:
    missing = tmp_path / "bin" / "gradwell"
    results = _tuner(gray.trainable(TEMPLATE, data="dev", host_path=missing),
                     {"train.optimizer.lr": tune.grid_search([0.01, 0.02])}, local_ray, "missing").fit()
    assert len(results) == 2 and len(results.errors) == 2
    for result in results:
        assert "HostNotFound" in repr(result.error) and "no gradwell host on" in str(result.error)
        assert str(missing) in str(result.error)


def test_a_crashing_host_fails_its_trial_with_the_hosts_last_stderr_lines(local_ray: Path, tmp_path: Path) -> None:
    fake = crashing_host(tmp_path, HOST_PATH, above_lr=0.1)
    started = time.monotonic()
    results = _tuner(gray.trainable(TEMPLATE, data="dev", host_path=fake, timeout=60),
                     {"train.optimizer.lr": tune.grid_search([0.2, 0.01])}, local_ray, "crash").fit()
    assert time.monotonic() - started < 60  # not a hung run
    crashed, trained = sorted(results, key=lambda result: result.config["train.optimizer.lr"], reverse=True)
    assert crashed.error is not None and "HostCrashed" in repr(crashed.error)
    assert "killed by signal 9" in str(crashed.error) and CRASH_MESSAGE in str(crashed.error)
    assert trained.error is None and trained.metrics["epochs_trained"] == EPOCHS
