"""The JSON-RPC conversation with the host: requests in flight (routed back by id, their
notifications by ``params.request``), timeouts, ``$/cancel``, and the generic calls
(:meth:`Connection.submit`, :meth:`Connection.call`, :meth:`Connection.notify`) on which
:class:`gradwell.Host`'s typed methods are built."""

from __future__ import annotations

import collections
import itertools
import json
import queue
import subprocess
import time
from typing import Any, Deque, Dict, List, Mapping, Optional, Tuple

from ._calls import NotificationCallback, PendingCall, _Call
from ._codec import encode_message
from ._transport import GRACE, InterruptsHeld, Transport
from .errors import (CallTimeout, GradwellError, HostClosed, HostCrashed, ProtocolError,
                     error_from_response)

__all__ = ["Connection"]


class Connection(Transport):
    """A running host process and the requests in flight to it (the base of
    :class:`gradwell.Host`, which adds the protocol's typed methods). ``timeout`` is the
    default timeout of every call; ``on_notification`` is called for every notification (on
    the reader thread)."""

    def __init__(self, argv: List[str], timeout: Optional[float] = None, env: Optional[Mapping[str, str]] = None,
                 on_notification: Optional[NotificationCallback] = None) -> None:
        self.timeout = timeout
        self.on_notification = on_notification
        self._ids = itertools.count(1)
        self._raw_ids = itertools.count(1)
        self._pending: Dict[Any, _Call] = {}
        self._order: Deque[_Call] = collections.deque()  # calls awaiting an answer, in wire order
        #: Lines from the host's stdout that were not JSON (should stay empty).
        self.stray_lines: Deque[bytes] = collections.deque(maxlen=50)
        super().__init__(argv, env)  # starts the process and the reader

    # ---- lifetime

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self, grace: float = GRACE) -> Optional[int]:
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
        return self._stop(grace)

    # ---- the reader thread

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
            returncode: Optional[int] = self._process.wait(GRACE)
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

    def _register_and_send(self, call: _Call, data: bytes) -> None:
        # A Ctrl-C while a line is being written is held until the line is complete: half a line
        # would be glued to the next request and its error answered to the wrong call. The
        # call is then abandoned (and cancelled) and the interrupt raised.
        self._fork_check()
        with InterruptsHeld() as held:
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
            self._reader.join(GRACE)
            if self._dead is not None:
                raise self._dead()
            raise HostCrashed(self._process.poll(), self.stderr_tail, "its stdin is closed")

    def _send_cancel(self, request_id: Any) -> None:
        """Sends ``$/cancel`` as a notification (no answer is expected); errors are ignored."""
        data = encode_message({"jsonrpc": "2.0", "method": "$/cancel", "params": {"id": request_id}})
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
        data = encode_message(message)
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
        data = encode_message(message)
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
