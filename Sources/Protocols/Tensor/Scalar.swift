import CBLAS
import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// The element type of a tensor: `Float` (training default) or `Double` (gradient checking).
///
/// Generic numerics in Gradwell mark their hot functions with
/// `@_specialize(where T == Float) @_specialize(where T == Double)`: the compiler then emits
/// concrete copies and dispatches to them even when the caller only holds an `any Layer<T>`.
public protocol Scalar: BinaryFloatingPoint, Sendable, Codable, CustomStringConvertible
where RawSignificand: FixedWidthInteger {
    /// The wire name of this type: "float32" or "float64".
    static var dtype: DType { get }
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    /// C = alpha * op(A) * op(B) + beta * C on row-major storage, through BLAS. `rowBlocks`:
    /// when the product is cut across threads, cut C into blocks of rows (see `Kernels.matmul`).
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int, rowBlocks: Bool)
    /// x[r][c] = v < 0 ? (leaky ? v·slope : 0) : v with v = x[r][c] + bias[c] (vectorized C).
    static func biasRelu(_ x: UnsafeMutablePointer<Self>, bias: UnsafePointer<Self>, rows: Int, columns: Int,
                         slope: Self, leaky: Bool)
    /// out[i] = a[i] > 0 ? g[i] : (leaky ? g[i]·slope : 0) (vectorized C); `out` may be `g`.
    static func reluBackward(output a: UnsafePointer<Self>, gradient g: UnsafePointer<Self>, into out: UnsafeMutablePointer<Self>,
                             count: Int, slope: Self, leaky: Bool)
    /// Adam's update with ε outside the root and no weight decay (vectorized C).
    static func adam(parameter: UnsafeMutablePointer<Self>, gradient: UnsafePointer<Self>,
                     first: UnsafeMutablePointer<Self>, second: UnsafeMutablePointer<Self>, count: Int,
                     beta1: Self, beta2: Self, learningRate: Self, correction1: Self, correction2: Self, epsilon: Self)
    /// Column sums of a row-major matrix, accumulated row by row (vectorized C).
    static func columnSums(_ x: UnsafePointer<Self>, into sums: UnsafeMutablePointer<Self>, rows: Int, columns: Int)
    /// im2col and col2im of a convolution's windows (vectorized C; see `gw_window`).
    static func im2col(_ x: UnsafePointer<Self>, into columns: UnsafeMutablePointer<Self>, rows: Int, window: UnsafePointer<gw_window>)
    static func col2im(_ columns: UnsafePointer<Self>, into x: UnsafeMutablePointer<Self>, rows: Int, window: UnsafePointer<gw_window>)
}

/// The element types a tensor can hold, named as on the wire.
public enum DType: String, Sendable, Codable, CaseIterable {
    case float32, float64
}

@inline(__always)
private func blasTranspose(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }

// The C kernels take both element types (a flag says which), and the optimizer kernel and the
// product hand a job of raw pointers to the worker threads: one binding each for both types.
extension Scalar {
    @inline(__always) public static func biasRelu(_ x: UnsafeMutablePointer<Self>, bias: UnsafePointer<Self>, rows: Int,
                                                  columns: Int, slope: Self, leaky: Bool) {
        gw_bias_relu(x, bias, rows, columns, Double(slope), leaky ? 1 : 0, isDouble)
    }
    @inline(__always) public static func reluBackward(output a: UnsafePointer<Self>, gradient g: UnsafePointer<Self>,
                                                      into out: UnsafeMutablePointer<Self>, count: Int, slope: Self, leaky: Bool) {
        gw_relu_backward(a, g, out, count, Double(slope), leaky ? 1 : 0, isDouble)
    }
    @inline(__always) public static func columnSums(_ x: UnsafePointer<Self>, into sums: UnsafeMutablePointer<Self>,
                                                    rows: Int, columns: Int) {
        gw_column_sums(x, sums, rows, columns, isDouble)
    }
    @inline(__always) public static func im2col(_ x: UnsafePointer<Self>, into columns: UnsafeMutablePointer<Self>, rows: Int,
                                                window: UnsafePointer<gw_window>) {
        gw_im2col(x, columns, rows, window, isDouble)
    }
    @inline(__always) public static func col2im(_ columns: UnsafePointer<Self>, into x: UnsafeMutablePointer<Self>, rows: Int,
                                                window: UnsafePointer<gw_window>) {
        gw_col2im(columns, x, rows, window, isDouble)
    }
    /// The C kernels' element-type flag.
    @inline(__always) static var isDouble: Int32 { dtype == .float64 ? 1 : 0 }
    @inline(__always) public static func adam(parameter: UnsafeMutablePointer<Self>, gradient: UnsafePointer<Self>,
                                              first: UnsafeMutablePointer<Self>, second: UnsafeMutablePointer<Self>, count: Int,
                                              beta1: Self, beta2: Self, learningRate: Self, correction1: Self, correction2: Self,
                                              epsilon: Self) {
        var job = BLASThreads.AdamJob(p: UnsafeMutableRawPointer(parameter), g: UnsafeRawPointer(gradient),
                                      m: UnsafeMutableRawPointer(first), v: UnsafeMutableRawPointer(second), count: count,
                                      beta1: Double(beta1), beta2: Double(beta2), learningRate: Double(learningRate),
                                      correction1: Double(correction1), correction2: Double(correction2),
                                      epsilon: Double(epsilon), double: isDouble == 1)
        BLASThreads.adam(&job)
    }
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                            a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                            beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int, rowBlocks: Bool) {
        var job = BLASThreads.GemmJob(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                      lda: lda, ldb: ldb, ldc: ldc, alpha: Double(alpha), beta: Double(beta),
                                      a: UnsafeRawPointer(a), b: UnsafeRawPointer(b), c: UnsafeMutableRawPointer(c),
                                      double: isDouble == 1, rowBlocks: rowBlocks)
        BLASThreads.gemm(&job)
    }
}

extension Float: Scalar {
    public static var dtype: DType { .float32 }
    @inline(__always) public static func exp(_ x: Float) -> Float { expf(x) }
    @inline(__always) public static func log(_ x: Float) -> Float { logf(x) }
    @inline(__always) public static func log1p(_ x: Float) -> Float { log1pf(x) }
    @inline(__always) public static func tanh(_ x: Float) -> Float { tanhf(x) }
}

extension Double: Scalar {
    public static var dtype: DType { .float64 }
    @inline(__always) public static func exp(_ x: Double) -> Double { Glibc.exp(x) }
    @inline(__always) public static func log(_ x: Double) -> Double { Glibc.log(x) }
    @inline(__always) public static func log1p(_ x: Double) -> Double { Glibc.log1p(x) }
    @inline(__always) public static func tanh(_ x: Double) -> Double { Glibc.tanh(x) }
}

/// Work cut into parts that run at once, one per thread (`BLASThreads.parallel`): a subclass
/// keeps its buffers between calls, so handing it to the threads allocates nothing.
open class ParallelJob: @unchecked Sendable {
    public init() {}
    /// Runs part `part` of `parts` (0 ≤ part < parts). Parts must not write the same memory.
    open func run(part: Int, parts: Int) {}
}

/// The host's thread count (`--threads`), and how matrix products use it.
///
/// OpenBLAS itself always runs single-threaded. A product of at least `splitThreshold`
/// multiply-adds is cut into `--threads` blocks of C (by rows, or by columns when C is wider than
/// tall), each computed by its own single-threaded OpenBLAS call on its own thread (the
/// `WorkerPool`); smaller products run on the calling thread. Waking OpenBLAS's own pool for
/// every product of a 128-row batch cost more than it saved (its threads spin and yield between
/// calls); handing a block to a waiting worker takes microseconds and allocates nothing. The
/// blocks depend only on the shapes and the thread count, so a run is bit-reproducible for a
/// fixed `--threads` (not across counts: OpenBLAS picks its kernels by the block's size).
public enum BLASThreads {
    nonisolated(unsafe) private static var configured = 1
    /// Multiply-adds from which a product is split across threads (GRADWELL_BLAS_SPLIT overrides it).
    nonisolated(unsafe) public static var splitThreshold: Int = {
        if let text = getenv("GRADWELL_BLAS_SPLIT"), let value = Int(String(cString: text)), value > 0 { return value }
        return 2_000_000
    }()

    /// The threads beside the caller's, when `--threads` is more than 1.
    nonisolated(unsafe) private static var pool: WorkerPool?

    /// The most threads a host may be given (`--threads`).
    public static let maximum = 1024

    /// Sets the thread count and starts the workers; returns why not when a thread could not
    /// be started (the system's limits), else nil.
    @discardableResult
    public static func set(_ count: Int) -> String? {
        configured = min(max(1, count), maximum)
        openblas_set_num_threads(1)
        guard configured > 1 else {
            pool = nil
            return nil
        }
        let started = WorkerPool(threads: configured)
        if let failure = started.startFailure { return failure }
        pool = started
        return nil
    }

    /// The thread count the host was given (`--threads`).
    public static var current: Int { configured }

    /// Whether a product of this shape is split across the worker threads.
    @inline(__always)
    static func shouldSplit(m: Int, n: Int, k: Int) -> Bool {
        guard let pool, !insideParallel else { return false }
        return m * n * k >= splitThreshold && max(m, n) >= 2 * pool.parts
    }

    /// Elements from which an element-wise kernel is split across threads.
    static let elementSplit = 1 << 12

    @inline(__always)
    static func shouldSplit(elements: Int) -> Bool { pool != nil && !insideParallel && elements >= elementSplit }

    /// True while `parallel` runs a job: its parts already occupy every thread, so products and
    /// kernels inside them run on the thread that calls them.
    nonisolated(unsafe) private static var insideParallel = false

    /// The threads a `ParallelJob` is cut into: `--threads`.
    public static var parts: Int { pool?.parts ?? 1 }

    /// Runs `job.run(part:parts:)` for every part at once, part 0 on the calling thread, and
    /// returns when all have finished. Products and element-wise kernels called inside a part
    /// are not split again. Allocates nothing.
    public static func parallel(_ job: ParallelJob) {
        guard let pool, !insideParallel else {
            job.run(part: 0, parts: 1)
            return
        }
        insideParallel = true
        pool.run(parallelPart, UnsafeRawPointer(Unmanaged.passUnretained(job).toOpaque()))
        insideParallel = false
    }

    /// Gives every worker thread `Denormals.current` (a worker takes it when it starts, too).
    static func applyDenormalsOnWorkers() {
        guard let pool else { return }
        var nothing = 0
        withUnsafePointer(to: &nothing) { pool.run(denormalsPart, UnsafeRawPointer($0)) }
    }

    static let denormalsPart: WorkerPool.Task = { _, _, _ in Denormals.applyToCallingThread() }

    static let parallelPart: WorkerPool.Task = { context, part, parts in
        Unmanaged<ParallelJob>.fromOpaque(context!).takeUnretainedValue().run(part: part, parts: parts)
    }

    /// Runs `task` on every thread with `job` (on the caller's stack) as its arguments.
    static func run<Job>(_ task: WorkerPool.Task, _ job: inout Job) {
        withUnsafePointer(to: &job) { pool!.run(task, UnsafeRawPointer($0)) }
    }

    /// Runs `task` with `job` as one part on the calling thread.
    @inline(__always)
    static func runHere<Job>(_ task: WorkerPool.Task, _ job: inout Job) {
        withUnsafePointer(to: &job) { task(UnsafeRawPointer($0), 0, 1) }
    }

    /// A matrix product: cut into blocks across the threads when large enough, else in one call
    /// on this thread (the same code with one block).
    static func gemm(_ job: inout GemmJob) {
        if shouldSplit(m: job.m, n: job.n, k: job.k) { run(gemmPart, &job) } else { runHere(gemmPart, &job) }
    }

    /// An Adam update: element-wise, so cut into ranges across the threads for large tensors
    /// with no effect on the numbers.
    static func adam(_ job: inout AdamJob) {
        if shouldSplit(elements: job.count) { run(adamPart, &job) } else { runHere(adamPart, &job) }
    }

    /// OpenBLAS meets beta = 0 by first scaling C by 0 in a slow pass of its own and then adding
    /// the product; clearing C (a rows × columns block, row stride ldc) with memset and asking
    /// for beta = 1 gives the same sums (0 + the product) for less. Returns the beta to pass.
    @inline(__always)
    static func clearForZeroBeta<B: BinaryFloatingPoint>(_ beta: B, _ c: UnsafeMutableRawPointer, rows: Int, columns: Int,
                                                         ldc: Int, elementSize: Int) -> B {
        guard beta == 0 else { return beta }
        if ldc == columns {
            c.initializeMemory(as: UInt8.self, repeating: 0, count: rows * columns * elementSize)
        } else {
            for r in 0..<rows {
                (c + r * ldc * elementSize).initializeMemory(as: UInt8.self, repeating: 0, count: columns * elementSize)
            }
        }
        return 1
    }

    /// One matrix product's arguments (scalars widened to Double; Float converts back exactly).
    struct GemmJob {
        var transposeA: Bool, transposeB: Bool
        var m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int
        var alpha: Double, beta: Double
        var a: UnsafeRawPointer, b: UnsafeRawPointer, c: UnsafeMutableRawPointer
        var double: Bool
        /// Cut by rows of C even when C is wider than tall (when there are enough rows).
        var rowBlocks: Bool
    }

    /// Part `part` of a product: a block of C's rows (or columns, when C is wider than tall and
    /// rows were not asked for, or are too few to give each part 16), with the same rows of
    /// op(A) (or columns of op(B)).
    static let gemmPart: WorkerPool.Task = { context, part, parts in
        let job = context!.load(as: GemmJob.self)
        let byRows = job.m >= job.n || (job.rowBlocks && job.m >= 16 * parts)
        let length = byRows ? job.m : job.n
        let start = length * part / parts, end = length * (part + 1) / parts
        let rowStart = byRows ? start : 0, rows = byRows ? end - start : job.m
        let columnStart = byRows ? 0 : start, columns = byRows ? job.n : end - start
        let size = job.double ? 8 : 4
        let a = job.a + size * rowStart * (job.transposeA ? 1 : job.lda)
        let b = job.b + size * columnStart * (job.transposeB ? job.ldb : 1)
        let c = job.c + size * (rowStart * job.ldc + columnStart)
        let ta = job.transposeA ? CblasTrans : CblasNoTrans, tb = job.transposeB ? CblasTrans : CblasNoTrans
        // Small float32 products: LIBXSMM's JIT kernels where it has one (see gw_small_sgemm).
        if !job.double && gw_small_sgemm(job.transposeA ? 1 : 0, job.transposeB ? 1 : 0, rows, columns, job.k, Float(job.alpha),
                                         a.assumingMemoryBound(to: Float.self), job.lda, b.assumingMemoryBound(to: Float.self),
                                         job.ldb, Float(job.beta), c.assumingMemoryBound(to: Float.self), job.ldc) != 0 {
            return
        }
        let beta = clearForZeroBeta(job.beta, c, rows: rows, columns: columns, ldc: job.ldc, elementSize: size)
        if job.double {
            cblas_dgemm(CblasRowMajor, ta, tb, Int32(rows), Int32(columns), Int32(job.k), job.alpha,
                        a.assumingMemoryBound(to: Double.self), Int32(job.lda), b.assumingMemoryBound(to: Double.self),
                        Int32(job.ldb), beta, c.assumingMemoryBound(to: Double.self), Int32(job.ldc))
        } else {
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(rows), Int32(columns), Int32(job.k), Float(job.alpha),
                        a.assumingMemoryBound(to: Float.self), Int32(job.lda), b.assumingMemoryBound(to: Float.self),
                        Int32(job.ldb), Float(beta), c.assumingMemoryBound(to: Float.self), Int32(job.ldc))
        }
    }

    /// A row gather's arguments: rows `indices[r]` of `source` copied to row r of `destination`.
    struct GatherJob {
        var source: UnsafeRawPointer, destination: UnsafeMutableRawPointer
        var indices: UnsafePointer<Int>, rows: Int, rowBytes: Int
    }

    /// Part `part` of a gather: a contiguous range of the destination's rows.
    static let gatherPart: WorkerPool.Task = { context, part, parts in
        let job = context!.load(as: GatherJob.self)
        for r in job.rows * part / parts..<job.rows * (part + 1) / parts {
            (job.destination + r * job.rowBytes).copyMemory(from: job.source + job.indices[r] * job.rowBytes, byteCount: job.rowBytes)
        }
    }

    /// One Adam update's arguments.
    struct AdamJob {
        var p: UnsafeMutableRawPointer, g: UnsafeRawPointer, m: UnsafeMutableRawPointer, v: UnsafeMutableRawPointer
        var count: Int
        var beta1: Double, beta2: Double, learningRate: Double, correction1: Double, correction2: Double, epsilon: Double
        var double: Bool
    }

    /// Part `part` of an Adam update: a contiguous range of the elements.
    static let adamPart: WorkerPool.Task = { context, part, parts in
        let job = context!.load(as: AdamJob.self)
        let start = job.count * part / parts, length = job.count * (part + 1) / parts - start
        if job.double {
            gw_adam_f64(job.p.assumingMemoryBound(to: Double.self) + start, job.g.assumingMemoryBound(to: Double.self) + start,
                        job.m.assumingMemoryBound(to: Double.self) + start, job.v.assumingMemoryBound(to: Double.self) + start,
                        length, job.beta1, job.beta2, job.learningRate, job.correction1, job.correction2, job.epsilon)
        } else {
            gw_adam_f32(job.p.assumingMemoryBound(to: Float.self) + start, job.g.assumingMemoryBound(to: Float.self) + start,
                        job.m.assumingMemoryBound(to: Float.self) + start, job.v.assumingMemoryBound(to: Float.self) + start,
                        length, Float(job.beta1), Float(job.beta2), Float(job.learningRate), Float(job.correction1),
                        Float(job.correction2), Float(job.epsilon))
        }
    }
}
