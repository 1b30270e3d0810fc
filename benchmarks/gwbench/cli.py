"""`benchmarks/run`: the options, and a run from start to end (the machine, the data, the
host-only figures, every configuration, the report)."""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from . import ceiling, machine, report
from .harness import measure_all
from .measurement import load_average, wait_idle
from .peers import PYTHON_PEERS, PythonPeer, probe
from .peers.gradwell import initialize, predict_rate, startup_latency, unsupported
from .peers.numpy_course import OPENBLAS_VARS
from .peers.worker import worker_main
from .targets import targets
from .workloads import DEFAULT_HOST, WORKLOADS, is_convolutional, log, prepare_data

DESCRIPTION = "Gradwell against NumPy, PyTorch and JAX on this CPU, measured side by side."


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(description=DESCRIPTION + " See benchmarks/README.md.")
    parse.add_argument("--quick", action="store_true",
                       help="reduced run: 3 reps of ~0.3 s, mnist skipped unless --mnist/--workloads names it")
    parse.add_argument("--json", action="store_true",
                       help="also print every measurement as one JSON object per line after the table")
    parse.add_argument("--workloads", default=None,
                       help="comma list of " + ",".join(WORKLOADS) + " (default: all; quick: all but mnist)")
    parse.add_argument("--mnist", action="store_true", help="with --quick: include mnist")
    parse.add_argument("--dtypes", default="float32,float64")
    parse.add_argument("--threads", default="1,2")
    parse.add_argument("--reps", type=int, default=None, help="measured repetitions per implementation (5; quick 3)")
    parse.add_argument("--rep-seconds", type=float, default=None,
                       help="aimed duration of one repetition, doubled for mnist (1.0; quick 0.3)")
    parse.add_argument("--wait-idle", type=float, default=0.0, metavar="SECONDS",
                       help="before each measurement, wait up to SECONDS for other work to leave the CPUs idle")
    parse.add_argument("--rest", type=float, default=0.0, metavar="SECONDS",
                       help="sleep SECONDS before each configuration (a machine that slows down after a "
                            "minute of load then starts every configuration rested)")
    parse.add_argument("--retries", type=int, default=None,
                       help="measure a configuration again (up to N times) when other processes took over 10%% "
                            "of the CPUs meanwhile (default 2 with --wait-idle, else 0)")
    parse.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    parse.add_argument("--no-jax", action="store_true", help="skip JAX")
    parse.add_argument("--no-extras", action="store_true", help="skip GEMM ceiling, start-up and predict measurements")
    parse.add_argument("--startups", type=int, default=20)
    parse.add_argument("--predicts", type=int, default=20000)
    parse.add_argument("--gemm-n", type=int, default=2048)
    parse.add_argument("--host", default=os.environ.get("GRADWELL_HOST", str(DEFAULT_HOST)))
    parse.add_argument("--worker", choices=[p.name for p in PYTHON_PEERS] + ["sysblas"], help=argparse.SUPPRESS)
    return parse


def settle(parse: argparse.ArgumentParser, args) -> Tuple[List[str], List[str], List[int]]:
    """Fills the defaults that depend on --quick and checks every option; returns the
    workloads, dtypes and thread counts."""
    if args.retries is None:
        args.retries = 2 if args.wait_idle else 0
    if args.reps is None:
        args.reps = 3 if args.quick else 5
    if args.rep_seconds is None:
        args.rep_seconds = 0.3 if args.quick else 1.0
    if args.workloads is None:
        args.workloads = ",".join(w for w in WORKLOADS if w != "mnist" or not args.quick or args.mnist)
    elif args.mnist and "mnist" not in args.workloads:
        args.workloads += ",mnist"
    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    for w in workloads:
        if w not in WORKLOADS:
            parse.error(f"unknown workload {w!r} ({', '.join(WORKLOADS)})")
    dtypes = [d.strip() for d in args.dtypes.split(",") if d.strip()]
    for d in dtypes:
        if d not in ("float32", "float64"):
            parse.error(f"unknown dtype {d!r} (float32, float64)")
    try:
        thread_counts = [int(t) for t in args.threads.split(",") if t.strip()]
    except ValueError:
        parse.error(f"--threads takes a comma list of thread counts, got {args.threads!r}")
    if not dtypes or not thread_counts or any(t < 1 for t in thread_counts):
        parse.error("--dtypes and --threads need at least one value each, and thread counts are >= 1")
    for name in ("reps", "retries", "startups", "predicts", "gemm_n"):
        value = getattr(args, name)
        if value is not None and value < (0 if name == "retries" else 1):
            parse.error(f"--{name.replace('_', '-')} must be at least {0 if name == 'retries' else 1}, got {value}")
    source = "$GRADWELL_HOST" if os.environ.get("GRADWELL_HOST") == args.host else "--host"
    if not os.path.isfile(args.host) or not os.access(args.host, os.X_OK):
        parse.error(f"no gradwell host at {args.host} (from {source}; build it with scripts/setup, or pass --host)")
    try:
        import numpy  # noqa: F401
        import threadpoolctl  # noqa: F401
    except ImportError as error:
        parse.error(f"{error}: pip install numpy threadpoolctl")
    return workloads, dtypes, thread_counts


def choose_peers(args, meta: Dict[str, Any]) -> List[PythonPeer]:
    """NumPy always; PyTorch and JAX when installed and not skipped (a note says why not)."""
    skipped = {"pytorch": args.no_torch, "jax": args.no_jax}
    labels = {"pytorch": ("torch", "PyTorch", "--no-torch"), "jax": ("jax", "JAX", "--no-jax")}
    chosen, probed = [], {}
    for peer in PYTHON_PEERS:
        if peer.family == "numpy":
            chosen.append(peer)
            continue
        key, label, flag = labels[peer.family]
        if skipped[peer.family]:
            meta[key], meta[f"{key}_note"] = None, f"{label} skipped ({flag})"
            continue
        if peer.probe not in probed:
            probed[peer.probe] = probe(peer)
        found, version = probed[peer.probe]
        if found:
            meta[key] = version
            chosen.append(peer)
        else:
            meta[key] = None
            meta[f"{key}_note"] = f"{label} is not run ({version}); install it with: {peer.install}"
    return chosen


def workload_notes(args, workloads: List[str], dtypes: List[str], peers: List[PythonPeer],
                   meta: Dict[str, Any]) -> List[str]:
    """Notes on what a workload leaves out (in `meta["notes"]`); returns the workloads the host
    cannot train (its registry lacks their layers), which run without Gradwell."""
    meta["notes"], without = [], []
    for workload in workloads:
        own = WORKLOADS[workload].get("dtypes")
        if own and any(d not in own for d in dtypes):
            meta["notes"].append(f"{workload} runs in {', '.join(own)} only")
        if is_convolutional(workload):
            left_out = [p.name for p in peers if not p.convolutions]
            if left_out:
                meta["notes"].append(f"{workload}: {', '.join(left_out)} not run (no convolution of its own)")
            why = unsupported(args.host, workload)
            if why:
                without.append(workload)
                meta["notes"].append(f"{workload}: gradwell not run: {why}; its targets are not judged")
    return without


def describe_run(args) -> Dict[str, Any]:
    import numpy
    cpu, isa = machine.cpu_model(), machine.isa_level()
    return {
        "kind": "meta", "date": time.strftime("%Y-%m-%d %H:%M:%S"), "host": args.host, "cpu": cpu, "isa": isa,
        "machine": f"{cpu}, {isa}, {os.cpu_count()} cores", "cores": os.cpu_count(), "loadavg": load_average(),
        "python": platform.python_version(), "numpy": numpy.__version__,
        "openblas_env": {var: os.environ.get(var) for var in OPENBLAS_VARS},
        "reps": args.reps, "rep_seconds": args.rep_seconds, "quick": args.quick,
    }


def measure_extras(args, datasets: Dict[str, Any]) -> Dict[str, Any]:
    """The sgemm ceiling, host start-up latency and predict throughput."""
    extras: Dict[str, Any] = {}
    if args.wait_idle:
        wait_idle(args.wait_idle, "the sgemm ceiling")
    log("== sgemm ceiling")
    extras["gemm"] = ceiling.gemm_ceiling(args.gemm_n)
    if args.wait_idle:
        wait_idle(args.wait_idle, "start-up latency")
    if args.rest:
        # The ceiling keeps both cores busy for about a minute (see --rest).
        log(f"   resting {args.rest:g} s before the start-up and predict measurements")
        time.sleep(args.rest)
    log("== host start-up latency")
    extras["startup"] = startup_latency(args.host, args.startups)
    if args.wait_idle:
        wait_idle(args.wait_idle, "predict throughput")
    log("== predict throughput")
    extras["predict"] = predict_rate(args.host, args.predicts, datasets["tiny"])
    return extras


def main(argv: Optional[List[str]] = None) -> None:
    parse = parser()
    args = parse.parse_args(argv)
    if args.worker:
        worker_main(args.worker)
        return
    workloads, dtypes, thread_counts = settle(parse, args)
    meta = describe_run(args)
    peers = choose_peers(args, meta)
    init = initialize(args.host)
    meta["gradwell_version"] = init.get("version")
    meta["host_build"] = machine.host_fingerprint(args.host)
    meta["host_blas"] = machine.host_linked_blas(args.host)
    without_gradwell = workload_notes(args, workloads, dtypes, peers, meta)

    extras: Dict[str, Any] = {}
    folder = Path(tempfile.mkdtemp(prefix="gradwell-bench-"))
    try:
        datasets = {w: prepare_data(w, folder) for w in sorted(set(workloads) | {"tiny"})}
        meta["notes"] += [d["note"] for d in datasets.values() if d.get("note")]
        if not args.no_extras:
            extras = measure_extras(args, datasets)
        rows = measure_all(args, workloads, dtypes, thread_counts, datasets, peers, without_gradwell)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if "gemm" in extras:
        # A ceiling is a best case: measure again at the end and keep the better figures.
        if args.wait_idle:
            wait_idle(args.wait_idle, "the second sgemm ceiling")
        log("== sgemm ceiling, again")
        extras["gemm"] = ceiling.keep_best(extras["gemm"], ceiling.gemm_ceiling(args.gemm_n))
    meta["loadavg_after"] = load_average()
    meta["peers"] = machine.peer_blas(rows, init)
    verdicts = targets(rows, extras, meta["machine"])
    report.print_report(args, meta, rows, extras, verdicts)
    if args.json:
        report.print_json(meta, rows, extras, verdicts)
