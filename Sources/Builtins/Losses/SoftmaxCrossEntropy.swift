import GradwellProtocols

/// Softmax cross-entropy on class-index targets, from logits: logsumexp(z) - z[label].
public struct SoftmaxCrossEntropy: Loss {
    public static let name = "softmax_cross_entropy"
    public static let summary = "Cross-entropy of a softmax over classes; targets are class indices."
    public static let parameters: [ParameterSpec] = []
    public init(config: ResolvedConfig) {}

    public var fusedActivation: Activation? { .softmax }
    public func targetColumns(outputs: Int) -> Int { 1 }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func cost<T: Scalar>(output: Tensor<T>, targets: Tensor<T>) -> Double {
        var total = 0.0
        let width = output.columns
        for row in 0..<output.rows {
            var largest = -Double.infinity
            for j in 0..<width { largest = max(largest, Double(output[row, j])) }
            var sum = 0.0
            for j in 0..<width { sum += Double.exp(Double(output[row, j]) - largest) }
            let label = Int(targets.storage[row])
            total += largest + Double.log(sum) - Double(output[row, label])
        }
        return total / Double(max(output.rows, 1))
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func gradient<T: Scalar>(output: Tensor<T>, targets: Tensor<T>, into gradient: inout Tensor<T>) {
        Kernels.copy(output, into: &gradient)
        Activation.softmax.apply(&gradient)
        let scale = 1 / T(max(output.rows, 1))
        for row in 0..<output.rows {
            gradient[row, Int(targets.storage[row])] -= 1
        }
        Kernels.scale(&gradient, by: scale)
    }

    /// A row is right when its largest probability is at the target class (first one on ties).
    public func correct<T: Scalar>(predictions: Tensor<T>, targets: Tensor<T>) -> Int? {
        var right = 0
        for row in 0..<predictions.rows {
            var best = 0
            for j in 1..<max(predictions.columns, 1) where predictions[row, j] > predictions[row, best] { best = j }
            if best == Int(targets.storage[row]) { right += 1 }
        }
        return right
    }
}
