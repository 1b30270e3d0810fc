#!/usr/bin/env python3
"""Faithful NumPy re-run of "Improving Deep Neural Networks", week 2, Optimization methods.

    python3 Tests/golden/course_optimization.py     # rewrites Tests/golden/course_optimization.json (~1 min)

What it reproduces (opt_utils.py + the notebook's model(), course layout: columns are examples):
* data: np.random.seed(3); train_X, train_Y = sklearn.datasets.make_moons(n_samples=300, noise=.2)
* network [2, 5, 2, 1], LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID
* initialize_parameters: np.random.seed(3); for each layer in order W_l = randn(units, fan_in)*sqrt(2/fan_in),
  b_l = zeros (He initialization, layer by layer: W1, W2, W3 drawn one after the other)
* mini-batches of 64: seed = 10; every epoch seed += 1, then random_mini_batches(X, Y, 64, seed):
  np.random.seed(seed); permutation = list(np.random.permutation(m)); consecutive slices of 64, the last
  one smaller (300 = 4*64 + 44)
* per mini-batch: forward, cost_total += compute_cost(a3, Y_batch) (the course's SUM over the batch of
  -y log a3 - (1-y) log(1-a3), with parameters as they are before this batch's update), backward with
  dz3 = (a3 - Y)/m_batch, relu' = (a > 0), update; cost of the epoch = cost_total / 300
* optimizers: gd (W -= lr dW); momentum (course form v = beta v + (1-beta) g, W -= lr v, beta 0.9);
  adam (beta1 0.9, beta2 0.999, eps 1e-8, t incremented once per mini-batch step, bias correction,
  W -= lr * m_hat / (sqrt(s_hat) + eps))
* accuracy = mean((a3 > 0.5) == Y) on the training set (the course has no test set here)
* learning-rate decay part: learning_rate0 = 0.1 and
  schedule_lr_decay(lr0, epoch, decay_rate=0.3, time_interval=1000) = lr0/(1 + decay_rate*floor(epoch/1000)).
  The course's model() recomputes learning_rate = decay(lr0, i, decay_rate) AFTER epoch i, so epoch 0 runs at
  lr0 and epoch e >= 1 runs at schedule(e - 1) ("timing": "course").  A schedule evaluated at the current
  epoch (lr for epoch e = schedule(e)) differs only for epochs 1000, 2000, 3000, 4000; those runs are also
  given ("timing": "at_epoch").
* the notebook's own decay calls differ from that spec: they pass no decay_rate, so model()'s default
  decay_rate=1 applies, and Adam runs with learning_rate=0.01.  Those runs are given too ("notebook_*"), plus
  the section 7.1 run (update_lr: lr0/(1 + decay_rate*epoch) every epoch, decay_rate 1), whose printed costs
  0.701091 / 0.661884 / 0.658620 / 0.656765 / 0.655486 (epochs 0..4000) this re-run reproduces.

JSON layout (course_optimization.json)
--------------------------------------
"data":      {"m": 300, "first_points": first 3 (x0, x1) rows, "first_labels": first 10 labels,
              "epoch0_permutation_head": first 10 indices of the permutation of epoch 0 (seed 11),
              "batch_sizes": [64, 64, 64, 64, 44]}
"initial_parameters": {"W1", "b1", "W2", "b2", "W3", "b3"} after initialization.  W is (units, fan_in) as in
              Gradwell; b is written as a one-row matrix (1, units) (the course keeps (units, 1)).
"runs":      list of {"name", "optimizer", "config" (lr, epochs, beta/beta1/beta2/epsilon, decay...),
              "train_accuracy", "correct" (out of 300), "costs": {"<epoch>": cost after that epoch},
              "final_parameters": like initial_parameters}.  costs holds epochs 0, 1, every 1000 and the last.
              Also "learning_rates" (epoch -> lr used in that epoch) for the decay runs: every epoch where the
              lr changes for the step schedule, the epochs of "costs" for update_lr.
              Run names: gd, momentum, adam (lr 0.0007, 5000 epochs), gd_10000; {gd,momentum,adam}_lr_decay
              (lr0 0.1, decay_rate 0.3, course timing) and *_lr_decay_at_epoch; notebook_{gd,momentum,adam}_lr_decay
              (decay_rate 1, adam lr 0.01); notebook_gd_update_lr.
Numbers are float64 written with repr (shortest round-trip).  Costs use the course's -log(a3) formula, not the
logits form, and the course's operation order (column layout, np.dot).  A port with another operation order
drifts by rounding over thousands of steps: compare accuracy/correct exactly, early costs (epochs 0, 1) to
~1e-12 relative, late costs and final parameters to ~1e-6 relative.
"""
import json
import math
import os

import numpy as np
import sklearn
import sklearn.datasets


# --- opt_utils.py --------------------------------------------------------------------------------

def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    return np.maximum(0, x)


def load_dataset():
    np.random.seed(3)
    train_X, train_Y = sklearn.datasets.make_moons(n_samples=300, noise=.2)
    train_X = train_X.T
    train_Y = train_Y.reshape((1, train_Y.shape[0]))
    return train_X, train_Y


def initialize_parameters(layer_dims):
    np.random.seed(3)
    parameters = {}
    L = len(layer_dims)
    for l in range(1, L):
        parameters['W' + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * np.sqrt(2 / layer_dims[l - 1])
        parameters['b' + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


def compute_cost(a3, Y):
    logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
    cost_total = np.sum(logprobs)
    return cost_total


def forward_propagation(X, parameters):
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]
    z1 = np.dot(W1, X) + b1
    a1 = relu(z1)
    z2 = np.dot(W2, a1) + b2
    a2 = relu(z2)
    z3 = np.dot(W3, a2) + b3
    a3 = sigmoid(z3)
    cache = (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3)
    return a3, cache


def backward_propagation(X, Y, cache):
    m = X.shape[1]
    (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3) = cache
    dz3 = 1. / m * (a3 - Y)
    dW3 = np.dot(dz3, a2.T)
    db3 = np.sum(dz3, axis=1, keepdims=True)
    da2 = np.dot(W3.T, dz3)
    dz2 = np.multiply(da2, np.int64(a2 > 0))
    dW2 = np.dot(dz2, a1.T)
    db2 = np.sum(dz2, axis=1, keepdims=True)
    da1 = np.dot(W2.T, dz2)
    dz1 = np.multiply(da1, np.int64(a1 > 0))
    dW1 = np.dot(dz1, X.T)
    db1 = np.sum(dz1, axis=1, keepdims=True)
    return {"dz3": dz3, "dW3": dW3, "db3": db3,
            "da2": da2, "dz2": dz2, "dW2": dW2, "db2": db2,
            "da1": da1, "dz1": dz1, "dW1": dW1, "db1": db1}


def predict(X, y, parameters):
    m = X.shape[1]
    p = np.zeros((1, m), dtype=int)
    a3, caches = forward_propagation(X, parameters)
    for i in range(0, a3.shape[1]):
        p[0, i] = 1 if a3[0, i] > 0.5 else 0
    return p, np.mean((p[0, :] == y[0, :]))


# --- the notebook's functions ---------------------------------------------------------------------

def update_parameters_with_gd(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * grads["db" + str(l)]
    return parameters


def random_mini_batches(X, Y, mini_batch_size=64, seed=0):
    np.random.seed(seed)
    m = X.shape[1]
    mini_batches = []
    permutation = list(np.random.permutation(m))
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation].reshape((1, m))
    num_complete_minibatches = math.floor(m / mini_batch_size)
    for k in range(0, num_complete_minibatches):
        mini_batch_X = shuffled_X[:, k * mini_batch_size:(k + 1) * mini_batch_size]
        mini_batch_Y = shuffled_Y[:, k * mini_batch_size:(k + 1) * mini_batch_size]
        mini_batches.append((mini_batch_X, mini_batch_Y))
    if m % mini_batch_size != 0:
        mini_batch_X = shuffled_X[:, num_complete_minibatches * mini_batch_size:]
        mini_batch_Y = shuffled_Y[:, num_complete_minibatches * mini_batch_size:]
        mini_batches.append((mini_batch_X, mini_batch_Y))
    return mini_batches


def initialize_velocity(parameters):
    L = len(parameters) // 2
    v = {}
    for l in range(1, L + 1):
        v["dW" + str(l)] = np.zeros(parameters["W" + str(l)].shape)
        v["db" + str(l)] = np.zeros(parameters["b" + str(l)].shape)
    return v


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        v["dW" + str(l)] = beta * v["dW" + str(l)] + (1 - beta) * grads['dW' + str(l)]
        v["db" + str(l)] = beta * v["db" + str(l)] + (1 - beta) * grads['db' + str(l)]
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * v["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * v["db" + str(l)]
    return parameters, v


def initialize_adam(parameters):
    L = len(parameters) // 2
    v, s = {}, {}
    for l in range(1, L + 1):
        v["dW" + str(l)] = np.zeros(parameters["W" + str(l)].shape)
        v["db" + str(l)] = np.zeros(parameters["b" + str(l)].shape)
        s["dW" + str(l)] = np.zeros(parameters["W" + str(l)].shape)
        s["db" + str(l)] = np.zeros(parameters["b" + str(l)].shape)
    return v, s


def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01,
                                beta1=0.9, beta2=0.999, epsilon=1e-8):
    L = len(parameters) // 2
    v_corrected, s_corrected = {}, {}
    for l in range(1, L + 1):
        for p in ("W", "b"):
            k = "d" + p + str(l)
            v[k] = beta1 * v[k] + (1 - beta1) * grads[k]
            v_corrected[k] = v[k] / (1 - np.power(beta1, t))
            s[k] = beta2 * s[k] + (1 - beta2) * np.power(grads[k], 2)
            s_corrected[k] = s[k] / (1 - np.power(beta2, t))
            parameters[p + str(l)] = parameters[p + str(l)] - learning_rate * v_corrected[k] / (
                np.sqrt(s_corrected[k]) + epsilon)
    return parameters, v, s, v_corrected, s_corrected


def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval=1000):
    return learning_rate0 / (1 + decay_rate * np.floor(epoch_num / time_interval))


def update_lr(learning_rate0, epoch_num, decay_rate):
    return learning_rate0 / (1 + decay_rate * epoch_num)


def model(X, Y, layers_dims, optimizer, learning_rate=0.0007, mini_batch_size=64, beta=0.9,
          beta1=0.9, beta2=0.999, epsilon=1e-8, num_epochs=5000, decay=None, decay_rate=1,
          decay_timing="course"):
    costs = {}
    lrs = {}
    t = 0
    seed = 10
    m = X.shape[1]
    learning_rate0 = learning_rate
    parameters = initialize_parameters(layers_dims)
    if optimizer == "momentum":
        v = initialize_velocity(parameters)
    elif optimizer == "adam":
        v, s = initialize_adam(parameters)
    for i in range(num_epochs):
        if decay and decay_timing == "at_epoch":
            learning_rate = decay(learning_rate0, i, decay_rate)
        lrs[i] = float(learning_rate)
        seed = seed + 1
        minibatches = random_mini_batches(X, Y, mini_batch_size, seed)
        cost_total = 0
        for minibatch_X, minibatch_Y in minibatches:
            a3, caches = forward_propagation(minibatch_X, parameters)
            cost_total += compute_cost(a3, minibatch_Y)
            grads = backward_propagation(minibatch_X, minibatch_Y, caches)
            if optimizer == "gd":
                parameters = update_parameters_with_gd(parameters, grads, learning_rate)
            elif optimizer == "momentum":
                parameters, v = update_parameters_with_momentum(parameters, grads, v, beta, learning_rate)
            elif optimizer == "adam":
                t = t + 1
                parameters, v, s, _, _ = update_parameters_with_adam(parameters, grads, v, s, t, learning_rate,
                                                                     beta1, beta2, epsilon)
        cost_avg = cost_total / m
        if decay and decay_timing == "course":
            learning_rate = decay(learning_rate0, i, decay_rate)     # used from epoch i + 1 on
        costs[i] = cost_avg
    return parameters, costs, lrs


# --- output ---------------------------------------------------------------------------------------

def num(x):
    x = float(x)
    if not math.isfinite(x):
        raise ValueError("non-finite golden value")
    return x


def mat(a):
    return [[num(v) for v in row] for row in np.atleast_2d(np.asarray(a, dtype=np.float64))]


def params_json(parameters):
    out = {}
    for l in (1, 2, 3):
        out["W%d" % l] = mat(parameters["W%d" % l])
        out["b%d" % l] = mat(parameters["b%d" % l].T)         # (1, units), Gradwell's bias shape
    return out


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


def main():
    train_X, train_Y = load_dataset()
    layers_dims = [train_X.shape[0], 5, 2, 1]
    m = train_X.shape[1]
    np.random.seed(11)
    perm = np.random.permutation(m)
    golden = {
        "generated_by": "Tests/golden/course_optimization.py",
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "data": {
            "m": m,
            "first_points": mat(train_X[:, :3].T),
            "first_labels": [int(v) for v in train_Y[0, :10]],
            "epoch0_permutation_head": [int(v) for v in perm[:10]],
            "batch_sizes": [b[0].shape[1] for b in random_mini_batches(train_X, train_Y, 64, 11)],
        },
        "layers": layers_dims,
        "initial_parameters": params_json(initialize_parameters(layers_dims)),
        "runs": [],
    }

    runs = [
        ("gd", "gd", dict(learning_rate=0.0007, num_epochs=5000)),
        ("momentum", "momentum", dict(learning_rate=0.0007, num_epochs=5000, beta=0.9)),
        ("adam", "adam", dict(learning_rate=0.0007, num_epochs=5000, beta1=0.9, beta2=0.999, epsilon=1e-8)),
        ("gd_10000", "gd", dict(learning_rate=0.0007, num_epochs=10000)),
    ]
    momentum_kw = dict(beta=0.9)
    adam_kw = dict(beta1=0.9, beta2=0.999, epsilon=1e-8)
    # Learning-rate decay, as specified for Gradwell: lr0 0.1 for all three, decay_rate 0.3, both timings.
    for timing in ("course", "at_epoch"):
        for opt, extra in (("gd", {}), ("momentum", momentum_kw), ("adam", adam_kw)):
            runs.append(("%s_lr_decay%s" % (opt, "" if timing == "course" else "_at_epoch"), opt,
                         dict(learning_rate=0.1, num_epochs=5000, decay=schedule_lr_decay, decay_rate=0.3,
                              decay_timing=timing, **extra)))
    # The notebook's literal calls: model(..., learning_rate=0.1 (adam: 0.01), num_epochs=5000,
    # decay=schedule_lr_decay) with model()'s default decay_rate=1.  Its table says gd >94.6%, momentum >95.6%,
    # adam 94%.
    for opt, lr, extra in (("gd", 0.1, {}), ("momentum", 0.1, momentum_kw), ("adam", 0.01, adam_kw)):
        runs.append(("notebook_%s_lr_decay" % opt, opt,
                     dict(learning_rate=lr, num_epochs=5000, decay=schedule_lr_decay, decay_rate=1,
                          decay_timing="course", **extra)))
    # Section 7.1: decay every epoch with update_lr (decay_rate 1).  The notebook prints the costs
    # 0.701091 / 0.661884 / 0.658620 / 0.656765 / 0.655486 after epochs 0 / 1000 / 2000 / 3000 / 4000.
    runs.append(("notebook_gd_update_lr", "gd",
                 dict(learning_rate=0.1, num_epochs=5000, decay=update_lr, decay_rate=1, decay_timing="course")))

    for name, opt, kw in runs:
        parameters, costs, lrs = model(train_X, train_Y, layers_dims, opt, **kw)
        _, acc = predict(train_X, train_Y, parameters)
        a3, _ = forward_propagation(train_X, parameters)
        correct = int(np.sum((a3 > 0.5).astype(int) == train_Y))
        epochs = kw["num_epochs"]
        shown = sorted({0, 1, *range(1000, epochs, 1000), epochs - 1})
        config = {"lr": kw["learning_rate"], "epochs": epochs, "mini_batch_size": 64}
        for k in ("beta", "beta1", "beta2", "epsilon"):
            if k in kw:
                config[k] = kw[k]
        run = {"name": name, "optimizer": opt, "config": config}
        if "decay" in kw:
            if kw["decay"] is update_lr:
                config["schedule"] = {"type": "inverse_time", "lr0": kw["learning_rate"],
                                      "decay_rate": kw["decay_rate"], "timing": kw["decay_timing"]}
            else:
                config["schedule"] = {"type": "step", "lr0": kw["learning_rate"], "decay_rate": kw["decay_rate"],
                                      "time_interval": 1000, "timing": kw["decay_timing"]}
        run["train_accuracy"] = num(acc)
        run["correct"] = correct
        run["costs"] = {str(e): num(costs[e]) for e in shown}
        if "decay" in kw:
            if kw["decay"] is update_lr:
                changes = shown
            else:
                changes = sorted({0, 1, *[e for e in range(1, epochs) if lrs[e] != lrs[e - 1]]})
            run["learning_rates"] = {str(e): num(lrs[e]) for e in changes}
        run["final_parameters"] = params_json(parameters)
        golden["runs"].append(run)
        print(f"{name:28s} acc {acc:.4f} ({correct}/300)  cost[0] {float(costs[0])!r}  cost[1] {float(costs[1])!r}  "
              f"cost[1000] {costs[1000]:.10g}  cost[{epochs - 1}] {costs[epochs - 1]:.10g}", flush=True)

    text = dumps(golden) + "\n"
    assert json.loads(text) == golden
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "course_optimization.json")
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
