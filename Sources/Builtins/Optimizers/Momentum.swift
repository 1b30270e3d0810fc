import GradwellProtocols

/// The two ways frameworks write momentum. The course averages (v = βv + (1-β)g); PyTorch
/// accumulates without dampening (v = βv + g), which is the course's rule with lr scaled by 1/(1-β).
private let momentumForms = ["course", "pytorch"]

/// Gradient descent with momentum (Polyak 1964), in the course's form by default.
public struct Momentum: Optimizer {
    public static let name = "momentum"
    public static let summary = "Momentum: v = βv + (1-β)g (course) or v = βv + g (pytorch); θ -= lr·v."
    public static let parameters: [ParameterSpec] = [
        .number("lr", default: 0.01, min: 0, exclusiveMin: true, "Learning rate."),
        .number("beta", default: 0.9, min: 0, max: 1, exclusiveMax: true, "Momentum coefficient β."),
        .choice("form", momentumForms, default: "course", "course: v = βv + (1-β)g; pytorch: v = βv + g (SGD momentum, dampening 0)."),
    ]
    public let learningRate: Double
    let beta: Double
    let course: Bool
    public var stateSlots: [String] { ["v"] }
    public init(config: ResolvedConfig) {
        learningRate = config.double("lr"); beta = config.double("beta"); course = config.string("form") == "course"
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
                        p[i] -= lr * v[i]
                    }
                }
            }
        }
    }
}

/// Nesterov momentum (Nesterov 1983; Sutskever et al. 2013): the step looks ahead along v.
public struct Nesterov: Optimizer {
    public static let name = "nesterov"
    public static let summary = "Nesterov momentum: θ -= lr·(βv + (1-β)g) (course form) or lr·(g + βv) (pytorch)."
    public static let parameters: [ParameterSpec] = Momentum.parameters
    public let learningRate: Double
    let beta: Double
    let course: Bool
    public var stateSlots: [String] { ["v"] }
    public init(config: ResolvedConfig) {
        learningRate = config.double("lr"); beta = config.double("beta"); course = config.string("form") == "course"
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
                        p[i] -= lr * (b * v[i] + scale * g[i])
                    }
                }
            }
        }
    }
}
