"""The Gradwell host process and the JSON-RPC 2.0 conversation with it.

A :class:`Host` starts the ``gradwell`` executable and talks to it over newline-delimited
JSON-RPC 2.0 on its stdin/stdout. A background thread reads every line the host writes and
routes it: a response goes to the caller waiting for its id, a notification (``metric``
during ``train``) goes to the caller of the request named by its ``params.request`` and to
the Host's general ``on_notification`` callback. All numerics happen in the host; the client
only moves JSON.

This module holds the API, one typed method per method of the protocol. The rest lives beside
it: finding the executable (:mod:`gradwell._discovery`), encoding and decoding
(:mod:`gradwell._codec`), the process and its pipes (:mod:`gradwell._transport`), the calls in
flight (:mod:`gradwell._connection`, :mod:`gradwell._calls`).
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Mapping, Optional, Sequence

from ._calls import NotificationCallback, PendingCall, TrainIterator
from ._codec import is_numpy, numpy_results, object_result
from ._codec import json_default as _json_default  # noqa: F401 (gradwell.host._json_default, as before)
from ._connection import Connection
from ._discovery import BUILD_PATHS, PathLike, find_host
from .errors import Cancelled
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
    the Host from it).

    Use it as a context manager, or call :meth:`close`. Methods may be called from several
    threads at once; the host serves requests one at a time, in the order they arrive.
    """

    def __init__(self, path: Optional[PathLike] = None, args: Sequence[str] = (),
                 record: Optional[PathLike] = None, timeout: Optional[float] = None,
                 env: Optional[Mapping[str, str]] = None,
                 on_notification: Optional[NotificationCallback] = None) -> None:
        argv = [find_host(path), *(str(arg) for arg in args)]
        if record is not None:
            argv += ["--record", os.fspath(record)]
        # Under --data-root the host takes relative paths from its root, so they are sent as
        # given; otherwise they are made absolute, so that a later os.chdir here changes nothing.
        self._data_root = any(arg == "--data-root" or arg.startswith("--data-root=") for arg in argv[1:])
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
        return self._call_object("initialize", None, timeout)

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

    def inline(self, name: str, x: Any, y: Any, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``dataset/inline``: a data set from rows ``x`` and labels/targets ``y`` (lists, or
        numpy arrays / pandas objects)."""
        return self._call_object("dataset/inline", {"name": name, "x": x, "y": y}, timeout)

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
        numpy arrays."""
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
