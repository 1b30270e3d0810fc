#!/usr/bin/env python3
"""Golden values for NumpyRandomState and Generators, printed as a Swift Testing file.

    python3 Tests/golden/numpy_reference.py > Tests/golden/numpy_reference.out
    cp Tests/golden/numpy_reference.out Tests/GradwellTests/NumpyCompatibilityTests.swift

Everything uses NumPy's legacy global RandomState (np.random.seed), exactly what the course and
scikit-learn's `random_state=None` use.  Doubles are printed with repr() (shortest round-trip), which
Swift parses back to the same bits, so RNG draws can be compared with ==.

`--dump DIR` additionally writes every generated data set in full (one `x y label` row per line,
float.hex) so a standalone Swift build can measure the exact ulp differences.
"""
import os
import sys

import numpy as np
import sklearn
import sklearn.datasets

out = []


def emit(line=""):
    out.append(line)


def d(x):
    """A Swift Double literal with the same bits as x."""
    x = float(x)
    if x != x or x in (float("inf"), float("-inf")):
        raise ValueError("non-finite golden value")
    r = repr(x)
    return r


def dlist(xs, per_line=4, indent="            "):
    xs = [d(x) for x in np.asarray(xs, dtype=float).ravel()]
    lines = [", ".join(xs[i:i + per_line]) for i in range(0, len(xs), per_line)]
    return "[\n" + ",\n".join(indent + ln for ln in lines) + ",\n" + indent[:-4] + "]"


def ilist(xs, per_line=20, indent="            "):
    xs = [str(int(x)) for x in np.asarray(xs).ravel()]
    lines = [", ".join(xs[i:i + per_line]) for i in range(0, len(xs), per_line)]
    return "[\n" + ",\n".join(indent + ln for ln in lines) + ",\n" + indent[:-4] + "]"


def ulist(xs, per_line=4, indent="            "):
    xs = [str(int(x)) for x in np.asarray(xs).ravel()]
    lines = [", ".join(xs[i:i + per_line]) for i in range(0, len(xs), per_line)]
    return "[\n" + ",\n".join(indent + ln for ln in lines) + ",\n" + indent[:-4] + "]"


# ---------------------------------------------------------------------------------------------
# Reference generators (course code, NumPy only)
# ---------------------------------------------------------------------------------------------

def course_planar_dataset(m=400, noise=0.2):
    """load_planar_dataset() from the course's planar_utils.py (after np.random.seed(1)), rows = examples."""
    N = int(m / 2)
    D = 2
    X = np.zeros((m, D))
    Y = np.zeros((m, 1), dtype="uint8")
    a = 4
    for j in range(2):
        ix = range(N * j, N * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + np.random.randn(N) * noise
        r = a * np.sin(4 * t) + np.random.randn(N) * noise
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return X, Y.ravel().astype(int)


def cs231n_spiral(count=300, K=3, noise=0.2):
    """CS231n spiral; count split as Generators.spiral does (remainder to the first classes)."""
    sizes = [count // K + (1 if j < count % K else 0) for j in range(K)]
    X = np.zeros((count, 2))
    y = np.zeros(count, dtype="uint8")
    start = 0
    for j in range(K):
        N = sizes[j]
        ix = range(start, start + N)
        r = np.linspace(0.0, 1, N)
        t = np.linspace(j * 4, (j + 1) * 4, N) + np.random.randn(N) * noise
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[ix] = j
        start += N
    return X, y.astype(int)


def datasets():
    """name -> (swift call, X, y, classCount)."""
    sets = {}
    np.random.seed(1)
    X, y = sklearn.datasets.make_circles(n_samples=300, noise=.05)
    sets["circlesSeed1"] = ("var rng = NumpyRandomState(seed: 1)\n"
                            "        let data = Generators.circles(count: 300, noise: 0.05, factor: 0.8, rng: &rng)",
                            X, y, 2, "np.random.seed(1); make_circles(n_samples=300, noise=.05)")
    np.random.seed(2)
    X, y = sklearn.datasets.make_circles(n_samples=100, noise=.05)
    sets["circlesSeed2Test"] = ("var rng = NumpyRandomState(seed: 2)\n"
                                "        let data = Generators.circles(count: 100, noise: 0.05, factor: 0.8, rng: &rng)",
                                X, y, 2, "np.random.seed(2); make_circles(n_samples=100, noise=.05) (course test set)")
    np.random.seed(3)
    X, y = sklearn.datasets.make_moons(n_samples=300, noise=.2)
    sets["moonsSeed3"] = ("var rng = NumpyRandomState(seed: 3)\n"
                          "        let data = Generators.moons(count: 300, noise: 0.2, rng: &rng)",
                          X, y, 2, "np.random.seed(3); make_moons(n_samples=300, noise=.2)")
    np.random.seed(3)
    X, y = sklearn.datasets.make_moons(n_samples=211, noise=.25)
    sets["moonsSeed3Odd"] = ("var rng = NumpyRandomState(seed: 3)\n"
                             "        let data = Generators.moons(count: 211, noise: 0.25, rng: &rng)",
                             X, y, 2, "np.random.seed(3); make_moons(n_samples=211, noise=.25)")
    np.random.seed(0)
    X, y = sklearn.datasets.make_blobs(n_samples=100, centers=3, n_features=2)
    sets["blobsSeed0"] = ("var rng = NumpyRandomState(seed: 0)\n"
                          "        let data = Generators.blobs(count: 100, centers: 3, features: 2, clusterStd: 1.0, "
                          "centerBox: (-10.0, 10.0), rng: &rng)",
                          X, y, 3, "np.random.seed(0); make_blobs(n_samples=100, centers=3, n_features=2)")
    np.random.seed(1)
    X, y = course_planar_dataset(400, 0.2)
    sets["flowerSeed1"] = ("var rng = NumpyRandomState(seed: 1)\n"
                           "        let data = Generators.flower(count: 400, noise: 0.2, rng: &rng)",
                           X, y, 2, "np.random.seed(1); planar_utils.load_planar_dataset() (rows = examples)")
    np.random.seed(0)
    X, y = cs231n_spiral(300, 3, 0.2)
    sets["spiralSeed0"] = ("var rng = NumpyRandomState(seed: 0)\n"
                           "        let data = Generators.spiral(count: 300, classes: 3, noise: 0.2, rng: &rng)",
                           X, y, 3, "np.random.seed(0); CS231n spiral N=100, K=3")
    # Tiny counts (the generators must not trap and still match sklearn).
    np.random.seed(0)
    X, y = sklearn.datasets.make_circles(n_samples=1, noise=.1)
    sets["circlesOnePoint"] = ("var rng = NumpyRandomState(seed: 0)\n"
                               "        let data = Generators.circles(count: 1, noise: 0.1, factor: 0.8, rng: &rng)",
                               X, y, 2, "np.random.seed(0); make_circles(n_samples=1, noise=.1)")
    np.random.seed(0)
    X, y = sklearn.datasets.make_moons(n_samples=3, noise=.1)
    sets["moonsThreePoints"] = ("var rng = NumpyRandomState(seed: 0)\n"
                                "        let data = Generators.moons(count: 3, noise: 0.1, rng: &rng)",
                                X, y, 2, "np.random.seed(0); make_moons(n_samples=3, noise=.1)")
    np.random.seed(4)
    X, y = sklearn.datasets.make_blobs(n_samples=7, centers=4, n_features=3, cluster_std=0.5, center_box=(-2.0, 5.0))
    sets["blobsUneven"] = ("var rng = NumpyRandomState(seed: 4)\n"
                           "        let data = Generators.blobs(count: 7, centers: 4, features: 3, clusterStd: 0.5, "
                           "centerBox: (-2.0, 5.0), rng: &rng)",
                           X, y, 4, "np.random.seed(4); make_blobs(7, centers=4, n_features=3, cluster_std=.5, center_box=(-2, 5))")
    return sets


# ---------------------------------------------------------------------------------------------
# Swift test file
# ---------------------------------------------------------------------------------------------

emit("// Generated by Tests/golden/numpy_reference.py -- do not edit by hand; rerun the script instead.")
emit(f"// NumPy {np.__version__}, scikit-learn {sklearn.__version__}.  RNG draws must match exactly;")
emit("// data sets within 1e-12 relative (absolute below magnitude 1), which allows a last-ulp libm cos/sin difference.")
emit("import Testing")
emit("@testable import GradwellProtocols")
emit("import GradwellBuiltins")
emit("")
emit("private func isClose(_ a: Double, _ b: Double) -> Bool {")
emit("    abs(a - b) <= 1e-12 * max(abs(b), 1.0)")
emit("}")
emit("")
emit("private func checkData(")
emit("    _ data: GeneratedData, count: Int, featureCount: Int, classCount: Int,")
emit("    firstRows: [Double], labels: [Int], columnSums: [Double], sumOfSquares: Double")
emit(") {")
emit("    #expect(data.featureCount == featureCount)")
emit("    #expect(data.classCount == classCount)")
emit("    #expect(data.labels == labels)")
emit("    #expect(data.features.count == count * featureCount)")
emit("    guard data.features.count == count * featureCount else { return }")
emit("    for (i, expected) in firstRows.enumerated() {")
emit("        #expect(isClose(data.features[i], expected), \"feature \\(i): \\(data.features[i]) vs \\(expected)\")")
emit("    }")
emit("    for column in 0..<featureCount {")
emit("        var sum = 0.0")
emit("        for row in 0..<count { sum += data.features[row * featureCount + column] }")
emit("        #expect(isClose(sum, columnSums[column]), \"column \\(column) sum \\(sum) vs \\(columnSums[column])\")")
emit("    }")
emit("    let squares = data.features.reduce(0.0) { $0 + $1 * $1 }")
emit("    #expect(isClose(squares, sumOfSquares), \"sum of squares \\(squares) vs \\(sumOfSquares)\")")
emit("}")
emit("")
emit("@Suite struct NumpyCompatibilityTests {")

# --- random_sample after seeds -----------------------------------------------------------------
for seed in (0, 1, 3, 4294967295):
    np.random.seed(seed)
    vals = np.random.random_sample(10)
    emit("")
    emit(f"    /// np.random.seed({seed}); np.random.random_sample(10)")
    emit(f"    @Test func randomSampleSeed{seed}() {{")
    emit(f"        var rng = NumpyRandomState(seed: {seed})")
    emit("        let got = (0..<10).map { _ in rng.nextDouble() }")
    emit(f"        let expected: [Double] = {dlist(vals)}")
    emit("        #expect(got == expected)")
    emit("    }")

# --- randn after seed(3) -------------------------------------------------------------------------
np.random.seed(3)
vals = np.random.randn(10)
emit("")
emit("    /// np.random.seed(3); np.random.randn(10) -- every second value comes from the gauss cache.")
emit("    @Test func randnSeed3() {")
emit("        var rng = NumpyRandomState(seed: 3)")
emit("        let got = (0..<10).map { _ in rng.nextNormal() }")
emit(f"        let expected: [Double] = {dlist(vals)}")
emit("        #expect(got == expected)")
emit("    }")

# --- He-style init: randn(10, 2) * sqrt(2/2) -----------------------------------------------------
np.random.seed(3)
vals = np.random.randn(10, 2) * np.sqrt(2 / 2)
emit("")
emit("    /// np.random.seed(3); np.random.randn(10, 2) * np.sqrt(2 / 2), row-major.")
emit("    @Test func heStyleRandnSeed3() {")
emit("        var rng = NumpyRandomState(seed: 3)")
emit("        let factor = (2.0 / 2.0).squareRoot()")
emit("        let got = (0..<20).map { _ in rng.nextNormal() * factor }")
emit(f"        let expected: [Double] = {dlist(vals)}")
emit("        #expect(got == expected)")
emit("    }")

# --- permutations -------------------------------------------------------------------------------
for seed in (10, 11):
    np.random.seed(seed)
    p10 = np.random.permutation(10)
    p300 = np.random.permutation(300)[:20]
    emit("")
    emit(f"    /// np.random.seed({seed}); permutation(10); permutation(300)[:20] (same stream).")
    emit(f"    @Test func permutationsSeed{seed}() {{")
    emit(f"        var rng = NumpyRandomState(seed: {seed})")
    emit("        let small = rng.permutation(10)")
    emit("        let large = rng.permutation(300)")
    emit(f"        #expect(small == {ilist(p10, indent='            ')})")
    emit(f"        #expect(Array(large.prefix(20)) == {ilist(p300, indent='            ')})")
    emit("        #expect(large.sorted() == Array(0..<300))")
    emit("    }")

# --- shuffle of an arbitrary array ---------------------------------------------------------------
np.random.seed(12)
arr = np.arange(100, 125)
np.random.shuffle(arr)
emit("")
emit("    /// np.random.seed(12); a = np.arange(100, 125); np.random.shuffle(a)")
emit("    @Test func shuffleSeed12() {")
emit("        var rng = NumpyRandomState(seed: 12)")
emit("        var values = Array(100..<125)")
emit("        rng.shuffle(&values)")
emit(f"        #expect(values == {ilist(arr, indent='            ')})")
emit("    }")

# --- mixed sequences ----------------------------------------------------------------------------
ops = [("n", 3), ("u", 2), ("n", 1), ("u", 1), ("n", 2), ("p", 7), ("n", 1), ("u", 3), ("n", 5), ("u", 1)]
np.random.seed(5)
expected_d = []
expected_p = []
for kind, k in ops:
    if kind == "n":
        expected_d += list(np.random.randn(k))
    elif kind == "u":
        expected_d += list(np.random.random_sample(k))
    else:
        expected_p += list(np.random.permutation(k))
emit("")
emit("    /// np.random.seed(5); randn(3), random_sample(2), randn(1), random_sample(1), randn(2), permutation(7),")
emit("    /// randn(1), random_sample(3), randn(5), random_sample(1) -- the gauss cache survives uniform draws.")
emit("    @Test func mixedSequenceSeed5() {")
emit("        var rng = NumpyRandomState(seed: 5)")
emit("        var got: [Double] = []")
emit("        var perm: [Int] = []")
for kind, k in ops:
    if kind == "n":
        emit(f"        for _ in 0..<{k} {{ got.append(rng.nextNormal()) }}")
    elif kind == "u":
        emit(f"        for _ in 0..<{k} {{ got.append(rng.nextDouble()) }}")
    else:
        emit(f"        perm += rng.permutation({k})")
emit(f"        let expected: [Double] = {dlist(expected_d)}")
emit("        #expect(got == expected)")
emit(f"        #expect(perm == {ilist(expected_p, indent='            ')})")
emit("    }")

# --- normal(loc, scale) -------------------------------------------------------------------------
np.random.seed(6)
vals = np.random.normal(1.5, 0.3, size=7)
emit("")
emit("    /// np.random.seed(6); np.random.normal(1.5, 0.3, size=7)")
emit("    @Test func normalLocScaleSeed6() {")
emit("        var rng = NumpyRandomState(seed: 6)")
emit("        let got = (0..<7).map { _ in rng.normal(loc: 1.5, scale: 0.3) }")
emit(f"        let expected: [Double] = {dlist(vals)}")
emit("        #expect(got == expected)")
emit("    }")

# --- raw integers -------------------------------------------------------------------------------
rs = np.random.RandomState(8)
u32 = rs.randint(0, 2**32, size=6, dtype=np.uint32)
u64 = rs.randint(0, 2**64, size=4, dtype=np.uint64)
big = rs.randint(0, 2**40 + 1, size=6, dtype=np.uint64)   # legacy masked path == random_interval(2**40)
small = rs.randint(0, 1001, size=6, dtype=np.uint64)      # random_interval(1000), 32-bit draws
emit("")
emit("    /// RandomState(8): randint(0, 2**32, 6, uint32), randint(0, 2**64, 4, uint64),")
emit("    /// randint(0, 2**40 + 1, 6, uint64) and randint(0, 1001, 6, uint64) (legacy masked = random_interval).")
emit("    @Test func rawIntegersSeed8() {")
emit("        var rng = NumpyRandomState(seed: 8)")
emit("        let u32 = (0..<6).map { _ in rng.nextUInt32() }")
emit("        let u64 = (0..<4).map { _ in rng.nextUInt64() }")
emit("        let big = (0..<6).map { _ in rng.nextInt(through: 1 << 40) }")
emit("        let small = (0..<6).map { _ in rng.nextInt(through: 1000) }")
emit(f"        #expect(u32 == ({ulist(u32, indent='            ')} as [UInt32]))")
emit(f"        #expect(u64 == ({ulist(u64, indent='            ')} as [UInt64]))")
emit(f"        #expect(big == {ilist(big, per_line=6, indent='            ')})")
emit(f"        #expect(small == {ilist(small, indent='            ')})")
emit("    }")

# --- get_state compatibility and snapshot restore ----------------------------------------------
np.random.seed(7)
np.random.randn(3)
np.random.random_sample(1)
_, key, pos, has_gauss, cached = np.random.get_state()
following = list(np.random.randn(3)) + list(np.random.random_sample(2))
emit("")
emit("    /// np.random.seed(7); randn(3); random_sample(1); get_state() -- then randn(3), random_sample(2).")
emit("    @Test func snapshotMatchesGetStateAndRestores() {")
emit("        var rng = NumpyRandomState(seed: 7)")
emit("        for _ in 0..<3 { _ = rng.nextNormal() }")
emit("        _ = rng.nextDouble()")
emit("        let snapshot = rng.snapshot")
emit("        #expect(snapshot.isValid)")
emit(f"        #expect(snapshot.position == {int(pos)})")
emit(f"        #expect(snapshot.hasGauss == {'true' if has_gauss else 'false'})")
emit(f"        #expect(snapshot.cachedGauss == {d(cached)})")
emit(f"        #expect(Array(snapshot.stateWords.prefix(6)) == ({ulist(key[:6], indent='            ')} as [UInt32]))")
emit("        let wordSum = snapshot.stateWords.reduce(UInt64(0)) { $0 + UInt64($1) }")
emit(f"        #expect(wordSum == {int(np.sum(key.astype(np.uint64)))})")
emit("        var restored = NumpyRandomState(snapshot: snapshot)")
emit("        var fork = rng")
emit("        var got: [Double] = []")
emit("        for _ in 0..<3 { got.append(restored.nextNormal()) }")
emit("        for _ in 0..<2 { got.append(restored.nextDouble()) }")
emit("        var forked: [Double] = []")
emit("        for _ in 0..<3 { forked.append(fork.nextNormal()) }")
emit("        for _ in 0..<2 { forked.append(fork.nextDouble()) }")
emit(f"        let expected: [Double] = {dlist(following)}")
emit("        #expect(got == expected)")
emit("        #expect(forked == expected)")
emit("        // The original is untouched by its copies' draws (value semantics).")
emit("        #expect(rng.snapshot == snapshot)")
emit("    }")

# --- data sets ----------------------------------------------------------------------------------
dumpdir = None
if "--dump" in sys.argv:
    dumpdir = sys.argv[sys.argv.index("--dump") + 1]
    os.makedirs(dumpdir, exist_ok=True)

for name, (call, X, y, k, desc) in datasets().items():
    X = np.asarray(X, dtype=float)
    n, f = X.shape
    emit("")
    emit(f"    /// {desc}")
    emit(f"    @Test func {name}() {{")
    emit(f"        {call}")
    emit("        checkData(")
    emit(f"            data, count: {n}, featureCount: {f}, classCount: {k},")
    emit(f"            firstRows: {dlist(X[:5], per_line=f, indent='                ')},")
    emit(f"            labels: {ilist(y, indent='                ')},")
    emit(f"            columnSums: {dlist(X.sum(axis=0), per_line=f, indent='                ')},")
    emit(f"            sumOfSquares: {d((X ** 2).sum())}")
    emit("        )")
    emit("    }")
    if dumpdir:
        with open(os.path.join(dumpdir, name + ".txt"), "w") as fh:
            fh.write(f"{n} {f}\n")
            for row, label in zip(X, y):
                fh.write(" ".join(float(v).hex() for v in row) + f" {int(label)}\n")

emit("}")
print("\n".join(out))
