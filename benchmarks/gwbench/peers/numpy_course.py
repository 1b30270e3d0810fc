"""NumPy in the course's style: column-major examples (features x m), forward and backward by
hand, Adam by hand (bias-corrected moments; Kingma & Ba 2014), random mini-batches reshuffled
each epoch. BLAS threads are limited with threadpoolctl."""

from __future__ import annotations

import os
from typing import Any, Dict, Optional

from ..workloads import LR, SEED, WORKLOADS

# OpenBLAS settings the machine may export. They are left alone for Gradwell; NumPy runs with
# both removed (a current NumPy runs slower with them set).
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def environment(env: Dict[str, str], threads: int) -> Dict[str, str]:
    for var in OPENBLAS_VARS:
        env.pop(var, None)
    return env


def blas_info() -> Dict[str, Any]:
    """The BLAS libraries loaded in this process, as threadpoolctl sees them."""
    from threadpoolctl import threadpool_info
    blas = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    return {"blas": [{k: p.get(k) for k in ("internal_api", "prefix", "version", "architecture",
                                            "threading_layer", "num_threads", "filepath")} for p in blas]}


class Trainer:
    def __init__(self, workload: str, dtype: str, threads: int, data: Dict[str, Any], variant: Optional[str] = None):
        import numpy as np
        from threadpoolctl import threadpool_limits
        self.np = np
        self.limiter = threadpool_limits(limits=threads, user_api="blas")
        spec = WORKLOADS[workload]
        self.dtype = np.float32 if dtype == "float32" else np.float64
        self.sizes, self.output, self.batch = spec["sizes"], spec["output"], spec["batch"]
        x, labels = np.load(data["x"]), np.load(data["y"])
        self.X = np.ascontiguousarray(x.T.astype(self.dtype))            # (n_x, m)
        self.m = self.X.shape[1]
        if self.output == "sigmoid":
            self.Y = labels.reshape(1, -1).astype(self.dtype)
        else:
            self.Y = np.zeros((self.sizes[-1], self.m), dtype=self.dtype)   # one-hot (classes, m)
            self.Y[labels, np.arange(self.m)] = 1
        np.random.seed(SEED)
        self.params: Dict[str, Any] = {}
        for l in range(1, len(self.sizes)):
            self.params[f"W{l}"] = (np.random.randn(self.sizes[l], self.sizes[l - 1])
                                    * np.sqrt(2 / self.sizes[l - 1])).astype(self.dtype)
            self.params[f"b{l}"] = np.zeros((self.sizes[l], 1), dtype=self.dtype)
        self.v = {k: np.zeros_like(p) for k, p in self.params.items()}
        self.s = {k: np.zeros_like(p) for k, p in self.params.items()}
        self.t = 0
        self.epoch_seed = SEED

    def describe(self) -> Dict[str, Any]:
        info = blas_info()
        first = info["blas"][0] if info["blas"] else {}
        info["numpy"] = self.np.__version__
        info["env"] = {var: os.environ.get(var) for var in OPENBLAS_VARS}
        info["blas_summary"] = {"library": first.get("internal_api"), "version": first.get("version"),
                                "core": first.get("architecture"), "source": "threadpoolctl"}
        return info

    def forward(self, X):
        np, p = self.np, self.params
        L = len(self.sizes) - 1
        caches = []
        A = X
        for l in range(1, L):
            Z = p[f"W{l}"] @ A + p[f"b{l}"]
            caches.append((A, Z))
            A = np.maximum(Z, 0)
        ZL = p[f"W{L}"] @ A + p[f"b{L}"]
        caches.append((A, ZL))
        if self.output == "sigmoid":
            AL = 1 / (1 + np.exp(-ZL))
        else:
            E = np.exp(ZL - ZL.max(axis=0, keepdims=True))
            AL = E / E.sum(axis=0, keepdims=True)
        return AL, caches

    def cost(self, AL, Y):
        np = self.np
        m = Y.shape[1]
        tiny = np.finfo(self.dtype).tiny
        if self.output == "sigmoid":
            return float(-np.sum(Y * np.log(AL + tiny) + (1 - Y) * np.log(1 - AL + tiny)) / m)
        return float(-np.sum(Y * np.log(AL + tiny)) / m)

    def backward(self, AL, Y, caches):
        np, p = self.np, self.params
        L = len(self.sizes) - 1
        m = Y.shape[1]
        grads = {}
        dZ = (AL - Y) / m                     # sigmoid + cross-entropy and softmax + cross-entropy
        for l in range(L, 0, -1):
            A_prev, _ = caches[l - 1]
            grads[f"dW{l}"] = dZ @ A_prev.T
            grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True)
            if l > 1:
                dA_prev = p[f"W{l}"].T @ dZ
                dZ = dA_prev * (caches[l - 2][1] > 0)
        return grads

    def adam(self, grads, lr=LR, beta1=0.9, beta2=0.999, epsilon=1e-8):
        np = self.np
        self.t += 1
        c1, c2 = 1 - beta1 ** self.t, 1 - beta2 ** self.t
        for key, param in self.params.items():
            g = grads["d" + key]
            self.v[key] = beta1 * self.v[key] + (1 - beta1) * g
            self.s[key] = beta2 * self.s[key] + (1 - beta2) * np.square(g)
            v_corrected = self.v[key] / c1
            s_corrected = self.s[key] / c2
            param -= lr * v_corrected / (np.sqrt(s_corrected) + epsilon)

    def random_mini_batches(self):
        np = self.np
        np.random.seed(self.epoch_seed)
        self.epoch_seed += 1
        permutation = np.random.permutation(self.m)
        X, Y = self.X[:, permutation], self.Y[:, permutation]
        return [(X[:, k:k + self.batch], Y[:, k:k + self.batch]) for k in range(0, self.m, self.batch)]

    def train(self, epochs: int) -> float:
        total = 0.0
        for _ in range(epochs):
            total = 0.0
            for X, Y in self.random_mini_batches():
                AL, caches = self.forward(X)
                total += self.cost(AL, Y) * Y.shape[1]
                self.adam(self.backward(AL, Y, caches))
        return total / self.m
