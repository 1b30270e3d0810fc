"""What the machine is doing while we measure: CPU busy time, a process's CPU time, peak memory."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Optional

from .workloads import log


def cpu_busy(interval: float = 1.0) -> float:
    """The fraction of all cores busy over `interval` seconds (/proc/stat)."""
    def read():
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]
    total0, idle0 = read()
    time.sleep(interval)
    total1, idle1 = read()
    return 1.0 - (idle1 - idle0) / max(total1 - total0, 1)


def busy_seconds() -> float:
    """CPU seconds spent busy on all cores since boot (/proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:8]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process (/proc/PID/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def own_cpu_seconds() -> float:
    """User + system CPU seconds of this harness process."""
    return sum(os.times()[:2])


def vm_status(pid: int, field: str = "VmHWM") -> Optional[int]:
    """A kB figure of /proc/PID/status: VmHWM is the peak resident memory, VmRSS the current."""
    try:
        for row in Path(f"/proc/{pid}/status").read_text().splitlines():
            if row.startswith(field + ":"):
                return int(row.split()[1])
    except OSError:
        pass
    return None


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def wait_idle(limit: float, what: str) -> float:
    """Waits (at most `limit` seconds) until other work leaves the CPUs nearly idle; returns
    the busy fraction last seen."""
    started = time.monotonic()
    busy = cpu_busy(0.5)
    while busy > 0.10 and time.monotonic() - started < limit:
        log(f"   waiting for an idle machine before {what}: {busy * 100:.0f}% busy")
        time.sleep(2.0)
        busy = cpu_busy(1.0)
    return busy
