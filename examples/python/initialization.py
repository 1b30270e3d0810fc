#!/usr/bin/env python3
"""The course's initialization experiment, through the Python client.

The same requests as examples/initialization.jsonl: a [2,10,5,1] network (relu, relu, sigmoid)
on `circles` (300 training points, seed 1; 100 test points, seed 2; noise 0.05), 15000
full-batch gradient-descent steps at lr 0.01, float64, NumPy's random streams, for three
initializers: zeros, random x10 and He. Prints the accuracies beside the course's and exits 1
if one differs from Gradwell's expected figure.

    python3 examples/python/initialization.py
"""

from __future__ import annotations

import sys

from _common import Table, dense, open_host, options

# run name, initializer, course (train, test), expected correct (train of 300, test of 100)
RUNS = [
    ("zeros", "zeros", ("50%", "50%"), (150, 50)),
    ("random_x10", {"type": "random", "scale": 10}, ("83%", "86%"), (249, 86)),
    ("he", "he", ("99%", "96%"), (298, 96)),
]


def create(host, name, init):
    return host.create_model(name, input=2, layers=[dense(10, "relu", init), dense(5, "relu", init),
                                                     dense(1, "sigmoid", init)],
                             loss="binary_cross_entropy", dtype="float64", seed=3, rng="numpy")


def main() -> int:
    args = options(__doc__.splitlines()[0]).parse_args()
    table = Table("Initialization: [2,10,5,1] on circles, 15000 GD steps at lr 0.01, float64",
                  ["train", "test"])
    with open_host(args) as host:
        host.initialize()
        host.generate("train", "circles", n=300, noise=0.05, seed=1, rng="numpy")
        host.generate("test", "circles", n=100, noise=0.05, seed=2, rng="numpy")
        for name, init, course, expected in RUNS:
            create(host, name, init)
            host.train(name, "train", epochs=15000, optimizer={"type": "gd", "lr": 0.01}, report_every=1000)
            train = host.evaluate(name, "train")
            test = host.evaluate(name, "test")
            table.add(name, course, [(train["accuracy"], train["n"]), (test["accuracy"], test["n"])], expected)
    table.print()
    return table.exit_code()


if __name__ == "__main__":
    sys.exit(main())
