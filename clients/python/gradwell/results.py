"""Result containers: the host's answers, with a little convenience on top."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional

__all__ = ["Metrics", "TrainResult"]


class Metrics(List[Dict[str, Any]]):
    """The ``metric`` notifications of one ``train`` call, in order: a list of dicts such as
    ``{"request": 7, "epoch": 0, "step": 1, "cost": 0.69, "lr": 0.01}``."""

    def column(self, key: str) -> List[Any]:
        """The values of one field across all metrics (None where a metric lacks it)."""
        return [metric.get(key) for metric in self]

    def to_dataframe(self) -> Any:
        """A :class:`pandas.DataFrame` with one row per metric (needs ``gradwell[pandas]``)."""
        try:
            import pandas  # type: ignore[import-untyped, import-not-found, unused-ignore]
        except ImportError as error:  # pragma: no cover - depends on the environment
            raise ImportError("Metrics.to_dataframe needs pandas: pip install 'gradwell[pandas]'") from error
        return pandas.DataFrame.from_records(list(self))


class TrainResult(Dict[str, Any]):
    """The result of ``train``: the host's result object as a dict (``epochs``, ``steps``,
    ``cost``, ``accuracy``, ``diverged``, ``wall_ms``, ...), whose keys can also be read as
    attributes (``result.cost``), plus ``metrics``: the :class:`Metrics` streamed while it ran."""

    def __init__(self, result: Optional[Mapping[str, Any]] = None, metrics: Optional[Iterable[Dict[str, Any]]] = None) -> None:
        super().__init__(result or {})
        self.metrics: Metrics = metrics if isinstance(metrics, Metrics) else Metrics(metrics or [])

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"train result has no field {key!r}; fields: {', '.join(self)}") from None

    def __repr__(self) -> str:
        return f"TrainResult({dict.__repr__(self)}, metrics=<{len(self.metrics)} metrics>)"

    def __reduce__(self) -> Any:
        return (TrainResult, (dict(self), list(self.metrics)))
