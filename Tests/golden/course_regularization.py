#!/usr/bin/env python3
"""Faithful NumPy re-run of "Improving Deep Neural Networks", week 1, Regularization, on moons data.

    python3 Tests/golden/course_regularization.py   # rewrites Tests/golden/course_regularization.json (~1 min)

What it reproduces (reg_utils.py + the notebook's model(), course layout: columns are examples):
* data: the course's data.mat (211 train / 200 test "football" points) is not public, so an equivalent set:
  train = np.random.seed(3); make_moons(n_samples=211, noise=0.25)
  test  = np.random.seed(2); make_moons(n_samples=200, noise=0.25)
* network [2, 20, 3, 1], LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID
* initialize_parameters (reg_utils): np.random.seed(3); for each layer in order
  W_l = randn(units, fan_in) / sqrt(fan_in), b_l = zeros
* 30000 full-batch gradient-descent iterations, learning_rate 0.3
* cost: 1/m * nansum(-y log a3 - (1-y) log(1-a3)) (+ lambd/(2m) * sum of all W^2 for L2)
* backward as in reg_utils: dZ3 = A3 - Y, dW_l = 1/m * dZ_l A_{l-1}^T (+ lambd/m W_l for L2),
  db_l = 1/m * row sums of dZ_l, dZ_l = dA_l * (A_l > 0)
* runs: (a) "none": no regularization; (b) "l2": lambd 0.7; (c) "dropout": keep_prob 0.86 exactly as the
  course does it: np.random.seed(1) at the start of EVERY forward pass (so every iteration draws the same
  masks), D1 = np.random.rand(20, m) < keep_prob, A1 = A1 * D1 / keep_prob, then D2 = np.random.rand(3, m)
  < keep_prob, A2 = A2 * D2 / keep_prob; backward: dA2 = dA2 * D2 / keep_prob, dA1 = dA1 * D1 / keep_prob.
  NOTE the draw order: rand(units, m) is filled unit by unit (all m examples of unit 0 first), i.e. in
  Gradwell's (batch, units) layout the mask is the TRANSPOSE of a row-major (units, m) draw.
* accuracy: predict() runs the plain forward pass (no dropout), p = a3 > 0.5, mean(p == y).

JSON layout (course_regularization.json)
----------------------------------------
"data":      {"train_m": 211, "test_m": 200, "train_first_points", "train_first_labels",
              "test_first_points", "test_first_labels"} (points as (x0, x1) rows)
"layers":    [2, 20, 3, 1]
"initial_parameters": {"W1", "b1", "W2", "b2", "W3", "b3"}; W is (units, fan_in), b a one-row matrix (1, units).
"dropout_masks_head": first 10 entries of D1 row 0 (unit 0, examples 0..9) and D1 column 0 (units 0..9 of
              example 0) as 0/1 ints, plus the keep counts of D1 and D2 -- to pin down the draw order.
"runs":      list of {"name", "config" {"lr", "iterations", "lambda", "keep_prob"}, "train_accuracy",
              "test_accuracy", "train_correct", "test_correct", "costs": {"<iteration>": cost}, every 1000
              plus the last, "final_parameters"}.
Numbers are float64 written with repr (shortest round-trip).  Accuracies compare exactly; the cost at
iteration 0 to ~1e-12 relative, later costs and final parameters to ~1e-6 relative (a different operation
order drifts by rounding over 30000 steps).
"""
import json
import math
import os

import numpy as np
import sklearn
import sklearn.datasets


# --- reg_utils.py ----------------------------------------------------------------------------------

def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    return np.maximum(0, x)


def load_dataset():
    np.random.seed(3)
    train_X, train_Y = sklearn.datasets.make_moons(n_samples=211, noise=0.25)
    np.random.seed(2)
    test_X, test_Y = sklearn.datasets.make_moons(n_samples=200, noise=0.25)
    return (train_X.T, train_Y.reshape((1, -1)), test_X.T, test_Y.reshape((1, -1)))


def initialize_parameters(layer_dims):
    np.random.seed(3)
    parameters = {}
    L = len(layer_dims)
    for l in range(1, L):
        parameters['W' + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) / np.sqrt(layer_dims[l - 1])
        parameters['b' + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


def forward_propagation(X, parameters):
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]
    Z1 = np.dot(W1, X) + b1
    A1 = relu(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = relu(Z2)
    Z3 = np.dot(W3, A2) + b3
    A3 = sigmoid(Z3)
    cache = (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)
    return A3, cache


def backward_propagation(X, Y, cache):
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache
    dZ3 = A3 - Y
    dW3 = 1. / m * np.dot(dZ3, A2.T)
    db3 = 1. / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(W3.T, dZ3)
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1. / m * np.dot(dZ2, A1.T)
    db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1. / m * np.dot(dZ1, X.T)
    db1 = 1. / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2,
            "dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1,
            "dZ1": dZ1, "dW1": dW1, "db1": db1}


def update_parameters(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for k in range(L):
        parameters["W" + str(k + 1)] = parameters["W" + str(k + 1)] - learning_rate * grads["dW" + str(k + 1)]
        parameters["b" + str(k + 1)] = parameters["b" + str(k + 1)] - learning_rate * grads["db" + str(k + 1)]
    return parameters


def compute_cost(a3, Y):
    m = Y.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
    cost = 1. / m * np.nansum(logprobs)
    return cost


def predict(X, y, parameters):
    m = X.shape[1]
    p = np.zeros((1, m), dtype=int)
    a3, caches = forward_propagation(X, parameters)
    for i in range(0, a3.shape[1]):
        p[0, i] = 1 if a3[0, i] > 0.5 else 0
    return p, np.mean((p[0, :] == y[0, :]))


# --- the notebook's graded functions ---------------------------------------------------------------

def compute_cost_with_regularization(A3, Y, parameters, lambd):
    m = Y.shape[1]
    W1, W2, W3 = parameters["W1"], parameters["W2"], parameters["W3"]
    cross_entropy_cost = compute_cost(A3, Y)
    L2_regularization_cost = (1. / m) * (lambd / 2) * (np.sum(np.square(W1)) + np.sum(np.square(W2))
                                                        + np.sum(np.square(W3)))
    return cross_entropy_cost + L2_regularization_cost


def backward_propagation_with_regularization(X, Y, cache, lambd):
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache
    dZ3 = A3 - Y
    dW3 = 1. / m * np.dot(dZ3, A2.T) + (lambd * W3) / m
    db3 = 1. / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(W3.T, dZ3)
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1. / m * np.dot(dZ2, A1.T) + (lambd * W2) / m
    db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1. / m * np.dot(dZ1, X.T) + (lambd * W1) / m
    db1 = 1. / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2,
            "dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1,
            "dZ1": dZ1, "dW1": dW1, "db1": db1}


def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):
    np.random.seed(1)
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]
    Z1 = np.dot(W1, X) + b1
    A1 = relu(Z1)
    D1 = np.random.rand(A1.shape[0], A1.shape[1])
    D1 = (D1 < keep_prob).astype(int)
    A1 = A1 * D1
    A1 = A1 / keep_prob
    Z2 = np.dot(W2, A1) + b2
    A2 = relu(Z2)
    D2 = np.random.rand(A2.shape[0], A2.shape[1])
    D2 = (D2 < keep_prob).astype(int)
    A2 = A2 * D2
    A2 = A2 / keep_prob
    Z3 = np.dot(W3, A2) + b3
    A3 = sigmoid(Z3)
    cache = (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)
    return A3, cache


def backward_propagation_with_dropout(X, Y, cache, keep_prob):
    m = X.shape[1]
    (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3) = cache
    dZ3 = A3 - Y
    dW3 = 1. / m * np.dot(dZ3, A2.T)
    db3 = 1. / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(W3.T, dZ3)
    dA2 = dA2 * D2
    dA2 = dA2 / keep_prob
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1. / m * np.dot(dZ2, A1.T)
    db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    dA1 = dA1 * D1
    dA1 = dA1 / keep_prob
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1. / m * np.dot(dZ1, X.T)
    db1 = 1. / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2,
            "dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1,
            "dZ1": dZ1, "dW1": dW1, "db1": db1}


def model(X, Y, learning_rate=0.3, num_iterations=30000, lambd=0, keep_prob=1):
    costs = {}
    layers_dims = [X.shape[0], 20, 3, 1]
    parameters = initialize_parameters(layers_dims)
    for i in range(0, num_iterations):
        if keep_prob == 1:
            a3, cache = forward_propagation(X, parameters)
        elif keep_prob < 1:
            a3, cache = forward_propagation_with_dropout(X, parameters, keep_prob)
        if lambd == 0:
            cost = compute_cost(a3, Y)
        else:
            cost = compute_cost_with_regularization(a3, Y, parameters, lambd)
        assert lambd == 0 or keep_prob == 1
        if lambd == 0 and keep_prob == 1:
            grads = backward_propagation(X, Y, cache)
        elif lambd != 0:
            grads = backward_propagation_with_regularization(X, Y, cache, lambd)
        elif keep_prob < 1:
            grads = backward_propagation_with_dropout(X, Y, cache, keep_prob)
        parameters = update_parameters(parameters, grads, learning_rate)
        if i % 1000 == 0 or i == num_iterations - 1:
            costs[i] = cost
    return parameters, costs


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
    train_X, train_Y, test_X, test_Y = load_dataset()
    layers_dims = [train_X.shape[0], 20, 3, 1]
    keep_prob = 0.86
    _, dcache = forward_propagation_with_dropout(train_X, initialize_parameters(layers_dims), keep_prob)
    D1, D2 = dcache[1], dcache[6]
    golden = {
        "generated_by": "Tests/golden/course_regularization.py",
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "data": {
            "train_m": train_X.shape[1],
            "test_m": test_X.shape[1],
            "train_first_points": mat(train_X[:, :3].T),
            "train_first_labels": [int(v) for v in train_Y[0, :10]],
            "test_first_points": mat(test_X[:, :3].T),
            "test_first_labels": [int(v) for v in test_Y[0, :10]],
        },
        "layers": layers_dims,
        "initial_parameters": params_json(initialize_parameters(layers_dims)),
        "dropout_masks_head": {
            "keep_prob": keep_prob,
            "D1_shape_course": list(D1.shape),
            "D1_unit0_examples0to9": [int(v) for v in D1[0, :10]],
            "D1_example0_units0to9": [int(v) for v in D1[:10, 0]],
            "D1_kept": int(D1.sum()),
            "D2_shape_course": list(D2.shape),
            "D2_unit0_examples0to9": [int(v) for v in D2[0, :10]],
            "D2_kept": int(D2.sum()),
        },
        "runs": [],
    }
    for name, lambd, kp in (("none", 0, 1), ("l2", 0.7, 1), ("dropout", 0, keep_prob)):
        parameters, costs = model(train_X, train_Y, learning_rate=0.3, num_iterations=30000, lambd=lambd,
                                  keep_prob=kp)
        p_train, acc_train = predict(train_X, train_Y, parameters)
        p_test, acc_test = predict(test_X, test_Y, parameters)
        golden["runs"].append({
            "name": name,
            "config": {"lr": 0.3, "iterations": 30000, "lambda": lambd, "keep_prob": kp},
            "train_accuracy": num(acc_train),
            "test_accuracy": num(acc_test),
            "train_correct": int(np.sum(p_train == train_Y)),
            "test_correct": int(np.sum(p_test == test_Y)),
            "costs": {str(i): num(c) for i, c in costs.items()},
            "final_parameters": params_json(parameters),
        })
        print(f"{name:8s} train {acc_train:.4f} test {acc_test:.4f}  cost[0] {float(costs[0])!r}  "
              f"cost[10000] {float(costs[10000]):.10g}  cost[20000] {float(costs[20000]):.10g}  "
              f"cost[29999] {float(costs[29999]):.10g}", flush=True)

    text = dumps(golden) + "\n"
    assert json.loads(text) == golden
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "course_regularization.json")
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
