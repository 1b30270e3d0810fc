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
    /// Nesterov's look-ahead: step along βv + (scaled) g instead of v.
    let lookahead: Bool
    public var stateSlots: [String] { ["v"] }
    public init(config: ResolvedConfig) { self.init(config: config, lookahead: false) }

    init(config: ResolvedConfig, lookahead: Bool) {
        learningRate = config.double("lr"); beta = config.double("beta"); course = config.string("form") == "course"
        self.lookahead = lookahead
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

/// Nesterov momentum (Nesterov 1983; Sutskever et al. 2013): Momentum with the look-ahead set,
/// θ -= lr·(βv + (1-β)g) in the course's form, lr·(g + βv) in PyTorch's (`nesterov=True`).
public struct Nesterov: Optimizer {
    public static let name = "nesterov"
    public static let summary = "Nesterov momentum: θ -= lr·(βv + (1-β)g) (course form) or lr·(g + βv) (pytorch)."
    public static let parameters: [ParameterSpec] = Momentum.parameters
    let momentum: Momentum
    public var learningRate: Double { momentum.learningRate }
    public var stateSlots: [String] { momentum.stateSlots }
    public init(config: ResolvedConfig) { momentum = Momentum(config: config, lookahead: true) }

    public func update<T: Scalar>(_ parameter: inout Tensor<T>, gradient: Tensor<T>, state: inout [Tensor<T>],
                                  step: Int, learningRate: Double) {
        momentum.update(&parameter, gradient: gradient, state: &state, step: step, learningRate: learningRate)
    }
}
