#!/usr/bin/env python3
"""Golden values for Gradwell's building blocks, written to components.json (next to this script).

    python3 Tests/golden/components.py          # rewrites Tests/golden/components.json

An independent NumPy (float64) implementation of Gradwell's documented conventions.  Nothing here
is random: every input is a fixed literal array, so the JSON is the same on every run.

JSON conventions
----------------
* Every matrix is a list of rows (row-major nested lists), e.g. a (3, 4) matrix is 3 lists of 4
  numbers.  Rows are examples.  Vectors that Gradwell keeps as (1, n) tensors (biases, gamma,
  beta, db, ...) are also written as one-row matrices [[...]].
* Numbers are float64 written with Python's repr (shortest round-trip form), so Swift's
  Double(String) gives the identical bits.  No NaN or infinity ever appears.
* The references are written the straightforward way (as the formulas below read); Gradwell may
  order its floating-point operations differently (e.g. multiply by 1/m instead of dividing by m),
  so compare reals with a tight relative tolerance (1e-12 relative, or 1e-15 absolute near 0)
  rather than ==.

Top-level keys
--------------
"dense"        Z = X W^T + b with W (units, fan_in), b (1, units), X (batch, fan_in).
               Inputs: X (3x4), W (2x4), b (1x2), dA (3x2, the upstream gradient dL/dA), Z.
               "activations": {name: {"A", "dZ", "dW", "db", "dX"}} for linear, relu, leaky_relu
               (negative_slope 0.01), sigmoid, tanh, softmax (row-wise), with
               dZ = dA * f'(Z) (softmax: dz_j = a_j (g_j - sum_k g_k a_k) per row),
               dW = dZ^T X (units x fan_in), db = column sums of dZ (1 x units), dX = dZ W.
               No entry of Z is exactly 0 (so relu'(0) never matters).
"losses"       "binary_cross_entropy": list of cases {"name", "z", "y", "cost", "grad"}:
                   cost = mean over rows of sum over outputs of max(z,0) - z*y + log1p(exp(-|z|)),
                   grad (d cost / d z) = (sigmoid(z) - y) / rows.  Case "extreme" has z = +-800, +-40.
               "softmax_cross_entropy": list of cases {"name", "z", "labels" (ints), "cost", "grad"}:
                   cost = mean over rows of logsumexp(z_row) - z_row[label],
                   grad = (softmax(z) - onehot(labels)) / rows.
               "mse": list of cases {"name", "a", "y", "cost", "grad"}:
                   cost = mean over ALL elements of (a - y)^2, grad = 2 (a - y) / (rows * cols).
"regularizers" W (3x4, contains a 0), m (examples), and cases {"name", "config", "cost", "grad"}:
                   l2 {lambda}:          cost lambda/(2m) sum W^2,   grad lambda/m W
                   l1 {lambda}:          cost lambda/m sum |W|,      grad lambda/m sign(W), sign(0) = 0
                   l1_l2 {l1, l2}:       the sum of the l1 (lambda = l1) and l2 (lambda = l2) terms.
"batchnorm"    Training mode on x (5x3), gamma (1x3), beta (1x3), epsilon 1e-5, upstream dy (5x3):
                   mean, var (biased, over rows), xhat, y, dgamma, dbeta, dx (see batchnorm_section);
                   running_mean / running_var after this one batch with momentum 0.9 starting from 0 / 1
                   (running = momentum*running + (1-momentum)*batch, biased batch var);
                   y_inference = gamma (x - running_mean)/sqrt(running_var + eps) + beta on the same x.
"optimizers"   theta0 (2x3), gradients [g1, g2, g3] (each 2x3; each contains a 0 and negative
               entries), learning_rate 0.01, and "cases": a list of
               {"name", "optimizer", "config", "steps": [{"t", "theta", "state"}, ...]}: theta after each of
               the three steps (t counted from 1) and the optimizer's state after that step
               (Gradwell's state slot names: "v" velocity (momentum, nesterov; adam's second moment),
               "s" squared average / accumulator (rmsprop, adagrad), "m" adam's first moment).
               Cases: gd; momentum and nesterov in forms "course" and "pytorch"; rmsprop (beta 0.999), with
               epsilon inside the sqrt, and PyTorch's beta 0.99; adam, adam without bias correction, with
               epsilon inside the sqrt, with coupled weight_decay 0.1; adamw (weight_decay 0.1, decoupled:
               theta -= lr*wd*theta first); adagrad.  See the *_opt functions for the exact updates.
"schedules"    lr0 (the optimizer's lr), epochs (0..12), total_epochs (10, the train request's epochs, used
               by cosine) and cases {"name", "config", "lr": [lr used in epoch 0..12]}:
                   inverse_time lr0/(1 + 0.3 epoch); step lr0/(1 + 0.3 floor(epoch/3));
                   exponential lr0 0.9^epoch; cosine min_lr + (lr0-min_lr)(1+cos(pi min(epoch,10)/10))/2,
                   min_lr 0.001; warmup (3 epochs) lr0 (epoch+1)/3 for epoch < 3, then inverse_time
                   (decay_rate 0.3) at epoch-3; constant lr0.
(configs)      Every "config" above is a Gradwell component config: {"type": name, parameters...} with
               Gradwell's parameter names (lambda, l1, l2, beta, form, epsilon, epsilon_inside_sqrt,
               bias_correction, weight_decay, initial_accumulator, decay_rate, time_interval, gamma,
               min_lr, warmup_epochs, then).
"initializers" fan_in 300, fan_out 200, and per initializer {"variance", "std"} (and "limit" for the
               uniform ones): he 2/fan_in, xavier 1/fan_in, glorot 2/(fan_in+fan_out),
               he_uniform limit sqrt(6/fan_in) variance 2/fan_in,
               glorot_uniform limit sqrt(6/(fan_in+fan_out)) variance 2/(fan_in+fan_out)
               ("variance_from_limit" = limit^2/3, the same value up to rounding).
"""
import json
import math
import os

import numpy as np


# --- output helpers ----------------------------------------------------------------------------

def num(x):
    x = float(x)
    if not math.isfinite(x):
        raise ValueError("non-finite golden value")
    return x


def mat(a):
    """A 2-D array as a list of rows of Python floats (json writes floats with repr)."""
    a = np.asarray(a, dtype=np.float64)
    assert a.ndim == 2, a.shape
    return [[num(v) for v in row] for row in a]


def dumps(o, indent=""):
    """JSON with every list of numbers on one line (so a matrix prints one row per line)."""
    if isinstance(o, dict):
        if not o:
            return "{}"
        inner = indent + "  "
        return "{\n" + ",\n".join(inner + json.dumps(k) + ": " + dumps(v, inner) for k, v in o.items()) \
            + "\n" + indent + "}"
    if isinstance(o, list):
        if all(not isinstance(x, (list, dict)) for x in o):
            return "[" + ", ".join(json.dumps(x, allow_nan=False) for x in o) + "]"
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + dumps(x, inner) for x in o) + "\n" + indent + "]"
    return json.dumps(o, allow_nan=False)     # floats via float.__repr__ (shortest round-trip)


def write_json(golden, name):
    text = dumps(golden) + "\n"
    assert json.loads(text) == golden
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {path}")


# --- activations -------------------------------------------------------------------------------

NEGATIVE_SLOPE = 0.01


def sigmoid(z):
    """Stable logistic: 1/(1+e^-z) for z >= 0, e^z/(1+e^z) otherwise."""
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def activation_forward(name, z):
    if name == "linear":
        return z.copy()
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, NEGATIVE_SLOPE * z)
    if name == "sigmoid":
        return sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "softmax":
        return softmax(z)
    raise KeyError(name)


def activation_backward(name, z, a, da):
    """dZ = dA * f'(Z); softmax row-wise dz_j = a_j (g_j - sum_k g_k a_k)."""
    if name == "linear":
        return da.copy()
    if name == "relu":
        return da * (z > 0)
    if name == "leaky_relu":
        return da * np.where(z > 0, 1.0, NEGATIVE_SLOPE)
    if name == "sigmoid":
        return da * a * (1.0 - a)
    if name == "tanh":
        return da * (1.0 - a * a)
    if name == "softmax":
        dot = np.sum(da * a, axis=1, keepdims=True)
        return a * (da - dot)
    raise KeyError(name)


def dense_section():
    X = np.array([[0.5, -1.2, 0.3, 2.0],
                  [-0.7, 0.4, 1.5, -0.2],
                  [1.1, 0.9, -0.6, 0.05]])
    W = np.array([[0.2, -0.4, 0.6, 0.1],
                  [-0.3, 0.25, -0.15, 0.45]])
    b = np.array([[0.05, -0.1]])
    dA = np.array([[0.3, -0.6],
                   [-1.1, 0.4],
                   [0.7, 0.2]])
    Z = X @ W.T + b
    assert np.all(Z != 0)
    assert np.any(Z > 0) and np.any(Z < 0)
    acts = {}
    for name in ("linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax"):
        A = activation_forward(name, Z)
        dZ = activation_backward(name, Z, A, dA)
        acts[name] = {
            "A": mat(A),
            "dZ": mat(dZ),
            "dW": mat(dZ.T @ X),
            "db": mat(dZ.sum(axis=0, keepdims=True)),
            "dX": mat(dZ @ W),
        }
    return {
        "negative_slope": NEGATIVE_SLOPE,
        "X": mat(X), "W": mat(W), "b": mat(b), "dA": mat(dA), "Z": mat(Z),
        "activations": acts,
    }


# --- losses --------------------------------------------------------------------------------------

def bce(z, y):
    m = z.shape[0]
    per = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    cost = per.sum(axis=1).mean()
    grad = (sigmoid(z) - y) / m
    return cost, grad


def logsumexp_rows(z):
    mx = z.max(axis=1, keepdims=True)
    return (mx + np.log(np.exp(z - mx).sum(axis=1, keepdims=True)))[:, 0]


def softmax_ce(z, labels):
    m = z.shape[0]
    labels = np.asarray(labels)
    cost = np.mean(logsumexp_rows(z) - z[np.arange(m), labels])
    onehot = np.zeros_like(z)
    onehot[np.arange(m), labels] = 1.0
    grad = (softmax(z) - onehot) / m
    return cost, grad


def mse(a, y):
    cost = np.mean((a - y) ** 2)
    grad = 2.0 * (a - y) / (a.shape[0] * a.shape[1])
    return cost, grad


def losses_section():
    bce_cases = []
    for name, z, y in [
        ("single_output",
         np.array([[0.3], [-1.2], [2.5], [-0.4]]),
         np.array([[1.0], [0.0], [0.0], [1.0]])),
        ("two_outputs",
         np.array([[0.8, -0.5], [-2.0, 1.5], [0.1, 3.0]]),
         np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 1.0]])),
        ("extreme",
         np.array([[800.0], [-800.0], [40.0], [-40.0], [800.0], [-800.0], [40.0], [-40.0]]),
         np.array([[1.0], [0.0], [1.0], [0.0], [0.0], [1.0], [0.0], [1.0]])),
    ]:
        cost, grad = bce(z, y)
        bce_cases.append({"name": name, "z": mat(z), "y": mat(y), "cost": num(cost), "grad": mat(grad)})

    sce_cases = []
    for name, z, labels in [
        ("three_classes",
         np.array([[2.0, 1.0, 0.1], [0.5, -0.3, 1.7], [-1.0, 2.2, 0.4], [0.0, 0.3, -0.8]]),
         [0, 2, 1, 2]),
        ("extreme",
         np.array([[1000.0, 0.0, -1000.0], [-1000.0, 0.0, 1000.0], [40.0, -40.0, 0.0]]),
         [2, 2, 1]),
    ]:
        cost, grad = softmax_ce(z, labels)
        sce_cases.append({"name": name, "z": mat(z), "labels": [int(v) for v in labels],
                          "cost": num(cost), "grad": mat(grad)})

    mse_cases = []
    for name, a, y in [
        ("three_by_two",
         np.array([[0.5, -1.0], [2.0, 0.25], [-0.3, 1.1]]),
         np.array([[0.0, -1.5], [1.0, 0.25], [0.7, 0.4]])),
    ]:
        cost, grad = mse(a, y)
        mse_cases.append({"name": name, "a": mat(a), "y": mat(y), "cost": num(cost), "grad": mat(grad)})

    return {"binary_cross_entropy": bce_cases, "softmax_cross_entropy": sce_cases, "mse": mse_cases}


# --- regularizers --------------------------------------------------------------------------------

def l2(W, m, lam):
    return lam / (2.0 * m) * np.sum(W * W), lam / m * W


def l1(W, m, lam):
    return lam / m * np.sum(np.abs(W)), lam / m * np.sign(W)   # np.sign(0) == 0


def regularizers_section():
    W = np.array([[0.5, -1.2, 0.0, 0.3],
                  [-0.7, 0.25, 1.4, -0.05],
                  [0.9, 0.0, -0.6, 2.0]])
    m = 5
    cases = []
    c, g = l2(W, m, 0.7)
    cases.append({"name": "l2", "config": {"type": "l2", "lambda": 0.7}, "cost": num(c), "grad": mat(g)})
    c, g = l1(W, m, 0.05)
    cases.append({"name": "l1", "config": {"type": "l1", "lambda": 0.05}, "cost": num(c), "grad": mat(g)})
    c1, g1 = l1(W, m, 0.05)
    c2, g2 = l2(W, m, 0.7)
    cases.append({"name": "l1_l2", "config": {"type": "l1_l2", "l1": 0.05, "l2": 0.7}, "cost": num(c1 + c2), "grad": mat(g1 + g2)})
    return {"W": mat(W), "m": m, "cases": cases}


# --- batch normalization ---------------------------------------------------------------------------

def batchnorm_section():
    x = np.array([[0.5, -1.0, 2.0],
                  [1.5, 0.2, -0.3],
                  [-0.4, 0.8, 1.1],
                  [2.2, -0.6, 0.0],
                  [0.1, 1.4, 0.7]])
    gamma = np.array([[1.5, 0.8, -0.5]])
    beta = np.array([[0.1, -0.2, 0.3]])
    dy = np.array([[0.3, -0.2, 0.5],
                   [-0.1, 0.4, -0.6],
                   [0.7, 0.1, 0.2],
                   [-0.5, -0.3, 0.0],
                   [0.2, 0.6, -0.4]])
    eps = 1e-5
    momentum = 0.9
    m = x.shape[0]
    mu = x.mean(axis=0, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=0, keepdims=True)          # biased
    std = np.sqrt(var + eps)
    xhat = (x - mu) / std
    y = gamma * xhat + beta
    dgamma = np.sum(dy * xhat, axis=0, keepdims=True)
    dbeta = np.sum(dy, axis=0, keepdims=True)
    dx = (1.0 / m) * gamma / std * (m * dy - dbeta - xhat * dgamma)
    running_mean = momentum * np.zeros((1, 3)) + (1 - momentum) * mu
    running_var = momentum * np.ones((1, 3)) + (1 - momentum) * var
    y_inf = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
    return {
        "config": {"type": "batchnorm", "momentum": momentum, "epsilon": eps},
        "x": mat(x), "gamma": mat(gamma), "beta": mat(beta), "dy": mat(dy),
        "mean": mat(mu), "var": mat(var), "xhat": mat(xhat), "y": mat(y),
        "dgamma": mat(dgamma), "dbeta": mat(dbeta), "dx": mat(dx),
        "running_mean_initial": mat(np.zeros((1, 3))), "running_var_initial": mat(np.ones((1, 3))),
        "running_mean": mat(running_mean), "running_var": mat(running_var),
        "y_inference": mat(y_inf),
    }


# --- optimizers ------------------------------------------------------------------------------------
# Each optimizer is a function step(theta, g, state, t) -> theta (t counted from 1), state a dict.

LR = 0.01


def gd(cfg):
    def step(theta, g, st, t):
        return theta - LR * g
    return step


def momentum_opt(cfg):
    beta, form = cfg["beta"], cfg["form"]

    def step(theta, g, st, t):
        v = st.get("v", np.zeros_like(theta))
        if form == "course":
            v = beta * v + (1 - beta) * g
        else:                                   # pytorch: v = beta v + g (v = g at the first step)
            v = g.copy() if t == 1 else beta * v + g
        st["v"] = v
        return theta - LR * v
    return step


def nesterov_opt(cfg):
    beta, form = cfg["beta"], cfg["form"]

    def step(theta, g, st, t):
        v = st.get("v", np.zeros_like(theta))
        if form == "course":
            v = beta * v + (1 - beta) * g
            st["v"] = v
            return theta - LR * (beta * v + (1 - beta) * g)
        v = g.copy() if t == 1 else beta * v + g
        st["v"] = v
        return theta - LR * (g + beta * v)
    return step


def rmsprop_opt(cfg):
    beta, eps, inside = cfg["beta"], cfg["epsilon"], cfg["epsilon_inside_sqrt"]

    def step(theta, g, st, t):
        s = st.get("s", np.zeros_like(theta))
        s = beta * s + (1 - beta) * g ** 2
        st["s"] = s
        if inside:
            return theta - LR * g / np.sqrt(s + eps)
        return theta - LR * g / (np.sqrt(s) + eps)
    return step


def adam_opt(cfg):
    b1, b2, eps = cfg["beta1"], cfg["beta2"], cfg["epsilon"]
    bc, inside, wd = cfg["bias_correction"], cfg["epsilon_inside_sqrt"], cfg["weight_decay"]
    decoupled = cfg.get("decoupled", False)

    def step(theta, g, st, t):
        if decoupled:                               # AdamW: decay first, on theta only
            theta = theta - LR * wd * theta
        elif wd != 0:                               # Adam(weight_decay): coupled, into the gradient
            g = g + wd * theta
        m = st.get("m", np.zeros_like(theta))
        v = st.get("v", np.zeros_like(theta))
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        st["m"], st["v"] = m, v
        if bc:
            mhat = m / (1 - b1 ** t)
            vhat = v / (1 - b2 ** t)
        else:
            mhat, vhat = m, v
        if inside:
            return theta - LR * mhat / np.sqrt(vhat + eps)
        return theta - LR * mhat / (np.sqrt(vhat) + eps)
    return step


def adagrad_opt(cfg):
    eps = cfg["epsilon"]

    def step(theta, g, st, t):
        s = st.get("s", np.full_like(theta, cfg["initial_accumulator"]))
        s = s + g ** 2
        st["s"] = s
        return theta - LR * g / (np.sqrt(s) + eps)
    return step


def optimizers_section():
    theta0 = np.array([[0.5, -0.3, 0.8], [0.1, 0.0, -1.2]])
    grads = [
        np.array([[0.2, -0.5, 0.0], [1.3, -0.05, 0.4]]),
        np.array([[-0.1, -0.4, 0.3], [0.0, 0.25, -0.7]]),
        np.array([[0.15, 0.6, -0.2], [-0.9, 0.0, 0.05]]),
    ]
    adam_base = {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "bias_correction": True,
                 "epsilon_inside_sqrt": False, "weight_decay": 0.0}
    cases = [
        ("gd", "gd", {}, gd),
        ("momentum_course", "momentum", {"beta": 0.9, "form": "course"}, momentum_opt),
        ("momentum_pytorch", "momentum", {"beta": 0.9, "form": "pytorch"}, momentum_opt),
        ("nesterov_course", "nesterov", {"beta": 0.9, "form": "course"}, nesterov_opt),
        ("nesterov_pytorch", "nesterov", {"beta": 0.9, "form": "pytorch"}, nesterov_opt),
        ("rmsprop", "rmsprop", {"beta": 0.999, "epsilon": 1e-8, "epsilon_inside_sqrt": False}, rmsprop_opt),
        ("rmsprop_epsilon_inside", "rmsprop", {"beta": 0.999, "epsilon": 1e-8, "epsilon_inside_sqrt": True}, rmsprop_opt),
        ("rmsprop_pytorch", "rmsprop", {"beta": 0.99, "epsilon": 1e-8, "epsilon_inside_sqrt": False}, rmsprop_opt),
        ("adam", "adam", dict(adam_base), adam_opt),
        ("adam_no_bias_correction", "adam", dict(adam_base, bias_correction=False), adam_opt),
        ("adam_epsilon_inside", "adam", dict(adam_base, epsilon_inside_sqrt=True), adam_opt),
        ("adam_weight_decay", "adam", dict(adam_base, weight_decay=0.1), adam_opt),
        ("adamw", "adamw", {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "bias_correction": True,
                            "epsilon_inside_sqrt": False, "weight_decay": 0.1, "decoupled": True}, adam_opt),
        ("adagrad", "adagrad", {"epsilon": 1e-10, "initial_accumulator": 0.0}, adagrad_opt),
    ]
    out = []
    for name, opt, cfg, factory in cases:
        step = factory(cfg)
        theta, st, steps = theta0.copy(), {}, []
        for t, g in enumerate(grads, start=1):
            theta = step(theta, g, st, t)
            steps.append({"t": t, "theta": mat(theta), "state": {k: mat(v) for k, v in sorted(st.items())}})
        config = {"type": opt, "lr": LR}
        config.update((k, v) for k, v in cfg.items() if k != "decoupled")
        out.append({"name": name, "optimizer": opt, "config": config, "steps": steps})
    return {"theta0": mat(theta0), "gradients": [mat(g) for g in grads], "learning_rate": LR, "cases": out}


# --- schedules --------------------------------------------------------------------------------------

def schedules_section():
    lr0 = 0.1
    epochs = list(range(13))
    total = 10

    def inverse_time(e, rate=0.3):
        return lr0 / (1 + rate * e)

    def step(e, rate=0.3, interval=3):
        return lr0 / (1 + rate * math.floor(e / interval))

    def exponential(e, gamma=0.9):
        return lr0 * gamma ** e

    def cosine(e, min_lr=0.001):
        return min_lr + 0.5 * (lr0 - min_lr) * (1 + math.cos(math.pi * min(e, total) / total))

    def warmup(e, warm=3):
        return lr0 * (e + 1) / warm if e < warm else inverse_time(e - warm)

    cases = [
        ("inverse_time", {"decay_rate": 0.3}, inverse_time),
        ("step", {"decay_rate": 0.3, "time_interval": 3}, step),
        ("exponential", {"gamma": 0.9}, exponential),
        ("cosine", {"min_lr": 0.001}, cosine),
        ("warmup", {"warmup_epochs": 3, "then": {"type": "inverse_time", "decay_rate": 0.3}}, warmup),
        ("constant", {}, lambda e: lr0),
    ]
    return {
        "lr0": lr0, "epochs": epochs, "total_epochs": total,
        "cases": [{"name": n, "config": dict({"type": n}, **c), "lr": [num(f(e)) for e in epochs]}
                  for n, c, f in cases],
    }


# --- initializers -----------------------------------------------------------------------------------

def initializers_section():
    fan_in, fan_out = 300, 200
    he = 2.0 / fan_in
    xavier = 1.0 / fan_in
    glorot = 2.0 / (fan_in + fan_out)
    he_limit = math.sqrt(6.0 / fan_in)
    glorot_limit = math.sqrt(6.0 / (fan_in + fan_out))
    return {
        "fan_in": fan_in, "fan_out": fan_out,
        "he": {"variance": he, "std": math.sqrt(he)},
        "xavier": {"variance": xavier, "std": math.sqrt(xavier)},
        "glorot": {"variance": glorot, "std": math.sqrt(glorot)},
        "he_uniform": {"limit": he_limit, "variance": he, "variance_from_limit": he_limit ** 2 / 3.0},
        "glorot_uniform": {"limit": glorot_limit, "variance": glorot, "variance_from_limit": glorot_limit ** 2 / 3.0},
    }


def main():
    golden = {
        "generated_by": "Tests/golden/components.py",
        "numpy": np.__version__,
        "dense": dense_section(),
        "losses": losses_section(),
        "regularizers": regularizers_section(),
        "batchnorm": batchnorm_section(),
        "optimizers": optimizers_section(),
        "schedules": schedules_section(),
        "initializers": initializers_section(),
    }
    write_json(golden, "components.json")


if __name__ == "__main__":
    main()
