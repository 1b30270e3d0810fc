"""Messages to bytes and answers back: JSON encoding of params (numpy and pandas values
included, without importing either), the checks that keep unsendable values (NaN, infinities,
integers beyond 64 bits) from reaching the host, and numpy arrays for answers to numpy
questions."""

from __future__ import annotations

import json
import math
import os
from typing import Any, Dict, Iterable, Mapping, Tuple

from .errors import InvalidInput, ProtocolError

__all__ = ["json_default", "check_integers", "encode_message", "first_unsendable", "is_numpy",
           "object_result", "numpy_results"]

_INT64 = 1 << 63


def json_default(value: Any) -> Any:
    """What ``json.dumps`` sends for a value it does not know: numpy arrays and scalars (and
    anything array-like) become lists and numbers, paths strings, sets sorted lists."""
    if hasattr(value, "to_numpy"):  # pandas
        value = value.to_numpy()
    if getattr(getattr(value, "dtype", None), "kind", None) == "b":  # numpy booleans: labels 0/1
        return value.astype("int64").tolist()
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} cannot be sent to the gradwell host as JSON")


def check_integers(value: Any, path: str) -> None:
    """Integers the host cannot read (beyond 64 bits) in params' objects (not inside arrays, so
    large payloads are not walked): refused here, naming the member, rather than by the host's
    parser as a column of a line the caller never sees."""
    if isinstance(value, int) and not isinstance(value, bool) and not -_INT64 <= value < _INT64:
        raise InvalidInput(f"{path} is {value}, beyond the 64-bit integers the host reads", path)
    if isinstance(value, Mapping):
        for key, item in value.items():
            check_integers(item, f"{path}.{key}")


def encode_message(message: Mapping[str, Any]) -> bytes:
    """One request line: compact JSON and a newline. Raises :class:`InvalidInput` naming the
    first NaN, infinity or oversized integer in ``params``."""
    check_integers(message.get("params"), "params")
    if isinstance(message.get("id"), int):
        check_integers(message["id"], "id")
    try:
        text = json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                          default=json_default)
    except ValueError as error:
        if "JSON compliant" in str(error):
            path, value = first_unsendable(message.get("params"), "params")
            raise InvalidInput(f"{message.get('method')}: {path} is {value}, which JSON cannot carry "
                               "(NaN and infinities are refused; drop or impute them)", path) from None
        raise
    return text.encode("utf-8") + b"\n"


def first_unsendable(value: Any, path: str) -> Tuple[str, Any]:
    """Where the first NaN or infinity is in params (only looked for once encoding has failed)."""
    value = json_default(value) if not isinstance(value, (dict, list, tuple, str, int, float, bool, type(None))) else value
    if isinstance(value, float) and not math.isfinite(value):
        return path, value
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    else:
        return "", None
    for key, item in items:
        found = first_unsendable(item, f"{path}.{key}" if isinstance(key, str) else f"{path}[{key}]")
        if found[0]:
            return found
    return "", None


def is_numpy(value: Any) -> bool:
    """Whether ``value`` is a numpy or pandas object (told by its type's module, without
    importing either)."""
    return type(value).__module__.split(".")[0] in ("numpy", "pandas")


def object_result(method: str, result: Any) -> Dict[str, Any]:
    """``result`` when it is the JSON object every typed method expects."""
    if not isinstance(result, dict):
        raise ProtocolError(f"{method}: expected an object as the result, got {result!r:.200}")
    return result


def numpy_results(result: Dict[str, Any], keys: Iterable[str], real: Iterable[str] = ()) -> Dict[str, Any]:
    """Turns the lists under ``keys`` into numpy arrays (when numpy is installed), in place;
    the ``real`` ones always as floats. A null among numbers (a non-finite value) makes the
    array float, with NaN there."""
    try:
        import numpy  # type: ignore[import-not-found, unused-ignore]
    except ImportError:  # pragma: no cover
        return result
    real = set(real)
    for key in keys:
        value = result.get(key)
        if isinstance(value, list):
            try:
                array = numpy.asarray(value, dtype=float if key in real else None)
                if array.dtype == object:  # nulls (non-finite values) among numbers
                    array = numpy.asarray(value, dtype=float)
                result[key] = array
            except (ValueError, TypeError):
                pass
    return result
