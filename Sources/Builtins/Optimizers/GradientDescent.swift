import GradwellProtocols

/// Plain gradient descent: θ ← θ - lr · g.
public struct GradientDescent: Optimizer {
    public static let name = "gd", defaultLearningRate = 0.01
    public static let summary = "Gradient descent: θ ← θ - lr·g (batch, mini-batch or stochastic by batch_size)."
    public static let parameters: [ParameterSpec] = []
    public let slots: [StateSlot] = []
    public init(config: ResolvedConfig) {}

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func update<T: Scalar>(_ parameter: inout Tensor<T>, gradient: Tensor<T>, state: inout [Tensor<T>],
                                  step: Int, learningRate: Double) {
        Kernels.axpy(-T(learningRate), gradient, &parameter)
    }
}
