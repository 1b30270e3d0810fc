import GradwellProtocols

/// Binary cross-entropy computed from logits z: max(z, 0) - z·y + log(1 + e^-|z|).
///
/// It takes over the network's final sigmoid, so a saturated output gives a large finite cost
/// (the course's own formula gives infinity at the first step of its large-random run).
public struct BinaryCrossEntropy: Loss {
    public static let name = "binary_cross_entropy"
    public static let summary = "Binary cross-entropy on 0/1 targets, computed stably from logits."
    public static let parameters: [ParameterSpec] = []
    public init(config: ResolvedConfig) {}

    public var fusedActivation: Activation? { .sigmoid }
    public func targetColumns(outputs: Int) -> Int { outputs }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func cost<T: Scalar>(output: Tensor<T>, targets: Tensor<T>) -> Double {
        var total = 0.0
        for i in 0..<output.count {
            let z = Double(output.storage[i]), y = Double(targets.storage[i])
            total += max(z, 0) - z * y + Double.log1p(Double.exp(-abs(z)))
        }
        return total / Double(max(output.rows, 1))
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func gradient<T: Scalar>(output: Tensor<T>, targets: Tensor<T>, into gradient: inout Tensor<T>) {
        gradient.resize(rows: output.rows, columns: output.columns)
        let scale = 1 / T(max(output.rows, 1))
        for i in 0..<output.count {
            gradient.storage[i] = (Activation.sigmoid(output.storage[i]) - targets.storage[i]) * scale
        }
    }

    /// A row is right when every output, thresholded at 0.5, equals its target (the course's `a > 0.5`).
    public func correct<T: Scalar>(predictions: Tensor<T>, targets: Tensor<T>) -> Int? {
        var right = 0
        for row in 0..<predictions.rows {
            var all = true
            for column in 0..<predictions.columns {
                let predicted: T = predictions[row, column] > T(0.5) ? 1 : 0
                if predicted != targets[row, column] { all = false; break }
            }
            if all { right += 1 }
        }
        return right
    }
}
