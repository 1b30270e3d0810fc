import GradwellProtocols

/// Mean squared error over every output of every row, as PyTorch's `MSELoss()`.
public struct MeanSquaredError: Loss {
    public static let name = "mse"
    public static let summary = "Mean of (output - target)² over all outputs; no accuracy."
    public static let parameters: [ParameterSpec] = []
    public init(config: ResolvedConfig) {}

    public var fusedActivation: Activation? { nil }
    public func targetColumns(outputs: Int) -> Int { outputs }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func cost<T: Scalar>(output: Tensor<T>, targets: Tensor<T>) -> Double {
        var total = 0.0
        for i in 0..<output.count { let d = Double(output.storage[i]) - Double(targets.storage[i]); total += d * d }
        return total / Double(max(output.count, 1))
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func gradient<T: Scalar>(output: Tensor<T>, targets: Tensor<T>, into gradient: inout Tensor<T>) {
        gradient.resize(rows: output.rows, columns: output.columns)
        let scale = 2 / T(max(output.count, 1))
        for i in 0..<output.count { gradient.storage[i] = (output.storage[i] - targets.storage[i]) * scale }
    }

    public func correct<T: Scalar>(predictions: Tensor<T>, targets: Tensor<T>) -> Int? { nil }
}
