"""PyTorch on the CPU: nn.Sequential of Linear/ReLU (of Conv1d/ReLU, Flatten, Linear for a
convolutional workload), BCEWithLogitsLoss or CrossEntropyLoss, torch.optim.Adam(fused=True),
index-shuffled mini-batches each epoch, torch.set_num_threads(N)."""

from __future__ import annotations

import os
import re
from typing import Any, Dict, List, Optional

from ..workloads import SEED, WORKLOADS, conv_shapes, is_convolutional, learning_rate
from .numpy_course import OPENBLAS_VARS


def modules(workload: str) -> List[Any]:
    """The network's layers; the last has no activation (the loss takes logits)."""
    import torch
    spec = WORKLOADS[workload]
    layers: List[Any] = []
    if is_convolutional(workload):
        channels = spec["input"][0]
        for filters, kernel in spec["conv"]:
            layers += [torch.nn.Conv1d(channels, filters, kernel, stride=spec["stride"], padding=spec["padding"]),
                       torch.nn.ReLU()]
            channels = filters
        last_channels, last_length = conv_shapes(workload)[-1]
        return layers + [torch.nn.Flatten(), torch.nn.Linear(last_channels * last_length, spec["classes"])]
    sizes = spec["sizes"]
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    return layers


class Trainer:
    def __init__(self, workload: str, dtype: str, threads: int, data: Dict[str, Any], variant: Optional[str] = None):
        import numpy as np
        import torch
        self.torch = torch
        torch.set_num_threads(threads)
        torch.manual_seed(SEED)
        spec = WORKLOADS[workload]
        tdtype = torch.float32 if dtype == "float32" else torch.float64
        self.model = torch.nn.Sequential(*modules(workload)).to(tdtype)
        x, labels = np.load(data["x"]), np.load(data["y"])
        if is_convolutional(workload):
            x = x.reshape(len(x), *spec["input"])   # rows are channel-first, as Gradwell reads them
        self.X = torch.from_numpy(np.ascontiguousarray(x)).to(tdtype)
        if spec["output"] == "sigmoid":
            self.Y = torch.from_numpy(labels.reshape(-1, 1)).to(tdtype)
            self.loss = torch.nn.BCEWithLogitsLoss()
        else:
            self.Y = torch.from_numpy(labels)
            self.loss = torch.nn.CrossEntropyLoss()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=learning_rate(workload), fused=True)
        self.batch = spec["batch"]
        self.n = self.X.shape[0]

    def describe(self) -> Dict[str, Any]:
        torch = self.torch
        config = torch.__config__.show()
        found = re.search(r"BLAS_INFO=(\w+)", config)
        mkl = re.search(r"Math Kernel Library Version ([\w.]+)", config)
        info: Dict[str, Any] = {
            "torch": torch.__version__, "blas": found.group(1) if found else None,
            "mkldnn": torch.backends.mkldnn.is_available(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "threads": torch.get_num_threads(), "interop_threads": torch.get_num_interop_threads(),
            "env": {var: os.environ.get(var) for var in OPENBLAS_VARS}}
        # threadpoolctl sees a BLAS PyTorch loads as a shared library; the CPU wheels link MKL
        # statically, so then its build configuration names it (NumPy's OpenBLAS, also loaded
        # in this process, is not PyTorch's).
        own = []
        try:
            from threadpoolctl import threadpool_info
            torch_dir = os.path.dirname(torch.__file__)
            own = [p for p in threadpool_info()
                   if p.get("user_api") == "blas" and (p.get("filepath") or "").startswith(torch_dir)]
        except ImportError:
            pass
        if own:
            info["blas_summary"] = {"library": own[0].get("internal_api"), "version": own[0].get("version"),
                                    "core": own[0].get("architecture"), "source": "threadpoolctl"}
        else:
            info["blas_summary"] = {"library": info["blas"], "version": mkl.group(1) if mkl and info["blas"] == "mkl" else None,
                                    "core": info["cpu_capability"], "source": "torch.__config__, linked statically"}
        return info

    def train(self, epochs: int) -> float:
        torch = self.torch
        total = 0.0
        for _ in range(epochs):
            total = 0.0
            order = torch.randperm(self.n)
            for k in range(0, self.n, self.batch):
                index = order[k:k + self.batch]
                xb, yb = self.X[index], self.Y[index]
                loss = self.loss(self.model(xb), yb)
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                self.optimizer.step()
                total += loss.item() * len(index)
        return total / self.n
