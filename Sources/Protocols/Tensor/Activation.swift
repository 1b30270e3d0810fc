/// The element-wise (and row-wise, for softmax) activation functions of the course, each with its
/// derivative beside it. Derivatives are taken from the activation's output `a`, which is all the
/// course's networks keep: relu' = [a > 0], sigmoid' = a(1 - a), tanh' = 1 - a².
public enum Activation: Sendable, Equatable {
    case linear
    case relu
    case leakyRelu(slope: Double)
    case sigmoid
    case tanh
    case softmax

    /// The wire names, in the order `registry/list` shows them.
    public static let names = ["linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax"]

    public init?(name: String, slope: Double = 0.01) {
        switch name {
        case "linear": self = .linear
        case "relu": self = .relu
        case "leaky_relu": self = .leakyRelu(slope: slope)
        case "sigmoid": self = .sigmoid
        case "tanh": self = .tanh
        case "softmax": self = .softmax
        default: return nil
        }
    }

    public var name: String {
        switch self {
        case .linear: "linear"
        case .relu: "relu"
        case .leakyRelu: "leaky_relu"
        case .sigmoid: "sigmoid"
        case .tanh: "tanh"
        case .softmax: "softmax"
        }
    }

    /// Applies the activation to `x` in place.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func apply<T: Scalar>(_ x: inout Tensor<T>) {
        let width = x.columns
        x.storage.withUnsafeMutableBufferPointer { p in
            switch self {
            case .linear:
                break
            case .relu:
                // NaN stays NaN (v < 0 is false), so divergence is seen.
                for i in p.indices { let v = p[i]; p[i] = v < 0 ? 0 : v }
            case .leakyRelu(let slope):
                let s = T(slope)
                for i in p.indices { let v = p[i]; p[i] = v < 0 ? v * s : v }
            case .sigmoid:
                for i in p.indices { p[i] = Activation.sigmoid(p[i]) }
            case .tanh:
                for i in p.indices { p[i] = T.tanh(p[i]) }
            case .softmax:
                var base = 0
                while base < p.count {
                    var largest = p[base]
                    for j in 1..<width { largest = max(largest, p[base + j]) }
                    var sum: T = 0
                    for j in 0..<width { let e = T.exp(p[base + j] - largest); p[base + j] = e; sum += e }
                    let inverse = 1 / sum
                    for j in 0..<width { p[base + j] *= inverse }
                    base += width
                }
            }
        }
    }

    /// Adds the (1, columns) row `bias` to every row of `x` and applies the activation, in one
    /// pass over `x` for the element-wise activations (the same values as `addRow` then `apply`).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func apply<T: Scalar>(_ x: inout Tensor<T>, addingRow bias: Tensor<T>) {
        let width = x.columns, rows = x.rows
        switch self {
        case .relu, .leakyRelu:
            let leaky: Bool, s: T
            if case .leakyRelu(let slope) = self { leaky = true; s = T(slope) } else { leaky = false; s = 0 }
            precondition(bias.count == width, "bias of \(bias.count) for \(width) columns")
            bias.storage.withUnsafeBufferPointer { b in
                x.storage.withUnsafeMutableBufferPointer { p in
                    if let pb = b.baseAddress, let px = p.baseAddress {
                        T.biasRelu(px, bias: pb, rows: rows, columns: width, slope: s, leaky: leaky)
                    }
                }
            }
        default:
            Kernels.addRow(bias, to: &x)
            apply(&x)
        }
    }

    /// Turns dL/da into dL/dz in place, given the activation's output `a`.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func backward<T: Scalar>(output a: Tensor<T>, gradient g: inout Tensor<T>) {
        precondition(a.count == g.count, "activation backward: output and gradient shapes differ")
        let width = a.columns
        a.storage.withUnsafeBufferPointer { pa in
            g.storage.withUnsafeMutableBufferPointer { pg in
                switch self {
                case .linear:
                    break
                case .relu:
                    if let a = pa.baseAddress, let g = pg.baseAddress {
                        T.reluBackward(output: a, gradient: g, into: g, count: pg.count, slope: 0, leaky: false)
                    }
                case .leakyRelu(let slope):
                    if let a = pa.baseAddress, let g = pg.baseAddress {
                        T.reluBackward(output: a, gradient: g, into: g, count: pg.count, slope: T(slope), leaky: true)
                    }
                case .sigmoid:
                    for i in pg.indices { pg[i] *= pa[i] * (1 - pa[i]) }
                case .tanh:
                    for i in pg.indices { pg[i] *= 1 - pa[i] * pa[i] }
                case .softmax:
                    // dz_j = a_j (g_j - sum_k g_k a_k), row by row.
                    var base = 0
                    while base < pg.count {
                        var dot: T = 0
                        for j in 0..<width { dot += pg[base + j] * pa[base + j] }
                        for j in 0..<width { pg[base + j] = pa[base + j] * (pg[base + j] - dot) }
                        base += width
                    }
                }
            }
        }
    }

    /// dL/dz into `result` (resized), given dL/da (`gradient`, left as it is) and the
    /// activation's output `a`: the values of copying `gradient` and calling
    /// `backward(output:gradient:)`, in one pass for ReLU and leaky ReLU.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func backward<T: Scalar>(output a: Tensor<T>, gradient g: Tensor<T>, into result: inout Tensor<T>) {
        let slope: T, leaky: Bool
        switch self {
        case .relu: slope = 0; leaky = false
        case .leakyRelu(let s): slope = T(s); leaky = true
        default:
            Kernels.copy(g, into: &result)
            backward(output: a, gradient: &result)
            return
        }
        precondition(a.count == g.count, "activation backward: output and gradient shapes differ")
        result.resize(rows: g.rows, columns: g.columns)
        a.storage.withUnsafeBufferPointer { pa in
            g.storage.withUnsafeBufferPointer { pg in
                result.storage.withUnsafeMutableBufferPointer { out in
                    if let a = pa.baseAddress, let g = pg.baseAddress, let out = out.baseAddress {
                        T.reluBackward(output: a, gradient: g, into: out, count: pg.count, slope: slope, leaky: leaky)
                    }
                }
            }
        }
    }

    /// The logistic function, written so that it neither overflows nor loses the tails.
    @inlinable @inline(__always)
    public static func sigmoid<T: Scalar>(_ z: T) -> T {
        if z >= 0 { return 1 / (1 + T.exp(-z)) }
        let e = T.exp(z)
        return e / (1 + e)
    }
}
