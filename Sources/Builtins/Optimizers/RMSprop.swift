import GradwellProtocols

/// RMSprop (Hinton 2012, lecture 6e): s = βs + (1-β)g²; θ -= lr·g/(√s + ε).
public struct RMSprop: Optimizer {
    public static let name = "rmsprop", defaultLearningRate = 0.001
    public static let summary = "RMSprop (Hinton 2012): s = βs + (1-β)g², θ -= lr·g/(√s+ε). PyTorch's default is beta 0.99."
    public static let parameters: [ParameterSpec] = [
        .number("beta", default: 0.999, min: 0, max: 1, exclusiveMax: true, "Decay of the squared-gradient average (PyTorch's alpha)."),
        .number("epsilon", default: 1e-8, min: 0, exclusiveMin: true, "Added to the denominator for stability."),
        .epsilonInsideSquareRoot,
    ]
    public let slots = [StateSlot("s")]
    let beta: Double, epsilon: Double, inside: Bool

    public init(config: ResolvedConfig) {
        beta = config.double("beta"); epsilon = config.double("epsilon"); inside = config.bool("epsilon_inside_sqrt")
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func update<T: Scalar>(_ parameter: inout Tensor<T>, gradient: Tensor<T>, state: inout [Tensor<T>],
                                  step: Int, learningRate: Double) {
        let b = T(beta), eps = T(epsilon), lr = T(learningRate)
        parameter.storage.withUnsafeMutableBufferPointer { p in
            gradient.storage.withUnsafeBufferPointer { g in
                state[0].storage.withUnsafeMutableBufferPointer { s in
                    for i in p.indices {
                        s[i] = b * s[i] + (1 - b) * g[i] * g[i]
                        let denominator = inside ? (s[i] + eps).squareRoot() : s[i].squareRoot() + eps
                        p[i] -= lr * g[i] / denominator
                    }
                }
            }
        }
    }
}

extension ParameterSpec {
    /// Where ε goes, a convention that differs between frameworks (RMSprop, Adam).
    static let epsilonInsideSquareRoot = ParameterSpec.boolean("epsilon_inside_sqrt", default: false,
        "false: g/(√s + ε) (course, PyTorch); true: g/√(s + ε) (some TensorFlow versions).")
}
