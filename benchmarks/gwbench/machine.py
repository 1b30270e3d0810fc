"""Knowing the machine: the CPU, its ISA level, the host binary, and the BLAS (library, version,
core) each implementation runs on it. A figure nobody reports reads "unknown"; nothing here fails
the run."""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

UNKNOWN = "unknown"


def cpuinfo_field(name: str) -> Optional[str]:
    """The first value of a /proc/cpuinfo field ("model name", "flags")."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == name:
                return value.strip()
    except OSError:
        pass
    return None


def cpu_model() -> str:
    return cpuinfo_field("model name") or platform.processor() or UNKNOWN


def isa_level(flags: Optional[List[str]] = None) -> str:
    """The widest vector ISA the CPU offers, from its flags: amx, avx512, avx2 or sse."""
    if flags is None:
        flags = (cpuinfo_field("flags") or "").split()
    have = set(flags)
    if "amx_tile" in have:
        return "amx"
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= have:
        return "avx512"
    if {"avx2", "fma"} <= have:
        return "avx2"
    return "sse"


def host_fingerprint(host: str) -> str:
    """When the host binary and the libGradwell.so beside it were built, and a short hash."""
    parts = []
    for path in (Path(host), Path(host).resolve().parent / "libGradwell.so"):
        if path.exists():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(path.stat().st_mtime))
            parts.append(f"{path.name} {stamp} sha256:{digest}")
    return "; ".join(parts)


def host_linked_blas(host: str) -> str:
    """The BLAS shared library the host binary links, from ldd."""
    try:
        ldd = subprocess.run(["ldd", host], capture_output=True, text=True).stdout
        return next((os.path.realpath(line.split("=>")[1].split("(")[0].strip())
                     for line in ldd.splitlines() if "blas" in line and "=>" in line), "?")
    except OSError:
        return "?"


def gradwell_blas(init: Dict[str, Any]) -> Dict[str, Any]:
    """What the host says it runs, from the `machine` object of its `initialize` answer."""
    machine = init.get("machine") if isinstance(init.get("machine"), dict) else {}
    blas = machine.get("blas") if isinstance(machine.get("blas"), dict) else {}
    return {"library": blas.get("library") or UNKNOWN, "version": blas.get("version") or UNKNOWN,
            "core": blas.get("core") or UNKNOWN, "kernels": machine.get("kernels") or UNKNOWN,
            "cpu": machine.get("cpu") or UNKNOWN, "isa": machine.get("isa") or UNKNOWN,
            "source": "initialize.machine" if machine else "not reported by the host"}


def peer_blas(rows: List[Dict[str, Any]], init: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    """Library, version and core of each implementation that ran (its first row's worker info), by family."""
    out: Dict[str, Dict[str, Any]] = {"gradwell": gradwell_blas(init)}
    for row in rows:
        family = row.get("family", row["impl"])
        if family in out:
            continue
        summary = dict(row["info"].get("blas_summary") or {})
        out[family] = {key: summary.get(key) or UNKNOWN for key in ("library", "version", "core")}
        out[family]["source"] = summary.get("source") or UNKNOWN
        info = row["info"]
        if family == "jax":
            out[family].update({"backend": info.get("backend") or UNKNOWN, "jax": info.get("jax") or UNKNOWN,
                                     "jaxlib": info.get("jaxlib") or UNKNOWN, "optax": info.get("optax") or UNKNOWN})
    return out


def describe_blas(name: str, blas: Dict[str, Any]) -> str:
    """One line of the report's machine section."""
    text = f"{name:9} {blas.get('library', UNKNOWN)} {blas.get('version', UNKNOWN)}, core {blas.get('core', UNKNOWN)}"
    if name == "gradwell" and blas.get("source") != "initialize.machine":
        text = f"{name:9} {UNKNOWN} (the host's initialize answer has no machine object)"
    elif name == "gradwell":
        text += (f", kernels {blas['kernels']} (the host sees: cpu {blas['cpu']}, isa {blas['isa']}; "
                 f"from {blas['source']})")
    elif "backend" in blas:
        text = f"{name:9} JAX {blas['jax']} (jaxlib {blas['jaxlib']}, optax {blas['optax']}), backend {blas['backend']}"
    else:
        text += f" (from {blas.get('source', UNKNOWN)})"
    return text
