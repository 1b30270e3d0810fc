import CBLAS
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
    /// C = alpha * op(A) * op(B) + beta * C on row-major storage, through BLAS.
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
}

/// The element types a tensor can hold, named as on the wire.
public enum DType: String, Sendable, Codable, CaseIterable {
    case float32, float64
}

@inline(__always)
private func blasTranspose(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }

extension Float: Scalar {
    public static var dtype: DType { .float32 }
    @inline(__always) public static func exp(_ x: Float) -> Float { expf(x) }
    @inline(__always) public static func log(_ x: Float) -> Float { logf(x) }
    @inline(__always) public static func log1p(_ x: Float) -> Float { log1pf(x) }
    @inline(__always) public static func tanh(_ x: Float) -> Float { tanhf(x) }
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        BLASThreads.prepare(multiplyAdds: m * n * k)
        cblas_sgemm(CblasRowMajor, blasTranspose(transposeA), blasTranspose(transposeB),
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

extension Double: Scalar {
    public static var dtype: DType { .float64 }
    @inline(__always) public static func exp(_ x: Double) -> Double { Glibc.exp(x) }
    @inline(__always) public static func log(_ x: Double) -> Double { Glibc.log(x) }
    @inline(__always) public static func log1p(_ x: Double) -> Double { Glibc.log1p(x) }
    @inline(__always) public static func tanh(_ x: Double) -> Double { Glibc.tanh(x) }
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                            a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        BLASThreads.prepare(multiplyAdds: m * n * k)
        cblas_dgemm(CblasRowMajor, blasTranspose(transposeA), blasTranspose(transposeB),
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

/// OpenBLAS's thread count, set once by the host (`--threads`) so results are reproducible.
///
/// The count is matched to the work: a product of fewer than `splitThreshold` multiply-adds runs
/// on one thread (waking a second one costs more than it saves at a batch of 128), larger ones
/// on all of them. OpenBLAS splits a product by output blocks, never along the sum, so the
/// numbers do not depend on the choice; and the choice depends only on shapes, so a run is
/// reproducible for a fixed `--threads`.
public enum BLASThreads {
    nonisolated(unsafe) private static var configured = 1
    nonisolated(unsafe) private static var active = 1
    /// Multiply-adds from which a product uses every thread (GRADWELL_BLAS_SPLIT overrides it).
    nonisolated(unsafe) public static var splitThreshold: Int = {
        if let text = getenv("GRADWELL_BLAS_SPLIT"), let value = Int(String(cString: text)), value > 0 { return value }
        return 8_000_000
    }()

    public static func set(_ count: Int) {
        configured = max(1, count)
        active = configured
        openblas_set_num_threads(Int32(configured))
    }

    /// The thread count the host was given (`--threads`).
    public static var current: Int { configured }

    /// Sets OpenBLAS's threads for a product of `multiplyAdds`.
    @inline(__always)
    static func prepare(multiplyAdds: Int) {
        guard configured > 1 else { return }
        let wanted = multiplyAdds >= splitThreshold ? configured : 1
        if wanted != active {
            active = wanted
            openblas_set_num_threads(Int32(wanted))
        }
    }
}
