import GradwellProtocols

/// Gradient descent with momentum (Polyak 1964), in the course's form by default; Nesterov's
/// look-ahead (Sutskever et al. 2013) is a setting, and `nesterov` the preset that sets it.
/// The course averages (v = βv + (1-β)g); PyTorch accumulates without dampening (v = βv + g),
/// which is the course's rule with lr scaled by 1/(1-β).
public struct Momentum: Optimizer {
    public static let name = "momentum", defaultLearningRate = 0.01
    public static let summary = "Momentum: v = βv + (1-β)g (course) or v = βv + g (pytorch); θ -= lr·v, or lr·(βv + g) with nesterov."
    public static let parameters: [ParameterSpec] = [
        .number("beta", default: 0.9, min: 0, max: 1, exclusiveMax: true, "Momentum coefficient β."),
        .choice("form", ["course", "pytorch"], default: "course", "course: v = βv + (1-β)g; pytorch: v = βv + g (SGD momentum, dampening 0)."),
        .boolean("nesterov", default: false, "Step along βv + (scaled) g instead of v (Nesterov's look-ahead, PyTorch's nesterov=True)."),
    ]
    public let slots = [StateSlot("v")]
    let beta: Double, course: Bool, lookahead: Bool

    public init(config: ResolvedConfig) {
        beta = config.double("beta"); course = config.string("form") == "course"; lookahead = config.bool("nesterov")
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func update<T: Scalar>(_ parameter: inout Tensor<T>, gradient: Tensor<T>, state: inout [Tensor<T>],
                                  step: Int, learningRate: Double) {
        let b = T(beta), scale = course ? 1 - T(beta) : 1, lr = T(learningRate)
        parameter.storage.withUnsafeMutableBufferPointer { p in
            gradient.storage.withUnsafeBufferPointer { g in
                state[0].storage.withUnsafeMutableBufferPointer { v in
                    for i in p.indices {
                        v[i] = b * v[i] + scale * g[i]
                        p[i] -= lr * (lookahead ? b * v[i] + scale * g[i] : v[i])
                    }
                }
            }
        }
    }
}
