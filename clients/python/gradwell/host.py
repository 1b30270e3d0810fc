"""The Gradwell host process and the JSON-RPC 2.0 conversation with it.

A :class:`Host` starts the ``gradwell`` executable and talks to it over newline-delimited
JSON-RPC 2.0 on its stdin/stdout. A background thread reads every line the host writes and
routes it: a response goes to the caller waiting for its id, a notification (``metric``
during ``train``) goes to the caller of the request named by its ``params.request`` and to
the Host's general ``on_notification`` callback. All numerics happen in the host; the client
only moves JSON (and large arrays as ``.npy`` files).

This module holds the API, one typed method per method of the protocol. The rest lives beside
it: finding the executable (:mod:`gradwell._discovery`), encoding and decoding
(:mod:`gradwell._codec`), large arrays (:mod:`gradwell._arrays`), the process and its pipes
(:mod:`gradwell._transport`), the calls in flight (:mod:`gradwell._connection`,
:mod:`gradwell._calls`).
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Mapping, Optional, Sequence

from . import _arrays
from ._calls import NotificationCallback, PendingCall, TrainIterator
from ._codec import is_numpy, numpy_results, object_result
from ._codec import json_default as _json_default  # noqa: F401 (gradwell.host._json_default, as before)
from ._connection import Connection
from ._discovery import BUILD_PATHS, PathLike, find_host
from .errors import Cancelled, GradwellError, HostIOError, InvalidInput
from .results import Metrics, TrainResult

__all__ = ["Host", "PendingCall", "TrainIterator", "find_host", "BUILD_PATHS"]


class Host(Connection):
    """A running ``gradwell`` host process and the JSON-RPC conversation with it.

    ``path`` names the executable (see :func:`find_host` for where it is looked for when it is
    None); ``args`` are extra command-line arguments (``["--max-elements", "1000000"]``);
    ``record`` passes ``--record PATH`` so the host keeps a log of the session; ``timeout`` is
    the default timeout in seconds of every call (None: wait for ever); ``env`` holds variables
    added to the current environment for the host; ``on_notification(method, params)`` is called
    for every notification the host sends (on the reader thread: keep it quick, and do not call
    the Host from it). ``inline_max_bytes`` is the estimated JSON size of ``inline``'s ``x`` and
    ``y`` above which numpy arrays are sent as ``.npy`` files instead (None: only when the JSON
    line would pass the host's ``max_line_bytes``); see :meth:`inline`.

    Use it as a context manager, or call :meth:`close`. Methods may be called from several
    threads at once; the host serves requests one at a time, in the order they arrive.
    """

    def __init__(self, path: Optional[PathLike] = None, args: Sequence[str] = (),
                 record: Optional[PathLike] = None, timeout: Optional[float] = None,
                 env: Optional[Mapping[str, str]] = None,
                 on_notification: Optional[NotificationCallback] = None,
                 inline_max_bytes: Optional[int] = _arrays.INLINE_MAX_BYTES) -> None:
        argv = [find_host(path), *(str(arg) for arg in args)]
        if record is not None:
            argv += ["--record", os.fspath(record)]
        # Under --data-root the host takes relative paths from its root, so they are sent as
        # given; otherwise they are made absolute, so that a later os.chdir here changes nothing.
        self._data_root = any(arg == "--data-root" or arg.startswith("--data-root=") for arg in argv[1:])
        self.inline_max_bytes = inline_max_bytes
        self._info: Optional[Dict[str, Any]] = None  # initialize's answer, once asked
        super().__init__(argv, timeout, env, on_notification)

    def __enter__(self) -> "Host":
        return self

    def __repr__(self) -> str:
        state = "running" if self.alive else f"exited {self.returncode}"
        return f"<gradwell.Host pid={self.pid} {state} {self.path}>"

    # ---- the protocol's methods

    def _call_object(self, method: str, params: Optional[Mapping[str, Any]], timeout: Optional[float],
                     on_notification: Optional[NotificationCallback] = None) -> Dict[str, Any]:
        return object_result(method, self.call(method, params, timeout, on_notification))

    def initialize(self, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``initialize``: the host's name, version, protocol, dtypes, methods and limits."""
        self._info = self._call_object("initialize", None, timeout)
        return self._info

    def _host_info(self, timeout: Optional[float]) -> Dict[str, Any]:
        """``initialize``'s answer, asked once per Host: the limits ``inline`` and ``predict``
        check before encoding anything, the data root ``inline`` writes its files into."""
        return self._info if self._info is not None else self.initialize(timeout)

    def _check_elements(self, method: str, timeout: Optional[float], **arrays: Any) -> Dict[str, Any]:
        info = self._host_info(timeout)
        limit = (info.get("limits") or {}).get("max_elements")
        for argument, value in arrays.items():
            _arrays.check_elements(method, argument, value, limit)
        return info

    def registry(self, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``registry/list``: every registered component with its parameter schema."""
        return self._call_object("registry/list", None, timeout)

    def generate(self, name: str, generator: str, n: Optional[int] = None, seed: int = 0, rng: str = "gradwell",
                 timeout: Optional[float] = None, **params: Any) -> Dict[str, Any]:
        """``dataset/generate``: a synthetic data set from a registered generator ("moons",
        "circles", "blobs", ...). ``n`` defaults to the generator's own default; other generator
        parameters (``noise=0.1``) go in ``params``."""
        body: Dict[str, Any] = {"name": name, "generator": generator}
        if n is not None:
            body["n"] = n
        body.update(seed=seed, rng=rng)
        body.update(params)
        return self._call_object("dataset/generate", body, timeout)

    def inline(self, name: str, x: Any, y: Any, timeout: Optional[float] = None,
               binary: Optional[bool] = None) -> Dict[str, Any]:
        """``dataset/inline``: a data set from rows ``x`` and labels/targets ``y`` (lists, or
        numpy arrays / pandas objects).

        ``x`` or ``y`` holding more elements than the host's ``max_elements`` is refused here
        (:class:`InvalidInput`, before anything is encoded). With numpy installed, a payload
        whose JSON is estimated above ``inline_max_bytes`` (or the host's ``max_line_bytes``)
        is written as two ``.npy`` files in a temporary folder (inside the host's data root when
        it has one), read by the host with ``dataset/load``, and deleted: the answer is the
        one ``dataset/inline`` gives. ``binary=True`` always takes that path, ``binary=False``
        never does. A 3-D or 4-D ``x`` ((N, C, L), (N, C, H, W): for a model whose ``input``
        is a shape) is sent as N flat rows, channel first."""
        x = _arrays.flat_rows(x)
        info = self._check_elements("dataset/inline", timeout, x=x, y=y)
        if binary is None:
            limits = [limit for limit in (self.inline_max_bytes, (info.get("limits") or {}).get("max_line_bytes"))
                      if limit is not None]
            binary = (bool(limits) and _arrays.numpy_module() is not None
                      and _arrays.json_bytes(x) + _arrays.json_bytes(y) > min(limits))
        if not binary:
            return self._call_object("dataset/inline", {"name": name, "x": x, "y": y}, timeout)
        return self._inline_files(name, x, y, info.get("data_root"), timeout)

    def _inline_files(self, name: str, x: Any, y: Any, data_root: Optional[str],
                      timeout: Optional[float]) -> Dict[str, Any]:
        """``inline``'s other way: ``x`` and ``y`` written as ``.npy`` files (in ``data_root``
        when there is one) and read by the host with ``dataset/load``."""
        if _arrays.numpy_module() is None:
            raise GradwellError("inline(binary=True) writes .npy files and needs numpy: pip install 'gradwell[numpy]'")
        arrays = {"x": _arrays.wire_array("dataset/inline", "x", x, (2,)),
                  "y": _arrays.wire_array("dataset/inline", "y", y, (1, 2))}
        if len(arrays["y"]) != len(arrays["x"]):
            raise InvalidInput(f"dataset/inline: params.y must be {len(arrays['x'])} entries, one per row of x, "
                               f"got {len(arrays['y'])}", "params.y")
        for argument, array in arrays.items():
            _arrays.check_finite("dataset/inline", argument, array)
        with _arrays.staged(arrays, data_root) as paths:
            try:
                result = self.load(name, paths["x"], format="npy", labels=paths["y"], timeout=timeout)
            except HostIOError as error:  # a file the host refuses: say which argument it holds
                argument = next((key for key, path in paths.items() if path == error.path), None)
                if argument is None:
                    raise
                raise InvalidInput(f"dataset/inline: params.{argument} (sent as {os.path.basename(error.path)}): "
                                   f"{error.message}", f"params.{argument}") from error
        result.pop("files", None)  # the temporary files are gone: the answer is inline's
        return result

    def load(self, name: str, path: PathLike, format: Optional[str] = None, timeout: Optional[float] = None,
             **params: Any) -> Dict[str, Any]:
        """``dataset/load``: a data set from a file ("csv", "npy", "idx"); ``label=``,
        ``labels=`` and other options go in ``params``. ``path`` and ``labels`` are made
        absolute here (sent as given to a host started with ``--data-root``, which takes them
        from its root)."""
        body: Dict[str, Any] = {"name": name, "path": self._wire_path(path)}
        if format is not None:
            body["format"] = format
        body.update(params)
        if isinstance(body.get("labels"), (str, os.PathLike)):
            body["labels"] = self._wire_path(body["labels"])
        return self._call_object("dataset/load", body, timeout)

    def split(self, source: str, into: Mapping[str, float], seed: int = 0,
              timeout: Optional[float] = None, **params: Any) -> Dict[str, Any]:
        """``dataset/split``: splits ``source`` into named parts, ``{"train": 0.8, "dev": 0.2}``;
        ``stratify=``, ``shuffle=``, ``rng=`` go in ``params``."""
        body: Dict[str, Any] = {"source": source, "into": dict(into), "seed": seed}
        body.update(params)
        return self._call_object("dataset/split", body, timeout)

    def normalize(self, name: str, stats_from: Optional[str] = None, timeout: Optional[float] = None,
                  **params: Any) -> Dict[str, Any]:
        """``dataset/normalize``: normalizes ``name`` in place, with the statistics of the data
        set ``stats_from`` (None: ``name``'s own)."""
        body: Dict[str, Any] = {"name": name}
        if stats_from is not None:
            body["stats_from"] = stats_from
        body.update(params)
        return self._call_object("dataset/normalize", body, timeout)

    def drop(self, name: str, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``dataset/drop``: forgets the data set ``name`` and frees its memory;
        answers ``{"name": name, "dropped": True}``."""
        return self._call_object("dataset/drop", {"name": name}, timeout)

    def create_model(self, name: str, input: int, layers: Sequence[Any], loss: Any = "binary_cross_entropy",
                     dtype: str = "float32", seed: int = 0, rng: str = "gradwell",
                     timeout: Optional[float] = None) -> Dict[str, Any]:
        """``model/create``: ``layers`` is a list of components, e.g.
        ``[{"type": "dense", "units": 8, "activation": "relu"}, ...]``. Returns the model with
        every default filled in."""
        body = {"name": name, "input": input, "layers": list(layers), "loss": loss, "dtype": dtype,
                "seed": seed, "rng": rng}
        return self._call_object("model/create", body, timeout)

    def train(self, model: str, data: str, epochs: int = 1,
              on_metric: Optional[Callable[[Dict[str, Any]], None]] = None,
              timeout: Optional[float] = None, **params: Any) -> TrainResult:
        """``train``: trains ``model`` on data set ``data``; other options (``optimizer``,
        ``batch_size``, ``report_every``, ``validation``, ...) go in ``params``.

        ``on_metric(metric)`` is called on this thread for each ``metric`` notification; if it
        raises, the training is cancelled and the exception propagates. Returns a
        :class:`TrainResult` (the result dict plus ``.metrics``). A :class:`Cancelled` error
        carries the metrics received so far in ``.metrics``."""
        body: Dict[str, Any] = {"model": model, "data": data, "epochs": epochs}
        body.update(params)
        metrics = Metrics()

        def collect(method: str, notification: Dict[str, Any]) -> None:
            if method == "metric":
                metrics.append(notification)
                if on_metric is not None:
                    on_metric(notification)

        try:
            result = self._call_object("train", body, timeout, on_notification=collect)
        except Cancelled as error:
            error.metrics = metrics  # type: ignore[attr-defined]
            raise
        return TrainResult(result, metrics)

    def train_iter(self, model: str, data: str, epochs: int = 1, timeout: Optional[float] = None,
                   **params: Any) -> TrainIterator:
        """``train``, as an iterator over the ``metric`` dicts while it runs. The request is
        sent at once; ``it.request_id`` names it for :meth:`cancel`. When the iteration ends,
        ``it.result`` holds the :class:`TrainResult` (also the ``StopIteration`` value)::

            it = host.train_iter("m", "train", epochs=100)
            for metric in it:
                print(metric["epoch"], metric["cost"])
            print(it.result.accuracy)
        """
        body: Dict[str, Any] = {"model": model, "data": data, "epochs": epochs}
        body.update(params)
        return TrainIterator(self.submit("train", body, timeout))

    def evaluate(self, model: str, data: str, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``evaluate``: ``{"cost", "accuracy", "n"}`` of ``model`` over data set ``data``."""
        return self._call_object("evaluate", {"model": model, "data": data}, timeout)

    def predict(self, model: str, x: Any, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``predict``: ``{"y": [...], "probabilities": [[...]]}`` for the rows ``x``. When ``x``
        is a numpy array (or pandas object) and numpy is installed, the lists come back as
        numpy arrays. A 3-D or 4-D ``x`` is sent as flat rows, channel first, as ``inline``."""
        x = _arrays.flat_rows(x)
        self._check_elements("predict", timeout, x=x)
        result = self._call_object("predict", {"model": model, "x": x}, timeout)
        return numpy_results(result, ("y", "probabilities"), real=("probabilities",)) if is_numpy(x) else result

    def gradcheck(self, model: str, data: str, timeout: Optional[float] = None, **params: Any) -> Dict[str, Any]:
        """``gradcheck``: compares analytic and numeric gradients (``epsilon=``,
        ``regularizers=`` in ``params``)."""
        body: Dict[str, Any] = {"model": model, "data": data}
        body.update(params)
        return self._call_object("gradcheck", body, timeout)

    def search(self, timeout: Optional[float] = None, on_notification: Optional[NotificationCallback] = None,
               **params: Any) -> Any:
        """``search``: hyperparameter search; ``params`` are sent as they are."""
        return self.call("search", params, timeout, on_notification=on_notification)

    def save(self, model: str, path: PathLike, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``model/save``: writes ``model`` to ``path`` (made absolute here unless the host has a
        ``--data-root``), atomically."""
        return self._call_object("model/save", {"model": model, "path": self._wire_path(path)}, timeout)

    def load_model(self, name: str, path: PathLike, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``model/load``: reads a model saved by :meth:`save` under the name ``name``."""
        return self._call_object("model/load", {"name": name, "path": self._wire_path(path)}, timeout)

    def _wire_path(self, path: PathLike) -> str:
        """A file path as sent: absolute (from this process's current directory), or as given
        to a host with ``--data-root`` (which resolves relative paths from its root)."""
        text = os.path.expanduser(os.fspath(path))
        return text if self._data_root else os.path.abspath(text)

    def cancel(self, request_id: Any, timeout: Optional[float] = None, wait: bool = True) -> Any:
        """``$/cancel``: asks the host to cancel the request ``request_id`` (an id, or a
        :class:`PendingCall` / :class:`TrainIterator`). The cancelled call then fails with
        :class:`Cancelled`.

        With ``wait=True`` the request is sent with an id and its acknowledgement returned;
        since the host answers requests in order, it arrives after the cancelled request has
        stopped. With ``wait=False`` it is sent as a notification and nothing is awaited."""
        target = getattr(request_id, "request_id", request_id)
        if not wait:
            self._send_cancel(target)
            return None
        return self.call("$/cancel", {"id": target}, timeout)

    def shutdown(self, timeout: Optional[float] = None) -> Any:
        """``shutdown``: the host answers, then exits. Prefer :meth:`close`."""
        return self.call("shutdown", None, timeout)
