"""The issues' performance targets, judged on the measured rows.

- issue 7 ("Performance: faster than PyTorch on this CPU, measured side by side"), with the
  baselines it quotes for the 2-core machine it was written on;
- issue 17 ("Fast on every CPU"): against PyTorch and JAX, float32 at 2 threads, judged on
  whatever machine runs the harness (each verdict names it);
- issue 18 (shaped layers, proven on the MNIST-1D paper's table): the paper's CNN
  (`mnist1d-cnn`) at least twice as fast as PyTorch and ahead of JAX, float32 at 2 threads,
  judged the same way.

A target whose figures were not measured (a workload, a thread count or a peer not run, no
ceiling) is "not judged", never a miss.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

# Baselines issue 7 quotes for its machine (float32, samples/s, rough).
QUOTED = {"pytorch": {"tiny": 68e3, "digits": 96e3, "mnist": 36e3},
          "numpy": {"tiny": 280e3, "digits": 165e3, "mnist": 33e3}}

# Issue 17: (workload, peer family, factor) at float32, 2 threads; and mnist's share of the ceiling.
ISSUE_17_RATIOS = [("tiny", "jax", 10.0), ("tiny", "pytorch", 25.0),
                   ("digits", "jax", 3.0), ("digits", "pytorch", 5.0),
                   ("mnist", "jax", 2.0), ("mnist", "pytorch", 3.0)]
ISSUE_17_CEILING_SHARE = 0.65

# Issue 18: (workload, peer family, factor) at float32, 2 threads ("ahead of JAX" is a factor of 1).
ISSUE_18_RATIOS = [("mnist1d-cnn", "pytorch", 2.0), ("mnist1d-cnn", "jax", 1.0)]


def judge(name: str, value: Optional[float], required: float, unit: str, lower_is_better: bool = False,
          detail: str = "") -> Dict[str, Any]:
    if value is None or required != required:  # nothing measured, or nothing to compare with (NaN)
        return {"kind": "target", "target": name, "met": None, "value": value, "required": None,
                "margin": None, "unit": unit, "detail": detail or "not measured"}
    met = value <= required if lower_is_better else value >= required
    margin = (required / value if lower_is_better else value / required) if value else 0.0
    return {"kind": "target", "target": name, "met": met, "value": value, "required": required,
            "margin": margin, "unit": unit, "detail": detail}


def find(rows: List[Dict[str, Any]], workload: str, dtype: str, threads: int, family: str) -> Optional[Dict[str, Any]]:
    """The row that counts for `family` in a configuration (for JAX, its faster variant)."""
    for r in rows:
        if (r["workload"], r["dtype"], r["threads"], r.get("family", r["impl"])) == (workload, dtype, threads, family) \
                and r.get("counts", True):
            return r
    return None


def with_evaluation(g: Dict[str, Any], p: Dict[str, Any]) -> str:
    return f"with the final evaluation {g['samples_per_s_with_evaluation'] / p['samples_per_s']:.2f}x"


def issue_7(rows: List[Dict[str, Any]], extras: Dict[str, Any]) -> List[Dict[str, Any]]:
    out = []
    for workload, peer, factor in (("tiny", "pytorch", 20.0), ("digits", "pytorch", 5.0), ("digits", "numpy", 2.0)):
        for threads in sorted({r["threads"] for r in rows}):
            g, p = find(rows, workload, "float32", threads, "gradwell"), find(rows, workload, "float32", threads, peer)
            if g is None:
                continue
            ratio = g["samples_per_s"] / p["samples_per_s"] if p else None
            out.append(judge(f"{workload} float32 {threads}t: Gradwell >= {factor:g}x {peer}", ratio, factor, "x",
                             detail=with_evaluation(g, p) if p else f"{peer} not run"))
    g, p = find(rows, "mnist", "float32", 2, "gradwell"), find(rows, "mnist", "float32", 2, "pytorch")
    if g is not None:
        ratio = g["samples_per_s"] / p["samples_per_s"] if p else None
        out.append(judge("mnist float32 2t: Gradwell >= 2x pytorch", ratio, 2.0, "x",
                         detail=with_evaluation(g, p) if p else "pytorch not run"))
        ceiling = (extras.get("gemm") or {}).get("numpy_gflops_2t")
        out.append(judge("mnist float32 2t: Gradwell FLOP rate >= 1/2 sgemm ceiling (numpy, 2t)",
                         g["gflops"], 0.5 * ceiling if ceiling else float("nan"), "GFLOP/s",
                         detail=(f"ceiling {ceiling:.1f} GFLOP/s; with the final evaluation "
                                 f"{g['gflops'] * g['samples_per_s_with_evaluation'] / g['samples_per_s']:.2f} GFLOP/s")
                         if ceiling else "no ceiling measured"))
    else:
        out.append(judge("mnist float32 2t targets", None, 0, "", detail="mnist not run (--workloads / --mnist)"))
    if "startup" in extras:
        out.append(judge("host start to first answer < 20 ms (median)", extras["startup"]["median_ms"], 20.0, "ms",
                         lower_is_better=True))
    if "predict" in extras:
        out.append(judge("predict >= 20k requests/s through the pipe", extras["predict"]["requests_per_s"], 20000.0,
                         "req/s"))
    for verdict in out:
        verdict["issue"] = 7
    return out


def ratios_at_2_threads(rows: List[Dict[str, Any]], wanted: List[Any]) -> List[Dict[str, Any]]:
    """Gradwell's float32 2-thread samples/s over each (workload, peer family, factor)'s."""
    out = []
    for workload, peer, factor in wanted:
        name = f"{workload} float32 2t: Gradwell >= {factor:g}x {peer}"
        g, p = find(rows, workload, "float32", 2, "gradwell"), find(rows, workload, "float32", 2, peer)
        if g is None:
            ran = any(r["workload"] == workload and r["dtype"] == "float32" and r["threads"] == 2 for r in rows)
            out.append(judge(name, None, factor, "x", detail="not judged: " + (
                "gradwell not run (see the notes)" if ran else f"{workload} float32 at 2 threads not run")))
        elif p is None:
            out.append(judge(name, None, factor, "x", detail=f"not judged: {peer} not run"))
        else:
            out.append(judge(name, g["samples_per_s"] / p["samples_per_s"], factor, "x",
                             detail=(f"its faster variant, {p['impl']}; " if p["impl"] != peer else "")
                             + with_evaluation(g, p)))
    return out


def issue_17(rows: List[Dict[str, Any]], extras: Dict[str, Any], machine: str) -> List[Dict[str, Any]]:
    """Issue 17's targets on this machine (float32, 2 threads)."""
    out = ratios_at_2_threads(rows, ISSUE_17_RATIOS)
    name = f"mnist float32 2t: Gradwell FLOP rate >= {ISSUE_17_CEILING_SHARE:.0%} of the 2-thread sgemm ceiling"
    g = find(rows, "mnist", "float32", 2, "gradwell")
    ceiling = (extras.get("gemm") or {}).get("numpy_gflops_2t")
    if g is None:
        out.append(judge(name, None, 0, "%", detail="not judged: mnist float32 at 2 threads not run"))
    elif not ceiling:
        out.append(judge(name, None, 0, "%", detail="not judged: no ceiling measured (--no-extras)"))
    else:
        out.append(judge(name, 100.0 * g["gflops"] / ceiling, 100.0 * ISSUE_17_CEILING_SHARE, "%",
                         detail=f"{g['gflops']:.2f} of {ceiling:.1f} GFLOP/s"))
    for verdict in out:
        verdict["issue"] = 17
        verdict["machine"] = machine
    return out


def issue_18(rows: List[Dict[str, Any]], machine: str) -> List[Dict[str, Any]]:
    """Issue 18's targets on this machine: the MNIST-1D CNN (float32, 2 threads)."""
    out = ratios_at_2_threads(rows, ISSUE_18_RATIOS)
    for verdict in out:
        verdict["issue"] = 18
        verdict["machine"] = machine
    return out


def targets(rows: List[Dict[str, Any]], extras: Dict[str, Any], machine: str) -> List[Dict[str, Any]]:
    return issue_7(rows, extras) + issue_17(rows, extras, machine) + issue_18(rows, machine)
