"""The Gradwell host process and the JSON-RPC 2.0 conversation with it.

A :class:`Host` starts the ``gradwell`` executable and talks to it over newline-delimited
JSON-RPC 2.0 on its stdin/stdout. A background thread reads every line the host writes and
routes it: a response goes to the caller waiting for its id, a notification (``metric``
during ``train``) goes to the caller of the request named by its ``params.request`` and to
the Host's general ``on_notification`` callback. All numerics happen in the host; this module
only moves JSON.
"""

from __future__ import annotations

import collections
import itertools
import json
import math
import os
import queue
import shutil
import signal
import subprocess
import threading
import time
import weakref
from pathlib import Path
from typing import (Any, Callable, Deque, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple,
                    Union, cast)

from .errors import (CallTimeout, Cancelled, GradwellError, HostClosed, HostCrashed, HostNotFound,
                     InvalidInput, ProtocolError, RPCError, error_from_response)
from .results import Metrics, TrainResult

__all__ = ["Host", "PendingCall", "TrainIterator", "find_host", "BUILD_PATHS"]

#: Where a built host lives relative to the repository root, in the order they are tried.
BUILD_PATHS: Tuple[str, ...] = ("cli/.build/release/gradwell", "cli/.build/debug/gradwell")

_PACKAGE_DIR = Path(__file__).resolve().parent

#: A notification callback receives the notification's method and params.
NotificationCallback = Callable[[str, Dict[str, Any]], None]
PathLike = Union[str, "os.PathLike[str]"]

_STDERR_LINES = 200
_GRACE = 5.0


# --------------------------------------------------------------------------------------------
# Finding the executable


def _is_executable(path: PathLike) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_host(path: Optional[PathLike] = None) -> str:
    """Returns the path of the ``gradwell`` executable to run.

    Looks, in order, at ``path``; the environment variable ``GRADWELL_HOST``; the repository's
    build folders (``cli/.build/release/gradwell``, then ``cli/.build/debug/gradwell``) in this
    package's folder and every folder above it, then in the current directory and every folder
    above it; and finally ``gradwell`` on ``PATH``. An explicit ``path`` or ``GRADWELL_HOST``
    that names no executable is an error rather than a reason to look elsewhere. Raises
    :class:`HostNotFound` naming every place it looked.
    """
    if path is not None:
        text = os.path.expanduser(os.fspath(path))
        if _is_executable(text):
            return os.path.abspath(text)
        if os.sep not in text:
            found = shutil.which(text)
            if found:
                return found
        raise HostNotFound(f"the gradwell host given as path={text!r} is not an executable file",
                           [f"{text} (the path argument)"])
    searched: List[str] = []
    variable = os.environ.get("GRADWELL_HOST")
    if variable:
        if _is_executable(variable):
            return os.path.abspath(variable)
        raise HostNotFound(f"GRADWELL_HOST={variable!r} is not an executable file",
                           [f"{variable} (from $GRADWELL_HOST)"])
    searched.append("$GRADWELL_HOST (not set)")
    starts: List[Path] = [_PACKAGE_DIR]
    try:
        starts.append(Path.cwd().resolve())
    except OSError:  # the current directory was deleted
        pass
    seen = set()
    for start in starts:
        for folder in (start, *start.parents):
            for relative in BUILD_PATHS:
                candidate = folder / relative
                if candidate in seen:
                    continue
                seen.add(candidate)
                searched.append(str(candidate))
                if _is_executable(candidate):
                    return str(candidate)
    found = shutil.which("gradwell")
    searched.append("'gradwell' on PATH")
    if found:
        return found
    raise HostNotFound("no gradwell host executable found: build it (cd cli && swift build -c release), "
                       "or pass Host(path=...), or set GRADWELL_HOST", searched)


# --------------------------------------------------------------------------------------------
# JSON


def _json_default(value: Any) -> Any:
    # numpy arrays and scalars (and anything array-like) become lists/numbers; no numpy import.
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


_INT64 = 1 << 63


def _check_integers(value: Any, path: str) -> None:
    """Integers the host cannot read (beyond 64 bits) in params' objects (not inside arrays, so
    large payloads are not walked): refused here, naming the member, rather than by the host's
    parser as a column of a line the caller never sees."""
    if isinstance(value, int) and not isinstance(value, bool) and not -_INT64 <= value < _INT64:
        raise InvalidInput(f"{path} is {value}, beyond the 64-bit integers the host reads", path)
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_integers(item, f"{path}.{key}")


def _encode(message: Mapping[str, Any]) -> bytes:
    _check_integers(message.get("params"), "params")
    if isinstance(message.get("id"), int):
        _check_integers(message["id"], "id")
    try:
        text = json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                          default=_json_default)
    except ValueError as error:
        if "JSON compliant" in str(error):
            path, value = _first_unsendable(message.get("params"), "params")
            raise InvalidInput(f"{message.get('method')}: {path} is {value}, which JSON cannot carry "
                               "(NaN and infinities are refused; drop or impute them)", path) from None
        raise
    return text.encode("utf-8") + b"\n"


def _first_unsendable(value: Any, path: str) -> Tuple[str, Any]:
    """Where the first NaN or infinity is in params (only looked for once encoding has failed)."""
    value = _json_default(value) if not isinstance(value, (dict, list, tuple, str, int, float, bool, type(None))) else value
    if isinstance(value, float) and not math.isfinite(value):
        return path, value
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    else:
        return "", None
    for key, item in items:
        found = _first_unsendable(item, f"{path}.{key}" if isinstance(key, str) else f"{path}[{key}]")
        if found[0]:
            return found
    return "", None


def _is_numpy(value: Any) -> bool:
    return type(value).__module__.split(".")[0] in ("numpy", "pandas")


# --------------------------------------------------------------------------------------------
# Calls in flight


class _Call:
    """One request the client is waiting for (or has given up on: ``abandoned``)."""

    __slots__ = ("id", "method", "inbox", "abandoned", "raw")

    def __init__(self, request_id: Any, method: str, raw: bool = False) -> None:
        self.id = request_id
        self.method = method
        self.raw = raw
        self.abandoned = False
        # ("notification", method, params) | ("response", message) | ("dead", exception factory)
        self.inbox: "queue.SimpleQueue[Tuple[Any, ...]]" = queue.SimpleQueue()


class PendingCall:
    """A request that has been sent and not yet answered (see :meth:`Host.submit`).

    Notifications for it (``metric`` for ``train``) queue up until :meth:`result` or
    :meth:`events` consumes them. Use it from one thread at a time.
    """

    def __init__(self, host: "Host", call: _Call, timeout: Optional[float]) -> None:
        self._host = host
        self._call = call
        self._deadline = None if timeout is None or math.isinf(timeout) else time.monotonic() + timeout
        self._timeout = timeout
        self._done = False
        self._result: Any = None
        self._error: Optional[BaseException] = None

    @property
    def request_id(self) -> int:
        """The JSON-RPC id of the request (what ``$/cancel`` and ``metric.request`` name)."""
        return cast(int, self._call.id)

    @property
    def method(self) -> str:
        return self._call.method

    def done(self) -> bool:
        """Whether the answer (or a failure) has been received and consumed."""
        return self._done

    def next_event(self) -> Tuple[str, Any, Any]:
        """Waits for the next thing that happens to this call: ``("notification", method,
        params)`` or ``("result", result, None)``. Raises the call's error, :class:`CallTimeout`
        (after cancelling the request) or :class:`HostCrashed`."""
        if self._done:
            if self._error is not None:
                raise self._error
            return ("result", self._result, None)
        try:
            event = self._host._next_event(self._call, self._deadline, self._timeout)
        except RPCError as error:
            self._done, self._error = True, error
            raise
        except GradwellError as error:
            self._done, self._error = True, error
            raise
        except BaseException:
            # KeyboardInterrupt and the like: give up on the request and cancel it.
            self._abandon()
            raise
        if event[0] == "result":
            self._done, self._result = True, event[1]
        return event

    def result(self, on_notification: Optional[NotificationCallback] = None) -> Any:
        """Waits for the answer and returns its ``result``, calling ``on_notification(method,
        params)`` on this thread for each notification received meanwhile. If the callback
        raises, the request is cancelled and the exception propagates."""
        while True:
            kind, value, params = self.next_event()
            if kind == "result":
                return value
            if on_notification is not None:
                try:
                    on_notification(value, params)
                except BaseException:
                    self._abandon()
                    raise

    def cancel(self) -> None:
        """Asks the host to cancel this request (a ``$/cancel`` notification) without waiting.
        The call then finishes with :class:`Cancelled` (unless it was already done)."""
        if not self._done:
            self._host._send_cancel(self._call.id)

    def _abandon(self) -> None:
        if not self._done:
            self._done = True
            self._error = GradwellError(f"{self.method} (request {self.request_id}) was abandoned")
            self._host._abandon(self._call, cancel=True)


class TrainIterator(Iterator[Dict[str, Any]]):
    """Iterates over the ``metric`` dicts of a running ``train`` (see :meth:`Host.train_iter`).

    After the iteration ends, :attr:`result` holds the :class:`TrainResult` (which is also the
    ``StopIteration`` value, so ``result = yield from host.train_iter(...)`` works). Errors of
    the call (:class:`Cancelled`, :class:`CallTimeout`, ...) are raised by ``next()``.
    :meth:`cancel` asks the host to stop; the iteration then ends by raising :class:`Cancelled`.
    Leaving a ``with`` block (or calling :meth:`close`) before the end cancels the training, and
    so does dropping the iterator (a ``for`` loop left with ``break``).
    """

    def __init__(self, pending: PendingCall) -> None:
        self._pending = pending
        self.metrics: Metrics = Metrics()
        #: The :class:`TrainResult`, once the iteration has ended normally; None before.
        self.result: Optional[TrainResult] = None

    @property
    def request_id(self) -> int:
        """The id of the ``train`` request, for :meth:`Host.cancel`."""
        return self._pending.request_id

    def __iter__(self) -> "TrainIterator":
        return self

    def __next__(self) -> Dict[str, Any]:
        if self.result is not None:
            raise StopIteration(self.result)
        while True:
            try:
                kind, value, params = self._pending.next_event()
            except Cancelled as error:
                error.metrics = self.metrics  # type: ignore[attr-defined]
                raise
            if kind == "result":
                self.result = TrainResult(value, self.metrics)
                raise StopIteration(self.result)
            if value == "metric" and isinstance(params, dict):
                self.metrics.append(params)
                return params

    def cancel(self) -> None:
        """Asks the host to stop the training at the end of its current step."""
        self._pending.cancel()

    def close(self) -> None:
        """Stops waiting for the training, cancelling it if it is still running."""
        self._pending._abandon()

    def __enter__(self) -> "TrainIterator":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        # A loop left with `break` drops the iterator: the training it no longer follows is
        # cancelled, as close() would (nothing to do once it has ended).
        pending = getattr(self, "_pending", None)
        if pending is not None and not pending._done and not pending._host._forked():
            try:
                pending._abandon()
            except Exception:
                pass


# --------------------------------------------------------------------------------------------
# The host


def _read_stderr(stream: Any, lines: Deque[str]) -> None:
    """The stderr thread: keeps the host's last lines (it never holds the Host)."""
    try:
        for line in iter(stream.readline, b""):
            lines.append(line.decode("utf-8", "replace").rstrip("\r\n"))
    except (OSError, ValueError):
        pass


def _read_stdout(owner: "weakref.ReferenceType[Host]", stream: Any) -> None:
    """The reader thread: hands each line to the Host while it exists (a weak reference, not
    held while waiting for the next line), and tells it when the host's output ends."""
    try:
        for line in iter(stream.readline, b""):
            host = owner()
            if host is None:
                return
            try:
                host._dispatch(line)
            except Exception as error:  # never let a bad line kill the reader
                host.callback_errors.append(error)
            del host
    except (OSError, ValueError):
        pass
    finally:
        host = owner()
        if host is not None:
            host._host_gone()


class _InterruptsHeld:
    """Holds SIGINT (KeyboardInterrupt) back for the length of a ``with`` block on the main
    thread: a signal that arrives is recorded, and ``raise_held`` raises it afterwards through
    the handler that was installed. Elsewhere (other threads, no signal support) it does
    nothing: Python delivers KeyboardInterrupt to the main thread only."""

    def __init__(self) -> None:
        self.interrupted = False
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> "_InterruptsHeld":
        if threading.current_thread() is threading.main_thread():
            try:
                self._previous = signal.signal(signal.SIGINT, self._record)
                self._installed = True
            except (ValueError, OSError):
                pass
        return self

    def _record(self, signum: int, frame: Any) -> None:
        self.interrupted = True

    def __exit__(self, *exc_info: Any) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False

    def raise_held(self) -> None:
        if not self.interrupted:
            return
        self.interrupted = False
        if callable(self._previous):
            self._previous(signal.SIGINT, None)
        elif self._previous != signal.SIG_IGN:
            raise KeyboardInterrupt


class Host:
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
        self.path: str = find_host(path)
        self.argv: List[str] = [self.path, *(str(arg) for arg in args)]
        if record is not None:
            self.argv += ["--record", os.fspath(record)]
        # Under --data-root the host takes relative paths from its root, so they are sent as
        # given; otherwise they are made absolute, so that a later os.chdir here changes nothing.
        self._data_root = any(arg == "--data-root" or arg.startswith("--data-root=") for arg in self.argv[1:])
        self.timeout = timeout
        self.on_notification = on_notification

        self._ids = itertools.count(1)
        self._raw_ids = itertools.count(1)
        self._lock = threading.Lock()        # guards the state below, shared with the reader
        self._send_lock = threading.Lock()   # keeps the wire order equal to the order of _order
        self._pending: Dict[Any, _Call] = {}
        self._order: Deque[_Call] = collections.deque()  # calls awaiting an answer, in wire order
        self._dead: Optional[Callable[[], GradwellError]] = None
        self._closing = False
        self._closed = False
        self._stderr: Deque[str] = collections.deque(maxlen=_STDERR_LINES)
        #: Lines from the host's stdout that were not JSON (should stay empty).
        self.stray_lines: Deque[bytes] = collections.deque(maxlen=50)
        #: Exceptions raised by the general on_notification callback (they are not propagated).
        self.callback_errors: Deque[BaseException] = collections.deque(maxlen=50)

        environment = None
        if env is not None:
            environment = dict(os.environ)
            environment.update(env)
        try:
            # In a session of its own, so that a terminal's Ctrl-C (SIGINT to the foreground
            # process group) reaches only Python, which cancels the call it interrupts, and
            # does not stop the host with all its models and data sets.
            self._process = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE, env=environment, start_new_session=True)
        except OSError as error:
            raise HostNotFound(f"cannot start the gradwell host {self.path}: {error}", [self.path]) from error
        assert self._process.stdin and self._process.stdout and self._process.stderr
        self._stdin = self._process.stdin
        # The process that may talk to the host: a forked child has copies of the pipes and of
        # the id counter, but no reader thread, so it would take (and cancel) the parent's answers.
        self._owner_pid = os.getpid()
        # The threads hold the Host only weakly, so a Host dropped without close() is collected
        # and its host process stopped (__del__), as a file object is.
        owner = weakref.ref(self)
        self._stderr_thread = threading.Thread(target=_read_stderr, args=(self._process.stderr, self._stderr),
                                               name=f"gradwell-stderr-{self.pid}", daemon=True)
        self._reader = threading.Thread(target=_read_stdout, args=(owner, self._process.stdout),
                                        name=f"gradwell-reader-{self.pid}", daemon=True)
        self._stderr_thread.start()
        self._reader.start()

    # ---- process facts

    @property
    def pid(self) -> int:
        """The host process's id."""
        return self._process.pid

    @property
    def returncode(self) -> Optional[int]:
        """The host's exit status once it has exited, else None."""
        return self._process.poll()

    @property
    def alive(self) -> bool:
        return self._dead is None and self._process.poll() is None

    @property
    def stderr_tail(self) -> str:
        """The last lines (up to 200) the host wrote to stderr, joined with newlines."""
        return "\n".join(list(self._stderr))

    def __repr__(self) -> str:
        state = "running" if self.alive else f"exited {self.returncode}"
        return f"<gradwell.Host pid={self.pid} {state} {self.path}>"

    # ---- lifetime

    def __enter__(self) -> "Host":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self, grace: float = _GRACE) -> Optional[int]:
        """Shuts the host down: sends ``shutdown`` (ignoring any error), closes its stdin, and
        waits up to ``grace`` seconds for it to exit before terminating (then killing) it.
        Calls still waiting fail with :class:`HostClosed`. Returns the exit status."""
        with self._lock:
            if self._closed:
                return self._process.poll()
            if self._forked():
                # The parent's host: a forked child only forgets it.
                self._closed = True
                return None
            already_closing = self._closing
            self._closing = True
        if not already_closing and self._dead is None:
            # Calls still running (another thread's train, a submitted call never waited on)
            # are cancelled first: shutdown is answered only after them.
            with self._lock:
                running = [call.id for call in self._order if not call.raw and not call.abandoned]
            for request_id in running:
                self._send_cancel(request_id)
            try:
                self.call("shutdown", timeout=grace)
            except GradwellError:
                pass
        with self._lock:
            self._closed = True
        with self._send_lock:
            try:
                self._stdin.close()
            except OSError:
                pass
        returncode = self._wait_or_stop(grace)
        self._reader.join(grace)
        self._stderr_thread.join(1.0)
        for stream in (self._process.stdout, self._process.stderr):
            try:
                if stream is not None and not self._reader.is_alive():
                    stream.close()
            except OSError:
                pass
        return returncode

    def _wait_or_stop(self, grace: float) -> Optional[int]:
        try:
            return self._process.wait(grace)
        except subprocess.TimeoutExpired:
            pass
        self._process.terminate()  # SIGTERM: a running train stops at the end of its step
        try:
            return self._process.wait(grace)
        except subprocess.TimeoutExpired:
            pass
        self._process.kill()
        return self._process.wait()

    def __del__(self) -> None:
        process = getattr(self, "_process", None)
        if process is None or process.poll() is not None or os.getpid() != getattr(self, "_owner_pid", None):
            return
        try:
            self._closing = True
            self._stdin.close()
            process.send_signal(signal.SIGTERM)
        except Exception:
            pass

    # ---- the reader threads

    def _forked(self) -> bool:
        return os.getpid() != self._owner_pid

    def _dispatch(self, line: bytes) -> None:
        text = line.strip()
        if not text:
            return
        try:
            message = json.loads(text)
        except ValueError:
            self.stray_lines.append(line)
            return
        if isinstance(message, list):  # a batch answer (only raw batches produce one)
            self._route_response(None, message, batch=True)
        elif isinstance(message, dict):
            if "method" in message and "id" not in message:
                self._route_notification(message)
            elif "result" in message or "error" in message:
                self._route_response(message.get("id"), message)
            else:
                self.stray_lines.append(line)
        # Anything else (a JSON value that is neither an object nor an array) is ignored.

    def _route_notification(self, message: Dict[str, Any]) -> None:
        method = message.get("method")
        params = message.get("params")
        if not isinstance(params, dict):
            params = {} if params is None else {"value": params}
        if not isinstance(method, str):
            return
        target = params.get("request")
        with self._lock:
            call = self._pending.get(target) if isinstance(target, (int, str)) else None
            if call is not None and not call.abandoned:
                call.inbox.put(("notification", method, params))
        callback = self.on_notification
        if callback is not None:
            try:
                callback(method, params)
            except Exception as error:
                self.callback_errors.append(error)

    def _route_response(self, request_id: Any, message: Any, batch: bool = False) -> None:
        with self._lock:
            call: Optional[_Call] = None
            if not batch and request_id is not None and request_id in self._pending:
                call = self._pending.pop(request_id)
                try:
                    self._order.remove(call)
                except ValueError:
                    pass
            elif self._order and (request_id is None or self._order[0].raw):
                # The host answers lines in the order it reads them, so an answer with a null
                # id (a line it could not parse or read, e.g. one over --max-line-bytes) belongs
                # to the oldest request still waiting.
                call = self._order.popleft()
                self._pending.pop(call.id, None)
            if call is None or call.abandoned:
                return
            call.inbox.put(("response", message))

    def _host_gone(self) -> None:
        """Called once the host's stdout has closed: fails every pending call."""
        try:
            returncode: Optional[int] = self._process.wait(_GRACE)
        except subprocess.TimeoutExpired:
            returncode = self._process.poll()
        self._stderr_thread.join(1.0)
        tail = self.stderr_tail
        with self._lock:
            if self._closing or self._closed:
                def factory() -> GradwellError:
                    return HostClosed("the gradwell host was closed")
            else:
                def factory() -> GradwellError:
                    return HostCrashed(returncode, tail)
            self._dead = factory
            calls = list(self._pending.values())
            self._pending.clear()
            self._order.clear()
        for call in calls:
            call.inbox.put(("dead", factory))

    # ---- sending

    def _dead_error(self) -> GradwellError:
        if self._dead is not None:
            return self._dead()
        return HostClosed("the gradwell host was closed")

    def _write(self, data: bytes) -> bool:
        """Writes bytes to the host's stdin (caller holds _send_lock); False if the pipe is gone."""
        try:
            self._stdin.write(data)
            self._stdin.flush()
            return True
        except (OSError, ValueError):
            return False

    def _register_and_send(self, call: _Call, data: bytes) -> None:
        # A Ctrl-C while a line is being written is held until the line is complete: half a line
        # would be glued to the next request and its error answered to the wrong call. The
        # call is then abandoned (and cancelled) and the interrupt raised.
        if self._forked():
            raise HostClosed(f"this Host was created in process {self._owner_pid} and cannot be used from process "
                             f"{os.getpid()} (a fork of it): create a Host in this process")
        with _InterruptsHeld() as held:
            with self._send_lock:
                with self._lock:
                    if self._dead is not None:
                        raise self._dead()
                    if self._closed:
                        raise HostClosed("the gradwell host was closed")
                    self._pending[call.id] = call
                    self._order.append(call)
                if not self._write(data):
                    with self._lock:
                        self._pending.pop(call.id, None)
                        try:
                            self._order.remove(call)
                        except ValueError:
                            pass
                    write_failed = True
                else:
                    write_failed = False
        if held.interrupted and not write_failed:
            self._abandon(call, cancel=True)
        held.raise_held()
        if write_failed:
            # The process is gone (or going): let the reader notice, then report it.
            self._reader.join(_GRACE)
            if self._dead is not None:
                raise self._dead()
            raise HostCrashed(self._process.poll(), self.stderr_tail, "its stdin is closed")

    def _send_cancel(self, request_id: Any) -> None:
        """Sends ``$/cancel`` as a notification (no answer is expected); errors are ignored."""
        data = _encode({"jsonrpc": "2.0", "method": "$/cancel", "params": {"id": request_id}})
        with self._send_lock:
            if not self._closed and self._dead is None and not self._forked():
                self._write(data)

    def _abandon(self, call: _Call, cancel: bool) -> None:
        """Stops waiting for ``call``; its late answer (and notifications) will be dropped."""
        with self._lock:
            still_pending = call.id in self._pending
            call.abandoned = True
            if call.raw and still_pending:
                # A raw line may never be answered (a notification): forget it entirely, so it
                # does not swallow the next answer with a null id.
                self._pending.pop(call.id, None)
                try:
                    self._order.remove(call)
                except ValueError:
                    pass
                return
        if cancel and still_pending:
            self._send_cancel(call.id)

    def _next_event(self, call: _Call, deadline: Optional[float], timeout: Optional[float]) -> Tuple[str, Any, Any]:
        while True:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                self._abandon(call, cancel=True)
                raise CallTimeout(call.method, call.id, timeout if timeout is not None else 0.0)
            try:
                item = call.inbox.get(timeout=remaining)
            except queue.Empty:
                continue
            kind = item[0]
            if kind == "notification":
                return ("notification", item[1], item[2])
            if kind == "dead":
                raise item[1]()
            message = item[1]
            if isinstance(message, list):
                return ("result", message, None)
            if "error" in message:
                raise error_from_response(message["error"], call.method, call.id)
            if "result" not in message:
                raise ProtocolError(f"response to {call.method} has neither result nor error: {message!r}")
            return ("result", message["result"], None)

    def _timeout(self, timeout: Optional[float]) -> Optional[float]:
        return self.timeout if timeout is None else timeout

    # ---- the generic calls

    def submit(self, method: str, params: Optional[Mapping[str, Any]] = None,
               timeout: Optional[float] = None) -> PendingCall:
        """Sends a request and returns at once with a :class:`PendingCall` (its
        ``request_id`` can be cancelled, its ``result()`` waited for). ``timeout`` (default:
        the Host's) counts from now; ``float('inf')`` means no timeout."""
        call = _Call(next(self._ids), method)
        message: Dict[str, Any] = {"jsonrpc": "2.0", "id": call.id, "method": method}
        if params is not None:
            message["params"] = params
        data = _encode(message)
        self._register_and_send(call, data)
        return PendingCall(self, call, self._timeout(timeout))

    def call(self, method: str, params: Optional[Mapping[str, Any]] = None, timeout: Optional[float] = None,
             on_notification: Optional[NotificationCallback] = None) -> Any:
        """Sends a request and returns its ``result``.

        Raises the :class:`RPCError` subclass of the host's error code, :class:`CallTimeout`
        when ``timeout`` seconds pass (default: the Host's; ``float('inf')``: none) -- the
        request is then cancelled -- :class:`HostCrashed` if the host dies, and
        :class:`HostClosed` after :meth:`close`. ``on_notification(method, params)`` is called
        on this thread for each notification about this request (``metric`` during ``train``).
        """
        if method == "shutdown":
            with self._lock:
                self._closing = True
        return self.submit(method, params, timeout).result(on_notification)

    def notify(self, method: str, params: Optional[Mapping[str, Any]] = None) -> None:
        """Sends a JSON-RPC notification (no id): the host runs it and never answers."""
        message: Dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        data = _encode(message)
        with self._send_lock:
            if self._dead is not None:
                raise self._dead()
            if self._closed:
                raise HostClosed("the gradwell host was closed")
            self._write(data)

    def _send_raw(self, data: bytes, timeout: Optional[float] = 10.0, expect_response: bool = True) -> Any:
        """Low-level, for tests: writes ``data`` (plus a newline) as one line and, if
        ``expect_response``, waits for the host's answer to that line: returns its ``result``
        (or the list, for a batch) or raises its error (e.g. :class:`ParseError` for garbage).
        The line must not contain a newline and must not be a notification when a response is
        expected."""
        if b"\n" in data.rstrip(b"\n"):
            raise ValueError("_send_raw sends exactly one line")
        line = data.rstrip(b"\n") + b"\n"
        if not expect_response:
            with self._send_lock:
                if self._dead is not None:
                    raise self._dead()
                self._write(line)
            return None
        call = _Call(("raw", next(self._raw_ids)), "<raw>", raw=True)
        self._register_and_send(call, line)
        return PendingCall(self, call, self._timeout(timeout)).result()

    # ---- the protocol's methods

    def _call_object(self, method: str, params: Optional[Mapping[str, Any]], timeout: Optional[float],
                     on_notification: Optional[NotificationCallback] = None) -> Dict[str, Any]:
        result = self.call(method, params, timeout, on_notification)
        if not isinstance(result, dict):
            raise ProtocolError(f"{method}: expected an object as the result, got {result!r:.200}")
        return result


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
        if _is_numpy(x):
            try:
                import numpy  # type: ignore[import-not-found, unused-ignore]
            except ImportError:  # pragma: no cover
                return result
            for key in ("y", "probabilities"):
                value = result.get(key)
                if isinstance(value, list):
                    try:
                        array = numpy.asarray(value, dtype=float if key == "probabilities" else None)
                        if array.dtype == object:  # nulls (non-finite values) among numbers
                            array = numpy.asarray(value, dtype=float)
                        result[key] = array
                    except (ValueError, TypeError):
                        pass
        return result

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
