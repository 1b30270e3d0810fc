"""Exceptions raised by the Gradwell client.

Everything the client raises on purpose derives from :class:`GradwellError`:

* :class:`HostNotFound` -- no ``gradwell`` executable was found.
* :class:`HostCrashed` -- the host process died (or could not start) while a call was pending
  or before it was sent.
* :class:`HostClosed` -- the Host was closed (or sent ``shutdown``) and cannot take calls.
* :class:`CallTimeout` -- a call's timeout passed; the call was cancelled with ``$/cancel``
  and the Host stays usable.
* :class:`RPCError` and its subclasses -- the host answered a request with a JSON-RPC error;
  there is one subclass per error code of the wire protocol.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Type

__all__ = [
    "GradwellError",
    "HostNotFound",
    "HostCrashed",
    "HostClosed",
    "CallTimeout",
    "ProtocolError",
    "InvalidInput",
    "RPCError",
    "ParseError",
    "InvalidRequest",
    "MethodNotFound",
    "InvalidParams",
    "InternalError",
    "UnknownComponent",
    "ResourceLimit",
    "NotFound",
    "HostIOError",
    "Cancelled",
    "ERROR_CLASSES",
    "error_from_response",
]


class GradwellError(Exception):
    """Base class of every error raised by the Gradwell client.

    Every one pickles with its attributes (``HostCrashed.stderr_tail``, ``RPCError.data``,
    ...), so it crosses process boundaries intact: multiprocessing, Optuna's and Ray's workers.
    """

    def __reduce__(self) -> Any:
        # Rebuilt without calling __init__, whose arguments differ from class to class.
        return (_rebuild_error, (type(self), self.args, dict(self.__dict__)))


def _rebuild_error(cls: Type[BaseException], args: Any, state: Dict[str, Any]) -> BaseException:
    error = cls.__new__(cls)
    error.args = tuple(args)
    error.__dict__.update(state)
    return error


class HostNotFound(GradwellError):
    """No host executable was found. ``searched`` lists every place that was looked at."""

    def __init__(self, message: str, searched: Sequence[str] = ()) -> None:
        self.searched: List[str] = list(searched)
        if self.searched:
            message += "\nlooked in:\n" + "\n".join("  " + place for place in self.searched)
        super().__init__(message)


class HostCrashed(GradwellError):
    """The host process exited while a call was pending, or before the call was sent.

    ``returncode`` is the process's exit status (negative for a signal, as in
    :mod:`subprocess`; None if it could not be determined) and ``stderr_tail`` the last lines
    the host wrote to stderr, joined with newlines.
    """

    def __init__(self, returncode: Optional[int], stderr_tail: str, detail: str = "") -> None:
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        if returncode is None:
            status = "with an unknown status"
        elif returncode < 0:
            status = f"killed by signal {-returncode}"
        else:
            status = f"with exit status {returncode}"
        message = f"the gradwell host exited {status}"
        if detail:
            message += f" ({detail})"
        if stderr_tail.strip():
            message += "; its stderr ended with:\n" + stderr_tail
        else:
            message += "; it wrote nothing to stderr"
        super().__init__(message)


class HostClosed(GradwellError):
    """The Host was closed (``close()``, the end of a ``with`` block, or ``shutdown``)."""


class CallTimeout(GradwellError, TimeoutError):
    """A call did not finish within its timeout.

    The client sent ``$/cancel`` for it and stopped waiting; a late answer is discarded and the
    Host stays usable. (The host finishes the step it is in before it stops.)
    """

    def __init__(self, method: str, request_id: Any, timeout: float) -> None:
        self.method = method
        self.request_id = request_id
        self.timeout = timeout
        super().__init__(f"{method} (request {request_id}) did not finish within {timeout:g} s; it was cancelled")


class ProtocolError(GradwellError):
    """The host sent something the client cannot make sense of."""


class InvalidInput(GradwellError, ValueError):
    """A call's params cannot be sent: NaN or an infinity (the host refuses both), an integer
    beyond the 64-bit range, an array with more elements than the host's ``max_elements``
    (then ``limit`` and ``requested`` say how many). ``path`` names the value
    (``"params.x[3][1]"``). Also a ``ValueError``."""

    def __init__(self, message: str, path: str, limit: Optional[int] = None, requested: Optional[int] = None) -> None:
        self.path = path
        self.limit = limit
        self.requested = requested
        super().__init__(message)


class RPCError(GradwellError):
    """The host answered a request with a JSON-RPC error.

    ``code`` is the JSON-RPC error code, ``message`` the host's sentence, ``data`` the error's
    data object (an empty dict when absent), ``method`` and ``request_id`` identify the call.
    """

    code: int = 0

    def __init__(self, code: int, message: str, data: Optional[Mapping[str, Any]] = None,
                 method: Optional[str] = None, request_id: Any = None) -> None:
        self.code = code
        self.message = message
        self.data: Dict[str, Any] = dict(data) if isinstance(data, Mapping) else {}
        if data is not None and not isinstance(data, Mapping):
            self.data = {"value": data}
        self.method = method
        self.request_id = request_id
        super().__init__(f"{message} [{code}]")

    def _str(self, key: str) -> Optional[str]:
        value = self.data.get(key)
        return value if isinstance(value, str) else None

    def _int(self, key: str) -> Optional[int]:
        value = self.data.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def _number(self, key: str) -> Optional[float]:
        value = self.data.get(key)
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    def _names(self, key: str) -> List[str]:
        value = self.data.get(key)
        return [str(item) for item in value] if isinstance(value, list) else []

    # The data members most codes share (None where this error has none).

    @property
    def path(self) -> Optional[str]:
        """The field (``"params.layers[1].units"``) or, for -32004, the file."""
        return self._str("path")

    @property
    def expected(self) -> Optional[str]:
        """What would have been accepted, as text."""
        return self._str("expected")

    @property
    def line(self) -> Optional[int]:
        """Where a text could not be parsed: its line (1-based; always 1 for a request line)."""
        return self._int("line")

    @property
    def column(self) -> Optional[int]:
        return self._int("column")

    @property
    def position(self) -> Optional[int]:
        """The byte offset in the request line where parsing stopped."""
        return self._int("position")

    @property
    def kind(self) -> Optional[str]:
        """The kind of the name at fault: a component kind (-32001, -32004), "data set" or "model" (-32003)."""
        return self._str("kind")

    @property
    def name(self) -> Optional[str]:
        """The unknown or missing name (-32001, -32003, -32004)."""
        return self._str("name")

    @property
    def available(self) -> List[str]:
        """The names that would have been accepted (empty where the error gives none)."""
        return self._names("available")


class ParseError(RPCError):
    """-32700: the host could not parse the line as JSON (``line``, ``column``, ``position``)."""

    code = -32700


class InvalidRequest(RPCError):
    """-32600: the line was JSON but not a valid JSON-RPC request. ``path`` names the member
    (``"jsonrpc"``, ``"method"``, ``"id"``); ``line``/``column``/``position`` are set for
    duplicate or NUL keys."""

    code = -32600


class MethodNotFound(RPCError):
    """-32601: the method is unknown, or part of the protocol but not built in this host.
    ``requested_method`` is the method named in the error's data (``method`` is the call's)."""

    code = -32601

    @property
    def requested_method(self) -> Optional[str]:
        return self._str("method")


class InvalidParams(RPCError):
    """-32602: a parameter is missing or wrong. ``path`` names it (``"params.layers[1].units"``)
    and ``expected`` says what was expected; ``got`` (a data set that does not fit the model),
    ``parameter`` (``model/save`` of non-finite weights) and ``file`` (a path outside
    ``--data-root``) where the host gives them."""

    code = -32602

    @property
    def got(self) -> Any:
        return self.data.get("got")

    @property
    def parameter(self) -> Optional[str]:
        return self._str("parameter")

    @property
    def file(self) -> Optional[str]:
        return self._str("file")


class InternalError(RPCError):
    """-32603: the host failed in a way it did not foresee (it keeps serving)."""

    code = -32603


class UnknownComponent(RPCError):
    """-32001: a component name (layer, optimizer, generator, ...) is not registered.
    ``kind`` is the component kind and ``available`` the registered names."""

    code = -32001


class ResourceLimit(RPCError):
    """-32002: the request would exceed a configured bound (tensor elements, line length).
    ``limit`` is the bound (an integer), ``requested`` what the request needed."""

    code = -32002

    @property
    def limit(self) -> Optional[int]:
        value = self.data.get("limit")
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return self._int("limit")

    @property
    def requested(self) -> Optional[float]:
        return self._number("requested")


class NotFound(RPCError):
    """-32003: no data set or model of that name. ``kind`` is ``"data set"`` or ``"model"``;
    ``available`` lists the known ones."""

    code = -32003


class HostIOError(RPCError):
    """-32004: a file could not be read or written, or is malformed. ``path`` names it;
    ``errno`` is the OS error (28 for a full disk); ``line``/``column`` (text formats) or
    ``offset`` (binary formats) say where; for a model file ``field`` names the offending
    member and ``expected`` what it should be (``kind``/``name``/``available`` for an unknown
    component in it)."""

    code = -32004

    @property
    def errno(self) -> Optional[int]:
        return self._int("errno")

    @property
    def field(self) -> Optional[str]:
        return self._str("field")

    @property
    def offset(self) -> Optional[int]:
        return self._int("offset")


class Cancelled(RPCError):
    """-32005: the request was cancelled (``$/cancel``, a timeout, or a signal to the host).
    ``epochs``, ``steps`` and ``cost`` describe the work done; the model keeps the state of
    its last finished step. When raised by :meth:`gradwell.Host.train`, ``metrics`` holds the
    metrics received before the cancellation."""

    code = -32005

    @property
    def epochs(self) -> Optional[int]:
        return self._int("epochs")

    @property
    def steps(self) -> Optional[int]:
        return self._int("steps")

    @property
    def cost(self) -> Optional[float]:
        return self._number("cost")

    @property
    def trials(self) -> Any:
        """For a cancelled ``search``: the trials finished before it stopped (§6.17)."""
        return self.data.get("trials")

    @property
    def checkpoint(self) -> Any:
        """For a ``train`` with ``checkpoint_path``: what was written (§6.6)."""
        return self.data.get("checkpoint")


ERROR_CLASSES: Dict[int, Type[RPCError]] = {
    cls.code: cls
    for cls in (ParseError, InvalidRequest, MethodNotFound, InvalidParams, InternalError,
                UnknownComponent, ResourceLimit, NotFound, HostIOError, Cancelled)
}


def error_from_response(error: Any, method: Optional[str] = None, request_id: Any = None) -> RPCError:
    """Builds the typed exception for the ``error`` member of a JSON-RPC response."""
    if not isinstance(error, Mapping):
        return RPCError(-32603, f"malformed error object from the host: {error!r}", None, method, request_id)
    raw_code = error.get("code")
    code = raw_code if isinstance(raw_code, int) else -32603
    message = error.get("message")
    if not isinstance(message, str):
        message = repr(message)
    cls = ERROR_CLASSES.get(code, RPCError)
    return cls(code, message, error.get("data"), method, request_id)
