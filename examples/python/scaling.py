"""One search, three drivers: the host's built-in `search`, Optuna, and Ray Tune.

The same template and space (moons, a 2-N-1 network, Adam) are searched by

* ``search``       the host's built-in random search (``parallel`` threads in one host process);
* ``optuna``       Optuna (TPE + MedianPruner, SQLite storage, two trials at a time);
* ``optuna-storages`` the same, one trial at a time, in memory, on a journal file, on SQLite;
* ``optuna-2proc`` two processes sharing one Optuna study through a journal file, as two
                   machines would share an RDB;
* ``ray``          Ray Tune (ASHA) on a local Ray instance with 2 CPUs.

Each prints the trials run, how many were pruned or stopped early, the wall time and the best
score, then reruns the best trial alone and checks that it scores the same.

    pip install -e 'clients/python[optuna,ray]'
    python3 examples/python/scaling.py all --trials 24 [--rows 1000]

The figures of docs/scaling.md come from this script.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

REPO = Path(__file__).resolve().parents[2]
try:
    import gradwell
except ImportError:  # the client is not installed: use it from the repository
    sys.path.insert(0, str(REPO / "clients" / "python"))
    import gradwell  # noqa: E402
from gradwell import _tuning  # noqa: E402

EPOCHS = 40
TEMPLATE: Dict[str, Any] = {
    "datasets": {
        "train": {"generator": "moons", "n": 1000, "noise": 0.3, "seed": 1},
        "dev": {"generator": "moons", "n": 500, "noise": 0.3, "seed": 2},
    },
    "model": {"input": 2, "layers": [
        {"type": "dense", "units": 16, "activation": "relu"},
        {"type": "dense", "units": 8, "activation": "relu"},
        {"type": "dense", "units": 1, "activation": "sigmoid"},
    ]},
    "train": {"data": "train", "epochs": EPOCHS, "batch_size": 64, "optimizer": {"type": "adam"}},
}
SPACE: Dict[str, Any] = {
    "train.optimizer.lr": {"type": "log_uniform", "low": 1e-4, "high": 0.3},
    "train.optimizer.beta1": {"type": "one_minus_log_uniform", "low": 0.5, "high": 0.99},
    "model.layers.0.units": {"type": "int", "low": 2, "high": 32},
    "train.batch_size": {"type": "choice", "values": [32, 64, 128]},
}


#: What a driver needs beyond the client: (module, library, extra of the gradwell package).
OPTUNA = ("optuna", "Optuna", "optuna")
NEEDS = {"optuna": OPTUNA, "optuna-storages": OPTUNA, "optuna-2proc": OPTUNA, "ray": ("ray", "Ray Tune", "ray")}


def missing_libraries(drivers: List[str]) -> List[str]:
    """What to install for the drivers whose library this Python lacks, one line each."""
    needed = sorted({NEEDS[driver] for driver in drivers if driver in NEEDS})
    return [f"{library} is not installed: pip install 'gradwell[{extra}]' (from this repository: "
            f"pip install -e 'clients/python[{extra}]')"
            for module, library, extra in needed if importlib.util.find_spec(module) is None]


def line(driver: str, trials: int, cut: int, cut_word: str, wall: float, best: float, same: Optional[bool],
         note: str = "") -> None:
    rerun = "" if same is None else f"  rerun alone matches: {same}"
    print(f"{driver:<13} trials {trials:>3}  {cut_word} {cut:>3}  wall {wall:7.2f} s  best {best:.3f}"
          f"{rerun}{'  ' + note if note else ''}", flush=True)


def run_search(args: argparse.Namespace) -> None:
    started = time.monotonic()
    with gradwell.Host(args.host, timeout=3600) as host:
        result = host.search(template=TEMPLATE, space=SPACE, objective={"data": "dev", "metric": "accuracy"},
                             trials=args.trials, parallel=2, seed=0)
    wall = time.monotonic() - started
    best = result["best"]
    values = dict(best["config"])
    # The built-in search's trial alone: the same template, config and seed in one session.
    trial = _tuning.filled(TEMPLATE, values, best["seed"], "dev")
    trial["train"].pop("validation")
    with gradwell.Host(args.host) as host:
        _tuning.build_datasets(host, trial)
        host.call("model/create", trial["model"])
        host.call("train", trial["train"])
        again = host.evaluate("trial", "dev")["accuracy"]
    line("search", len(result["trials"]), 0, "pruned", wall, best["objective"], again == best["objective"],
         f"(parallel {result['parallel']})")


def run_optuna(args: argparse.Namespace) -> None:
    import optuna
    from gradwell.optuna import objective, replay
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        study = optuna.create_study(direction="maximize", storage=f"sqlite:///{folder}/study.db",
                                    sampler=optuna.samplers.TPESampler(seed=0),
                                    pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=5))
        started = time.monotonic()
        study.optimize(objective(TEMPLATE, SPACE, data="dev", host_path=args.host), n_trials=args.trials,
                       n_jobs=2, catch=(gradwell.GradwellError,))
        wall = time.monotonic() - started
        states = [trial.state for trial in study.trials]
        best = study.best_trial
        again = replay(TEMPLATE, best, data="dev", host_path=args.host)
    line("optuna", len(states), states.count(optuna.trial.TrialState.PRUNED), "pruned", wall, best.value,
         again["accuracy"] == best.value, "(n_jobs 2, SQLite)")


def run_optuna_storages(args: argparse.Namespace) -> None:
    """The same study, one trial at a time, on each kind of storage: what a report costs."""
    import optuna
    from gradwell.optuna import objective
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        storages = [("in memory", None),
                    ("journal file", optuna.storages.JournalStorage(
                        optuna.storages.journal.JournalFileBackend(os.path.join(folder, "journal.log")))),
                    ("SQLite", f"sqlite:///{folder}/study.db")]
        for label, storage in storages:
            study = optuna.create_study(direction="maximize", storage=storage,
                                        sampler=optuna.samplers.TPESampler(seed=0),
                                        pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=5))
            started = time.monotonic()
            study.optimize(objective(TEMPLATE, SPACE, data="dev", host_path=args.host), n_trials=args.trials)
            wall = time.monotonic() - started
            states = [trial.state for trial in study.trials]
            line("optuna", len(states), states.count(optuna.trial.TrialState.PRUNED), "pruned", wall,
                 study.best_value, None, f"(n_jobs 1, {label})")


WORKER = """
import sys, optuna
sys.path.insert(0, {package!r})
from gradwell.optuna import objective
optuna.logging.set_verbosity(optuna.logging.WARNING)
storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend({journal!r}))
study = optuna.create_study(study_name="moons", storage=storage, direction="maximize", load_if_exists=True,
                            sampler=optuna.samplers.TPESampler(seed={seed}),
                            pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=5))
study.optimize(objective({template!r}, {space!r}, data="dev", host_path={host!r}), n_trials={trials})
"""


def run_optuna_processes(args: argparse.Namespace) -> None:
    import optuna
    from gradwell.optuna import replay
    with tempfile.TemporaryDirectory() as folder:
        journal = os.path.join(folder, "journal.log")
        started = time.monotonic()
        workers = [subprocess.Popen([sys.executable, "-c", WORKER.format(
            package=str(REPO / "clients" / "python"), journal=journal, seed=index, template=TEMPLATE, space=SPACE,
            host=args.host, trials=args.trials // 2)]) for index in range(2)]
        if any(worker.wait() != 0 for worker in workers):
            raise SystemExit("a worker failed")
        wall = time.monotonic() - started
        storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(journal))
        study = optuna.load_study(study_name="moons", storage=storage)
        states = [trial.state for trial in study.trials]
        best = study.best_trial
        again = replay(TEMPLATE, best, data="dev", host_path=args.host)
    line("optuna-2proc", len(states), states.count(optuna.trial.TrialState.PRUNED), "pruned", wall, best.value,
         again["accuracy"] == best.value, "(2 processes, one journal file)")


def run_ray(args: argparse.Namespace) -> None:
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    started = time.monotonic()
    import ray
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler
    from ray.tune.search import BasicVariantGenerator
    import gradwell.ray
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ready = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        tuner = tune.Tuner(
            tune.with_resources(gradwell.ray.trainable(TEMPLATE, data="dev", host_path=args.host), {"cpu": 1}),
            param_space=gradwell.ray.param_space(SPACE),
            tune_config=tune.TuneConfig(metric="accuracy", mode="max", num_samples=args.trials, reuse_actors=True,
                                        scheduler=ASHAScheduler(max_t=EPOCHS, grace_period=5, reduction_factor=2),
                                        search_alg=BasicVariantGenerator(random_state=0)),
            run_config=tune.RunConfig(storage_path=folder, name="moons", verbose=0))
        results = tuner.fit()
        wall = time.monotonic() - ready
        stopped = sum(result.metrics["epochs_trained"] < EPOCHS for result in results)
        best = results.get_best_result()
        again = gradwell.ray.replay(TEMPLATE, best.config, seed=best.metrics["seed"], data="dev",
                                    host_path=args.host, epochs=best.metrics["epochs_trained"],
                                    threads=best.metrics["threads"])
    ray.shutdown()
    line("ray", len(results), stopped, "stopped", wall, best.metrics["accuracy"],
         again["accuracy"] == best.metrics["accuracy"],
         f"(ASHA, 2 CPUs; ray import + init {ready - started:.1f} s more)")


def main(argv: List[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("driver", choices=["search", "optuna", "optuna-storages", "optuna-2proc", "ray", "all"])
    parser.add_argument("--trials", type=int, default=24)
    parser.add_argument("--rows", type=int, default=1000, help="rows of the training set (default 1000)")
    parser.add_argument("--host", default=None, help="the gradwell executable (default: as gradwell.Host finds it)")
    args = parser.parse_args(argv)
    runs = {"search": run_search, "optuna": run_optuna, "optuna-storages": run_optuna_storages,
            "optuna-2proc": run_optuna_processes, "ray": run_ray}
    drivers = [name for name in runs if args.driver in (name, "all")]
    missing = missing_libraries(drivers)
    if missing:  # said before anything runs, rather than as an import error minutes into "all"
        for text in missing:
            print(f"error: {args.driver}: {text}", file=sys.stderr)
        raise SystemExit(2)
    args.host = gradwell.find_host(args.host)
    TEMPLATE["datasets"]["train"]["n"] = args.rows
    print(f"{args.trials} trials of {EPOCHS} epochs over {args.rows} rows; space {json.dumps(SPACE)}; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    for name in drivers:
        runs[name](args)


if __name__ == "__main__":
    main(sys.argv[1:])
