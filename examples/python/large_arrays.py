#!/usr/bin/env python3
"""What sending a large numpy array to the host costs: MNIST's shape, 60000 x 784 float32.

`host.inline` writes an array whose JSON would be large as .npy files and has the host read
them with dataset/load (see clients/python/README.md). This prints the seconds `inline` takes,
the seconds the host alone takes to read such files, and the memory the client allocates
beyond the arrays themselves: the peak tracemalloc sees (numpy reports its buffers to it) and
how much the process's peak resident size grew.
`--json-rows N` also sends the first N rows as JSON (`binary=False`), for comparison.

    python3 examples/python/large_arrays.py [--rows 60000] [--features 784] [--json-rows 2000]
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
import tracemalloc

import numpy

from _common import open_host, options


def peak_resident() -> int:
    """The process's peak resident set size so far, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def timed_inline(host, name, x, y, binary):
    """One inline's answer, seconds, peak bytes allocated while it ran (tracemalloc) and growth
    of the peak resident size."""
    resident = peak_resident()
    tracemalloc.start()
    started = time.perf_counter()
    answer = host.inline(name, x, y, binary=binary)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return answer, seconds, peak, peak_resident() - resident


def main() -> int:
    parser = options(__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=60000)
    parser.add_argument("--features", type=int, default=784)
    parser.add_argument("--json-rows", type=int, default=0, metavar="N",
                        help="also send the first N rows as JSON, for comparison (default: no)")
    args = parser.parse_args()
    random = numpy.random.default_rng(0)
    x = random.random((args.rows, args.features), dtype=numpy.float32)
    y = random.integers(0, 10, args.rows)
    megabytes = (x.nbytes + y.nbytes) / 1e6
    with open_host(args) as host:
        host.initialize()  # asked once; not part of the figures
        answer, seconds, peak, grown = timed_inline(host, "train", x, y, binary=None)
        print(f"inline {x.shape} {x.dtype} + {y.shape} {y.dtype} labels ({megabytes:.0f} MB): {seconds:.2f} s; "
              f"client memory: peak {peak / 1e6:.1f} MB allocated ({peak / (x.nbytes + y.nbytes):.1%} of the arrays), "
              f"peak resident size grew {grown / 1e6:.1f} MB")
        print(f"  answer: {answer}")
        with tempfile.TemporaryDirectory() as folder:
            numpy.save(os.path.join(folder, "x.npy"), x)
            numpy.save(os.path.join(folder, "y.npy"), y)
            started = time.perf_counter()
            host.load("again", os.path.join(folder, "x.npy"), labels=os.path.join(folder, "y.npy"))
            host_seconds = time.perf_counter() - started
        print(f"  the host's dataset/load of the same files, alone: {host_seconds:.2f} s")
        host.drop("again")
        if args.json_rows:
            rows = min(args.json_rows, args.rows)
            _, seconds, peak, grown = timed_inline(host, "json", x[:rows], y[:rows], binary=False)
            print(f"as JSON, the first {rows} rows: {seconds:.2f} s; client memory: peak {peak / 1e6:.1f} MB "
                  f"allocated, peak resident size grew {grown / 1e6:.1f} MB (scaled to all {args.rows} rows: "
                  f"about {seconds * args.rows / rows:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
