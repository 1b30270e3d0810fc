"""The sgemm ceiling: the best float32 n x n product rate on this machine, at 1 and 2 threads,
with NumPy's BLAS (environment without OPENBLAS_*) and with the system OpenBLAS the host links.
A ceiling is a best case: the run measures it at its start and its end and keeps the better."""

from __future__ import annotations

import json
import os
import time
from typing import Any, Dict, List

from .peers.numpy_course import OPENBLAS_VARS, blas_info
from .peers.worker import spawn

REPEATS = 7


def sgemm_gflops(matmul, n: int, repeats: int) -> float:
    import numpy as np
    rng = np.random.RandomState(0)
    a = rng.random_sample((n, n)).astype(np.float32)
    b = rng.random_sample((n, n)).astype(np.float32)
    c = np.empty((n, n), dtype=np.float32)
    matmul(a, b, c)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        matmul(a, b, c)
        best = min(best, time.perf_counter() - started)
    return 2.0 * n ** 3 / best / 1e9


def numpy_sgemm(n: int, repeats: int, threads: int) -> Dict[str, Any]:
    """NumPy's sgemm at `threads` BLAS threads (in a worker that runs without OPENBLAS_*)."""
    import numpy as np
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=threads, user_api="blas"):
        gflops = sgemm_gflops(lambda a, b, c: np.matmul(a, b, out=c), n, repeats)
    return {"gflops": gflops, **blas_info()}


def system_openblas_gemm(n: int, repeats: int, threads_list: List[int]) -> Dict[str, Any]:
    """The OpenBLAS the host links (libopenblas.so.0), in the host's environment: its core
    type and its sgemm rate, through ctypes."""
    import ctypes
    lib = ctypes.CDLL("libopenblas.so.0")
    lib.openblas_get_corename.restype = ctypes.c_char_p
    lib.openblas_get_config.restype = ctypes.c_char_p
    info: Dict[str, Any] = {"corename": lib.openblas_get_corename().decode(),
                            "config": lib.openblas_get_config().decode().strip(),
                            "env": {var: os.environ.get(var) for var in OPENBLAS_VARS}}
    pointer = ctypes.POINTER(ctypes.c_float)

    def matmul(a, b, c):
        lib.cblas_sgemm(101, 111, 111, n, n, n, ctypes.c_float(1.0), a.ctypes.data_as(pointer), n,
                        b.ctypes.data_as(pointer), n, ctypes.c_float(0.0), c.ctypes.data_as(pointer), n)

    for threads in threads_list:
        lib.openblas_set_num_threads(threads)
        info[f"gflops_{threads}t"] = sgemm_gflops(matmul, n, repeats)
    return info


def gemm_ceiling(n: int) -> Dict[str, Any]:
    """Both ceilings, each measured in a fresh worker."""
    env = dict(os.environ)
    for var in OPENBLAS_VARS:
        env.pop(var, None)
    result: Dict[str, Any] = {"kind": "gemm", "n": n, "repeats": REPEATS}
    worker = spawn("numpy", env)
    commands = [{"cmd": "gemm", "n": n, "repeats": REPEATS, "threads": t} for t in (1, 2)]
    out, _ = worker.communicate("".join(json.dumps(c) + "\n" for c in commands))
    answers = [json.loads(line) for line in out.splitlines()]
    for threads, answer in zip((1, 2), answers):
        if "error" in answer:
            raise RuntimeError(answer["error"])
        result[f"numpy_gflops_{threads}t"] = answer["gflops"]
    result["numpy_blas"] = answers[-1]["blas"]
    # The system OpenBLAS that the host links, in the host's (unchanged) environment.
    worker = spawn("sysblas")
    out, _ = worker.communicate(json.dumps({"cmd": "sysblas", "n": n, "repeats": REPEATS, "threads": [1, 2]}) + "\n")
    try:
        answer = json.loads(out.splitlines()[0])
        if "error" in answer:
            raise RuntimeError(answer["error"])
        result["system_openblas"] = answer
    except Exception as error:
        result["system_openblas"] = {"error": str(error)}
    return result


def keep_best(first: Dict[str, Any], again: Dict[str, Any]) -> Dict[str, Any]:
    """The first ceiling with each figure replaced by the better of the two measurements (both
    kept under `first` and `second`)."""
    first["first"] = {k: first.get(k) for k in ("numpy_gflops_1t", "numpy_gflops_2t")}
    first["second"] = {k: again.get(k) for k in ("numpy_gflops_1t", "numpy_gflops_2t")}
    for key in ("numpy_gflops_1t", "numpy_gflops_2t"):
        first[key] = max(first[key], again[key])
    for key in ("gflops_1t", "gflops_2t"):
        a, b = first["system_openblas"].get(key), again["system_openblas"].get(key)
        if a is not None and b is not None:
            first["system_openblas"][key] = max(a, b)
    return first
