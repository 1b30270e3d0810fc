"""The report: a header on the machine and the implementations, one table row per
implementation and configuration, the mnist FLOP rates, the host's figures, the targets; then,
with --json, every record as one JSON object per line."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from .machine import describe_blas
from .peers import FAMILIES
from .targets import QUOTED
from .workloads import macs_per_sample

LEGEND = """\
samples/s = epochs x n / seconds (median over reps). Gradwell's figure is the wall clock around a
train request with "evaluate": false (the epochs, like the peers' loops); 'wall_ms' the host's own
figure; 'with eval' adds the final pass over the whole training set that a default train request
makes (measured apart). Ratios use the wall-clock figures.
'spread' is half the range of the repetitions in % of the median; 'other' is the share of the machine's
CPU that other processes used while a configuration ran.
JAX runs in two variants: jax-scan (one jit-compiled epoch, lax.scan over the batches) and jax-step
(a jit-compiled step in a Python loop); the faster, marked *, is the one xJAX and the targets use."""


def fmt_rate(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:,.0f}"


def spread(row: Dict[str, Any]) -> float:
    """Half the range of the repetitions' samples/s, in % of the median."""
    values = row["samples_per_s_all"]
    return 50.0 * (max(values) - min(values)) / row["samples_per_s"] if values else 0.0


def print_header(args, meta: Dict[str, Any], rows: List[Dict[str, Any]], extras: Dict[str, Any]) -> None:
    p = print
    p(f"Gradwell benchmark  {meta['date']}  ({'quick' if args.quick else 'full'} run, {args.reps} reps, median)")
    p(f"machine: {meta['cpu']}, ISA {meta['isa']}, {meta['cores']} cores, load average before the run "
      f"{meta['loadavg']}, after {meta['loadavg_after']}")
    p(f"host: {meta['host']}  (gradwell {meta['gradwell_version']}, links {meta['host_blas']})")
    p(f"host build: {meta['host_build']}")
    other = max((r["other_cpu"] for r in rows), default=0.0)
    if other > 0.10 or float(meta["loadavg"].split()[0]) > 1.0:
        p(f"WARNING: the machine was busy (1-minute load {meta['loadavg']} before the run; other processes took up "
          f"to {other * 100:.0f}% of the CPUs during a configuration): figures are low and noisy")
    p(f"python {meta['python']}, numpy {meta['numpy']}, torch {meta['torch']}, jax {meta['jax']}")
    p(f"OPENBLAS_* in this environment (kept for Gradwell, removed for NumPy): {meta['openblas_env']}")
    p("BLAS (library, version, core) each implementation runs:")
    for name, blas in meta["peers"].items():
        line = describe_blas(name, blas)
        info = next((r["info"] for r in rows if r.get("family", r["impl"]) == name), {})
        if name == "numpy" and info.get("blas"):
            line += f", {info['blas'][0].get('prefix')}, threading {info['blas'][0].get('threading_layer')}"
        elif name == "pytorch":
            line += f", mkldnn {info.get('mkldnn')}, fused Adam"
        elif blas.get("backend"):
            pinned = sorted({(r["threads"], tuple(r["info"].get("cpus") or ())) for r in rows if r.get("family") == name})
            line += "; pinned to CPUs " + ", ".join(f"{list(cpus)} at {t}t" for t, cpus in pinned)
        p("  " + line)
    gemm = extras.get("gemm")
    if gemm:
        sysblas = gemm.get("system_openblas", {})
        p(f"sgemm {gemm['n']}x{gemm['n']} ceiling (best of 7, at the start and the end): numpy {gemm['numpy_gflops_1t']:.1f} GFLOP/s (1t), "
          f"{gemm['numpy_gflops_2t']:.1f} GFLOP/s (2t); host's libopenblas "
          f"{sysblas.get('corename', '?')}: {sysblas.get('gflops_1t', float('nan')):.1f} (1t), "
          f"{sysblas.get('gflops_2t', float('nan')):.1f} (2t)")
    for key in ("torch_note", "jax_note"):
        if meta.get(key):
            p(f"NOTE: {meta[key]}")
    for note in meta.get("notes", []):
        p(f"NOTE: {note}")


def print_table(rows: List[Dict[str, Any]]) -> None:
    p = print
    ratio_heads = "".join(f" {'x' + label:>9}" for label in FAMILIES.values())
    header = (f"{'workload':11} {'dtype':7} {'thr':>3} {'impl':9} {'samples/s':>11} {'wall_ms':>11} {'with eval':>11}"
              f"{ratio_heads} {'GFLOP/s':>8} {'peakMB':>7} {'ep/rep':>6} {'s/rep':>6} {'spread':>6} {'other':>5}")
    p(header)
    p("-" * len(header))
    last = None
    for r in rows:
        key = (r["workload"], r["dtype"], r["threads"])
        if last is not None and key != last:
            p("")
        last = key
        family = r.get("family", r["impl"])
        variants = sum(1 for o in rows if (o["workload"], o["dtype"], o["threads"]) == key and o.get("family") == family)
        name = r["impl"] + ("*" if variants > 1 and r.get("counts") else "")
        cells = "".join(f" {'-' if f == family else (format(r['ratio'][f], '.2f') if f in r['ratio'] else 'n/a'):>9}"
                        for f in FAMILIES)
        p(f"{r['workload']:11} {r['dtype']:7} {r['threads']:>3} {name:9} {fmt_rate(r['samples_per_s']):>11} "
          f"{fmt_rate(r.get('samples_per_s_wall_ms')):>11} {fmt_rate(r.get('samples_per_s_with_evaluation')):>11}"
          f"{cells} {r['gflops']:>8.2f} {r['peak_rss_mb']:>7.1f} {r['epochs_per_rep']:>6} {r['seconds_per_rep']:>6.2f} "
          f"{spread(r):>5.0f}% {r['other_cpu'] * 100:>4.0f}%")


def print_mnist(rows: List[Dict[str, Any]], gemm: Optional[Dict[str, Any]]) -> None:
    mnist = [r for r in rows if r["workload"] == "mnist"]
    if not mnist:
        return
    m = macs_per_sample("mnist")
    print(f"mnist FLOPs per training sample: 2 x ({m['forward']:,} forward + {m['weight_gradients']:,} weight-gradient "
          f"+ {m['input_gradients']:,} input-gradient MACs) = {2 * m['total']:,}")
    if gemm:
        ceiling = gemm["numpy_gflops_2t"]
        for r in mnist:
            line = (f"  {r['dtype']} {r['threads']}t {r['impl']:9} {r['gflops']:7.2f} GFLOP/s = "
                    f"{r['gflops'] / ceiling * 100:5.1f}% of the 2-thread sgemm ceiling")
            if r.get("samples_per_s_with_evaluation"):
                full = r["samples_per_s_with_evaluation"] * 2 * m["total"] / 1e9
                line += f" (with the final evaluation: {full:.2f} GFLOP/s = {full / ceiling * 100:.1f}%)"
            print(line)
    print("")


def print_verdicts(verdicts: List[Dict[str, Any]]) -> None:
    for v in verdicts:
        if v["met"] is None:
            print(f"  [ -- ] {v['target']}: {v['detail']}")
            continue
        word = "MET " if v["met"] else "MISS"
        unit = v["unit"]
        shown = f"{v['value']:.2f}{unit}" if unit == "x" else f"{v['value']:,.2f} {unit}"
        need = f"{v['required']:.2f}{unit}" if unit == "x" else f"{v['required']:,.2f} {unit}"
        extra = f"; {v['detail']}" if v["detail"] else ""
        print(f"  [{word}] {v['target']}: {shown} (needs {need}; {v['margin']:.2f}x of the target{extra})")


def print_report(args, meta: Dict[str, Any], rows: List[Dict[str, Any]], extras: Dict[str, Any],
                 verdicts: List[Dict[str, Any]]) -> None:
    p = print
    print_header(args, meta, rows, extras)
    p("")
    p(LEGEND)
    p("")
    print_table(rows)
    p("")
    print_mnist(rows, extras.get("gemm"))
    if any(r["workload"] == "mnist1d-cnn" for r in rows):
        m = macs_per_sample("mnist1d-cnn")
        p(f"mnist1d-cnn FLOPs per training sample: 2 x ({m['forward']:,} forward + {m['weight_gradients']:,} "
          f"weight-gradient + {m['input_gradients']:,} input-gradient MACs) = {2 * m['total']:,}")
        p("")
    if "startup" in extras:
        s = extras["startup"]
        p(f"host start to the initialize answer: median {s['median_ms']:.2f} ms over {s['count']} starts "
          f"(min {s['min_ms']:.2f}, max {s['max_ms']:.2f})")
    if "predict" in extras:
        q = extras["predict"]
        p(f"predict through the pipe (tiny model, 1 row each, {q['requests']:,} pipelined): "
          f"{q['requests_per_s']:,.0f} requests/s ({q['errors']} errors)")
    p("")
    p("quoted baselines (issue 7, float32): " + "; ".join(
        f"{impl} {w} {v / 1e3:.0f}k" for impl, d in QUOTED.items() for w, v in d.items()))
    p("")
    p("targets (issue 7):")
    print_verdicts([v for v in verdicts if v.get("issue") == 7])
    p("")
    p(f"targets (issue 17, float32 at 2 threads, judged on this machine: {meta['machine']}):")
    print_verdicts([v for v in verdicts if v.get("issue") == 17])
    p("")
    p(f"targets (issue 18, mnist1d-cnn, float32 at 2 threads, judged on this machine: {meta['machine']}):")
    print_verdicts([v for v in verdicts if v.get("issue") == 18])


def print_json(meta: Dict[str, Any], rows: List[Dict[str, Any]], extras: Dict[str, Any],
               verdicts: List[Dict[str, Any]]) -> None:
    print()
    for record in [meta] + rows + list(extras.values()) + verdicts:
        print(json.dumps(record, sort_keys=False, default=str))
