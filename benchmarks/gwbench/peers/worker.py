"""A Python peer in a subprocess of its own (`run --worker NAME`), one per configuration, so each
has its own environment, its own threads and its own peak memory. The parent writes one JSON
command per line and reads one JSON answer per line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any, Dict, Optional

from ..measurement import vm_status
from ..workloads import ENTRY_POINT
from . import PythonPeer, find, load


def spawn(kind: str, env: Optional[Dict[str, str]] = None, **options: Any) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ENTRY_POINT), "--worker", kind], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, env=env, text=True, **options)


class WorkerRunner:
    """The parent's side: one peer's model, trained for a number of epochs per `run`."""

    def __init__(self, peer: PythonPeer, workload: str, dtype: str, threads: int, data: Dict[str, Any]):
        self.name, self.family = peer.name, peer.family
        self.n = data["n"]
        module = load(peer)
        env = dict(os.environ)
        if hasattr(module, "environment"):
            env = module.environment(env, threads)
        self.proc = spawn(peer.name, env, bufsize=1)
        self.info = self.request({"cmd": "setup", "workload": workload, "dtype": dtype, "threads": threads,
                                  "data": data})

    def request(self, message: Dict[str, Any]) -> Dict[str, Any]:
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.name} worker died (exit {self.proc.wait()})")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"{self.name} worker: {answer['error']}")
        return answer

    @property
    def pid(self) -> int:
        return self.proc.pid

    def run(self, epochs: int) -> Dict[str, Any]:
        return self.request({"cmd": "run", "epochs": epochs})

    def finish(self) -> Dict[str, Any]:
        # VmHWM, as for the host. The rusage figure is kept too, but Linux carries a forked
        # child's pre-exec RSS (a copy of this harness, which held the mnist arrays) into its
        # ru_maxrss, so it overstates small workers.
        hwm = vm_status(self.proc.pid, "VmHWM")
        self.proc.stdin.write(json.dumps({"cmd": "exit"}) + "\n")
        self.proc.stdin.close()
        _, status, usage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.info["peak_rss_kb"] = hwm if hwm is not None else usage.ru_maxrss
        self.info["ru_maxrss_kb"] = usage.ru_maxrss
        self.info["peak_rss_source"] = ("VmHWM of the worker process after training" if hwm is not None
                                        else "ru_maxrss of the worker subprocess (wait4)")
        return self.info


def worker_main(kind: str) -> None:
    """The worker's side: answers one JSON line per command line on stdin. `kind` is a peer's
    name, or `sysblas` for the host's OpenBLAS ceiling (the `gemm` command needs only NumPy)."""
    trainer: Any = None
    out = sys.stdout
    for line in sys.stdin:
        message = json.loads(line)
        cmd = message["cmd"]
        try:
            if cmd == "exit":
                break
            if cmd == "setup":
                peer = find(kind)
                trainer = load(peer).Trainer(message["workload"], message["dtype"], message["threads"],
                                             message["data"], peer.variant)
                answer: Dict[str, Any] = trainer.describe()
            elif cmd == "run":
                started = time.perf_counter()
                cost = trainer.train(message["epochs"])
                answer = {"seconds": time.perf_counter() - started, "cost": cost}
            elif cmd == "gemm":
                from ..ceiling import numpy_sgemm
                answer = numpy_sgemm(message["n"], message["repeats"], message["threads"])
            elif cmd == "sysblas":
                from ..ceiling import system_openblas_gemm
                answer = system_openblas_gemm(message["n"], message["repeats"], message["threads"])
            else:
                answer = {"error": f"unknown command {cmd}"}
        except Exception as error:  # reported to the parent, which stops
            import traceback
            answer = {"error": f"{type(error).__name__}: {error}\n{traceback.format_exc()}"}
        out.write(json.dumps(answer) + "\n")
        out.flush()
