"""The host process and its pipes: starting it in a session of its own, the threads that read
its stdout and stderr, writing whole lines to its stdin, stopping it, and the check that a
forked child does not use its parent's pipes. Lines are bytes here; what they mean is the
business of :class:`gradwell._connection.Connection`, built on :class:`Transport`."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import threading
import weakref
from typing import Any, Callable, Deque, List, Mapping, Optional

from .errors import GradwellError, HostClosed, HostNotFound

__all__ = ["Transport", "InterruptsHeld", "GRACE"]

_STDERR_LINES = 200
#: Seconds a stopping host is given at each step (shutdown, SIGTERM) before the next one.
GRACE = 5.0


def _read_stderr(stream: Any, lines: Deque[str]) -> None:
    """The stderr thread: keeps the host's last lines (it never holds the Host)."""
    try:
        for line in iter(stream.readline, b""):
            lines.append(line.decode("utf-8", "replace").rstrip("\r\n"))
    except (OSError, ValueError):
        pass


def _read_stdout(owner: "weakref.ReferenceType[Transport]", stream: Any) -> None:
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


class InterruptsHeld:
    """Holds SIGINT (KeyboardInterrupt) back for the length of a ``with`` block on the main
    thread: a signal that arrives is recorded, and ``raise_held`` raises it afterwards through
    the handler that was installed. Elsewhere (other threads, no signal support) it does
    nothing: Python delivers KeyboardInterrupt to the main thread only."""

    def __init__(self) -> None:
        self.interrupted = False
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> "InterruptsHeld":
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


class Transport:
    """A running host process: ``argv`` is its command line, ``env`` variables added to the
    current environment. A subclass handles what the host writes: :meth:`_dispatch` gets each
    line of its stdout (on the reader thread), :meth:`_host_gone` is called once it ends."""

    def __init__(self, argv: List[str], env: Optional[Mapping[str, str]] = None) -> None:
        self.argv: List[str] = list(argv)
        self.path: str = self.argv[0]
        self._lock = threading.Lock()        # guards the state shared with the reader
        self._send_lock = threading.Lock()   # one line at a time on stdin
        #: Once the host's output has ended: makes the error every later call raises.
        self._dead: Optional[Callable[[], GradwellError]] = None
        self._closing = False
        self._closed = False
        self._stderr: Deque[str] = collections.deque(maxlen=_STDERR_LINES)
        #: Exceptions raised while handling a line (by the general on_notification callback).
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

    def _dispatch(self, line: bytes) -> None:
        """Handles one line of the host's stdout (on the reader thread)."""
        raise NotImplementedError

    def _host_gone(self) -> None:
        """Called once the host's stdout has closed (on the reader thread)."""
        raise NotImplementedError

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

    def _forked(self) -> bool:
        return os.getpid() != self._owner_pid

    def _fork_check(self) -> None:
        if self._forked():
            raise HostClosed(f"this Host was created in process {self._owner_pid} and cannot be used from process "
                             f"{os.getpid()} (a fork of it): create a Host in this process")

    # ---- writing

    def _write(self, data: bytes) -> bool:
        """Writes bytes to the host's stdin (caller holds _send_lock); False if the pipe is gone."""
        try:
            self._stdin.write(data)
            self._stdin.flush()
            return True
        except (OSError, ValueError):
            return False

    # ---- stopping

    def _stop(self, grace: float) -> Optional[int]:
        """Closes the host's stdin and waits for it to exit (then stops it); returns its status."""
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
