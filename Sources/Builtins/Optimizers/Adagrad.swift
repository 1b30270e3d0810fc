import GradwellProtocols

/// Adagrad (Duchi et al. 2011): s += g²; θ -= lr·g/(√s + ε), s starting at `initial_accumulator`.
public struct Adagrad: Optimizer {
    public static let name = "adagrad", defaultLearningRate = 0.01
    public static let summary = "Adagrad (Duchi et al. 2011): s += g², θ -= lr·g/(√s+ε)."
    public static let parameters: [ParameterSpec] = [
        .number("epsilon", default: 1e-10, min: 0, exclusiveMin: true, "Added to the denominator (PyTorch's default)."),
        .number("initial_accumulator", default: 0, min: 0, "Starting value of s."),
    ]
    public let slots: [StateSlot]
    let epsilon: Double

    public init(config: ResolvedConfig) {
        epsilon = config.double("epsilon"); slots = [StateSlot("s", initial: config.double("initial_accumulator"))]
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func update<T: Scalar>(_ parameter: inout Tensor<T>, gradient: Tensor<T>, state: inout [Tensor<T>],
                                  step: Int, learningRate: Double) {
        let eps = T(epsilon), lr = T(learningRate)
        parameter.storage.withUnsafeMutableBufferPointer { p in
            gradient.storage.withUnsafeBufferPointer { g in
                state[0].storage.withUnsafeMutableBufferPointer { s in
                    for i in p.indices {
                        s[i] += g[i] * g[i]
                        p[i] -= lr * g[i] / (s[i].squareRoot() + eps)
                    }
                }
            }
        }
    }
}
