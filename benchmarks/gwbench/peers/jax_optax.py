"""JAX + optax on the CPU: the same network, data and mini-batch Adam (optax.adam, the
workload's lr) as the other peers, in two variants, both warmed up (compiled) before any timing:

- `scan`: one jit-compiled epoch -- a permutation, the gather of each batch, `lax.scan` over the
  full batches, then the last partial batch -- called once per epoch;
- `step`: a jit-compiled step (gather, forward, backward, Adam) called from a Python loop over a
  NumPy permutation.

Threads: XLA sizes its thread pools from the CPUs the process may run on when it starts, so the
worker pins itself to `threads` CPUs before importing JAX (each configuration has its own worker
process). At one thread XLA_FLAGS also gets `--xla_cpu_multi_thread_eigen=false`.

A convolutional workload's conv1d layers are `jax.lax.conv_general_dilated` on (batch, channels,
length) arrays with (filters, channels, kernel) weights, as PyTorch's Conv1d; flax is not used.
"""

from __future__ import annotations

import os
import time
from typing import Any, Dict, Optional

from ..workloads import SEED, WORKLOADS, conv_shapes, is_convolutional, learning_rate

SINGLE_THREAD_FLAGS = "--xla_cpu_multi_thread_eigen=false"


def environment(env: Dict[str, str], threads: int) -> Dict[str, str]:
    env["JAX_PLATFORMS"] = "cpu"   # no probing for accelerators
    if threads == 1:
        env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " " + SINGLE_THREAD_FLAGS).strip()
    return env


def pin(threads: int) -> list:
    """Restricts this process to the first `threads` CPUs it may use (as `taskset` would)."""
    allowed = sorted(os.sched_getaffinity(0))
    cpus = allowed[:threads]
    os.sched_setaffinity(0, cpus)
    return cpus


def weight_shapes(workload: str) -> list:
    """(shape, fan_in, outputs) of each layer's weights: shape (filters, channels, kernel) for
    conv1d, (fan_in, fan_out) for dense; outputs is the length of its bias."""
    spec = WORKLOADS[workload]
    if not is_convolutional(workload):
        return [((a, b), a, b) for a, b in zip(spec["sizes"][:-1], spec["sizes"][1:])]
    shapes, channels = [], spec["input"][0]
    for filters, kernel in spec["conv"]:
        shapes.append(((filters, channels, kernel), channels * kernel, filters))
        channels = filters
    flat = conv_shapes(workload)[-1][0] * conv_shapes(workload)[-1][1]
    return shapes + [((flat, spec["classes"]), flat, spec["classes"])]


class Trainer:
    def __init__(self, workload: str, dtype: str, threads: int, data: Dict[str, Any], variant: Optional[str] = "scan"):
        self.cpus = pin(threads)   # before JAX starts its threads
        import jax
        if dtype == "float64":
            jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        import numpy as np
        import optax
        self.jax, self.np, self.optax = jax, np, optax
        self.variant = variant or "scan"
        spec = WORKLOADS[workload]
        self.batch = spec["batch"]
        real = jnp.float32 if dtype == "float32" else jnp.float64
        x, labels = np.load(data["x"]), np.load(data["y"])
        self.n = int(x.shape[0])
        convolutional = is_convolutional(workload)
        if convolutional:
            x = x.reshape(self.n, *spec["input"])   # (n, channels, length): rows are channel-first
        self.X = jnp.asarray(x, dtype=real)
        sigmoid = spec["output"] == "sigmoid"
        self.Y = jnp.asarray(labels.reshape(-1, 1), dtype=real) if sigmoid else jnp.asarray(labels, dtype=jnp.int32)

        key = jax.random.PRNGKey(SEED)
        params = []
        for shape, fan_in, outputs in weight_shapes(workload):   # He et al. 2015, as the NumPy peer
            key, sub = jax.random.split(key)
            params.append((jax.random.normal(sub, shape, real) * (2.0 / fan_in) ** 0.5, jnp.zeros((outputs,), real)))
        optimizer = optax.adam(learning_rate(workload), b1=0.9, b2=0.999, eps=1e-8)
        self.params, self.opt_state, self.key = params, optimizer.init(params), key
        self.rng = np.random.RandomState(SEED)
        stride, padding = spec.get("stride", 1), spec.get("padding", 0)

        def loss_of(params, xb, yb):
            a = xb
            for w, b in params[:-1]:
                if convolutional:
                    a = jax.lax.conv_general_dilated(a, w, window_strides=(stride,), padding=[(padding, padding)],
                                                     dimension_numbers=("NCH", "OIH", "NCH"))
                    a = jax.nn.relu(a + b[None, :, None])
                else:
                    a = jax.nn.relu(a @ w + b)
            w, b = params[-1]
            logits = a.reshape(a.shape[0], -1) @ w + b   # flattened channel-first, as PyTorch's Flatten
            if sigmoid:
                return optax.sigmoid_binary_cross_entropy(logits, yb).mean()
            return optax.softmax_cross_entropy_with_integer_labels(logits, yb).mean()

        def step(params, opt_state, xb, yb):
            loss, grads = jax.value_and_grad(loss_of)(params, xb, yb)
            updates, opt_state = optimizer.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state, loss

        n, batch = self.n, self.batch
        full = n // batch

        def epoch(params, opt_state, key, X, Y):
            key, sub = jax.random.split(key)
            order = jax.random.permutation(sub, n)

            def body(carry, index):
                params, opt_state, loss = step(*carry, X[index], Y[index])
                return (params, opt_state), loss * batch

            (params, opt_state), losses = jax.lax.scan(body, (params, opt_state), order[:full * batch].reshape(full, batch))
            total = losses.sum()
            if n % batch:
                rest = order[full * batch:]
                params, opt_state, loss = step(params, opt_state, X[rest], Y[rest])
                total = total + loss * rest.shape[0]
            return params, opt_state, key, total / n

        def gathered_step(params, opt_state, X, Y, index):
            return step(params, opt_state, X[index], Y[index])

        self.epoch = jax.jit(epoch, donate_argnums=(0, 1))
        self.step = jax.jit(gathered_step, donate_argnums=(0, 1))
        started = time.perf_counter()
        self.train(1)   # compiles every shape the timed runs use (the partial batch too)
        self.compile_seconds = time.perf_counter() - started

    def train(self, epochs: int) -> float:
        return self.train_scan(epochs) if self.variant == "scan" else self.train_step(epochs)

    def train_scan(self, epochs: int) -> float:
        cost = float("nan")
        for _ in range(epochs):
            self.params, self.opt_state, self.key, cost = self.epoch(self.params, self.opt_state, self.key, self.X, self.Y)
        return float(cost)   # waits for the last epoch

    def train_step(self, epochs: int) -> float:
        np = self.np
        losses, sizes = [], []
        for _ in range(epochs):
            order = self.rng.permutation(self.n).astype(np.int32)
            losses, sizes = [], []
            for k in range(0, self.n, self.batch):
                index = order[k:k + self.batch]
                self.params, self.opt_state, loss = self.step(self.params, self.opt_state, self.X, self.Y, index)
                losses.append(loss)
                sizes.append(len(index))
        if not losses:
            return float("nan")
        return float(np.dot(np.asarray(self.jax.device_get(losses)), sizes) / self.n)   # waits for the last step

    def describe(self) -> Dict[str, Any]:
        import jaxlib
        jax = self.jax
        try:
            from jax.extend.backend import get_backend
            platform_version = get_backend().platform_version
        except Exception:
            platform_version = None
        backend = jax.default_backend()
        return {"jax": jax.__version__, "jaxlib": jaxlib.__version__, "optax": self.optax.__version__,
                "backend": backend, "platform_version": platform_version, "devices": [str(d) for d in jax.devices()],
                "variant": self.variant, "x64": bool(jax.config.jax_enable_x64),
                "compile_seconds": round(self.compile_seconds, 3), "cpus": self.cpus,
                "xla_flags": os.environ.get("XLA_FLAGS"), "process_threads": len(os.listdir("/proc/self/task")),
                "blas_summary": {"library": "XLA:CPU", "version": f"jax {jax.__version__}, jaxlib {jaxlib.__version__}",
                                 "core": f"{backend} backend", "source": "jax"}}
