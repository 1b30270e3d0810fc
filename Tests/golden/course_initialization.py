#!/usr/bin/env python3
"""Faithful NumPy re-run of "Improving Deep Neural Networks", week 1, Initialization.

    python3 Tests/golden/course_initialization.py > Tests/golden/course_initialization.out

Same data (np.random.seed(1)/(2) + make_circles), same [2, 10, 5, 1] LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID
network, same initializers (np.random.seed(3) inside each), same loss (nansum, so `random` may print inf),
same backward pass (dz3 = (a3 - Y) / m, relu' = a > 0), 15000 full-batch GD steps at lr 0.01.
Floats are printed with repr() so a Swift port can be compared digit for digit.
"""
import numpy as np
import sklearn
import sklearn.datasets


# --- init_utils.py ---------------------------------------------------------------------------------

def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    return np.maximum(0, x)


def load_dataset():
    np.random.seed(1)
    train_X, train_Y = sklearn.datasets.make_circles(n_samples=300, noise=.05)
    np.random.seed(2)
    test_X, test_Y = sklearn.datasets.make_circles(n_samples=100, noise=.05)
    train_X = train_X.T
    train_Y = train_Y.reshape((1, train_Y.shape[0]))
    test_X = test_X.T
    test_Y = test_Y.reshape((1, test_Y.shape[0]))
    return train_X, train_Y, test_X, test_Y


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


def update_parameters(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for k in range(L):
        parameters["W" + str(k + 1)] = parameters["W" + str(k + 1)] - learning_rate * grads["dW" + str(k + 1)]
        parameters["b" + str(k + 1)] = parameters["b" + str(k + 1)] - learning_rate * grads["db" + str(k + 1)]
    return parameters


def compute_loss(a3, Y):
    m = Y.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
    loss = 1. / m * np.nansum(logprobs)
    return loss


def predict(X, y, parameters):
    m = X.shape[1]
    p = np.zeros((1, m), dtype=int)
    a3, caches = forward_propagation(X, parameters)
    for i in range(0, a3.shape[1]):
        p[0, i] = 1 if a3[0, i] > 0.5 else 0
    return p, np.mean((p[0, :] == y[0, :]))


# --- the notebook's initializers -----------------------------------------------------------------

def initialize_parameters_zeros(layers_dims):
    parameters = {}
    L = len(layers_dims)
    for l in range(1, L):
        parameters['W' + str(l)] = np.zeros((layers_dims[l], layers_dims[l - 1]))
        parameters['b' + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


def initialize_parameters_random(layers_dims):
    np.random.seed(3)
    parameters = {}
    L = len(layers_dims)
    for l in range(1, L):
        parameters['W' + str(l)] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * 10
        parameters['b' + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


def initialize_parameters_he(layers_dims):
    np.random.seed(3)
    parameters = {}
    L = len(layers_dims) - 1
    for l in range(1, L + 1):
        parameters['W' + str(l)] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(2. / layers_dims[l - 1])
        parameters['b' + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


def model(X, Y, learning_rate=0.01, num_iterations=15000, initialization="he"):
    costs = {}
    layers_dims = [X.shape[0], 10, 5, 1]
    if initialization == "zeros":
        parameters = initialize_parameters_zeros(layers_dims)
    elif initialization == "random":
        parameters = initialize_parameters_random(layers_dims)
    else:
        parameters = initialize_parameters_he(layers_dims)
    first_weights = parameters["W1"].ravel()[:3].copy()
    with np.errstate(over="ignore"):
        for i in range(0, num_iterations):
            a3, cache = forward_propagation(X, parameters)
            cost = compute_loss(a3, Y)
            grads = backward_propagation(X, Y, cache)
            parameters = update_parameters(parameters, grads, learning_rate)
            if i % 1000 == 0:
                costs[i] = cost
    return parameters, costs, first_weights


def main():
    print(f"# numpy {np.__version__}, scikit-learn {sklearn.__version__}")
    train_X, train_Y, test_X, test_Y = load_dataset()
    print(f"train_X[:, :3] = {[repr(float(v)) for v in train_X[:, :3].T.ravel()]}")
    print(f"train_Y[:, :10] = {train_Y[0, :10].tolist()}")
    for init in ("zeros", "random", "he"):
        parameters, costs, w = model(train_X, train_Y, initialization=init)
        with np.errstate(over="ignore"):
            _, train_acc = predict(train_X, train_Y, parameters)
            _, test_acc = predict(test_X, test_Y, parameters)
        print(f"[{init}]")
        print(f"  W1 first 3 after init: {repr(float(w[0]))}, {repr(float(w[1]))}, {repr(float(w[2]))}")
        for i in (0, 1000, 14000):
            print(f"  cost after iteration {i}: {repr(float(costs[i]))}")
        print("  all costs every 1000: " + ", ".join(f"{i}: {float(c):.12g}" for i, c in costs.items()))
        print(f"  train accuracy: {train_acc} ({repr(float(train_acc))})")
        print(f"  test accuracy: {test_acc} ({repr(float(test_acc))})")


if __name__ == "__main__":
    main()
