import GradwellProtocols

// Weight penalties, per weight tensor, for a gradient computed on m examples. Only tensors a
// layer marks `regularized` (weights, not biases or batch-norm parameters) are penalized.

/// L2 (weight decay as a cost): λ/(2m)·ΣW², gradient λ/m·W (the course's).
public struct L2Regularizer: Regularizer {
    public static let name = "l2"
    public static let summary = "λ/(2m)·ΣW², gradient λ/m·W (the course's L2 regularization)."
    public static let parameters: [ParameterSpec] = [.number("lambda", default: 0.01, min: 0, "Strength λ.")]
    let lambda: Double
    public init(config: ResolvedConfig) { lambda = config.double("lambda") }

    public func cost<T: Scalar>(_ weights: Tensor<T>, examples: Int) -> Double {
        lambda / (2 * Double(examples)) * weights.squaredNorm()
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func addGradient<T: Scalar>(_ weights: Tensor<T>, examples: Int, to gradient: inout Tensor<T>) {
        Kernels.axpy(T(lambda / Double(examples)), weights, &gradient)
    }
}

/// L1: λ/m·Σ|W|, gradient λ/m·sign(W) (sign(0) = 0), which drives weights to exactly zero.
public struct L1Regularizer: Regularizer {
    public static let name = "l1"
    public static let summary = "λ/m·Σ|W|, gradient λ/m·sign(W); favours sparse weights."
    public static let parameters: [ParameterSpec] = [.number("lambda", default: 0.01, min: 0, "Strength λ.")]
    let lambda: Double
    public init(config: ResolvedConfig) { lambda = config.double("lambda") }

    public func cost<T: Scalar>(_ weights: Tensor<T>, examples: Int) -> Double {
        var sum = 0.0
        for value in weights.storage { sum += abs(Double(value)) }
        return lambda / Double(examples) * sum
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func addGradient<T: Scalar>(_ weights: Tensor<T>, examples: Int, to gradient: inout Tensor<T>) {
        let scale = T(lambda / Double(examples))
        weights.storage.withUnsafeBufferPointer { w in
            gradient.storage.withUnsafeMutableBufferPointer { g in
                for i in g.indices where w[i] != 0 { g[i] += w[i] > 0 ? scale : -scale }
            }
        }
    }
}

/// Elastic net: l1 and l2 together (Zou and Hastie 2005).
public struct L1L2Regularizer: Regularizer {
    public static let name = "l1_l2"
    public static let summary = "l1 + l2: λ1/m·Σ|W| + λ2/(2m)·ΣW² (Zou and Hastie 2005)."
    public static let parameters: [ParameterSpec] = [
        .number("l1", default: 0.01, min: 0, "Strength of the L1 term."),
        .number("l2", default: 0.01, min: 0, "Strength of the L2 term."),
    ]
    let l1: L1Regularizer, l2: L2Regularizer
    public init(config: ResolvedConfig) {
        l1 = L1Regularizer(lambda: config.double("l1"))
        l2 = L2Regularizer(lambda: config.double("l2"))
    }

    public func cost<T: Scalar>(_ weights: Tensor<T>, examples: Int) -> Double {
        l1.cost(weights, examples: examples) + l2.cost(weights, examples: examples)
    }

    public func addGradient<T: Scalar>(_ weights: Tensor<T>, examples: Int, to gradient: inout Tensor<T>) {
        l1.addGradient(weights, examples: examples, to: &gradient)
        l2.addGradient(weights, examples: examples, to: &gradient)
    }
}

extension L1Regularizer { init(lambda: Double) { self.lambda = lambda } }
extension L2Regularizer { init(lambda: Double) { self.lambda = lambda } }
