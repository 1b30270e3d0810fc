"""One configuration (workload, dtype, threads): every implementation started fresh, warmed up
and calibrated, then measured in alternating repetitions; one row per implementation."""

from __future__ import annotations

import math
import os
import statistics
import time
from typing import Any, Dict, List, Sequence, Tuple

from .measurement import busy_seconds, cpu_busy, own_cpu_seconds, process_cpu_seconds, wait_idle
from .peers import PythonPeer
from .peers.gradwell import GradwellRunner
from .peers.worker import WorkerRunner
from .workloads import WORKLOADS, flops_per_sample, is_convolutional, log

FIRST_EPOCHS = {"tiny": 10, "digits": 2, "mnist": 1, "mnist1d-cnn": 1}
REST_BETWEEN_RUNS = 0.3   # NumPy's OpenBLAS threads go on yielding for about 0.1 s after a product


def calibrate(runner: Any, first_epochs: int, target_seconds: float) -> Tuple[int, List[Dict[str, Any]]]:
    """Returns the epochs for one repetition of about `target_seconds`. Every run here is
    warm-up and is not counted: a cold first run, runs growing until one lasts at least half the
    target, then one run at the estimated count to refine it."""
    epochs = first_epochs
    warmup = [{"epochs": epochs, **runner.run(epochs)}]   # cold: first-call costs, not timed
    for _ in range(8):
        measured = runner.run(epochs)
        warmup.append({"epochs": epochs, **measured})
        seconds = measured["seconds"]
        if seconds >= 0.5 * target_seconds:
            break
        epochs = int(math.ceil(epochs * min(20.0, max(2.0, 0.7 * target_seconds / max(seconds, 1e-6)))))
    estimate = max(1, int(round(epochs * target_seconds / max(seconds, 1e-9))))
    if estimate != epochs:
        measured = runner.run(estimate)
        warmup.append({"epochs": estimate, **measured})
        estimate = max(1, int(round(estimate * target_seconds / max(measured["seconds"], 1e-9))))
    return estimate, warmup


def measure_config(args, workload: str, dtype: str, threads: int, data: Dict[str, Any],
                   peers: Sequence[PythonPeer], with_gradwell: bool = True) -> List[Dict[str, Any]]:
    """Gradwell (unless `with_gradwell` is false: a host without the workload's layers) and each
    peer that trains the workload, fresh, warmed up, then `args.reps` repetitions in alternation."""
    if args.rest:
        # This kind of virtual machine runs both cores at full speed for about a minute of load,
        # then about a third slower until it has rested (measured: README "Performance").
        log(f"   resting {args.rest:g} s before {workload} {dtype} {threads}t")
        time.sleep(args.rest)
    busy_before = wait_idle(args.wait_idle, f"{workload} {dtype} {threads}t") if args.wait_idle else cpu_busy(0.5)
    target = args.rep_seconds * (2.0 if workload == "mnist" else 1.0)
    log(f"== {workload} {dtype} threads={threads}: starting")
    started, busy_start, self_start = time.monotonic(), busy_seconds(), own_cpu_seconds()
    runners: List[Any] = [GradwellRunner(args.host, workload, dtype, threads, data)] if with_gradwell else []
    runners += [WorkerRunner(peer, workload, dtype, threads, data) for peer in peers
                if peer.convolutions or not is_convolutional(workload)]
    if not runners:
        log(f"   nothing to run for {workload}")
        return []
    epochs: Dict[str, int] = {}
    for runner in runners:
        epochs[runner.name], _ = calibrate(runner, FIRST_EPOCHS[workload], target)
        time.sleep(0.05)
    samples: Dict[str, List[Dict[str, Any]]] = {r.name: [] for r in runners}
    for rep in range(args.reps):
        # Alternate, rotating who goes first so no implementation always follows the same one.
        for i in range(len(runners)):
            runner = runners[(rep + i) % len(runners)]
            time.sleep(REST_BETWEEN_RUNS)
            samples[runner.name].append(runner.run(epochs[runner.name]))
        log(f"   rep {rep + 1}/{args.reps}: " + ", ".join(
            f"{name} {epochs[name] * data['n'] / s[-1]['seconds']:,.0f}/s" for name, s in samples.items()))
    eval_ms = runners[0].evaluation_ms() if with_gradwell else None
    # CPU time that other processes took from the machine meanwhile: all busy time minus ours.
    ours = sum(process_cpu_seconds(r.pid) for r in runners) + own_cpu_seconds() - self_start
    foreign = max(0.0, busy_seconds() - busy_start - ours) / ((time.monotonic() - started) * (os.cpu_count() or 1))
    rows = []
    for runner in runners:
        info = runner.finish()
        row = make_row(workload, dtype, threads, runner, epochs[runner.name], samples[runner.name], data["n"], info)
        row.update({"cpu_busy_before": round(busy_before, 3), "other_cpu": round(foreign, 3)})
        if runner.name == "gradwell":
            add_gradwell_figures(row, samples["gradwell"], epochs["gradwell"] * data["n"], eval_ms)
        rows.append(row)
    add_ratios(rows)
    return rows


def make_row(workload: str, dtype: str, threads: int, runner: Any, epochs: int, runs: List[Dict[str, Any]],
             n: int, info: Dict[str, Any]) -> Dict[str, Any]:
    per_second = [epochs * n / r["seconds"] for r in runs]
    row: Dict[str, Any] = {
        "kind": "train", "workload": workload, "dtype": dtype, "threads": threads, "impl": runner.name,
        "family": runner.family, "n": n, "batch": WORKLOADS[workload]["batch"], "epochs_per_rep": epochs,
        "reps": len(runs), "samples_per_s": statistics.median(per_second),
        "samples_per_s_all": [round(v, 1) for v in per_second],
        "seconds_per_rep": statistics.median(r["seconds"] for r in runs),
        "final_cost": runs[-1]["cost"], "peak_rss_mb": (info.get("peak_rss_kb") or 0) / 1024.0,
        "info": {k: v for k, v in info.items() if k != "peak_rss_kb"},
    }
    row["gflops"] = row["samples_per_s"] * flops_per_sample(workload) / 1e9
    return row


def add_gradwell_figures(row: Dict[str, Any], runs: List[Dict[str, Any]], samples: int, eval_ms: float) -> None:
    """The host's own clock, and the rate a default `train` request (with its final evaluation) gives."""
    row["samples_per_s_wall_ms"] = statistics.median(samples / (r["wall_ms"] / 1000.0) for r in runs)
    row["final_evaluation_ms"] = eval_ms
    row["samples_per_s_with_evaluation"] = statistics.median(
        samples / ((r["seconds"] * 1000.0 + eval_ms) / 1000.0) for r in runs)


def add_ratios(rows: List[Dict[str, Any]]) -> None:
    """Each row's samples/s over every other family's; a family with several variants (JAX) is
    represented by its fastest, which is marked `counts`."""
    best: Dict[str, Dict[str, Any]] = {}
    for row in rows:
        if row["family"] not in best or row["samples_per_s"] > best[row["family"]]["samples_per_s"]:
            best[row["family"]] = row
    for row in rows:
        row["counts"] = best[row["family"]] is row
        row["ratio"] = {family: row["samples_per_s"] / other["samples_per_s"]
                        for family, other in best.items() if family != row["family"]}


def measure_all(args, workloads: List[str], dtypes: List[str], thread_counts: List[int],
                datasets: Dict[str, Dict[str, Any]], peers: Sequence[PythonPeer],
                without_gradwell: Sequence[str] = ()) -> List[Dict[str, Any]]:
    """Every configuration, measured again (up to `args.retries`) when others took the CPUs.
    A workload with `dtypes` of its own runs in those of `dtypes` only; Gradwell sits out the
    workloads in `without_gradwell`."""
    rows: List[Dict[str, Any]] = []
    for workload in workloads:
        for dtype in [d for d in dtypes if d in WORKLOADS[workload].get("dtypes", dtypes)]:
            for threads in thread_counts:
                for attempt in range(args.retries + 1):
                    measured = measure_config(args, workload, dtype, threads, datasets[workload], peers,
                                              with_gradwell=workload not in without_gradwell)
                    other = measured[0]["other_cpu"] if measured else 0.0
                    if other <= 0.10 or attempt == args.retries:
                        break
                    log(f"   other processes used {other * 100:.0f}% of the CPUs meanwhile: measuring again")
                for row in measured:
                    row["attempts"] = attempt + 1
                rows.extend(measured)
    return rows
