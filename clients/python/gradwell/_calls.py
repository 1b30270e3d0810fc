"""Calls in flight: a request the client waits for, its :class:`PendingCall` handle, and the
:class:`TrainIterator` over a running ``train``'s metrics."""

from __future__ import annotations

import math
import queue
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, Optional, Tuple, cast

from .errors import Cancelled, GradwellError, RPCError
from .results import Metrics, TrainResult

if TYPE_CHECKING:
    from ._transport import Connection

__all__ = ["NotificationCallback", "PendingCall", "TrainIterator"]

#: A notification callback receives the notification's method and params.
NotificationCallback = Callable[[str, Dict[str, Any]], None]


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

    def __init__(self, host: "Connection", call: _Call, timeout: Optional[float]) -> None:
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
