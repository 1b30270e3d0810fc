#!/usr/bin/env python3
"""Golden values for Gradwell's shaped layers (convolution, pooling, flatten, batch norm per
channel), computed by PyTorch in float64 and written to Tests/GradwellTests/Data/conv_golden.json.

    python3 Tests/golden/conv_reference.py      # from the repo root; python=$(./scripts/python-env)

Independent of Gradwell: every forward and backward is torch.nn.functional's, run with autograd.

Data layout.  Rows are samples, flat, row-major, channel first: sample n of shape [C, L] is row n of
an (N, C*L) matrix with element (c, t) at column c*L + t; shape [C, H, W] puts (c, h, w) at
(c*H + h)*W + w.  So every array in the JSON is the torch tensor flattened row-major, and weights keep
PyTorch's layout: conv1d W (F, C, K), conv2d W (F, C, KH, KW), b (F); batch norm gamma, beta (C).

Each case: {"name", "layer" (Gradwell's config, as on the wire), "input_shape", "output_shape",
"batch" N, "x", "dy" (the upstream gradient dL/dy), "params", "y", "dx", "grads" (dL/d param, same keys
as params), and for batch norm "state" {"running_mean", "running_var"} after this one training
forward (running = 0.9 running + 0.1 batch from mean 0 / variance 1; the batch variance over
m = N * positions is biased, /m, with "running_variance": "biased", and /(m-1), as torch keeps it,
with "unbiased")}.  Floats are written with repr, so they round-trip exactly; compare at 1e-12
relative to max(1, |value|), since Gradwell may order its sums differently.

Conventions the cases pin: "same" padding (stride 1) pads (K-1)//2 before and the rest after, so an
even kernel's extra zero goes on the right/bottom (torch's padding='same'); pooling has no padding
and floor((in - k)/s) + 1 outputs, stride defaulting to pool_size; inputs are normals, so max-pool
windows have no ties and no relu input is exactly 0.  Each case draws from its own generator,
seeded by its name, so adding a case leaves the others' numbers unchanged.
"""
import json
import math
import os
import warnings
import zlib

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
# torch says an even "same" kernel pads a copy of the input: that is the case we want, not a problem
warnings.filterwarnings("ignore", message="Using padding='same' with even kernel")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(REPO, "Tests", "GradwellTests", "Data", "conv_golden.json")


def pair(v):
    return tuple(v) if isinstance(v, (list, tuple)) else (v, v)


def out_size(n, k, s, p):
    return (n + 2 * p - k) // s + 1


# --- forward of each layer, from its Gradwell config ----------------------------------------------

def conv_output_shape(layer, input_shape):
    spatial = input_shape[1:]
    if layer["padding"] == "same":
        return [layer["filters"], *spatial]
    if len(spatial) == 1:
        ks, ss, ps = (layer["kernel_size"],), (layer["stride"],), (layer["padding"],)
    else:
        ks, ss, ps = pair(layer["kernel_size"]), pair(layer["stride"]), pair(layer["padding"])
    return [layer["filters"], *(out_size(n, k, s, p) for n, k, s, p in zip(spatial, ks, ss, ps))]


def conv(layer, x, params):
    dims = x.dim() - 2
    fn = F.conv1d if dims == 1 else F.conv2d
    stride, padding = layer["stride"], layer["padding"]
    if dims == 2:
        stride = pair(stride)
        padding = padding if padding == "same" else pair(padding)
    z = fn(x, params["W"], params.get("b"), stride=stride, padding=padding)
    if layer["activation"] == "relu":
        assert (z != 0).all()
        return torch.relu(z)
    assert layer["activation"] == "linear"
    return z


def pool(layer, x):
    dims = x.dim() - 2
    k = layer["pool_size"]
    s = layer.get("stride", k)
    if dims == 2:
        k, s = pair(k), pair(s)
    kind = layer["type"][:3]
    fn = {("max", 1): F.max_pool1d, ("max", 2): F.max_pool2d,
          ("avg", 1): F.avg_pool1d, ("avg", 2): F.avg_pool2d}[(kind, dims)]
    return fn(x, k, s, padding=0, ceil_mode=False)


def batchnorm(layer, x, params):
    """Training mode; also returns the running statistics Gradwell keeps after this batch."""
    channels = x.shape[1]
    torch_mean, torch_var = torch.zeros(channels), torch.ones(channels)   # torch updates these in place
    y = F.batch_norm(x, torch_mean, torch_var, params["gamma"], params["beta"], training=True,
                     momentum=1 - layer["momentum"], eps=layer["epsilon"])  # torch's momentum is 1 - Gradwell's
    axes = [0] + list(range(2, x.dim()))
    xd = x.detach()
    m = xd.numel() // channels
    mean = xd.mean(dim=axes)
    biased = ((xd - mean.view(1, -1, *[1] * (x.dim() - 2))) ** 2).sum(dim=axes) / m
    momentum = layer["momentum"]
    running_mean = (1 - momentum) * mean                                   # from 0
    if layer["running_variance"] == "unbiased":
        running_var = momentum * 1.0 + (1 - momentum) * biased * m / (m - 1)
        assert torch.allclose(running_var, torch_var, rtol=1e-14, atol=0)
    else:
        running_var = momentum * 1.0 + (1 - momentum) * biased
    assert torch.allclose(running_mean, torch_mean, rtol=1e-14, atol=1e-16)
    return y, {"running_mean": running_mean, "running_var": running_var}


def forward(layer, x, params):
    """(y, state): state is the running statistics for batch norm, else None."""
    kind = layer["type"]
    if kind in ("conv1d", "conv2d"):
        return conv(layer, x, params), None
    if kind.endswith("pool1d") or kind.endswith("pool2d"):
        return pool(layer, x), None
    if kind == "global_avg_pool":
        return x.mean(dim=list(range(2, x.dim()))), None
    if kind == "flatten":
        return x.reshape(x.shape[0], -1), None
    if kind == "batchnorm":
        return batchnorm(layer, x, params)
    raise ValueError(kind)


# --- an independent loop for the forward, to pin the flat layout and "same" padding -------------------

def direct_conv(layer, x_flat, n, input_shape, params):
    """Forward of conv1d/conv2d by plain loops over flat rows (1-D treated as H = 1)."""
    c_in, *spatial = input_shape
    h, w = (1, spatial[0]) if len(spatial) == 1 else spatial
    two_d = len(spatial) == 2
    weights = params["W"].detach().numpy()
    f = weights.shape[0]
    weights = weights.reshape(f, c_in, 1 if not two_d else weights.shape[2], weights.shape[-1])
    kh, kw = weights.shape[2], weights.shape[3]
    sh, sw = pair(layer["stride"]) if two_d else (1, layer["stride"])
    if layer["padding"] == "same":
        ph, pw = (kh - 1) // 2, (kw - 1) // 2          # before; the rest goes after
        oh, ow = h, w
    else:
        ph, pw = pair(layer["padding"]) if two_d else (0, layer["padding"])
        oh, ow = out_size(h, kh, sh, ph), out_size(w, kw, sw, pw)
    bias = params["b"].detach().numpy() if "b" in params else np.zeros(f)
    out = np.zeros((n, f * oh * ow))
    for s in range(n):
        for fo in range(f):
            for i in range(oh):
                for j in range(ow):
                    total = bias[fo]
                    for c in range(c_in):
                        for a in range(kh):
                            for b in range(kw):
                                r, q = i * sh + a - ph, j * sw + b - pw
                                if 0 <= r < h and 0 <= q < w:
                                    total += weights[fo, c, a, b] * x_flat[s, (c * h + r) * w + q]
                    out[s, (fo * oh + i) * ow + j] = max(total, 0) if layer["activation"] == "relu" else total
    return out


# --- cases -------------------------------------------------------------------------------------------

def conv1d(filters, kernel, stride, padding, use_bias=True, activation="linear"):
    return {"type": "conv1d", "filters": filters, "kernel_size": kernel, "stride": stride,
            "padding": padding, "activation": activation, "use_bias": use_bias}


def conv2d(filters, kernel, stride, padding, use_bias=True, activation="linear"):
    return {"type": "conv2d", "filters": filters, "kernel_size": kernel, "stride": stride,
            "padding": padding, "activation": activation, "use_bias": use_bias}


def pooling(kind, pool_size, stride=None):
    layer = {"type": kind, "pool_size": pool_size}
    if stride is not None:
        layer["stride"] = stride
    return layer


def bn(running_variance):
    return {"type": "batchnorm", "momentum": 0.9, "epsilon": 1e-5, "running_variance": running_variance}


CASES = [
    # name, layer, input_shape, batch
    ("conv1d_s1_p0", conv1d(3, 3, 1, 0), [2, 11], 2),
    ("conv1d_s2_p1_odd", conv1d(4, 3, 2, 1), [3, 13], 3),
    ("conv1d_s3_p2_k4", conv1d(3, 4, 3, 2), [2, 13], 2),
    ("conv1d_same_k5", conv1d(3, 5, 1, "same"), [2, 11], 2),
    ("conv1d_same_even_k4", conv1d(3, 4, 1, "same"), [1, 11], 3),
    ("conv1d_c1_f1_nobias_s2", conv1d(1, 3, 2, 0, use_bias=False), [1, 13], 2),
    ("conv1d_relu", conv1d(4, 3, 1, 1, activation="relu"), [2, 11], 2),
    ("conv2d_s1_p0", conv2d(3, 3, 1, 0), [1, 7, 5], 2),
    ("conv2d_s2_p1", conv2d(4, 3, 2, 1), [2, 7, 5], 2),
    ("conv2d_pairs_k32_s21_p10", conv2d(3, [3, 2], [2, 1], [1, 0]), [3, 7, 5], 2),
    ("conv2d_pairs_nobias_s12_p21", conv2d(1, [3, 3], [1, 2], [2, 1], use_bias=False), [2, 7, 5], 3),
    ("conv2d_same_k3", conv2d(3, 3, 1, "same"), [2, 7, 5], 2),
    ("conv2d_same_even_k4", conv2d(3, 4, 1, "same"), [1, 7, 5], 2),
    ("conv2d_same_mixed_k32", conv2d(4, [3, 2], 1, "same"), [2, 7, 5], 2),
    ("conv2d_relu", conv2d(3, 3, 1, 1, activation="relu"), [2, 7, 5], 2),
    ("maxpool1d_k2", pooling("maxpool1d", 2), [2, 11], 2),
    ("maxpool1d_k3_s2_overlap", pooling("maxpool1d", 3, 2), [3, 13], 2),
    ("maxpool1d_k2_s3_gaps", pooling("maxpool1d", 2, 3), [1, 11], 3),
    ("maxpool2d_k2", pooling("maxpool2d", 2), [2, 7, 5], 2),
    ("maxpool2d_pairs_k32_s21", pooling("maxpool2d", [3, 2], [2, 1]), [1, 7, 5], 3),
    ("avgpool1d_k2", pooling("avgpool1d", 2), [2, 11], 2),
    ("avgpool1d_k3_s2_overlap", pooling("avgpool1d", 3, 2), [1, 13], 3),
    ("avgpool2d_k2", pooling("avgpool2d", 2), [2, 7, 5], 2),
    ("avgpool2d_pairs_k23_s12", pooling("avgpool2d", [2, 3], [1, 2]), [3, 7, 5], 2),
    ("global_avg_pool_1d", {"type": "global_avg_pool"}, [3, 11], 2),
    ("global_avg_pool_2d", {"type": "global_avg_pool"}, [2, 7, 5], 3),
    ("flatten_1d", {"type": "flatten"}, [2, 11], 2),
    ("batchnorm_1d_biased", bn("biased"), [3, 11], 2),
    ("batchnorm_1d_unbiased", bn("unbiased"), [3, 11], 2),
    ("batchnorm_2d_biased", bn("biased"), [2, 7, 5], 2),
    ("batchnorm_2d_unbiased", bn("unbiased"), [2, 7, 5], 3),
]


def output_shape(layer, input_shape):
    kind = layer["type"]
    if kind in ("conv1d", "conv2d"):
        return conv_output_shape(layer, input_shape)
    if kind.endswith("pool1d") or kind.endswith("pool2d"):
        k = pair(layer["pool_size"]) if len(input_shape) == 3 else (layer["pool_size"],)
        s = layer.get("stride", layer["pool_size"])
        s = pair(s) if len(input_shape) == 3 else (s,)
        return [input_shape[0], *(out_size(n, a, b, 0) for n, a, b in zip(input_shape[1:], k, s))]
    if kind == "global_avg_pool":
        return [input_shape[0]]
    if kind == "flatten":
        return [math.prod(input_shape)]
    return list(input_shape)


def make_params(layer, input_shape, rng):
    kind = layer["type"]
    channels = input_shape[0]
    if kind in ("conv1d", "conv2d"):
        kernel = (layer["kernel_size"],) if kind == "conv1d" else pair(layer["kernel_size"])
        shape = (layer["filters"], channels, *kernel)
        params = {"W": rng.standard_normal(shape) / math.sqrt(channels * math.prod(kernel))}
        if layer["use_bias"]:
            params["b"] = 0.1 * rng.standard_normal(layer["filters"])
        return params
    if kind == "batchnorm":
        return {"gamma": 1 + 0.1 * rng.standard_normal(channels), "beta": 0.1 * rng.standard_normal(channels)}
    return {}


def make_input(layer, input_shape, batch, rng):
    x = rng.standard_normal((batch, *input_shape))
    if layer["type"] == "batchnorm":
        # as after a convolution: each channel with its own offset and spread
        shape = (1, input_shape[0], *[1] * (len(input_shape) - 1))
        x = rng.normal(0, 1, shape) + rng.uniform(0.5, 2, shape) * x
    return x


def flat(t):
    values = t.detach().reshape(-1).tolist()
    assert all(math.isfinite(v) for v in values)
    return values


def run_case(name, layer, input_shape, batch):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    params = {k: torch.tensor(v, requires_grad=True) for k, v in make_params(layer, input_shape, rng).items()}
    x = torch.tensor(make_input(layer, input_shape, batch, rng), requires_grad=True)
    y, state = forward(layer, x, params)
    out_shape = output_shape(layer, input_shape)
    assert list(y.shape) == [batch, *out_shape], (name, list(y.shape), out_shape)
    dy = torch.tensor(rng.standard_normal(tuple(y.shape)))
    leaves = [x, *params.values()]
    grads = torch.autograd.grad(y, leaves, grad_outputs=dy)
    dx, param_grads = grads[0], dict(zip(params, grads[1:]))

    x_flat = x.detach().reshape(batch, -1).numpy()
    if layer["type"] in ("conv1d", "conv2d"):
        direct = direct_conv(layer, x_flat, batch, input_shape, params)
        assert np.allclose(direct, y.detach().reshape(batch, -1).numpy(), rtol=1e-12, atol=1e-12), name
    if layer["type"].startswith("maxpool"):
        assert len(set(x_flat.ravel().tolist())) == x_flat.size, name  # no ties anywhere

    case = {"name": name, "layer": layer, "input_shape": list(input_shape), "output_shape": out_shape,
            "batch": batch, "x": flat(x), "dy": flat(dy),
            "params": {k: flat(v) for k, v in params.items()},
            "y": flat(y), "dx": flat(dx), "grads": {k: flat(v) for k, v in param_grads.items()}}
    if state is not None:
        case["state"] = {k: flat(v) for k, v in state.items()}

    n_in, n_out = batch * math.prod(input_shape), batch * math.prod(out_shape)
    assert len(case["x"]) == len(case["dx"]) == n_in, name
    assert len(case["y"]) == len(case["dy"]) == n_out, name
    assert case["grads"].keys() == case["params"].keys(), name
    for k in case["params"]:
        assert len(case["grads"][k]) == len(case["params"][k]), (name, k)
    return case


def main():
    names = [c[0] for c in CASES]
    assert len(set(names)) == len(names)
    golden = {"generated_by": "Tests/golden/conv_reference.py", "torch": torch.__version__,
              "cases": [run_case(*c) for c in CASES]}
    # one case per line: short enough to diff, still plain JSON (floats via float.__repr__)
    lines = [json.dumps(case, allow_nan=False) for case in golden["cases"]]
    text = ('{"generated_by": ' + json.dumps(golden["generated_by"]) + ', "torch": ' + json.dumps(golden["torch"])
            + ', "cases": [\n' + ",\n".join(lines) + "\n]}\n")
    assert json.loads(text) == golden
    with open(OUT, "w") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(OUT, REPO)}: {len(CASES)} cases, {len(text.encode())} bytes")


if __name__ == "__main__":
    main()
