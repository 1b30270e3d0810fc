"""Large arrays for ``dataset/inline``: the host's element limit checked before anything is
encoded, and payloads too large for a JSON line written as ``.npy`` files that the host reads
with ``dataset/load`` instead.

JSON costs about 20 bytes and a float-to-text conversion per number on each side; a 60000 x 784
float32 array is 906 MB of JSON (over the host's 64 MiB line limit) and takes tens of seconds to
encode, while its ``.npy`` file is 188 MB written in one system call. Both are exact: a float32
widens to a double without loss, and the host reads ``f4`` and ``f8`` files bit for bit.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import Any, Dict, Iterator, Mapping, Optional

from .errors import GradwellError, InvalidInput

__all__ = ["INLINE_MAX_BYTES", "FLOAT_JSON_BYTES", "numpy_module", "element_count", "json_bytes",
           "check_elements", "wire_array", "check_finite", "staged"]

#: Default of ``Host(inline_max_bytes=...)``: the estimated JSON size of ``x`` and ``y`` above
#: which ``inline`` sends numpy arrays as ``.npy`` files.
INLINE_MAX_BYTES = 1 << 20
#: Bytes a real number takes in the estimate: the longest repr of a double
#: (``-1.2345678901234567e-308``) and its comma, so the estimate is never short.
FLOAT_JSON_BYTES = 25
#: Elements looked at for NaN at a time, so the check takes 1 MiB however large the array is.
_CHUNK = 1 << 20


def numpy_module() -> Any:
    """numpy, or None when it is not installed."""
    try:
        import numpy  # type: ignore[import-not-found, unused-ignore]
    except ImportError:  # pragma: no cover
        return None
    return numpy


def _is_array(value: Any) -> bool:
    return (hasattr(value, "dtype") and hasattr(value, "shape")) or hasattr(value, "to_numpy")


def element_count(value: Any) -> int:
    """How many numbers ``value`` holds: an array's size, or rows x the first row's length of
    a list of rows (the host refuses ragged rows anyway); 0 when it cannot be told cheaply."""
    if _is_array(value):
        size = getattr(value, "size", 0)
        return size if isinstance(size, int) else 0
    if isinstance(value, (list, tuple)):
        first = value[0] if value else None
        if isinstance(first, (list, tuple)) or _is_array(first):
            return len(value) * len(first)  # type: ignore[arg-type]
        return len(value)
    return 0


def json_bytes(value: Any) -> int:
    """An estimate of ``value``'s JSON text that is never short: 2 bytes per boolean, the
    digits of the widest value and a comma per integer, :data:`FLOAT_JSON_BYTES` per real (and
    per element of anything else), plus brackets."""
    count = element_count(value)
    per_element = FLOAT_JSON_BYTES
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if kind == "b":
        per_element = 2
    elif kind in ("i", "u") and count:
        per_element = max(len(str(int(value.min()))), len(str(int(value.max())))) + 1
    rows = len(value) if isinstance(value, (list, tuple)) or getattr(value, "ndim", 1) > 1 else 0
    return count * per_element + 2 * rows + 2


def check_elements(method: str, argument: str, value: Any, limit: Optional[int]) -> None:
    """Refuses ``value`` when it holds more elements than the host's ``max_elements``."""
    count = element_count(value)
    if limit is not None and count > limit:
        raise InvalidInput(f"{method}: params.{argument} holds {count} elements, more than the host's limit of "
                           f"{limit} (max_elements; start the host with --max-elements N to raise it)",
                           f"params.{argument}", limit=limit, requested=count)


def flat_rows(value: Any) -> Any:
    """A (N, C, L) or (N, C, H, W) numpy array as N flat rows, channel first (C order): what
    the host reads for a model whose ``input`` is the shape [C, L] or [C, H, W]. Anything
    else is returned as it is."""
    numpy = numpy_module()
    if numpy is not None and isinstance(value, numpy.ndarray) and value.ndim in (3, 4):
        return numpy.ascontiguousarray(value).reshape(value.shape[0], -1)
    return value


def wire_array(method: str, argument: str, value: Any, dimensions: Any) -> Any:
    """``value`` as an array the host's npy reader takes: numbers of a dtype it reads (booleans
    as 0/1 bytes, as ``inline`` sends them; float16 widened to float32; long doubles narrowed
    to float64, as JSON would), C order, little-endian. ``dimensions`` are the allowed ``ndim``.
    Copies only what needs converting."""
    numpy = numpy_module()
    path = f"params.{argument}"
    try:
        array = value.to_numpy() if hasattr(value, "to_numpy") else numpy.asarray(value)
        if array.dtype.kind == "O":  # a pandas frame of mixed columns, a list of Python numbers
            array = array.astype(numpy.float64)
    except (TypeError, ValueError) as error:
        raise InvalidInput(f"{method}: {path} must be numbers in rows of the same length ({error})", path) from None
    kind, size = array.dtype.kind, array.dtype.itemsize
    if kind == "b":
        array = array.view(numpy.uint8)
    elif kind == "f" and size < 4:
        array = array.astype(numpy.float32)
    elif kind == "f" and size > 8:
        array = array.astype(numpy.float64)
    elif kind not in ("i", "u", "f"):
        raise InvalidInput(f"{method}: {path} must hold numbers, got {array.dtype} values", path)
    if array.ndim not in dimensions:
        shape = "rows of features" if dimensions == (2,) else "one number or one row per row of x"
        raise InvalidInput(f"{method}: {path} must be an array of {shape}, got shape {array.shape}", path)
    return numpy.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))


def check_finite(method: str, argument: str, array: Any) -> None:
    """Refuses NaN and infinities, naming the first one's place (``params.x[3][1]``)."""
    numpy = numpy_module()
    if array.dtype.kind != "f":
        return
    flat = array.reshape(-1)
    for start in range(0, flat.size, _CHUNK):
        finite = numpy.isfinite(flat[start:start + _CHUNK])
        if not finite.all():
            index = start + int(numpy.argmin(finite))
            path = f"params.{argument}" + "".join(f"[{int(i)}]" for i in numpy.unravel_index(index, array.shape))
            raise InvalidInput(f"{method}: {path} is {float(flat[index])}; the host refuses NaN and infinities "
                               "(drop or impute them)", path)


@contextlib.contextmanager
def staged(arrays: Mapping[str, Any], root: Optional[str]) -> Iterator[Dict[str, str]]:
    """Writes each array to ``NAME.npy`` in a new temporary folder (inside ``root``, the host's
    data root, when there is one) and yields their absolute paths; removes the folder after."""
    numpy = numpy_module()
    where = f" inside the host's data root {root}" if root else ""
    try:
        folder = tempfile.mkdtemp(prefix="gradwell-inline-", dir=root)
    except OSError as error:
        raise GradwellError(f"cannot make a folder for the .npy files{where}: {error}; "
                            "pass binary=False to send the arrays as JSON") from error
    try:
        paths: Dict[str, str] = {}
        for name, array in arrays.items():
            path = os.path.join(os.path.abspath(folder), f"{name}.npy")
            try:
                numpy.save(path, array, allow_pickle=False)
            except OSError as error:
                raise GradwellError(f"cannot write {path}: {error}") from error
            paths[name] = path
        yield paths
    finally:
        shutil.rmtree(folder, ignore_errors=True)
