"""Gradwell through its host protocol, spoken by the harness itself (a few lines of subprocess,
so the pipe is measured and nothing of a client library), and the host-only figures: start-up
latency and `predict` throughput."""

from __future__ import annotations

import io
import json
import statistics
import subprocess
import threading
import time
from typing import Any, Dict, Optional, Tuple

from ..measurement import vm_status
from ..workloads import DIGITS_CSV, LR, SEED, WORKLOADS, is_convolutional, learning_rate


class GradwellHost:
    """A host process and a minimal JSON-RPC conversation with it."""

    def __init__(self, path: str, threads: Optional[int] = None):
        args = [path] + (["--threads", str(threads)] if threads else [])
        # The environment is passed unchanged: OPENBLAS_* stay as the machine sets them.
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, bufsize=0)
        # Requests are written unbuffered; answers are read through a buffer, as a client
        # library does (readline on the raw pipe would make a system call per byte).
        self.out = io.BufferedReader(self.proc.stdout, 1 << 16)
        self.next_id = 0
        self.last_metric: Optional[Dict[str, Any]] = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def call(self, method: str, params: Optional[Dict[str, Any]] = None) -> Tuple[Dict[str, Any], float]:
        """Sends one request; returns its result and the wall-clock seconds from the write
        to the answer (metric notifications skipped)."""
        self.next_id += 1
        ident = self.next_id
        line = json.dumps({"jsonrpc": "2.0", "id": ident, "method": method, "params": params or {}},
                          separators=(",", ":")).encode() + b"\n"
        started = time.perf_counter()
        self.proc.stdin.write(line)
        while True:
            raw = self.out.readline()
            if not raw:
                err = self.proc.stderr.read().decode(errors="replace")
                raise RuntimeError(f"gradwell host closed its output during {method}: {err[-2000:]}")
            message = json.loads(raw)
            if isinstance(message, dict) and message.get("method") == "metric":
                self.last_metric = message.get("params")
            if isinstance(message, dict) and message.get("id") == ident:
                elapsed = time.perf_counter() - started
                if "error" in message:
                    raise RuntimeError(f"gradwell {method} failed: {message['error']}")
                return message["result"], elapsed

    def close(self) -> None:
        try:
            self.call("shutdown")
        except Exception:
            pass
        try:
            self.proc.stdin.close()
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def initialize(host_path: str) -> Dict[str, Any]:
    """The host's `initialize` answer (version, limits, and the `machine` it sees, if it says)."""
    probe = GradwellHost(host_path)
    try:
        return probe.call("initialize")[0]
    finally:
        probe.close()


def network(workload: str) -> Dict[str, Any]:
    """`model/create`'s `input` and `layers` for a workload."""
    spec = WORKLOADS[workload]
    if is_convolutional(workload):
        layers = [{"type": "conv1d", "filters": filters, "kernel_size": kernel, "stride": spec["stride"],
                   "padding": spec["padding"], "activation": "relu"} for filters, kernel in spec["conv"]]
        return {"input": spec["input"], "layers": layers + [{"type": "flatten"}, {"type": "dense",
                "units": spec["classes"], "activation": spec["output"]}]}
    sizes = spec["sizes"]
    layers = [{"type": "dense", "units": u, "activation": "relu"} for u in sizes[1:-1]]
    return {"input": sizes[0], "layers": layers + [{"type": "dense", "units": sizes[-1], "activation": spec["output"]}]}


def unsupported(host_path: str, workload: str) -> Optional[str]:
    """Why the host cannot train the workload (layers its `registry/list` lacks), or None."""
    probe = GradwellHost(host_path)
    try:
        known = {layer.get("type") for layer in probe.call("registry/list")[0].get("layers", [])}
    finally:
        probe.close()
    missing = sorted({layer["type"] for layer in network(workload)["layers"]} - known)
    return f"this host has no {', '.join(missing)} layer (registry/list)" if missing else None


class GradwellRunner:
    """One model in one host, trained for a number of epochs per `run`."""

    name = "gradwell"
    family = "gradwell"

    def __init__(self, host_path: str, workload: str, dtype: str, threads: int, data: Dict[str, Any]):
        spec = WORKLOADS[workload]
        self.n = data["n"]
        self.host = GradwellHost(host_path, threads)
        self.info: Dict[str, Any] = {"threads_flag": threads}
        if workload == "tiny":
            import numpy as np
            x, y = np.load(data["x"]), np.load(data["y"])
            self.host.call("dataset/inline", {"name": "d", "x": x.tolist(), "y": y.tolist()})
        elif workload == "digits":
            self.host.call("dataset/load", {"name": "d", "path": str(DIGITS_CSV), "format": "csv", "label": "label"})
        else:
            self.host.call("dataset/load", {"name": "d", "path": data["x"], "format": "npy", "labels": data["y"]})
        loss = "binary_cross_entropy" if spec["output"] == "sigmoid" else "softmax_cross_entropy"
        self.host.call("model/create", {"name": "m", **network(workload), "loss": loss, "dtype": dtype, "seed": SEED})
        self.batch, self.lr = spec["batch"], learning_rate(workload)
        answer = self.host.call("initialize")[0]
        self.info["blas_threads"] = answer.get("blas_threads")
        if isinstance(answer.get("machine"), dict):
            self.info["machine"] = answer["machine"]

    @property
    def pid(self) -> int:
        return self.host.pid

    def run(self, epochs: int) -> Dict[str, Any]:
        # "evaluate": false: the epochs only, as the peers' loops (no pass over the whole set
        # after training; a default train request adds one, measured by `evaluation_ms`).
        result, seconds = self.host.call("train", {
            "model": "m", "data": "d", "epochs": epochs, "batch_size": self.batch, "shuffle": True,
            "optimizer": {"type": "adam", "lr": self.lr}, "report_every": max(epochs, 1), "evaluate": False})
        metric = self.host.last_metric
        return {"seconds": seconds, "wall_ms": result["wall_ms"], "cost": metric.get("cost") if metric else None}

    def evaluation_ms(self) -> float:
        """What a default `train` request (`evaluate` true) adds: a 0-epoch train with the final
        pass over the whole training set, minus one without it."""
        def median_ms(params: Dict[str, Any]) -> float:
            return statistics.median(self.host.call("train", {"model": "m", "data": "d", "epochs": 0, **params})[0]["wall_ms"]
                                     for _ in range(3))
        return max(0.0, median_ms({}) - median_ms({"evaluate": False}))

    def finish(self) -> Dict[str, Any]:
        self.info["peak_rss_kb"] = vm_status(self.host.pid, "VmHWM")
        self.info["peak_rss_source"] = "VmHWM of the host process after training"
        self.host.close()
        return self.info


def startup_latency(host: str, count: int) -> Dict[str, Any]:
    """Spawn to the answer of an `initialize` written right after the spawn, `count` times."""
    times = []
    line = b'{"jsonrpc":"2.0","id":1,"method":"initialize"}\n'
    for _ in range(count):
        started = time.perf_counter()
        proc = subprocess.Popen([host], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        proc.stdin.write(line)
        answer = io.BufferedReader(proc.stdout, 1 << 16).readline()
        times.append((time.perf_counter() - started) * 1000)
        assert b'"result"' in answer, answer
        proc.stdin.close()
        proc.wait()
    return {"kind": "startup", "count": count, "median_ms": statistics.median(times), "min_ms": min(times),
            "max_ms": max(times)}


def predict_rate(host: str, count: int, data: Dict[str, Any]) -> Dict[str, Any]:
    """`count` one-row `predict` requests to a briefly trained tiny model, written by a thread in
    chunks while this one reads the answers: requests per second, first write to last answer."""
    import numpy as np
    h = GradwellHost(host)
    x, y = np.load(data["x"]), np.load(data["y"])
    h.call("dataset/inline", {"name": "d", "x": x.tolist(), "y": y.tolist()})
    h.call("model/create", {"name": "m", "input": 2, "layers": [
        {"type": "dense", "units": 10, "activation": "relu"}, {"type": "dense", "units": 5, "activation": "relu"},
        {"type": "dense", "units": 1, "activation": "sigmoid"}], "seed": SEED})
    h.call("train", {"model": "m", "data": "d", "epochs": 20, "batch_size": 64, "optimizer": {"type": "adam", "lr": LR},
                     "report_every": 20})
    rows = x[np.arange(count) % len(x)]
    lines = [json.dumps({"jsonrpc": "2.0", "id": i + 1000, "method": "predict",
                         "params": {"model": "m", "x": [[float(rows[i, 0]), float(rows[i, 1])]]}},
                        separators=(",", ":")).encode() + b"\n" for i in range(count)]
    chunk = 256

    def writer():
        for k in range(0, count, chunk):
            h.proc.stdin.write(b"".join(lines[k:k + chunk]))

    started = time.perf_counter()
    thread = threading.Thread(target=writer)
    thread.start()
    answered = errors = 0
    while answered < count:
        raw = h.out.readline()
        if not raw:
            raise RuntimeError("host closed its output during the predict run")
        if raw.startswith(b'{"jsonrpc":"2.0","id":'):
            answered += 1
            if b'"error"' in raw:
                errors += 1
    seconds = time.perf_counter() - started
    thread.join()
    h.close()
    return {"kind": "predict", "requests": count, "rows_per_request": 1, "seconds": seconds,
            "requests_per_s": count / seconds, "errors": errors}
