"""What :mod:`gradwell.optuna` and :mod:`gradwell.ray` share: the search space, the template and
one trial's session with a host.

The template and the space have the form of the host's built-in ``search`` method: a template
``{"datasets": {name: spec}, "model": model/create params, "train": train params}`` and a space
``{dotted path: {"type": "uniform" | "log_uniform" | "one_minus_log_uniform" | "int" | "choice",
"low", "high" | "values"}}``. A trial fills the template with its values, sets ``model.seed``
and ``train.seed`` to the trial's seed, builds each data set (a spec with ``path`` is loaded
with ``dataset/load``, any other is generated with ``dataset/generate``), creates the model
under the name ``"trial"`` and trains it. This module imports neither Optuna nor Ray.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ._codec import json_default as _json_default
from ._discovery import PathLike, find_host
from .errors import HostCrashed, HostNotFound
from .host import Host

__all__ = ["SPACE_TYPES", "ONE_MINUS", "Dimension", "parse_space", "set_path", "prepare_template", "filled",
           "trial_seed", "check_seed", "TrialSpec", "open_host", "build_datasets", "create_model",
           "describe_error", "finite", "replay", "resolve_values"]

#: The space types the built-in ``search`` knows (and these adapters map).
SPACE_TYPES = ("uniform", "log_uniform", "one_minus_log_uniform", "int", "choice")

#: The prefix of the parameter that carries ``1 - x`` for a ``one_minus_log_uniform`` key:
#: the sampler draws ``"1-train.optimizer.beta1"`` log-uniformly, the trial uses ``1 - that``.
ONE_MINUS = "1-"

_SEED_LIMIT = 0xFFFF_FFFF  # seeds are integers in 0..4294967295 (protocol §4)


# --------------------------------------------------------------------------------------------
# The space


class Dimension:
    """One searched hyperparameter, checked like the host's ``search`` checks it."""

    __slots__ = ("key", "type", "low", "high", "values")

    def __init__(self, key: str, type: str, low: float = 0.0, high: float = 0.0,
                 values: Sequence[Any] = ()) -> None:
        self.key = key
        self.type = type
        self.low = low
        self.high = high
        self.values = list(values)

    @property
    def parameter(self) -> str:
        """The name the sampler sees: the key, or ``"1-" + key`` for one_minus_log_uniform."""
        return ONE_MINUS + self.key if self.type == "one_minus_log_uniform" else self.key

    def value(self, drawn: Any) -> Any:
        """The value the trial uses, from what the sampler drew for :attr:`parameter`."""
        if self.type == "one_minus_log_uniform":
            return 1.0 - float(drawn)
        if self.type == "int":
            return int(drawn)
        if self.type in ("uniform", "log_uniform"):
            return float(drawn)
        return drawn

    def __repr__(self) -> str:
        if self.type == "choice":
            return f"Dimension({self.key!r}, choice {self.values!r})"
        return f"Dimension({self.key!r}, {self.type} {self.low!r}..{self.high!r})"


def _number(key: str, spec: Mapping[str, Any], field: str) -> float:
    if field not in spec:
        raise ValueError(f"space[{key!r}]: {field!r} is required for type {spec.get('type', 'uniform')!r}")
    value = spec[field]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"space[{key!r}].{field} must be a finite number, got {value!r}")
    return float(value)


def parse_space(space: Mapping[str, Any], template: Optional[Mapping[str, Any]] = None) -> List[Dimension]:
    """Checks ``space`` and returns its dimensions, in order. Every problem is a
    :class:`ValueError` naming the key: a type outside :data:`SPACE_TYPES`, a missing or empty
    range, bounds the type cannot take, an unknown field, or (with ``template``) a dotted path
    whose parent is not in the template."""
    if not isinstance(space, Mapping) or not space:
        raise ValueError("space must be a non-empty dict of dotted template paths to {'type': ...}")
    dimensions: List[Dimension] = []
    for key, spec in space.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"space: keys must be dotted template paths (e.g. 'train.optimizer.lr'), got {key!r}")
        if key.startswith(ONE_MINUS):
            raise ValueError(f"space[{key!r}]: keys may not start with {ONE_MINUS!r} (that prefix names the "
                             "1 - x parameter of a one_minus_log_uniform key)")
        if not isinstance(spec, Mapping):
            raise ValueError(f"space[{key!r}] must be a dict such as {{'type': 'log_uniform', 'low': 1e-4, "
                             f"'high': 1}}, got {spec!r}")
        kind = spec.get("type", "uniform")
        if kind not in SPACE_TYPES:
            raise ValueError(f"space[{key!r}]: type {kind!r} cannot be expressed; the types are "
                             f"{', '.join(SPACE_TYPES)}")
        allowed = {"type", "values"} if kind == "choice" else {"type", "low", "high", "points"}
        unknown = sorted(set(spec) - allowed)
        if unknown:
            raise ValueError(f"space[{key!r}]: {', '.join(map(repr, unknown))} is not a field of a {kind} "
                             f"dimension (it takes: {', '.join(sorted(allowed))})")
        if kind == "choice":
            values = spec.get("values")
            if not isinstance(values, (list, tuple)) or not values:
                raise ValueError(f"space[{key!r}]: a choice needs 'values', a non-empty list, got {values!r}")
            dimension = Dimension(key, kind, values=values)
        else:
            low, high = _number(key, spec, "low"), _number(key, spec, "high")
            if not low < high:
                raise ValueError(f"space[{key!r}]: high ({high:g}) must be greater than low ({low:g})")
            if kind == "log_uniform" and low <= 0:
                raise ValueError(f"space[{key!r}]: log_uniform needs low > 0, got {low:g}")
            if kind == "one_minus_log_uniform" and not (0 <= low and high < 1):
                raise ValueError(f"space[{key!r}]: one_minus_log_uniform needs 0 <= low < high < 1, "
                                 f"got {low:g}..{high:g}")
            if kind == "int" and (low != round(low) or high != round(high)):
                raise ValueError(f"space[{key!r}]: int needs integer bounds, got {low:g}..{high:g}")
            dimension = Dimension(key, kind, low, high)
        if template is not None:
            try:
                set_path(template, key, None)
            except ValueError as error:
                raise ValueError(f"space[{key!r}]: {error}") from None
        dimensions.append(dimension)
    return dimensions


# --------------------------------------------------------------------------------------------
# The template


def set_path(value: Any, path: str, new_value: Any) -> Any:
    """A copy of ``value`` with the dotted ``path`` set to ``new_value``, as the host's
    ``search`` sets it: objects are entered by key (a missing last key is added), arrays by
    index, and a component given by name (``"adam"``) becomes ``{"type": "adam"}`` so its
    parameters can be set. Raises :class:`ValueError` when a parent is missing."""
    parts = path.split(".")

    def go(node: Any, index: int) -> Any:
        if index == len(parts):
            return copy.deepcopy(new_value)
        head = parts[index]
        if isinstance(node, str):
            node = {"type": node}
        if isinstance(node, Mapping):
            result = dict(node)
            if head in node:
                result[head] = go(node[head], index + 1)
                return result
            if index + 1 == len(parts):
                result[head] = copy.deepcopy(new_value)
                return result
            raise ValueError(f"the template has no {'.'.join(parts[:index + 1])!r} (the parent of "
                             f"{path!r} must exist, e.g. train.optimizer.lr)")
        if isinstance(node, list):
            try:
                position = int(head)
            except ValueError:
                position = -1
            if not 0 <= position < len(node):
                raise ValueError(f"{'.'.join(parts[:index + 1])!r} is not an index of the template's "
                                 f"list of {len(node)} at {'.'.join(parts[:index]) or 'the top'}")
            items = list(node)
            items[position] = go(node[position], index + 1)
            return items
        raise ValueError(f"{'.'.join(parts[:index])!r} in the template is {node!r}, which has no "
                         f"{head!r} to set")

    return go(value, 0)


def prepare_template(template: Mapping[str, Any], data: Optional[str],
                     base_dir: Optional[str] = None) -> Tuple[Dict[str, Any], str]:
    """Checks a template and returns a copy ready for trials (the paths of loaded data sets
    made absolute against ``base_dir``, default the current directory, so that a worker with
    another working directory finds them) together with the objective's data set: ``data``, or
    the train data set when None."""
    if not isinstance(template, Mapping):
        raise ValueError("template must be a dict {'datasets': ..., 'model': ..., 'train': ...}")
    unknown = sorted(set(template) - {"datasets", "model", "train"})
    if unknown:
        raise ValueError(f"template: {', '.join(map(repr, unknown))} is not a part of a template "
                         "(it takes: datasets, model, train)")
    for part in ("model", "train"):
        if not isinstance(template.get(part), Mapping):
            raise ValueError(f"template[{part!r}] is required: the {'model/create' if part == 'model' else 'train'} "
                             "params of a trial")
    # A deep, JSON-only copy; paths and numpy values become what Host's calls send.
    prepared: Dict[str, Any] = json.loads(json.dumps(template, default=_json_default))
    train = prepared["train"]
    if not isinstance(train.get("data"), str):
        raise ValueError("template['train']['data'] is required: the name of the training data set")
    datasets = prepared.get("datasets")
    if not isinstance(datasets, dict) or not datasets:
        raise ValueError("template['datasets'] is required: a dict of data-set name to dataset/generate or "
                         "dataset/load params (each trial starts a new host, which has no data sets of its own)")
    base = base_dir or os.getcwd()
    for name, spec in datasets.items():
        if not isinstance(spec, dict):
            raise ValueError(f"template['datasets'][{name!r}] must be a dict of dataset/generate or "
                             "dataset/load params")
        for key in ("path", "labels"):  # dataset/load's files (labels: a second .npy)
            if isinstance(spec.get(key), str):
                spec[key] = os.path.join(base, os.path.expanduser(spec[key]))
    objective_data = data if data is not None else train["data"]
    if not isinstance(objective_data, str):
        raise ValueError(f"data must be a data-set name, got {objective_data!r}")
    validation = train.get("validation")
    if validation is not None and validation != objective_data:
        raise ValueError(f"template['train']['validation'] is {validation!r} but the objective is measured "
                         f"on {objective_data!r}: each epoch's metric comes from the validation set, so pass "
                         f"data={validation!r} or drop train.validation")
    # Names checked here, once, rather than by every trial's host.
    for role, name in (("template['train']['data']", train["data"]), ("data", objective_data),
                       ("template['train']['validation']", train.get("validation"))):
        if name is not None and name not in datasets:
            raise ValueError(f"{role} is {name!r}, which is not one of template['datasets']: "
                             f"{', '.join(map(repr, datasets))}")
    return prepared, objective_data


def filled(template: Mapping[str, Any], values: Mapping[str, Any], seed: int, objective_data: str) -> Dict[str, Any]:
    """The template with each dotted key of ``values`` set, ``model.seed`` and ``train.seed``
    set to ``seed``, the model named ``"trial"`` and the objective's set as ``train.validation``
    (so each epoch's ``metric`` carries ``val_cost`` and ``val_accuracy`` on it)."""
    result: Dict[str, Any] = dict(template)
    for key, value in values.items():
        result = set_path(result, key, value)
    result["model"] = dict(result["model"], name="trial", seed=seed)
    result["train"] = dict(result["train"], model="trial", seed=seed, validation=objective_data)
    return result


def trial_seed(base: int, index: Any) -> int:
    """The seed of trial ``index`` (an integer, or any JSON value) of a run with seed ``base``:
    the first four bytes of SHA-256 of ``"gradwell-trial:BASE:INDEX"``, an integer in
    0..4294967295 that any process computes alike."""
    digest = hashlib.sha256(f"gradwell-trial:{int(base)}:{json.dumps(index)}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & _SEED_LIMIT


def check_seed(seed: Any, where: str) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= _SEED_LIMIT:
        raise ValueError(f"{where} must be an integer in 0..4294967295, got {seed!r}")
    return seed


# --------------------------------------------------------------------------------------------
# One trial's host


class TrialSpec:
    """What a trial needs besides its values; holds only JSON data and strings, so that it
    pickles (to Optuna's worker processes, to Ray's workers) and keeps no process-local state."""

    def __init__(self, template: Mapping[str, Any], space: Optional[Mapping[str, Any]], metric: str,
                 data: Optional[str], goal: Optional[str], host_path: Optional[PathLike],
                 timeout: Optional[float], seed: int, threads: Optional[int]) -> None:
        if metric not in ("accuracy", "cost"):
            raise ValueError(f"metric must be 'accuracy' or 'cost', got {metric!r}")
        if goal is not None and goal not in ("maximize", "minimize"):
            raise ValueError(f"goal must be 'maximize' or 'minimize', got {goal!r}")
        self.metric = metric
        self.goal = goal or ("maximize" if metric == "accuracy" else "minimize")
        self.goal_given = goal is not None
        self.template, self.data = prepare_template(template, data)
        self.dimensions = parse_space(space, self.template) if space is not None else []
        self.host_path: Optional[str] = None
        self.host_from_environment = False
        if host_path is None and os.environ.get("GRADWELL_HOST"):
            # Taken from this process's environment now, as an absolute path: a worker runs
            # in another directory, perhaps without the variable.
            host_path = os.environ["GRADWELL_HOST"]
            self.host_from_environment = True
        if host_path is not None:
            text = os.fspath(host_path)
            # A path with a folder is made absolute here (a worker may run elsewhere); a bare
            # name is looked up on the worker's PATH.
            self.host_path = os.path.abspath(os.path.expanduser(text)) if os.sep in text else text
        if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
            raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
        self.timeout = timeout
        self.seed = check_seed(seed, "seed")
        if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
            raise ValueError(f"threads must be a positive integer, got {threads!r}")
        self.threads = threads

    @property
    def val_key(self) -> str:
        """The member of a ``metric`` notification that holds the objective each epoch."""
        return "val_" + self.metric


def open_host(host_path: Optional[str], threads: Optional[int], timeout: Optional[float],
              where: str = "") -> Host:
    """Starts a host for one trial. A missing executable raises :class:`HostNotFound` naming
    the machine it was looked for on."""
    try:
        path = find_host(host_path)
    except HostNotFound as error:
        node = os.uname().nodename
        reason = str(error.args[0]).split("\nlooked in:")[0]
        hint = ("install the host at that path on every worker" if host_path is not None and os.sep in host_path
                else "install the host on every worker, or set GRADWELL_HOST there")
        raise HostNotFound(f"{where or 'trial'}: no gradwell host on {node}: {reason} ({hint})", error.searched) from None
    args: List[str] = []
    if threads is not None:
        args += ["--threads", str(threads)]
    return Host(path, args=args, timeout=timeout)


def build_datasets(host: Host, template: Mapping[str, Any]) -> None:
    """Builds each data set of ``template["datasets"]``: a spec with ``path`` is loaded
    (``dataset/load``), any other is generated (``dataset/generate``)."""
    for name, spec in (template.get("datasets") or {}).items():
        params = {"name": name, **{key: value for key, value in spec.items() if key != "name"}}
        host.call("dataset/load" if "path" in spec else "dataset/generate", params)


def create_model(host: Host, trial: Mapping[str, Any]) -> Dict[str, Any]:
    result = host.call("model/create", trial["model"])
    return result if isinstance(result, dict) else {}


def describe_error(error: BaseException) -> Dict[str, Any]:
    """User attributes that record why a trial failed: ``error`` (type and message) and, when the
    host died, ``stderr_tail`` (its last stderr lines) and ``returncode``."""
    record: Dict[str, Any] = {"error": f"{type(error).__name__}: {error}"[:4000]}
    if isinstance(error, HostCrashed):
        record["stderr_tail"] = "\n".join(error.stderr_tail.splitlines()[-20:])[-4000:]
        record["returncode"] = error.returncode
    return record


def finite(value: Any) -> Optional[float]:
    """``value`` as a float when it is a finite number, else None (a ``null`` of the wire)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def replay(template: Mapping[str, Any], values: Mapping[str, Any], seed: int, metric: str = "accuracy",
           data: Optional[str] = None, host_path: Optional[PathLike] = None, epochs: Optional[int] = None,
           threads: Optional[int] = None, timeout: Optional[float] = None) -> Dict[str, Any]:
    """Runs one trial alone, in one ``train`` request, and returns ``{metric: value, "cost",
    "accuracy", "epochs", "seed", "diverged"}`` measured by ``evaluate`` on the objective's set.

    ``values`` maps dotted template paths to values (a ``"1-" + key`` entry gives ``1 - x`` for
    ``key``); ``epochs`` overrides ``train.epochs`` (to replay a trial a scheduler stopped
    early). With the seed and thread count the trial reported, the figures are the trial's own,
    to the last bit."""
    spec = TrialSpec(template, None, metric, data, None, host_path, timeout, check_seed(seed, "seed"), threads)
    resolved = resolve_values(values)
    trial = filled(spec.template, resolved, seed, spec.data)
    if epochs is not None:
        trial["train"]["epochs"] = int(epochs)
    with open_host(spec.host_path, spec.threads, spec.timeout, "replay") as host:
        build_datasets(host, trial)
        create_model(host, trial)
        result = host.call("train", trial["train"])
        evaluation = host.evaluate("trial", spec.data)
    return {metric: finite(evaluation.get(metric)), "cost": finite(evaluation.get("cost")),
            "accuracy": finite(evaluation.get("accuracy")), "epochs": result.get("epochs"), "seed": seed,
            "diverged": bool(result.get("diverged"))}


def resolve_values(values: Mapping[str, Any]) -> Dict[str, Any]:
    """Dotted keys to the values a trial uses: a ``"1-" + key`` entry becomes ``key: 1 - x``."""
    resolved: Dict[str, Any] = {}
    for key, value in values.items():
        if key.startswith(ONE_MINUS):
            resolved[key[len(ONE_MINUS):]] = 1.0 - float(value)
        else:
            resolved[key] = value
    return resolved

