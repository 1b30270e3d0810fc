#!/usr/bin/env python3
"""Writes the MNIST-1D data set that examples/python/mnist1d.py trains on, as four .npy files.

MNIST-1D: Greydanus & Kobak, "Scaling down deep learning with MNIST-1D", ICML 2024
(arXiv:2011.14439), https://github.com/greydanus/mnist1d, Apache License 2.0. The signals are
generated offline by the `mnist1d` package (`pip install mnist1d`) with its default arguments
(`get_dataset_args()`: 5000 signals of length 40, 10 classes, seed 42, split 80/20 in the
order generated): 4000 training and 1000 test signals, as in the paper. They are stored as
float32 (the examples train in float32) and the labels as int64:

    mnist1d_train_x.npy  (4000, 40) <f4      mnist1d_train_y.npy  (4000,) <i8
    mnist1d_test_x.npy   (1000, 40) <f4      mnist1d_test_y.npy   (1000,) <i8

The files are kept in the repository (840 KB), so the example and CI need neither the package
nor a network; this script is how they were made, and prints their SHA-256 sums to compare with
examples/data/README.md:

    python3 examples/data/make_mnist1d.py [FOLDER]    # default: the folder of this script
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np
from mnist1d.data import get_dataset_args, make_dataset


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    folder.mkdir(parents=True, exist_ok=True)
    data = make_dataset(get_dataset_args())
    arrays = {"mnist1d_train_x": data["x"].astype(np.float32), "mnist1d_train_y": data["y"].astype(np.int64),
              "mnist1d_test_x": data["x_test"].astype(np.float32), "mnist1d_test_y": data["y_test"].astype(np.int64)}
    for name, array in arrays.items():
        path = folder / f"{name}.npy"
        np.save(path, np.ascontiguousarray(array))
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        print(f"{digest}  {path.name}  {array.shape} {array.dtype}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
