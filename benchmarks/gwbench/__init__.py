"""The benchmark harness behind `benchmarks/run`: Gradwell against NumPy, PyTorch and JAX.

Layout, one concern per module:

- `workloads`: the four networks (three dense, the MNIST-1D CNN), their data and their FLOP
  counts (shared by everyone).
- harness: `cli` (options, the run from start to end) and `harness` (one configuration: warm-up,
  calibration, repetitions in alternation, one row per implementation).
- `peers`: one module per implementation -- `gradwell` (the host through its pipe), `numpy_course`,
  `pytorch`, `jax_optax` -- the registry of the Python peers, and `worker`, the subprocess that
  runs one Python peer per configuration.
- measurement: `measurement` (CPU load, process time, peak memory), `ceiling` (the sgemm
  ceiling), `machine` (CPU model, ISA level, the BLAS each implementation runs).
- report: `targets` (the issues' targets, judged) and `report` (the table and the JSON lines).

Modules import NumPy, PyTorch and JAX inside functions, so a worker imports only what its peer
needs and JAX's thread settings can be made before JAX is loaded.
"""
