#!/usr/bin/env python3
"""Writes the example request files (examples/*.jsonl). Edit here, then run it again.

Each example is a JSON-lines script for `gradwell run FILE` (or `gradwell < FILE`)."""
import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent


class Script:
    def __init__(self):
        self.lines = []

    def __call__(self, method, **params):
        self.lines.append(json.dumps({"jsonrpc": "2.0", "id": len(self.lines) + 1, "method": method, "params": params}))

    def write(self, name):
        (HERE / name).write_text("\n".join(self.lines) + "\n")


def dense(units, activation, init="he", **extra):
    return {"type": "dense", "units": units, "activation": activation, "init": init, **extra}


def initialization():
    """The course's initialization table: zeros / random x10 / He on circles, 15000 GD steps."""
    s = Script()
    s("initialize")
    s("dataset/generate", name="train", generator="circles", n=300, noise=0.05, seed=1, rng="numpy")
    s("dataset/generate", name="test", generator="circles", n=100, noise=0.05, seed=2, rng="numpy")
    for name, init in [("zeros", "zeros"), ("random_x10", {"type": "random", "scale": 10}), ("he", "he")]:
        s("model/create", name=name, input=2, layers=[dense(10, "relu", init), dense(5, "relu", init), dense(1, "sigmoid", init)],
          loss="binary_cross_entropy", dtype="float64", seed=3, rng="numpy")
        s("train", model=name, data="train", epochs=15000, optimizer={"type": "gd", "lr": 0.01}, report_every=1000)
        s("evaluate", model=name, data="train")
        s("evaluate", model=name, data="test")
    s.write("initialization.jsonl")


def regularization():
    """The course's regularization table on an equivalent noisy moons set: none / L2 0.7 / dropout 0.86."""
    s = Script()
    s("dataset/generate", name="train", generator="moons", n=211, noise=0.25, seed=3, rng="numpy")
    s("dataset/generate", name="test", generator="moons", n=200, noise=0.25, seed=2, rng="numpy")
    runs = [("plain", [], None), ("l2", [{"type": "l2", "lambda": 0.7}], None), ("dropout", [], 0.86)]
    for name, regularizers, keep in runs:
        layers = [dense(20, "relu", "xavier")]
        if keep:
            layers.append({"type": "dropout", "keep_prob": keep})
        layers.append(dense(3, "relu", "xavier"))
        if keep:
            layers.append({"type": "dropout", "keep_prob": keep})
        layers.append(dense(1, "sigmoid", "xavier"))
        s("model/create", name=name, input=2, layers=layers, dtype="float64", seed=3, rng="numpy")
        s("train", model=name, data="train", epochs=30000, optimizer={"type": "gd", "lr": 0.3},
          regularizers=regularizers, report_every=10000)
        s("evaluate", model=name, data="train")
        s("evaluate", model=name, data="test")
    s.write("regularization.jsonl")


def gradient_checking():
    """Gradient checking on the course's [4,5,3,1] network, with and without L2."""
    s = Script()
    s("dataset/generate", name="d", generator="blobs", n=20, features=4, centers=2, seed=1)
    s("model/create", name="m", input=4, layers=[dense(5, "relu"), dense(3, "relu"), dense(1, "sigmoid")], seed=1)
    s("gradcheck", model="m", data="d")
    s("gradcheck", model="m", data="d", regularizers=[{"type": "l2", "lambda": 0.7}])
    s.write("gradient_checking.jsonl")


def batchnorm():
    """Eight sigmoid layers: plain gradient descent barely moves; with batch norm it learns."""
    s = Script()
    s("dataset/generate", name="train", generator="spiral", n=600, classes=3, noise=0.2, seed=1)
    for name, norm in [("plain", False), ("batchnorm", True)]:
        layers = []
        for _ in range(8):
            layers.append(dense(64, "linear" if norm else "sigmoid", "xavier", use_bias=not norm))
            if norm:
                layers.append({"type": "batchnorm"})
                layers.append({"type": "activation", "activation": "sigmoid"})
        layers.append(dense(3, "softmax", "xavier"))
        s("model/create", name=name, input=2, layers=layers, loss="softmax_cross_entropy", seed=1)
        s("train", model=name, data="train", epochs=300, batch_size=64, optimizer={"type": "gd", "lr": 0.5},
          report_every=100, diagnostics=True)
    s.write("batchnorm.jsonl")


def optimization():
    """The course's optimization table: GD, momentum, Adam on moons with mini-batches of 64."""
    s = Script()
    s("dataset/generate", name="train", generator="moons", n=300, noise=0.2, seed=3, rng="numpy")
    runs = [("gd", {"type": "gd", "lr": 0.0007}, None, 5000),
            ("momentum", {"type": "momentum", "lr": 0.0007, "beta": 0.9}, None, 5000),
            ("adam", {"type": "adam", "lr": 0.0007}, None, 5000),
            ("gd_10000", {"type": "gd", "lr": 0.0007}, None, 10000),
            ("gd_step_decay", {"type": "gd", "lr": 0.1}, {"type": "step", "decay_rate": 0.3, "time_interval": 1000}, 5000),
            ("momentum_step_decay", {"type": "momentum", "lr": 0.1, "beta": 0.9}, {"type": "step", "decay_rate": 0.3, "time_interval": 1000}, 5000),
            ("adam_step_decay", {"type": "adam", "lr": 0.1}, {"type": "step", "decay_rate": 0.3, "time_interval": 1000}, 5000)]
    for name, optimizer, schedule, epochs in runs:
        s("model/create", name=name, input=2, layers=[dense(5, "relu"), dense(2, "relu"), dense(1, "sigmoid")],
          dtype="float64", seed=3, rng="numpy")
        params = dict(model=name, data="train", epochs=epochs, batch_size=64, seed=10, optimizer=optimizer, report_every=1000)
        if schedule:
            params["schedule"] = schedule
        s("train", **params)
    s.write("optimization.jsonl")


def digits():
    """Handwritten digits from a CSV file: normalize, split 80/20, softmax network with Adam."""
    s = Script()
    s("dataset/load", name="digits", path="examples/data/digits.csv", format="csv", label="label")
    s("dataset/split", source="digits", into={"train": 0.8, "test": 0.2}, seed=1, stratify=True)
    s("dataset/normalize", name="train", stats_from="train")
    s("dataset/normalize", name="test", stats_from="train")
    s("model/create", name="digits_mlp", input=64, layers=[dense(128, "relu"), dense(64, "relu"), dense(10, "softmax")],
      loss="softmax_cross_entropy", seed=1)
    s("train", model="digits_mlp", data="train", epochs=30, batch_size=64, optimizer={"type": "adam", "lr": 0.001},
      validation="test", report_every=5)
    s("evaluate", model="digits_mlp", data="test")
    s.write("digits.jsonl")


def search():
    """Random search beats grid search with the same nine trials when one hyperparameter (the
    learning rate) matters and the other (momentum's beta) barely does: grid tries 3 rates,
    random tries 9."""
    s = Script()
    template = {
        "datasets": {"train": {"generator": "moons", "n": 400, "noise": 0.2, "seed": 1},
                     "dev": {"generator": "moons", "n": 200, "noise": 0.2, "seed": 2}},
        "model": {"input": 2, "layers": [dense(16, "relu"), dense(8, "relu"), dense(1, "sigmoid")]},
        "train": {"data": "train", "epochs": 20, "batch_size": 64, "optimizer": {"type": "adam"}, "report_every": 1000},
    }
    space = {"train.optimizer.lr": {"type": "log_uniform", "low": 1e-4, "high": 1},
             "train.optimizer.beta1": {"type": "uniform", "low": 0.85, "high": 0.95}}
    objective = {"data": "dev", "metric": "accuracy", "goal": "maximize"}
    s("search", template=template, space=space, objective=objective, strategy="grid", trials=9, seed=7)
    s("search", template=template, space=space, objective=objective, strategy="random", trials=9, seed=7, parallel=2)
    s("search", template=template, space=space, objective=objective, strategy="random", trials=9, seed=7,
      refine={"rounds": 1, "keep": 3})
    s.write("search.jsonl")


if __name__ == "__main__":
    for make in (initialization, regularization, gradient_checking, batchnorm, optimization, digits, search):
        make()
