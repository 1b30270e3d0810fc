"""Shared by the example scripts: importing the client, command-line options, the results table.

Not an example itself. The scripts import it as ``_common`` (their own folder is on
``sys.path`` when they are run as ``python3 examples/python/NAME.py``).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

REPO = Path(__file__).resolve().parents[2]

try:
    import gradwell
except ImportError:  # the client is not installed: use it from the repository
    sys.path.insert(0, str(REPO / "clients" / "python"))
    import gradwell  # noqa: E402


def dense(units: int, activation: str, init: Any) -> Dict[str, Any]:
    return {"type": "dense", "units": units, "activation": activation, "init": init}


def options(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", help="the gradwell executable (default: found as gradwell.Host() finds it: "
                                       "$GRADWELL_HOST, cli/.build/release/gradwell, ..., PATH)")
    parser.add_argument("--record", metavar="LOG", help="have the host write a run log of the session to LOG "
                                                        "(check it later with `gradwell replay LOG --verify`)")
    return parser


def open_host(args: argparse.Namespace, host_args: Sequence[str] = ()) -> "gradwell.Host":
    """The host, started with ``host_args`` (``["--threads", "2"]``); exits 2 when none is found."""
    try:
        return gradwell.Host(args.host, args=host_args, record=args.record, timeout=600)
    except gradwell.HostNotFound as error:
        print(f"error: {error}", file=sys.stderr)  # names every place it looked
        raise SystemExit(2)


def count(accuracy: float, n: int) -> int:
    """The number of correct examples behind an accuracy over n examples."""
    correct = round(accuracy * n)
    if abs(accuracy * n - correct) > 1e-6:
        raise ValueError(f"accuracy {accuracy!r} over {n} examples is not a whole number of examples")
    return correct


@dataclass(frozen=True)
class Between:
    """An expected number of correct examples from ``low`` to ``high`` (both included): for a
    figure that seeds and kernels move by more than a few examples, such as a median over seeds
    set against a paper's figure."""
    low: int
    high: int


class Table:
    """Rows of (run, course figures, Gradwell figures), each Gradwell figure checked against the
    expected number of correct examples. ``reference`` names where the course figures come from
    (a paper's table, for instance)."""

    def __init__(self, title: str, columns: Sequence[str], reference: str = "course") -> None:
        self.title = title
        self.columns = list(columns)  # e.g. ["train", "test"]
        self.reference = reference
        self.rows: List[Tuple[str, List[str], List[str], List[str]]] = []
        self.failures: List[str] = []
        self.started = time.monotonic()

    def add(self, run: str, course: Sequence[str], figures: Sequence[Tuple[float, int]],
            expected: Sequence[Any]) -> None:
        """``figures`` are (accuracy, n) per column; ``expected`` the expected correct counts:
        a count (exact), a (count, tolerance) pair for a figure the BLAS kernel can move, a
        ``Between(low, high)``, or None (not checked)."""
        shown, verdicts = [], []
        for column, (accuracy, n), want in zip(self.columns, figures, expected):
            got = count(accuracy, n)
            shown.append(f"{accuracy:.4f} ({got}/{n})")
            if want is None:
                verdicts.append("-")
                continue
            if isinstance(want, Between):
                if want.low <= got <= want.high:
                    verdicts.append(f"ok ({want.low}..{want.high})")
                else:
                    verdicts.append(f"WANT {want.low}..{want.high}/{n}")
                    self.failures.append(f"{run} {column}: {got}/{n} = {accuracy:.5f}, expected {want.low} to "
                                         f"{want.high} of {n} = {want.low / n:.3f} to {want.high / n:.3f}")
                continue
            target, tolerance = want if isinstance(want, tuple) else (want, 0)
            if abs(got - target) <= tolerance:
                verdicts.append("ok" if tolerance == 0 else f"ok (±{tolerance})")
            else:
                wanted = f"{target}/{n}" + (f" ± {tolerance}" if tolerance else "")
                verdicts.append(f"WANT {wanted}")
                self.failures.append(f"{run} {column}: {got}/{n} = {accuracy:.5f}, expected {wanted} "
                                     f"= {target / n:.5f}")
        self.rows.append((run, list(course), shown, verdicts))

    def print(self) -> None:
        header = (["run"] + [f"{self.reference} {c}" for c in self.columns] + [f"gradwell {c}" for c in self.columns]
                  + ["check"])
        lines = [[run, *course, *shown, " ".join(verdicts)] for run, course, shown, verdicts in self.rows]
        widths = [max(len(str(row[i])) for row in [header, *lines]) for i in range(len(header))]
        print(self.title)
        print()
        for row in [header, ["-" * w for w in widths], *lines]:
            print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())
        print()
        print(f"({time.monotonic() - self.started:.1f} s)")

    def exit_code(self) -> int:
        if self.failures:
            print(f"FAILED: {len(self.failures)} figure(s) differ from Gradwell's expected figures:",
                  file=sys.stderr)
            for failure in self.failures:
                print(f"  {failure}", file=sys.stderr)
            return 1
        print("all figures as expected")
        return 0
