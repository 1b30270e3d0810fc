#!/usr/bin/env python3
"""Learning curves of the course's three initialization runs (zeros, random x10, He).

Runs the requests of examples/initialization.jsonl (see initialization.py), collects the `metric`
notifications of each training and, when matplotlib is installed, saves a plot of the cost per
epoch (log y axis) to OUTPUT (default learning_curves.png); otherwise, or with --text, prints
the curves as a table.

    python3 examples/python/learning_curves.py [OUTPUT.png] [--every N] [--text]
"""

from __future__ import annotations

import math
import sys
from typing import Dict, List, Tuple

from _common import open_host, options
from initialization import RUNS, create

LABELS = {"zeros": "zeros", "random_x10": "random x10", "he": "He"}


def collect(args) -> Dict[str, List[Tuple[int, float]]]:
    curves: Dict[str, List[Tuple[int, float]]] = {}
    with open_host(args) as host:
        host.generate("train", "circles", n=300, noise=0.05, seed=1, rng="numpy")
        for name, init, _course, _expected in RUNS:
            create(host, name, init)
            result = host.train(name, "train", epochs=15000, optimizer={"type": "gd", "lr": 0.01},
                                report_every=args.every)
            # A non-finite cost travels as null; it cannot be drawn on a log axis.
            curves[name] = [(m["epoch"], m["cost"]) for m in result.metrics
                            if isinstance(m.get("cost"), (int, float)) and math.isfinite(m["cost"])]
            print(f"{LABELS[name]:>10}: {len(result.metrics)} metrics, final cost {result.cost:.6g}, "
                  f"training accuracy {result.accuracy:.4f}", file=sys.stderr)
    return curves


def plot(curves: Dict[str, List[Tuple[int, float]]], output: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.5))
    for name, points in curves.items():
        axes.plot([e for e, _ in points], [c for _, c in points], marker="." if len(points) <= 50 else None,
                  label=LABELS[name])
    axes.set_yscale("log")
    axes.set_xlabel("epoch")
    axes.set_ylabel("cost (binary cross-entropy)")
    axes.set_title("Initialization: [2,10,5,1] on circles, GD lr 0.01")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(output, dpi=120)
    plt.close(figure)


def print_text(curves: Dict[str, List[Tuple[int, float]]]) -> None:
    names = list(curves)
    epochs = sorted({e for points in curves.values() for e, _ in points})
    by_epoch = {name: dict(points) for name, points in curves.items()}
    print("epoch  " + "  ".join(f"{LABELS[n]:>12}" for n in names))
    for epoch in epochs:
        cells = [by_epoch[n].get(epoch) for n in names]
        print(f"{epoch:>5}  " + "  ".join(f"{c:>12.6g}" if c is not None else f"{'':>12}" for c in cells))


def main() -> int:
    parser = options(__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default="learning_curves.png", help="the PNG to write")
    parser.add_argument("--every", type=int, default=1000, metavar="N",
                        help="report the cost every N epochs (default 1000, as the example)")
    parser.add_argument("--text", action="store_true", help="print the curves even if matplotlib is installed")
    args = parser.parse_args()
    if args.every < 1:
        parser.error("--every must be at least 1")
    curves = collect(args)
    matplotlib = None
    if not args.text:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print("matplotlib is not installed (pip install matplotlib): printing the curves instead",
                  file=sys.stderr)
    if matplotlib is None or args.text:
        print_text(curves)
    else:
        plot(curves, args.output)
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
