#!/usr/bin/env python3
"""The course's optimization experiment, through the Python client.

The same requests as examples/optimization.jsonl: the course's [2,5,2,1] network (relu, relu,
sigmoid, He) on `moons` (300 points, noise 0.2, seed 3), mini-batches of 64 shuffled as the
course's `random_mini_batches` (seed 10), float64, NumPy's random streams: gradient descent,
momentum and Adam at lr 0.0007 for 5000 epochs, then gradient descent for 10000 epochs and the
three optimizers from lr 0.1 with `step` decay (rate 0.3 every 1000 epochs). Prints the training
accuracies beside the course's and exits 1 if one differs from Gradwell's expected figure.

The course's figure for gd and momentum (79.7%) comes from its 10000-epoch version.

    python3 examples/python/optimization.py
"""

from __future__ import annotations

import sys

from _common import Table, dense, open_host, options

STEP = {"type": "step", "decay_rate": 0.3, "time_interval": 1000}

# run name, optimizer, schedule, epochs, course figure, expected correct of 300
RUNS = [
    ("gd", {"type": "gd", "lr": 0.0007}, None, 5000, "79.7%", 215),
    ("momentum", {"type": "momentum", "lr": 0.0007, "beta": 0.9}, None, 5000, "79.7%", 215),
    ("adam", {"type": "adam", "lr": 0.0007}, None, 5000, "94%", 283),
    ("gd_10000", {"type": "gd", "lr": 0.0007}, None, 10000, "79.7%", 239),
    ("gd_step_decay", {"type": "gd", "lr": 0.1}, STEP, 5000, "~94%", 284),
    ("momentum_step_decay", {"type": "momentum", "lr": 0.1, "beta": 0.9}, STEP, 5000, "~95%", 286),
    ("adam_step_decay", {"type": "adam", "lr": 0.1}, STEP, 5000, "~94%", 280),
]


def main() -> int:
    args = options(__doc__.splitlines()[0]).parse_args()
    table = Table("Optimization: [2,5,2,1] on moons, mini-batches of 64, float64 (training accuracy)",
                  ["train"])
    with open_host(args) as host:
        data = host.generate("train", "moons", n=300, noise=0.2, seed=3, rng="numpy")
        for name, optimizer, schedule, epochs, course, expected in RUNS:
            host.create_model(name, input=2, layers=[dense(5, "relu", "he"), dense(2, "relu", "he"),
                                                     dense(1, "sigmoid", "he")],
                              dtype="float64", seed=3, rng="numpy")
            extra = {"schedule": schedule} if schedule else {}
            result = host.train(name, "train", epochs=epochs, batch_size=64, seed=10, optimizer=optimizer,
                                report_every=1000, **extra)
            table.add(name, [course], [(result.accuracy, data["n"])], [expected])
    table.print()
    return table.exit_code()


if __name__ == "__main__":
    sys.exit(main())
