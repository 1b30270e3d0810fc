"""Ray Tune drives Gradwell trials: a function trainable and its ``param_space``.

    from ray import tune
    from ray.tune.schedulers import ASHAScheduler
    import gradwell.ray

    tuner = tune.Tuner(
        gradwell.ray.trainable(template, metric="accuracy", data="dev"),
        param_space=gradwell.ray.param_space(space),
        tune_config=tune.TuneConfig(metric="accuracy", mode="max", num_samples=50,
                                    scheduler=ASHAScheduler(max_t=template["train"]["epochs"])))
    best = tuner.fit().get_best_result()

Each trial starts one host (``--threads N``, N the trial's CPUs), builds the template's data sets,
creates the model with the trial's seed (or restores it from ``tune.get_checkpoint()`` with
``model/load``), and trains it ``checkpoint_every`` epochs per ``train`` request (one by
default). Every epoch is reported with ``tune.report``; the last epoch of each request carries a
checkpoint (``model/save`` into a directory, ``tune.Checkpoint.from_directory``), so schedulers
can stop, pause, resume and clone trials (ASHA, HyperBand, PBT). Because the host shuffles by
(seed, epochs the model has trained) and ``model/save`` keeps the optimizer's state, a trial
resumed from a checkpoint goes on exactly as if it had never stopped.

Needs Ray Tune: ``pip install 'gradwell[ray]'``. ``import gradwell`` does not import this module.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from typing import Any, Callable, Dict, Mapping, Optional

try:
    import ray
    from ray import tune
except ImportError as _error:
    raise ImportError("gradwell.ray needs Ray Tune: pip install 'gradwell[ray]' (from a checkout: "
                      f"pip install -e 'clients/python[ray]'; or pip install 'ray[tune]'): {_error}") from _error

from . import _tuning
from .host import PathLike

__all__ = ["trainable", "param_space", "replay", "MODEL_FILE", "STATE_FILE"]

#: The files of a checkpoint directory: the model (``model/save``) and the trial's state.
MODEL_FILE = "model.json"
STATE_FILE = "gradwell_trial.json"


# --------------------------------------------------------------------------------------------
# The Ray API of the installed version


def _report(metrics: Dict[str, Any], checkpoint_dir: Optional[str] = None) -> None:
    """``tune.report`` (Ray >= 2.x with the Tune-only API) or ``ray.train.report``."""
    if hasattr(tune, "report") and hasattr(tune, "Checkpoint"):
        checkpoint = tune.Checkpoint.from_directory(checkpoint_dir) if checkpoint_dir else None
        tune.report(metrics, checkpoint=checkpoint)
    else:  # pragma: no cover - older Ray
        from ray import train
        checkpoint = train.Checkpoint.from_directory(checkpoint_dir) if checkpoint_dir else None
        train.report(metrics, checkpoint=checkpoint)


def _get_checkpoint() -> Any:
    if hasattr(tune, "get_checkpoint"):
        return tune.get_checkpoint()
    from ray import train  # pragma: no cover - older Ray
    return train.get_checkpoint()  # pragma: no cover


def _trial_context() -> Dict[str, Any]:
    """The running trial's id and CPUs, as far as Ray tells them (empty outside a trial)."""
    info: Dict[str, Any] = {}
    try:
        context = tune.get_context()
    except Exception:  # pragma: no cover - no Tune session
        context = None
    if context is not None:
        for name, getter in (("id", "get_trial_id"), ("name", "get_trial_name")):
            try:
                info[name] = getattr(context, getter)()
            except Exception:
                pass
        try:
            resources = context.get_trial_resources()
            required = getattr(resources, "required_resources", resources)
            if isinstance(required, Mapping) and required.get("CPU"):
                info["cpus"] = float(required["CPU"])
        except Exception:
            pass
    if "cpus" not in info:
        try:
            assigned = ray.get_runtime_context().get_assigned_resources()
            cpus = sum(value for key, value in assigned.items() if key == "CPU" or key.startswith("CPU_group_"))
            if cpus:
                info["cpus"] = float(cpus)
        except Exception:
            pass
    return info


def _trial_index(trial_id: Optional[str]) -> Any:
    """The trial's number within its run (Tune's ids end in ``_00003``), else the id itself."""
    if not trial_id:
        return 0
    match = re.search(r"_(\d+)$", trial_id)
    return int(match.group(1)) if match else trial_id


# --------------------------------------------------------------------------------------------
# The space


def param_space(space: Mapping[str, Any]) -> Dict[str, Any]:
    """The Tune ``param_space`` of a space of the host's ``search`` form: uniform ->
    ``tune.uniform``, log_uniform -> ``tune.loguniform``, int -> ``tune.randint(low, high + 1)``
    (both ends included, as in the host), choice -> ``tune.choice``. one_minus_log_uniform
    becomes a transformed log-uniform: the key ``"1-" + key`` is drawn by
    ``tune.loguniform(1 - high, 1 - low)`` and the trial uses ``1 - that`` for ``key`` (so it
    works with every search algorithm, Optuna's and HyperOpt's included, and with PBT). Raises
    :class:`ValueError` naming the key of a dimension it cannot express."""
    result: Dict[str, Any] = {}
    for dimension in _tuning.parse_space(space):
        if dimension.type == "uniform":
            result[dimension.key] = tune.uniform(dimension.low, dimension.high)
        elif dimension.type == "log_uniform":
            result[dimension.key] = tune.loguniform(dimension.low, dimension.high)
        elif dimension.type == "one_minus_log_uniform":
            result[dimension.parameter] = tune.loguniform(1.0 - dimension.high, 1.0 - dimension.low)
        elif dimension.type == "int":
            result[dimension.key] = tune.randint(int(dimension.low), int(dimension.high) + 1)
        elif dimension.type == "choice":
            result[dimension.key] = tune.choice(list(dimension.values))
        else:  # pragma: no cover - parse_space refuses it
            raise ValueError(f"space[{dimension.key!r}]: type {dimension.type!r} cannot be expressed in Ray Tune")
    return result


# --------------------------------------------------------------------------------------------
# The trainable


def _config_values(spec: _tuning.TrialSpec, config: Mapping[str, Any]) -> Dict[str, Any]:
    values = {key: value for key, value in config.items() if key != "seed"}
    resolved = _tuning.resolve_values(values)
    for key in resolved:
        try:
            _tuning.set_path(spec.template, key, None)
        except ValueError as error:
            raise ValueError(f"config[{key!r}]: {error} (config keys are dotted template paths, "
                             "'1-' + a path, or 'seed')") from None
    return resolved


def _run(spec: _tuning.TrialSpec, checkpoint_every: int, config: Mapping[str, Any]) -> None:
    context = _trial_context()
    if "seed" in config:
        seed = _tuning.check_seed(config["seed"], "config['seed']")
    else:
        seed = _tuning.trial_seed(spec.seed, _trial_index(context.get("id")))
    threads = spec.threads or max(1, int(round(context.get("cpus", 1))))
    values = _config_values(spec, config)
    trial = _tuning.filled(spec.template, values, seed, spec.data)
    train = dict(trial["train"], report_every=1)
    total = int(train.pop("epochs", 1))
    train.pop("model"), train.pop("data")
    if checkpoint_every < total:
        for key in ("schedule", "early_stopping"):
            if train.get(key) is not None:
                raise ValueError(f"template['train'][{key!r}] cannot run {checkpoint_every} epoch(s) per train request: "
                                 f"the host counts {'its epochs' if key == 'schedule' else 'patience'} within one "
                                 f"request; use checkpoint_every >= train.epochs ({total}), or a Tune scheduler")
    extra = {"seed": seed, "threads": threads}
    extra.update({key: value for key, value in values.items()
                  if _tuning.ONE_MINUS + key in config})  # the values of transformed keys

    where = f"trial {context.get('name') or context.get('id') or ''}".strip()
    with _tuning.open_host(spec.host_path, threads, spec.timeout, where) as host:
        _tuning.build_datasets(host, trial)
        done = 0
        checkpoint = _get_checkpoint()
        if checkpoint is not None:
            with checkpoint.as_directory() as directory:
                loaded = host.load_model("trial", os.path.join(directory, MODEL_FILE))
            done = int(loaded.get("epochs_trained", 0))
        else:
            _tuning.create_model(host, trial)
        extra["resumed_from"] = done
        if done >= total:  # restored from a checkpoint that has every epoch already: report it once
            evaluation = host.evaluate("trial", spec.data)
            value = _tuning.finite(evaluation.get(spec.metric))
            _report({spec.metric: value if value is not None else float("nan"), "epochs_trained": done, **extra})
            return
        while done < total:
            chunk = min(checkpoint_every, total - done)
            held: Dict[str, Any] = {}

            def on_metric(metric: Dict[str, Any], start: int = done, chunk: int = chunk) -> None:
                report = _metrics(spec, metric, start, extra)
                if int(metric.get("epoch", -1)) == chunk - 1:
                    held.update(report)  # reported with the checkpoint, once the request is over
                else:
                    _report(report)

            result = host.train("trial", trial["train"]["data"], epochs=chunk, on_metric=on_metric, **train)
            done += int(result.get("epochs", chunk))
            if result.get("diverged"):
                _report({spec.metric: float("nan"), "diverged": True, "diverged_at": result.get("diverged_at"),
                         "epochs_trained": done, **extra})
                return
            if not held:  # pragma: no cover - the host always reports the last epoch of a request
                value = _tuning.finite(host.evaluate("trial", spec.data).get(spec.metric))
                held = {spec.metric: value if value is not None else float("nan"), "epochs_trained": done, **extra}
            with tempfile.TemporaryDirectory(prefix="gradwell-checkpoint-") as directory:
                host.save("trial", os.path.join(directory, MODEL_FILE))
                with open(os.path.join(directory, STATE_FILE), "w", encoding="utf-8") as handle:
                    json.dump({"seed": seed, "threads": threads, "epochs_trained": done,
                               "config": {key: config[key] for key in config}}, handle, default=str)
                _report(held, checkpoint_dir=directory)


def _metrics(spec: _tuning.TrialSpec, metric: Mapping[str, Any], start: int, extra: Mapping[str, Any]) -> Dict[str, Any]:
    value = _tuning.finite(metric.get(spec.val_key))
    report: Dict[str, Any] = {
        spec.metric: value if value is not None else float("nan"),
        "epochs_trained": start + int(metric["epoch"]) + 1,
        "train_cost": _tuning.finite(metric.get("cost")),
        "val_cost": _tuning.finite(metric.get("val_cost")),
        "val_accuracy": _tuning.finite(metric.get("val_accuracy")),
        "lr": metric.get("lr"),
    }
    report.update(extra)
    return report


def trainable(template: Mapping[str, Any], metric: str = "accuracy", data: Optional[str] = None,
              host_path: Optional[PathLike] = None, *, checkpoint_every: int = 1, seed: int = 0,
              threads: Optional[int] = None, timeout: Optional[float] = None) -> Callable[[Dict[str, Any]], None]:
    """A Ray Tune function trainable, ``fn(config)``, that runs one Gradwell trial.

    ``config`` maps dotted template paths to values (as :func:`param_space` makes it; a
    ``"1-" + key`` entry sets ``key`` to ``1 - value``) and may hold ``"seed"``; without it the
    trial's seed is ``trial_seed(seed, n)`` for the n-th trial of the run. Each epoch reports
    ``{metric: value on data, "epochs_trained", "train_cost", "val_cost", "val_accuracy",
    "lr", "seed", "threads", "resumed_from"}`` (and the value of each one_minus_log_uniform
    key; ``resumed_from`` is the epoch the trial's checkpoint brought it to, 0 when it started
    afresh), ``metric``
    (``"accuracy"`` or ``"cost"``) being measured on the data set ``data`` (default: the
    training set). Use ``tune.TuneConfig(metric=metric, mode="max" or "min")``.

    ``checkpoint_every`` is the number of epochs per ``train`` request; each request ends with
    a checkpoint. A ``schedule`` or ``early_stopping`` in the template needs all epochs in one
    request (the host counts them within a request). ``host_path`` names the host executable,
    looked for on the worker that runs the trial (default: as :class:`gradwell.Host` finds
    it there, e.g. from ``$GRADWELL_HOST``); ``threads`` overrides the host's ``--threads``
    (default: the trial's CPUs, 1 unless ``tune.with_resources`` says otherwise); ``timeout``
    is each host call's timeout in seconds.

    The config and the reported ``seed`` and ``threads`` make a trial reproducible alone:
    :func:`replay` reruns it without Ray.
    """
    if isinstance(checkpoint_every, bool) or not isinstance(checkpoint_every, int) or checkpoint_every < 1:
        raise ValueError(f"checkpoint_every must be a positive integer, got {checkpoint_every!r}")
    spec = _tuning.TrialSpec(template, None, metric, data, None, host_path, timeout, seed, threads)

    def gradwell_trial(config: Dict[str, Any]) -> None:
        _run(spec, checkpoint_every, config)

    gradwell_trial.__qualname__ = gradwell_trial.__name__ = "gradwell"
    return gradwell_trial


def replay(template: Mapping[str, Any], config: Mapping[str, Any], seed: Optional[int] = None,
           metric: str = "accuracy", data: Optional[str] = None, host_path: Optional[PathLike] = None,
           epochs: Optional[int] = None, threads: Optional[int] = None,
           timeout: Optional[float] = None) -> Dict[str, Any]:
    """Reruns a trial alone, without Ray, in one ``train`` request: ``config`` as the trial got
    it, ``seed`` and ``threads`` as it reported them (``seed`` defaults to ``config["seed"]``),
    ``epochs`` the epochs it trained (``result.metrics["epochs_trained"]`` for a trial a
    scheduler stopped). Returns ``{metric, "cost", "accuracy", "epochs", "seed",
    "diverged"}`` measured on ``data``: the trial's last reported figures, to the last bit."""
    values = {key: value for key, value in config.items() if key != "seed"}
    if seed is None:
        if "seed" not in config:
            raise ValueError("replay needs the trial's seed: pass seed=result.metrics['seed']")
        seed = config["seed"]
    return _tuning.replay(template, values, int(seed), metric=metric, data=data, host_path=host_path,
                          epochs=epochs, threads=threads, timeout=timeout)

