import GradwellProtocols

/// Plain gradient descent: θ ← θ - lr · g.
public struct GradientDescent: Optimizer {
    public static let name = "gd"
    public static let summary = "Gradient descent: θ ← θ - lr·g (batch, mini-batch or stochastic by batch_size)."
    public static let parameters: [ParameterSpec] = [
        .number("lr", default: 0.01, min: 0, exclusiveMin: true, "Learning rate."),
    ]
    public let learningRate: Double
    public var stateSlots: [String] { [] }
    public init(config: ResolvedConfig) { learningRate = config.double("lr") }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func update<T: Scalar>(_ parameter: inout Tensor<T>, gradient: Tensor<T>, state: inout [Tensor<T>],
                                  step: Int, learningRate: Double) {
        Kernels.axpy(-T(learningRate), gradient, &parameter)
    }
}
