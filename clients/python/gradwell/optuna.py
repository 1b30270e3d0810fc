"""Optuna drives Gradwell trials: an objective for ``study.optimize``.

    import optuna, gradwell
    from gradwell.optuna import objective

    study = optuna.create_study(direction="maximize", storage="sqlite:///study.db",
                                pruner=optuna.pruners.MedianPruner())
    study.optimize(objective(template, space, metric="accuracy", data="dev"), n_trials=50,
                   catch=(gradwell.GradwellError,))

Each trial starts its own host, builds the template's data sets, creates the model with the
trial's seed, and trains it in one ``train`` request with ``validation`` set to ``data``; every
epoch's ``val_accuracy`` (or ``val_cost``) is passed to ``trial.report`` and, when
``trial.should_prune()``, the training is cancelled (``$/cancel``) and the trial pruned. The
objective's value is ``evaluate`` on ``data`` after training. The objective keeps nothing in
the process: everything a trial needs is in the (picklable) objective and the trial, so any
storage works (in memory, SQLite or another RDB, a journal file) and many processes or machines
can share one study.

Needs Optuna: ``pip install 'gradwell[optuna]'``. ``import gradwell`` does not import this module.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Dict, Mapping, Optional

try:
    import optuna
except ImportError as _error:
    raise ImportError("gradwell.optuna needs Optuna: pip install 'gradwell[optuna]' (from a checkout: "
                      f"pip install -e 'clients/python[optuna]'; or pip install optuna): {_error}") from _error

from . import _tuning
from .errors import Cancelled, GradwellError
from .host import PathLike

__all__ = ["objective", "Objective", "suggest", "replay", "SCALAR_TYPES"]

#: The choice values Optuna's ``suggest_categorical`` can store.
SCALAR_TYPES = (type(None), bool, int, float, str)


def _check_choices(dimensions: Any) -> None:
    for dimension in dimensions:
        if dimension.type != "choice":
            continue
        for value in dimension.values:
            if not isinstance(value, SCALAR_TYPES) or (isinstance(value, float) and not math.isfinite(value)):
                raise ValueError(f"space[{dimension.key!r}]: Optuna's suggest_categorical takes only JSON scalars "
                                 f"(None, bools, numbers, strings), got {value!r}; name the options instead "
                                 "(e.g. choose a string and build the value from it) or use the built-in search")


def suggest(trial: "optuna.trial.BaseTrial", dimension: _tuning.Dimension) -> Any:
    """Draws one dimension's value with ``trial.suggest_*`` and returns the value the trial
    uses. ``one_minus_log_uniform`` is drawn as ``"1-" + key`` over ``[1 - high, 1 - low]``
    on a log scale; the value is ``1 - that`` (recorded as the user attribute ``key``)."""
    kind, name = dimension.type, dimension.parameter
    if kind == "uniform":
        return trial.suggest_float(name, dimension.low, dimension.high)
    if kind == "log_uniform":
        return trial.suggest_float(name, dimension.low, dimension.high, log=True)
    if kind == "one_minus_log_uniform":
        drawn = trial.suggest_float(name, 1.0 - dimension.high, 1.0 - dimension.low, log=True)
        value = 1.0 - drawn
        trial.set_user_attr(dimension.key, value)
        return value
    if kind == "int":
        return trial.suggest_int(name, int(dimension.low), int(dimension.high))
    if kind == "choice":
        return trial.suggest_categorical(name, list(dimension.values))
    raise ValueError(f"space[{dimension.key!r}]: type {kind!r} cannot be expressed in Optuna")  # pragma: no cover


class Objective:
    """The callable :func:`objective` returns. It holds only the (JSON) template and options,
    so it pickles and behaves the same in every process."""

    def __init__(self, spec: _tuning.TrialSpec) -> None:
        self.spec = spec

    def __repr__(self) -> str:
        keys = ", ".join(dimension.key for dimension in self.spec.dimensions)
        return f"<gradwell.optuna.Objective {self.spec.metric} on {self.spec.data!r} over {keys}>"

    def _check_direction(self, trial: "optuna.trial.Trial") -> None:
        try:
            directions = trial.study.directions
        except AttributeError:  # pragma: no cover - a trial without a study
            return
        if len(directions) != 1:
            raise ValueError("gradwell.optuna.objective returns one value: use a single-objective study")
        wanted = (optuna.study.StudyDirection.MAXIMIZE if self.spec.goal == "maximize"
                  else optuna.study.StudyDirection.MINIMIZE)
        if directions[0] != wanted:
            message = (f"the study is set to {directions[0].name.lower()} but the objective's {self.spec.metric} "
                       f"should be {self.spec.goal}d: create the study with direction={self.spec.goal!r}")
            if self.spec.goal_given:
                raise ValueError(message)
            warnings.warn(message, stacklevel=3)

    def __call__(self, trial: "optuna.trial.Trial") -> float:
        spec = self.spec
        self._check_direction(trial)
        values: Dict[str, Any] = {dimension.key: suggest(trial, dimension) for dimension in spec.dimensions}
        seed = _tuning.trial_seed(spec.seed, trial.number)
        trial.set_user_attr("seed", seed)
        trial.set_user_attr("threads", spec.threads or 1)
        config = _tuning.filled(spec.template, values, seed, spec.data)
        try:
            return self._run(trial, config)
        except GradwellError as error:
            for key, value in _tuning.describe_error(error).items():
                trial.set_user_attr(key, value)
            raise

    def _run(self, trial: "optuna.trial.Trial", config: Dict[str, Any]) -> float:
        spec = self.spec
        train = config["train"]
        with _tuning.open_host(spec.host_path, spec.threads, spec.timeout, f"trial {trial.number}") as host:
            _tuning.build_datasets(host, config)
            _tuning.create_model(host, config)
            params = {key: value for key, value in train.items() if key not in ("model", "data", "epochs")}
            iterator = host.train_iter("trial", train["data"], epochs=train.get("epochs", 1), **params)
            pruned_at: Optional[int] = None
            last: Optional[float] = None
            try:
                for metric in iterator:
                    value = _tuning.finite(metric.get(spec.val_key))
                    if value is None or pruned_at is not None:
                        continue
                    epoch = int(metric["epoch"])
                    trial.report(value, step=epoch)
                    last = value
                    if trial.should_prune():
                        pruned_at = epoch
                        iterator.cancel()  # $/cancel; the iteration ends with Cancelled
            except Cancelled as error:
                if pruned_at is None:
                    raise
                trial.set_user_attr("epochs", error.data.get("epochs", pruned_at + 1))
                raise optuna.TrialPruned(f"pruned after epoch {pruned_at}: {spec.val_key} {last:g}") from None
            except BaseException:
                iterator.close()  # a failing report (storage, Ctrl-C): stop the training first
                raise
            result = iterator.result
            assert result is not None
            if pruned_at is not None:  # the training ended by itself before the cancel arrived
                trial.set_user_attr("epochs", result.get("epochs"))
                raise optuna.TrialPruned(f"pruned after epoch {pruned_at}: {spec.val_key} {last:g}")
            trial.set_user_attr("epochs", result.get("epochs"))
            if result.get("diverged"):
                trial.set_user_attr("diverged", True)
                trial.set_user_attr("diverged_at", result.get("diverged_at"))
                return float("nan")  # Optuna records the trial as failed ("returned nan")
            evaluation = host.evaluate("trial", spec.data)
        value = _tuning.finite(evaluation.get(spec.metric))
        if value is None:
            trial.set_user_attr("diverged", True)
            return float("nan")
        return value


def objective(template: Mapping[str, Any], space: Mapping[str, Any], metric: str = "accuracy",
              data: Optional[str] = None, goal: Optional[str] = None, host_path: Optional[PathLike] = None,
              timeout: Optional[float] = None, *, seed: int = 0, threads: Optional[int] = None) -> Objective:
    """An Optuna objective, ``objective(trial) -> float``, that runs one Gradwell trial.

    ``template`` and ``space`` have the form of the host's ``search`` (see
    ``Sources/Host/Methods/Search.swift``): ``{"datasets": {name: dataset/generate or
    dataset/load params}, "model": model/create params, "train": train params}`` and
    ``{dotted path: {"type": ..., "low", "high" | "values"}}``. The space maps to
    ``suggest_float`` (uniform; log_uniform with ``log=True``), ``suggest_int`` (int, both ends
    included), ``suggest_categorical`` (choice; JSON scalars only) and, for
    one_minus_log_uniform, ``suggest_float("1-" + key, 1 - high, 1 - low, log=True)`` with the
    value ``1 - that`` stored as the user attribute ``key``.

    ``metric`` is ``"accuracy"`` or ``"cost"``, measured on the data set ``data`` (default:
    the template's training set); ``goal`` (default: maximize accuracy, minimize cost) is
    checked against the study's direction. ``host_path`` names the host executable (default:
    as :class:`gradwell.Host` finds it, on the machine running the trial), ``timeout`` is each
    host call's timeout in seconds (the whole ``train`` included), ``threads`` the host's
    ``--threads``. The trial's seed, ``trial_seed(seed, trial.number)``, is stored as the user
    attribute ``"seed"``: :func:`replay` reruns a trial alone.

    A failing trial raises (a :class:`gradwell.GradwellError`, recorded by Optuna as FAIL)
    after storing ``"error"`` and, when the host died, ``"stderr_tail"`` as user attributes;
    pass ``catch=(gradwell.GradwellError,)`` to ``study.optimize`` to go on with the study.
    A space the engine cannot express raises :class:`ValueError` naming the key, here.
    """
    spec = _tuning.TrialSpec(template, space, metric, data, goal, host_path, timeout, seed, threads)
    _check_choices(spec.dimensions)
    return Objective(spec)


def replay(template: Mapping[str, Any], trial: "optuna.trial.FrozenTrial", metric: str = "accuracy",
           data: Optional[str] = None, host_path: Optional[PathLike] = None, epochs: Optional[int] = None,
           timeout: Optional[float] = None) -> Dict[str, Any]:
    """Reruns a finished trial alone (its params, seed and thread count) in a new host and
    returns ``{metric, "cost", "accuracy", "epochs", "seed", "diverged"}`` on ``data``. For a
    completed trial, ``result[metric] == trial.value`` exactly."""
    seed = trial.user_attrs.get("seed")
    if seed is None:
        raise ValueError(f"trial {trial.number} has no 'seed' user attribute: was it run by gradwell.optuna?")
    return _tuning.replay(template, trial.params, seed, metric=metric, data=data, host_path=host_path,
                          epochs=epochs, threads=trial.user_attrs.get("threads"), timeout=timeout)
