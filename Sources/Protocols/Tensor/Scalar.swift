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
    /// C = alpha * op(A) * op(B) + beta * C on row-major storage, through BLAS.
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// x[r][c] = v < 0 ? (leaky ? v·slope : 0) : v with v = x[r][c] + bias[c] (vectorized C).
    static func biasRelu(_ x: UnsafeMutablePointer<Self>, bias: UnsafePointer<Self>, rows: Int, columns: Int,
                         slope: Self, leaky: Bool)
    /// g[i] = a[i] > 0 ? g[i] : (leaky ? g[i]·slope : 0) (vectorized C).
    static func reluBackward(output a: UnsafePointer<Self>, gradient g: UnsafeMutablePointer<Self>, count: Int,
                             slope: Self, leaky: Bool)
    /// Adam's update with ε outside the root and no weight decay (vectorized C).
    static func adam(parameter: UnsafeMutablePointer<Self>, gradient: UnsafePointer<Self>,
                     first: UnsafeMutablePointer<Self>, second: UnsafeMutablePointer<Self>, count: Int,
                     beta1: Self, beta2: Self, learningRate: Self, correction1: Self, correction2: Self, epsilon: Self)
    /// Column sums of a row-major matrix, accumulated row by row (vectorized C).
    static func columnSums(_ x: UnsafePointer<Self>, into sums: UnsafeMutablePointer<Self>, rows: Int, columns: Int)
}

/// The element types a tensor can hold, named as on the wire.
public enum DType: String, Sendable, Codable, CaseIterable {
    case float32, float64
}

@inline(__always)
private func blasTranspose(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }

extension Float: Scalar {
    @inline(__always) public static func biasRelu(_ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int,
                                                  columns: Int, slope: Float, leaky: Bool) {
        gw_bias_relu_f32(x, bias, rows, columns, slope, leaky ? 1 : 0)
    }
    @inline(__always) public static func reluBackward(output a: UnsafePointer<Float>, gradient g: UnsafeMutablePointer<Float>,
                                                      count: Int, slope: Float, leaky: Bool) {
        gw_relu_backward_f32(a, g, count, slope, leaky ? 1 : 0)
    }
    @inline(__always) public static func adam(parameter: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
                                              first: UnsafeMutablePointer<Float>, second: UnsafeMutablePointer<Float>, count: Int,
                                              beta1: Float, beta2: Float, learningRate: Float, correction1: Float, correction2: Float,
                                              epsilon: Float) {
        gw_adam_f32(parameter, gradient, first, second, count, beta1, beta2, learningRate, correction1, correction2, epsilon)
    }
    @inline(__always) public static func columnSums(_ x: UnsafePointer<Float>, into sums: UnsafeMutablePointer<Float>,
                                                    rows: Int, columns: Int) {
        gw_column_sums_f32(x, sums, rows, columns)
    }
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
    @inline(__always) public static func biasRelu(_ x: UnsafeMutablePointer<Double>, bias: UnsafePointer<Double>, rows: Int,
                                                  columns: Int, slope: Double, leaky: Bool) {
        gw_bias_relu_f64(x, bias, rows, columns, slope, leaky ? 1 : 0)
    }
    @inline(__always) public static func reluBackward(output a: UnsafePointer<Double>, gradient g: UnsafeMutablePointer<Double>,
                                                      count: Int, slope: Double, leaky: Bool) {
        gw_relu_backward_f64(a, g, count, slope, leaky ? 1 : 0)
    }
    @inline(__always) public static func adam(parameter: UnsafeMutablePointer<Double>, gradient: UnsafePointer<Double>,
                                              first: UnsafeMutablePointer<Double>, second: UnsafeMutablePointer<Double>, count: Int,
                                              beta1: Double, beta2: Double, learningRate: Double, correction1: Double, correction2: Double,
                                              epsilon: Double) {
        gw_adam_f64(parameter, gradient, first, second, count, beta1, beta2, learningRate, correction1, correction2, epsilon)
    }
    @inline(__always) public static func columnSums(_ x: UnsafePointer<Double>, into sums: UnsafeMutablePointer<Double>,
                                                    rows: Int, columns: Int) {
        gw_column_sums_f64(x, sums, rows, columns)
    }
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
